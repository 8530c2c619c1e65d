"""The timer rules as plain functions: a level's limit, and what each system step makes of
a case (no database)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from gridgov.cases.deadlines import Limit, WorkingCalendar
from gridgov.cases.timers.rules import DUE, Planner, TimerCase, limit_for
from gridgov.cases.workflow import TransitionRefused

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY_0830 = dt.datetime(2026, 3, 2, 8, 30, tzinfo=SHANGHAI)
TUESDAY_0830 = MONDAY_0830 + dt.timedelta(days=1)


def test_limit_for_falls_back_to_the_nearest_lower_then_higher_level() -> None:
    deadlines = {"unit": {"hours": 8}, "village": {"days": 3}}
    assert limit_for(deadlines, "unit") == Limit(hours=8)
    assert limit_for(deadlines, "grid") == Limit(hours=8)
    assert limit_for(deadlines, "village") == Limit(days=3)
    assert limit_for(deadlines, "town") == Limit(days=3)
    assert limit_for({"town": {"days": 5}}, "grid") == Limit(days=5)
    assert limit_for({}, "grid") is None


BASE = TimerCase(
    id="c1",
    version=3,
    state="accepted",
    level="unit",
    territory_code="35030510100100101",
    handler_code="35030510100100101",
    title="路灯坏了",
    category_code="lights",
    reporter_user_id="u1",
    deadlines={"unit": {"hours": 8}, "grid": {"days": 1}},
    level_started_at=MONDAY_0830,
    due_at=MONDAY_0830 + dt.timedelta(hours=8),
    warn_at=MONDAY_0830 + dt.timedelta(hours=6),
    feedback_due_at=None,
    closed_at=None,
    overdue_ever=False,
    escalations=0,
    reopens=0,
    dissatisfactions=0,
)


def a_case(**fields: Any) -> TimerCase:
    return dataclasses.replace(BASE, **fields)


def planner(top_level: str = "town") -> Planner:
    return Planner(top_level=top_level, calendar=WorkingCalendar(), now=TUESDAY_0830, actor="job")


def test_the_steps_watch_their_timers_in_the_workers_order() -> None:
    assert list(DUE) == ["auto_escalate", "warn", "auto_close"]
    assert [due.timer for due in DUE.values()] == ["due_at", "warn_at", "feedback_due_at"]


def test_auto_escalate_goes_up_a_level_with_its_new_deadline() -> None:
    case = a_case()
    planned = planner().plan(case, "auto_escalate")
    assert planned.values["level"] == "grid"
    assert planned.values["handler_code"] == case.territory_code[:15]
    assert (planned.values["state"], planned.values["escalations"]) == ("reported", 1)
    assert planned.values["overdue_ever"] is True
    assert planned.values["level_started_at"] == TUESDAY_0830
    # One working day from Tuesday: due at Wednesday's close (17:30 Shanghai).
    assert planned.values["due_at"] == dt.datetime(2026, 3, 4, 9, 30, tzinfo=dt.UTC)
    assert planned.event["action"] == "auto_escalate"
    assert planned.event["details"] == {
        "due_at": case.due_at.isoformat() if case.due_at else None,
        "escalated_to": case.territory_code[:15],
    }
    assert planned.after.level == "grid" and planned.before["level"] == "unit"


def test_at_the_top_an_overdue_case_is_only_recorded() -> None:
    case = a_case(level="town", handler_code="350305101")
    planned = planner().plan(case, "auto_escalate")
    assert planned.event["action"] == "overdue"
    assert (planned.values["level"], planned.values["due_at"], planned.values["warn_at"]) == (
        "town",
        None,
        None,
    )


def test_warn_clears_the_warning_and_auto_close_every_timer() -> None:
    warned = planner().plan(a_case(), "warn")
    assert warned.values["warn_at"] is None and warned.values["due_at"] is not None
    resolved = a_case(state="resolved", due_at=None, warn_at=None, feedback_due_at=MONDAY_0830)
    closed = planner().plan(resolved, "auto_close")
    assert (closed.values["state"], closed.values["closed_at"]) == ("closed", TUESDAY_0830)
    assert closed.values["feedback_due_at"] is None
    assert closed.event["details"] == {}
    with pytest.raises(TransitionRefused):
        planner().plan(a_case(), "auto_close")
