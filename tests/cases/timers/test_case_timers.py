"""A case's timers from its deadlines, its level and the working calendar."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.orm import Session

from gridgov.cases.calendar import check_set_calendar_day
from gridgov.cases.models import Case
from gridgov.cases.timers.case_timers import (
    clear_timers,
    set_feedback_timer,
    set_level_timers,
    top_level,
)
from tests.factories.territory import make_tree

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY_0830 = dt.datetime(2026, 3, 2, 8, 30, tzinfo=SHANGHAI)


def a_case(level: str, deadlines: dict) -> Case:
    # Not added to the session: the timers are pure column arithmetic over the calendar.
    return Case(level=level, deadlines=deadlines, state="reported")


def test_top_level_is_the_highest_level_present(session: Session) -> None:
    make_tree(session, villages=1, grids_per_village=1, units_per_grid=1)
    assert top_level(session) == "district"


def test_set_level_timers_sets_due_and_warning(session: Session) -> None:
    case = a_case("unit", {"unit": {"hours": 8}, "grid": {"days": 2}})
    set_level_timers(session, case, now=MONDAY_0830)
    assert case.level_started_at == MONDAY_0830
    assert case.due_at == dt.datetime(2026, 3, 3, 9, 30, tzinfo=SHANGHAI)
    assert case.warn_at == dt.datetime(2026, 3, 2, 16, 30, tzinfo=SHANGHAI)
    assert case.feedback_due_at is None
    case.level = "grid"
    set_level_timers(session, case, now=case.due_at)
    assert case.due_at == dt.datetime(2026, 3, 5, 17, 30, tzinfo=SHANGHAI)


def test_set_level_timers_uses_the_calendar_data(session: Session) -> None:
    check_set_calendar_day(
        session, dt.date(2026, 3, 3), is_workday=False, name="Local holiday", actor="test"
    )
    case = a_case("unit", {"unit": {"hours": 8}})
    set_level_timers(session, case, now=MONDAY_0830)
    assert case.due_at == dt.datetime(2026, 3, 4, 9, 30, tzinfo=SHANGHAI)


def test_no_limit_means_no_timer(session: Session) -> None:
    case = a_case("grid", {})
    set_level_timers(session, case, now=MONDAY_0830)
    assert case.due_at is None and case.warn_at is None
    assert case.level_started_at == MONDAY_0830


def test_feedback_timer_is_three_calendar_days_and_clears_the_others(session: Session) -> None:
    case = a_case("unit", {"unit": {"hours": 8}})
    set_level_timers(session, case, now=MONDAY_0830)
    friday = dt.datetime(2026, 3, 6, 16, tzinfo=SHANGHAI)
    set_feedback_timer(case, now=friday)
    assert case.feedback_due_at == dt.datetime(2026, 3, 9, 16, tzinfo=SHANGHAI)
    assert case.due_at is None and case.warn_at is None
    clear_timers(case)
    assert (case.due_at, case.warn_at, case.feedback_due_at) == (None, None, None)


def test_top_level_without_territory_is_an_error(session: Session) -> None:
    with pytest.raises(ValueError, match="no active territory"):
        top_level(session)
