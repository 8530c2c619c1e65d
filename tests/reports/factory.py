"""Cases in a chosen end state, for the measures' tests.

The report reads only the columns a case's life leaves behind (state, levels, timers,
ratings, counters), so these cases are written with those columns set as the workflow
leaves them (closed: resolved_level, resolved_at, closed_at; no open timers), without
walking each one through every transition.
"""

from __future__ import annotations

import datetime as dt
import itertools

from sqlalchemy.orm import Session

from gridgov.cases.levels import handler_code_for, lowest_level_of
from gridgov.cases.models import Case, CaseCategory
from gridgov.cases.states import OPEN_STATES

ACTOR = "test:factory"
CATEGORY = "test.report"
_serials = itertools.count(1)


def report_category(session: Session) -> CaseCategory:
    found = session.get(CaseCategory, CATEGORY)
    if found is not None:
        return found
    category = CaseCategory(
        code=CATEGORY,
        name_zh="测试类别",
        name_en="Test category",
        default_level="unit",
        deadlines={"unit": {"hours": 8}, "grid": {"days": 2}, "village": {"days": 5}},
        public=True,
        updated_by=ACTOR,
    )
    session.add(category)
    session.flush()
    return category


def make_case(
    session: Session,
    *,
    territory_code: str,
    created_at: dt.datetime,
    state: str = "reported",
    level: str | None = None,
    hours_to_close: float | None = None,
    overdue_ever: bool = False,
    reopens: int = 0,
    rating: int | None = None,
    due_at: dt.datetime | None = None,
    reporter_contact: str | None = None,
    reporter_name: str = "",
) -> Case:
    """A case located at ``territory_code``, created at ``created_at``, now in ``state`` at
    ``level`` (closed: solved at ``level``, ``hours_to_close`` after creation)."""
    category = report_category(session)
    level = level or lowest_level_of(territory_code)
    closed_at = resolved_at = None
    if state == "closed":
        assert hours_to_close is not None, "a closed case needs hours_to_close"
        closed_at = created_at + dt.timedelta(hours=hours_to_close)
        resolved_at = closed_at
    case = Case(
        category_code=category.code,
        title=f"test case {next(_serials)}",
        description="a case for the report tests",
        territory_code=territory_code,
        located_by="reporter",
        level=level,
        handler_code=handler_code_for(territory_code, level),
        state=state,
        channel="api",
        reporter_name=reporter_name,
        reporter_contact=reporter_contact,
        deadlines=dict(category.deadlines),
        level_started_at=created_at,
        due_at=due_at if state in OPEN_STATES else None,
        overdue_ever=overdue_ever,
        reopens=reopens,
        rating=rating,
        resolved_level=level if state == "closed" else None,
        resolved_at=resolved_at,
        closed_at=closed_at,
        created_by=ACTOR,
        created_at=created_at,
    )
    session.add(case)
    session.flush()
    return case
