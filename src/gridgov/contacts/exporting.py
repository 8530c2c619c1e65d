"""The contact ledger as CSV or XLSX: one row per visit and household, through the safe
spreadsheet writers of the registry (formula-looking text quoted, control characters
refused), for the visits a caller may read under a node over a period."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from typing import IO, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gridgov.access.checks import reach_territory, require
from gridgov.access.principal import Principal
from gridgov.contacts.models import Visit, VisitCase, VisitHousehold, VisitMember
from gridgov.contacts.queries import visit_reach
from gridgov.errors import ValidationFailed
from gridgov.i18n import Message
from gridgov.registry.models import Household
from gridgov.registry.spreadsheets import WRITERS, Cell
from gridgov.territory.scope import within

COLUMNS = (
    "visit_id",
    "visited_on",
    "start_time",
    "end_time",
    "method",
    "household_no",
    "territory_code",
    "members",
    "disputes",
    "requests",
    "suggestions",
    "other_matters",
    "matters_text",
    "hazards",
    "follow_up",
    "confirmed",
    "rating",
    "cases",
)
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
CHUNK = 2000


def _iso(value: Any) -> str | None:
    return None if value is None else value.isoformat()


def ledger_rows(
    session: Session,
    *,
    territory: str,
    start: dt.date | None,
    end: dt.date | None,
    principal: Principal | None,
) -> Iterator[list[Cell]]:
    """One row per visit and household, oldest first (members and cases joined by ``;``)."""
    members = select(func.count()).where(VisitMember.visit_id == Visit.id).scalar_subquery()
    cases = select(func.count()).where(VisitCase.visit_id == Visit.id).scalar_subquery()
    conditions: list[Any] = [within(VisitHousehold.territory_code, territory)]
    if principal is not None:
        conditions.append(visit_reach(principal))
    if start is not None:
        conditions.append(VisitHousehold.visited_on >= start)
    if end is not None:
        conditions.append(VisitHousehold.visited_on <= end)
    query = (
        select(Visit, VisitHousehold, Household.household_no, members, cases)
        .join(VisitHousehold, VisitHousehold.visit_id == Visit.id)
        .join(Household, Household.id == VisitHousehold.household_id)
        .where(*conditions)
        .order_by(Visit.visited_on, Visit.id, Household.household_no)
        .execution_options(yield_per=CHUNK)
    )
    for visit, row, number, member_count, case_count in session.execute(query):
        yield [
            visit.id,
            visit.visited_on.isoformat(),
            _iso(visit.start_time),
            _iso(visit.end_time),
            visit.method,
            number,
            row.territory_code,
            float(member_count),
            float(visit.disputes),
            float(visit.requests),
            float(visit.suggestions),
            float(visit.other_matters),
            visit.matters_text,
            ";".join(visit.hazards),
            "yes" if visit.follow_up else "no",
            "yes" if row.confirmed_at is not None else "no",
            None if row.rating is None else float(row.rating),
            float(case_count),
        ]


def export_ledger(
    session: Session,
    out: IO[bytes],
    *,
    territory: str,
    file_format: str,
    start: dt.date | None = None,
    end: dt.date | None = None,
    principal: Principal | None = None,
) -> int:
    """Write the ledger under ``territory`` to ``out``; the row count. With a principal: an
    export like the registry's (403 for a role that exports nothing, 404 for a node out of
    reach), of the visits they may read."""
    if file_format not in WRITERS:
        raise ValidationFailed.field("format", Message("csv or xlsx"))
    if principal is not None:
        require(principal, "read", "import_export")
        require(principal, "read", "visit")
    reach_territory(session, principal, "read", "import_export", territory)
    rows = ledger_rows(session, territory=territory, start=start, end=end, principal=principal)
    if file_format == "xlsx":
        return WRITERS["xlsx"](COLUMNS, rows, out, sheet="visits")
    return WRITERS["csv"](COLUMNS, rows, out)


def ledger_file(session: Session, file_format: str, **kwargs: Any) -> bytes:
    buffer = io.BytesIO()
    export_ledger(session, buffer, file_format=file_format, **kwargs)
    return buffer.getvalue()
