"""A case's timers: the deadline and warning of its current level, and the feedback wait.

Timers are columns of the case (``due_at``, ``warn_at``, ``feedback_due_at``) so that the
escalation job finds what is due with an index and nothing is lost on a restart.

A level with no limit in the case's deadlines takes the limit of the nearest level below it
that has one (a category that says "unit: 8 hours" and nothing else gives a case escalated
to the grid 8 working hours again); with none below, the nearest level above. A case whose
deadlines are empty gets no due and no warning (it never escalates by itself).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov.cases.calendar import load_calendar
from gridgov.cases.levels import rank
from gridgov.cases.models import CASE_LEVELS, Case
from gridgov.cases.sla import Limit, WorkingCalendar, deadline, warning_time
from gridgov.territory.models import Territory

FEEDBACK_WAIT = dt.timedelta(days=3)  # calendar days, not working days
WARNING_SHARE = 0.75


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


def limit_for(deadlines: Mapping[str, Any], level: str) -> Limit | None:
    """The limit for ``level``: its own, else the nearest lower level's, else the nearest
    higher level's, else None."""
    below_first = [CASE_LEVELS[i] for i in range(rank(level), -1, -1)]
    above = list(CASE_LEVELS[rank(level) + 1 :])
    for candidate in below_first + above:
        value = deadlines.get(candidate)
        if value:
            return Limit.parse(value)
    return None


def set_level_timers(
    session: Session,
    case: Case,
    *,
    now: dt.datetime,
    calendar: WorkingCalendar | None = None,
) -> None:
    """The case starts its current level at ``now``: due and warning from its deadlines
    over the working calendar (pass ``calendar`` when setting many cases at once)."""
    case.level_started_at = now
    case.feedback_due_at = None
    limit = limit_for(case.deadlines or {}, case.level)
    if limit is None:
        case.due_at = case.warn_at = None
        return
    calendar = calendar or load_calendar(session)
    due = deadline(calendar, now, limit)
    case.due_at = due
    case.warn_at = warning_time(calendar, now, due, WARNING_SHARE)


def clear_timers(case: Case) -> None:
    """No timer runs (closed, rejected, withdrawn; or waiting on the reporter)."""
    case.due_at = case.warn_at = case.feedback_due_at = None


def set_feedback_timer(case: Case, *, now: dt.datetime) -> None:
    """Resolved: the reporter has three calendar days to rate before it closes by itself."""
    case.due_at = case.warn_at = None
    case.feedback_due_at = now + FEEDBACK_WAIT
