"""Resolution measures of a territory subtree over a period, aggregated in SQL.

The period selects cases by **creation**: the cases reported in ``[start, end)`` and what
has become of them by ``now`` (a cohort). That is what a leader asks of a month ("of what
villagers raised in March, how much was solved, where, how fast, on time?"): every case
counts once, in the period it was raised, and the shares have a fixed denominator. A
month's figures can still change while its cases are open.

Measures (rates are None when their denominator is 0):

- ``by_state``: cases per state.
- ``closed_at``: share of the closed cases by ``resolved_level``: unit, grid, village, and
  town or above (``town_and_above``).
- ``on_time_rate``: closed cases never overdue at any level / closed.
- ``median_hours_to_close``: median of ``closed_at - created_at`` over the closed cases.
- ``reopen_rate``: closed cases that were reopened at least once / closed.
- ``satisfaction_rate``: cases rated 4 or 5 / cases rated (the latest rating of each).
- ``overdue_now``: cases of the period open now with ``due_at`` before ``now``.

The same figures per child node (each village of a town, each grid of a village) come
from one grouped query (``GROUP BY ROLLUP`` on PostgreSQL: the total and the children in
one scan), never one query per child.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, and_, func, literal, select
from sqlalchemy.orm import Session

from gridgov import clock
from gridgov.access.checks import reach_territory, require
from gridgov.access.policy import allows, reaches, scope_filter
from gridgov.access.principal import Principal
from gridgov.cases.models import Case
from gridgov.cases.states import CASE_STATES, OPEN_STATES
from gridgov.errors import NotFound, ValidationFailed
from gridgov.i18n import Message
from gridgov.territory.codes import CHILD_LEVEL, CODE_LENGTH, Level, as_level
from gridgov.territory.models import Territory
from gridgov.territory.scope import within

PERIOD_BASIS = "created"
# Where closed cases were solved; the town and the district are one bucket.
CLOSED_AT = {
    "unit": ("unit",),
    "grid": ("grid",),
    "village": ("village",),
    "town_and_above": ("town", "district"),
}


@dataclass(frozen=True)
class Measures:
    """The figures of one node's subtree (or of the cases located at the node itself)."""

    code: str
    name: str
    level: str
    total: int
    by_state: dict[str, int]
    closed: int
    closed_at_counts: dict[str, int]
    never_overdue: int
    reopened: int
    rated: int
    satisfied: int
    overdue_now: int
    median_hours_to_close: float | None

    @property
    def closed_at(self) -> dict[str, float | None]:
        return {key: _share(count, self.closed) for key, count in self.closed_at_counts.items()}

    @property
    def on_time_rate(self) -> float | None:
        return _share(self.never_overdue, self.closed)

    @property
    def reopen_rate(self) -> float | None:
        return _share(self.reopened, self.closed)

    @property
    def satisfaction_rate(self) -> float | None:
        return _share(self.satisfied, self.rated)


@dataclass(frozen=True)
class ResolutionReport:
    territory: Measures
    start: dt.datetime
    end: dt.datetime
    generated_at: dt.datetime
    children: list[Measures] = field(default_factory=list)
    # Cases located at the node itself rather than under one of its children (a case
    # located only to a village, in a village's report): None when there are none.
    at_node: Measures | None = None
    period_basis: str = PERIOD_BASIS


