"""The working calendar as editable data: rows of ``calendar_days`` over the plain week.

A row is a day that differs from Monday-to-Friday: a public holiday (``is_workday`` false)
or a weekend day made a working day around a holiday (true). ``seed_calendar`` fills a year
from the ``holidays`` library's China schedule; people correct it with
``check_set_calendar_day`` (CLI ``gridgov calendar set``, API ``PUT /calendar-days/{day}``).
A seeded row keeps ``updated_by = "seed"``, so seeding again refreshes it; a row a person
edited is never overwritten by a seed. The working periods of a working day
(``GRIDGOV_WORKING_HOURS``) are the process's, installed by the adapter with
:func:`use_working_hours`; the timezone is the clock's.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

import holidays
from sqlalchemy import extract, select
from sqlalchemy.orm import Session

from gridgov import clock
from gridgov.cases.deadlines import DEFAULT_PERIODS, Period, WorkingCalendar, parse_working_hours
from gridgov.cases.models import CalendarDay
from gridgov.errors import ValidationFailed
from gridgov.i18n import Message
from gridgov.validation import FieldProblem, clean_date, refuse_bad_text

SEED_ACTOR = "seed"
# The library names the day off that swaps with a weekend day like this (en_US dates).
_SUBSTITUTED = re.compile(r"substituted from (\d{2})/(\d{2})/(\d{4})")
NAME_MAX = 64
_CACHE_KEY = "gridgov.working_calendar"
_working_periods: tuple[Period, ...] = DEFAULT_PERIODS


def use_working_hours(text: str) -> None:
    """Set the working periods of a working day for the process (the adapter does, from
    ``Settings.working_hours``, e.g. ``"08:30-12:00,14:00-17:30"``); bad text is refused
    here rather than at the first deadline."""
    global _working_periods  # noqa: PLW0603 - one deployment, one working day per process
    _working_periods = parse_working_hours(text)


def default_years() -> list[int]:
    """The current and the next year, in the deployment's timezone."""
    year = clock.today().year
    return [year, year + 1]


def china_schedule(year: int) -> dict[dt.date, tuple[bool, str]]:
    """The differences from the plain week in ``year`` by the holidays library:
    holidays -> (False, name); weekend days worked in exchange -> (True, name)."""
    days: dict[dt.date, tuple[bool, str]] = {}
    for day, name in sorted(holidays.China(years=year, language="en_US").items()):
        days[day] = (False, name[:NAME_MAX])
        match = _SUBSTITUTED.search(name)
        if match is not None:
            month, day_of_month, source_year = (int(group) for group in match.groups())
            source = dt.date(source_year, month, day_of_month)
            days[source] = (True, f"Working day (swapped with {day.isoformat()})")
    return days


def seed_calendar(session: Session, years: Iterable[int] | None = None, *, actor: str) -> int:
    """Write the China schedule of ``years`` (default: this year and next); returns how many
    rows were added or refreshed. Rows people edited stay as they are. ``actor`` (who
    asked for the seed) is what the audit log records through the session; the rows keep
    ``"seed"`` so that a later seed may refresh them."""
    del actor  # recorded by the adapter's session (audit), see the docstring
    changed = 0
    for year in sorted(set(years or default_years())):
        schedule = china_schedule(year)
        existing = {
            row.day: row
            for row in session.scalars(
                select(CalendarDay).where(CalendarDay.day.in_(list(schedule)))
            )
        }
        for day, (is_workday, name) in schedule.items():
            row = existing.get(day)
            if row is None:
                session.add(
                    CalendarDay(day=day, is_workday=is_workday, name=name, updated_by=SEED_ACTOR)
                )
                changed += 1
            elif row.updated_by == SEED_ACTOR and (row.is_workday, row.name) != (is_workday, name):
                row.is_workday, row.name = is_workday, name
                changed += 1
    session.flush()
    _forget_calendar(session)
    return changed


def ensure_calendar_seeded(session: Session, *, actor: str) -> int:
    """Seed this year and next when either has no row yet (the worker runs this, so a new
    deployment and a new year get their holidays without anyone asking); 0 when both are
    there. ``gridgov calendar seed`` refreshes years already seeded."""
    missing = [
        year
        for year in default_years()
        if session.scalar(
            select(CalendarDay.day).where(extract("year", CalendarDay.day) == year).limit(1)
        )
        is None
    ]
    return seed_calendar(session, missing, actor=actor) if missing else 0


def check_set_calendar_day(
    session: Session, day: dt.date, *, is_workday: bool, name: str, actor: str
) -> CalendarDay:
    """Make ``day`` a working day or a day off, with a name people see ("National Day")."""
    refuse_bad_text("name", name)
    try:
        clean_date(day)
    except FieldProblem as exc:
        raise ValidationFailed.field("day", exc.why) from exc
    name = name.strip()
    if not name:
        raise ValidationFailed.field("name", Message("must not be empty"))
    if len(name) > NAME_MAX:
        raise ValidationFailed.field(
            "name", Message("at most %(NAME_MAX)s characters", NAME_MAX=NAME_MAX)
        )
    row = session.get(CalendarDay, day)
    if row is None:
        row = CalendarDay(day=day, is_workday=is_workday, name=name, updated_by=actor)
        session.add(row)
    else:
        row.is_workday, row.name, row.updated_by = is_workday, name, actor
    session.flush()
    _forget_calendar(session)
    return row


def calendar_days(session: Session, *, year: int | None = None) -> list[CalendarDay]:
    """The rows (of one year), by day."""
    query = select(CalendarDay).order_by(CalendarDay.day)
    if year is not None:
        query = query.where(extract("year", CalendarDay.day) == year)
    return list(session.scalars(query))


def load_calendar(session: Session) -> WorkingCalendar:
    """The working calendar as the data says now, over the deployment's working periods and
    timezone. Kept for the session's current transaction (one request, one job step: a
    sweep of many cases reads the rows once); an edit through this module drops it, and any
    other transaction reads the rows afresh."""
    periods = _working_periods
    key = (periods, clock.zone().key)
    cached = session.info.get(_CACHE_KEY)
    transaction = session.get_transaction()
    if cached is not None and transaction is not None and cached[:2] == (key, transaction):
        return cached[2]
    rows = session.execute(select(CalendarDay.day, CalendarDay.is_workday))
    overrides: dict[dt.date, bool] = {row.day: row.is_workday for row in rows}
    calendar = WorkingCalendar(overrides, periods=periods, timezone=key[1])
    session.info[_CACHE_KEY] = (key, session.get_transaction(), calendar)
    return calendar


def _forget_calendar(session: Session) -> None:
    session.info.pop(_CACHE_KEY, None)
