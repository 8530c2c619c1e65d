"""Claiming the cases whose timer is due, and what a step over them reads once, not once
per case.

:func:`claim_due` selects the due rows of a system step (cases.timers.rules.DUE), oldest
first, in batches; on PostgreSQL ``FOR UPDATE SKIP LOCKED``, so several workers sweep at
once without taking the same case twice. Nothing lives in memory: a worker that stops loses
nothing, the next sweep finds the rows.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gridgov.cases.calendar import load_calendar
from gridgov.cases.deadlines import WorkingCalendar
from gridgov.cases.models import Case, CaseEvent, CaseFollower
from gridgov.cases.recipients import handlers_of_nodes
from gridgov.cases.timers.case_timers import top_level
from gridgov.cases.timers.rules import DUE, TIMER_FIELDS, TimerCase

_TIMER_COLUMNS = tuple(Case.__table__.c[name] for name in TIMER_FIELDS)


def claim_due(session: Session, action: str, *, now: dt.datetime, limit: int) -> list[TimerCase]:
    """Up to ``limit`` cases whose timer for ``action`` is at or before ``now``, in a state
    the step acts on, oldest first (locked for this transaction on PostgreSQL, skipping rows
    another worker holds)."""
    due = DUE[action]
    timer = Case.__table__.c[due.timer]
    query = (
        select(*_TIMER_COLUMNS)
        .where(timer <= now, Case.state.in_(due.states))
        .order_by(timer, Case.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True, of=Case)
    return [TimerCase(*row) for row in session.execute(query)]


@dataclass
class Sweep:
    """What a step over many cases reads once, not once per case: the deployment's top
    level, the working calendar, the handlers of each node, and (after :meth:`prepare`)
    each case's last event number and followers (cases.timers.steps writes with them)."""

    top_level: str
    calendar: WorkingCalendar
    handlers: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    last_seq: dict[str, int] = field(default_factory=dict)
    followers: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def load(cls, session: Session) -> Sweep:
        return cls(top_level=top_level(session), calendar=load_calendar(session))

    def prepare(self, session: Session, cases: Sequence[TimerCase]) -> None:
        """Read the last event number and the followers of these cases, two queries."""
        ids = [case.id for case in cases]
        self.last_seq = dict.fromkeys(ids, 0)
        rows = session.execute(
            select(CaseEvent.case_id, func.max(CaseEvent.seq))
            .where(CaseEvent.case_id.in_(ids))
            .group_by(CaseEvent.case_id)
        )
        for case_id, last in rows:
            self.last_seq[case_id] = last or 0
        self.followers = {case.id: [] for case in cases}
        followers = session.execute(
            select(CaseFollower.case_id, CaseFollower.user_id).where(CaseFollower.case_id.in_(ids))
        )
        for case_id, user_id in followers:
            self.followers[case_id].append(user_id)
        for case in cases:
            users = set(self.followers[case.id])
            if case.reporter_user_id is not None:
                users.add(case.reporter_user_id)
            self.followers[case.id] = sorted(users)

    def next_seq(self, case_id: str) -> int | None:
        if case_id not in self.last_seq:
            return None
        self.last_seq[case_id] += 1
        return self.last_seq[case_id]

    def load_handlers(self, session: Session, nodes: Iterable[tuple[str, str]]) -> None:
        """Read the handlers of many ``(handler_code, level)`` nodes at once: two queries
        per level, not two per node (a batch escalates to many grids)."""
        codes_by_level: dict[str, set[str]] = defaultdict(set)
        for code, level in nodes:
            if (code, level) not in self.handlers:
                codes_by_level[level].add(code)
        for level, codes in codes_by_level.items():
            found = handlers_of_nodes(session, sorted(codes), level)
            for code in codes:
                self.handlers[code, level] = found[code]
