"""/dashboard/{code}: a town's, village's or grid's figures: tiles, where closed cases were
solved, the weekly trend and a map of the child nodes coloured by open or overdue cases,
each a link one level down. The figures are the resolution report's and
``reports.dashboard``'s, under the same ``report`` read rule as ``/api/v1/reports``."""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import Response

from gridgov import clock
from gridgov.access.policy import reaches
from gridgov.access.principal import Principal
from gridgov.errors import NotFound, ValidationFailed
from gridgov.http.sessions import SessionDep
from gridgov.i18n import N_, translate
from gridgov.reports.dashboard import (
    PERIODS,
    NodeCounts,
    period_days,
    territory_counts,
    weekly_trend,
)
from gridgov.reports.resolution import CLOSED_AT, Measures, local_period, resolution_report
from gridgov.territory.codes import CHILD_LEVEL, ancestors, as_level, level_of
from gridgov.territory.models import Territory
from gridgov.web.auth import CallerDep
from gridgov.web.labels import LEVEL_LABELS
from gridgov.web.maps import map_settings
from gridgov.web.rendering import page_language, render
from gridgov.web.routing import page_router

router = page_router()
DASHBOARD_LEVELS = ("town", "village", "grid")
PERIOD_LABELS = {
    "this_month": N_("This month"),
    "last_3_months": N_("Last 3 months"),
    "this_year": N_("This year"),
}
CLOSED_AT_LABELS = {
    "unit": N_("In the unit"),
    "grid": N_("In the grid"),
    "village": N_("In the village"),
    "town_and_above": N_("Town and above"),
}
assert tuple(PERIOD_LABELS) == PERIODS and tuple(CLOSED_AT_LABELS) == tuple(CLOSED_AT)


def _dashboard_node(session: Session, code: str) -> Territory:
    """A town, village or grid; any other code is the not-found page (as a missing one)."""
    if level_of(code) not in DASHBOARD_LEVELS:
        raise NotFound(f"no dashboard for {code}")
    node = session.scalar(select(Territory).where(Territory.code == code))
    if node is None:
        raise NotFound(f"no territory has code {code}")
    return node


def _period(request: Request) -> str:
    period = request.query_params.get("period", "this_month")
    if period not in PERIODS:
        raise ValidationFailed.field("period", f"must be one of {', '.join(PERIODS)}")
    return period


def _breadcrumbs(session: Session, principal: Principal, node: Territory) -> list[Territory]:
    """The node's ancestors from the town down that the caller may look at."""
    codes = [
        code
        for code in ancestors(node.code)
        if level_of(code) in DASHBOARD_LEVELS and reaches(principal, "read", "report", code)
    ]
    found = session.scalars(select(Territory).where(Territory.code.in_(codes)))
    return sorted(found, key=lambda ancestor: len(ancestor.code))


def _child_rows(
    children: list[Measures], counts: dict[str, NodeCounts], drill: bool
) -> list[dict[str, Any]]:
    rows = []
    for child in children:
        figures = counts.get(child.code, NodeCounts())
        rows.append(
            {
                "code": child.code,
                "name": child.name,
                "counts": figures,
                "closed": child.closed,
                "closed_in_grid": child.closed_at_counts["unit"] + child.closed_at_counts["grid"],
                "href": f"/dashboard/{child.code}" if drill else None,
            }
        )
    return rows


def _map_values(rows: list[dict[str, Any]]) -> str:
    """The map's colour and link per child code, read by static/js/map.js."""
    values = {
        row["code"]: {
            "name": row["name"],
            "open": row["counts"].open_cases,
            "overdue": row["counts"].overdue_cases,
            "href": row["href"],
        }
        for row in rows
    }
    return json.dumps(values, ensure_ascii=False, separators=(",", ":"))


def _labels_json(language: str, labels: dict[str, str]) -> str:
    """Labels the chart script shows, translated for this reader."""
    translated = {key: translate(language, label) for key, label in labels.items()}
    return json.dumps(translated, ensure_ascii=False)


@router.get("/dashboard/{code}")
def dashboard(request: Request, code: str, session: SessionDep, caller: CallerDep) -> Response:
    node = _dashboard_node(session, code)
    period = _period(request)
    now = clock.now()
    first_day, last_day = period_days(period, clock.today())
    start, end = local_period(first_day, last_day)
    principal = caller.principal
    report = resolution_report(
        session, territory_code=code, start=start, end=end, now=now, principal=principal
    )
    counts = territory_counts(session, territory_code=code, now=now, principal=principal)
    trend = weekly_trend(session, territory_code=code, start=start, end=end, principal=principal)
    child_level = CHILD_LEVEL[as_level(node.level)]
    rows = _child_rows(report.children, counts.children, drill=child_level in DASHBOARD_LEVELS)
    closed_at = report.territory.closed_at_counts
    context = {
        "node": node,
        "child_level": child_level,
        "breadcrumbs": _breadcrumbs(session, principal, node),
        "period": period,
        "periods": PERIODS,
        "PERIOD_LABELS": PERIOD_LABELS,
        "LEVEL_LABELS": LEVEL_LABELS,
        "CLOSED_AT_LABELS": CLOSED_AT_LABELS,
        "first_day": first_day,
        "last_day": last_day,
        "measures": report.territory,
        "totals": counts.total,
        "closed_at": closed_at,
        "closed_at_json": json.dumps(closed_at),
        "closed_at_labels_json": _labels_json(page_language(request), CLOSED_AT_LABELS),
        "trend": trend,
        "trend_json": json.dumps(
            [{"week": w.start.isoformat(), "opened": w.opened, "closed": w.closed} for w in trend]
        ),
        "rows": rows,
        "map_values": _map_values(rows),
        "map_geojson": f"/api/v1/territories.geojson?territory={code}&level={child_level}",
        "map": map_settings(request),
    }
    return render(request, "dashboard.html", context)
