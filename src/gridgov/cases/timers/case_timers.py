"""The timer columns of one ORM case, as a person's action or intake sets them, and the
deployment's top level (the rules: cases.timers.rules)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov.cases.calendar import load_calendar
from gridgov.cases.levels import CASE_LEVELS
from gridgov.cases.models import Case
from gridgov.cases.timers.rules import FEEDBACK_WAIT, level_timers, limit_for
from gridgov.territory.models import Territory


def top_level(session: Session) -> str:
    """The highest case level present among the active territory nodes (the town on the
    demo island)."""
    present = set(
        session.scalars(select(Territory.level).where(Territory.status == "active").distinct())
    )
    levels = [level for level in CASE_LEVELS if level in present]
    if not levels:
        raise ValueError("no active territory: cases have no level to go to")
    return levels[-1]


def set_level_timers(session: Session, case: Case, *, now: dt.datetime) -> None:
    """The case starts its current level at ``now``: due and warning from its deadlines
    over the working calendar (rules.level_timers)."""
    case.level_started_at = now
    case.feedback_due_at = None
    limit = limit_for(case.deadlines or {}, case.level)
    if limit is None:
        case.due_at = case.warn_at = None
        return
    case.due_at, case.warn_at = level_timers(load_calendar(session), limit, now)


def clear_timers(case: Case) -> None:
    """No timer runs (closed, rejected, withdrawn; or waiting on the reporter)."""
    case.due_at = case.warn_at = case.feedback_due_at = None


def set_feedback_timer(case: Case, *, now: dt.datetime) -> None:
    """Resolved: the reporter has three calendar days to rate before it closes by itself."""
    case.due_at = case.warn_at = None
    case.feedback_due_at = now + FEEDBACK_WAIT