def local_period(first_day: dt.date, last_day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """``[start, end)`` in UTC for the local days ``first_day`` to ``last_day`` inclusive
    (the API's ``from`` and ``to``), in the deployment's timezone."""
    if last_day < first_day:
        raise ValidationFailed.field(
            "to",
            Message(
                "%(last_day)s is before from (%(first_day)s)",
                last_day=last_day,
                first_day=first_day,
            ),
        )
    return clock.day_span(first_day, last_day)


def _share(part: int, whole: int) -> float | None:
    return None if whole == 0 else part / whole


def resolution_report(
    session: Session,
    *,
    territory_code: str,
    start: dt.datetime,
    end: dt.datetime,
    now: dt.datetime,
    principal: Principal | None = None,
) -> ResolutionReport:
    """The measures of the cases located under ``territory_code`` and created in
    ``[start, end)``, with the same per child node. With a principal: 403 when no role of
    theirs reads reports, 404 (as for a missing node) when the node is outside their reach."""
    if principal is not None:
        require(principal, "read", "report")
    reach_territory(session, principal, "read", "report", territory_code)
    if end <= start:
        raise ValidationFailed.field("to", Message("the period ends before it starts"))
    node = session.scalar(select(Territory).where(Territory.code == territory_code))
    if node is None:
        raise _no_such_node(territory_code)
    child_level = CHILD_LEVEL[as_level(node.level)]
    conditions = [
        within(Case.territory_code, territory_code),
        Case.created_at >= start,
        Case.created_at < end,
    ]
    nodes = _child_nodes(session, territory_code)
    if principal is not None and not allows(principal, "read", "report", territory_code):
        # Above the caller's node (an ancestor): their part only, and only their children.
        conditions.append(scope_filter(principal, "read", "report", Case.territory_code))
        nodes = {
            code: node for code, node in nodes.items() if reaches(principal, "read", "report", code)
        }
    rows = _aggregate(session, conditions, now=now, child_length=_length(child_level))
    total_row = rows.pop(None, None)
    # Every active child, and a retired one that still has cases of the period.
    children = [
        _measures(code, name, child_level or "", rows.get(code))
        for code, (name, status) in nodes.items()
        if code in rows or status == "active"
    ]
    at_node = rows.get(territory_code) if child_level is not None else None
    return ResolutionReport(
        territory=_measures(territory_code, node.name_zh, node.level, total_row),
        start=start,
        end=end,
        generated_at=now,
        children=children,
        at_node=_measures(territory_code, node.name_zh, node.level, at_node) if at_node else None,
    )


def _no_such_node(code: str) -> NotFound:
    return NotFound(
        Message("no territory has code %(code)s", code=code),
        fields={"territory": Message("not found")},
    )


def _length(level: Level | None) -> int | None:
    return None if level is None else CODE_LENGTH[level]


def _child_nodes(session: Session, code: str) -> dict[str, tuple[str, str]]:
    query = (
        select(Territory.code, Territory.name_zh, Territory.status)
        .where(Territory.parent_code == code)
        .order_by(Territory.code)
    )
    return {child: (name, status) for child, name, status in session.execute(query)}


def _figures(now: dt.datetime) -> list[ColumnElement[Any]]:
    """The aggregate columns, in the order :func:`_measures` reads them."""
    closed = Case.state == "closed"
    count = func.count
    columns: list[ColumnElement[Any]] = [count()]
    columns += [count().filter(Case.state == state) for state in CASE_STATES]
    columns += [
        count().filter(and_(closed, Case.resolved_level.in_(levels)))
        for levels in CLOSED_AT.values()
    ]
    columns += [
        count().filter(and_(closed, Case.overdue_ever.is_(False))),
        count().filter(and_(closed, Case.reopens > 0)),
        count().filter(Case.rating.is_not(None)),
        count().filter(Case.rating >= 4),
        count().filter(and_(Case.state.in_(OPEN_STATES), Case.due_at < now)),
    ]
    return columns


def _aggregate(
    session: Session, conditions: list[Any], *, now: dt.datetime, child_length: int | None
) -> dict[str | None, tuple[Any, ...]]:
    """Figure rows by child code (None: the whole subtree). One scan on PostgreSQL
    (ROLLUP, percentile_cont); on SQLite a grouped query, the total, and the medians."""
    postgres = session.get_bind().dialect.name == "postgresql"
    figures = _figures(now)
    if postgres:
        seconds = func.extract("epoch", Case.closed_at - Case.created_at)
        median = func.percentile_cont(0.5).within_group(seconds).filter(Case.state == "closed")
        figures.append(median)
    rows: dict[str | None, tuple[Any, ...]] = {}
    if child_length is None:
        total = session.execute(select(*figures).where(*conditions)).one()
        rows[None] = tuple(total)
    else:
        key = func.substr(Case.territory_code, 1, child_length).label("child")
        grouped = select(key, *figures).where(*conditions)
        if postgres:
            grouped = grouped.group_by(func.rollup(key))
        else:
            grouped = grouped.group_by(key)
            total = session.execute(select(*figures).where(*conditions)).one()
            rows[None] = tuple(total)
        for child, *values in session.execute(grouped):
            rows[child] = tuple(values)
    if not postgres:
        medians = _portable_medians(session, conditions, child_length)
        rows = {code: (*values, medians.get(code)) for code, values in rows.items()}
    return rows


def _portable_medians(
    session: Session, conditions: list[Any], child_length: int | None
) -> dict[str | None, float | None]:
    """Median seconds to close per child and overall, with window functions (SQLite has no
    percentile_cont): the middle row, or the mean of the two middle rows."""
    seconds = (func.julianday(Case.closed_at) - func.julianday(Case.created_at)) * 86400.0
    keys: list[tuple[str | None, Any]] = [(None, literal("*"))]
    if child_length is not None:
        keys.append(("child", func.substr(Case.territory_code, 1, child_length)))
    medians: dict[str | None, float | None] = {}
    for kind, key in keys:
        ranked = (
            select(
                key.label("key"),
                seconds.label("seconds"),
                func.row_number().over(partition_by=key, order_by=seconds).label("position"),
                func.count().over(partition_by=key).label("size"),
            )
            .where(*conditions, Case.state == "closed")
            .subquery()
        )
        middle = (
            select(ranked.c.key, func.avg(ranked.c.seconds))
            .where(ranked.c.position.in_([(ranked.c.size + 1) // 2, (ranked.c.size + 2) // 2]))
            .group_by(ranked.c.key)
        )
        for code, value in session.execute(middle):
            medians[None if kind is None else code] = value
    return medians


def _measures(code: str, name: str, level: str, row: tuple[Any, ...] | None) -> Measures:
    values: list[Any] = list(row) if row is not None else [0] * (1 + len(CASE_STATES) + 9) + [None]
    total, rest = values[0], values[1:]
    by_state = dict(zip(CASE_STATES, rest[: len(CASE_STATES)], strict=True))
    rest = rest[len(CASE_STATES) :]
    closed_at_counts = dict(zip(CLOSED_AT, rest[: len(CLOSED_AT)], strict=True))
    never_overdue, reopened, rated, satisfied, overdue_now, median_seconds = rest[len(CLOSED_AT) :]
    return Measures(
        code=code,
        name=name,
        level=level,
        total=int(total),
        by_state={state: int(count) for state, count in by_state.items()},
        closed=by_state["closed"],
        closed_at_counts={key: int(count) for key, count in closed_at_counts.items()},
        never_overdue=int(never_overdue),
        reopened=int(reopened),
        rated=int(rated),
        satisfied=int(satisfied),
        overdue_now=int(overdue_now),
        median_hours_to_close=(
            None if median_seconds is None else round(float(median_seconds) / 3600, 4)
        ),
    )
