"""/api/v1/calendar-days: the working calendar's exceptions to the plain week.

Reading is ``case_setting`` read (every role); changing a day is ``case_setting`` update
(administrators). A change counts for deadlines set from then on (timers already running
keep their due time)."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from gridgov.access.checks import require
from gridgov.api.deps import PagingDep, SessionDep
from gridgov.api.principal import PrincipalDep
from gridgov.api.schemas import Page
from gridgov.cases.calendar import NAME_MAX, calendar_days, check_set_calendar_day
from gridgov.cases.models import CalendarDay
from gridgov.validation import FIRST_DATE, LAST_DATE, Day, Input

router = APIRouter(tags=["calendar"])


class CalendarDayOut(BaseModel):
    day: dt.date
    weekday: str
    is_workday: bool
    name: str
    updated_by: str

    @classmethod
    def of(cls, row: CalendarDay) -> CalendarDayOut:
        return cls(
            day=row.day,
            weekday=row.day.strftime("%A"),
            is_workday=row.is_workday,
            name=row.name,
            updated_by=row.updated_by,
        )


class CalendarDayIn(Input):
    is_workday: bool
    name: str = Field(min_length=1, max_length=NAME_MAX)


@router.get("/calendar-days")
def list_calendar_days(
    session: SessionDep,
    paging: PagingDep,
    principal: PrincipalDep,
    year: int | None = Query(default=None, ge=FIRST_DATE.year, le=LAST_DATE.year),
) -> Page[CalendarDayOut]:
    """Holidays and swapped working days (of one year), by day."""
    require(principal, "read", "case_setting")
    rows = calendar_days(session, year=year)
    page = rows[paging.offset : paging.offset + paging.limit]
    return Page(
        items=[CalendarDayOut.of(row) for row in page],
        total=len(rows),
        limit=paging.limit,
        offset=paging.offset,
    )


@router.put("/calendar-days/{day}")
def set_calendar_day(
    session: SessionDep, principal: PrincipalDep, day: Day, body: CalendarDayIn
) -> CalendarDayOut:
    """Make ``day`` a working day or a day off."""
    require(principal, "update", "case_setting")
    row = check_set_calendar_day(
        session, day, is_workday=body.is_workday, name=body.name, actor=principal.actor
    )
    return CalendarDayOut.of(row)
