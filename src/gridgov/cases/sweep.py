"""What a job step over many cases reads once, not once per case (cases.actions' system
steps take one; jobs.escalation makes one per batch)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gridgov.cases import timers
from gridgov.cases.calendar import load_calendar
from gridgov.cases.models import CaseEvent, CaseFollower
from gridgov.cases.recipients import handlers_of, handlers_of_nodes
from gridgov.cases.sla import WorkingCalendar


class Followed(Protocol):
    """What :meth:`Sweep.prepare` reads of a case: a Case, or a row of its columns."""

    @property
    def id(self) -> str: ...

    @property
    def reporter_user_id(self) -> str | None: ...


@dataclass
class Sweep:
    """What a step over many cases reads once, not once per case: the deployment's top
    level, the working calendar, the handlers of each node, and (after :meth:`prepare`)
    each case's last event number and followers. Pass one to the ``do_*`` system steps:
    they then issue no query of their own and do not flush (the caller flushes the whole
    batch at once); without one they read what they need and flush."""

    top_level: str
    calendar: WorkingCalendar
    handlers: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    last_seq: dict[str, int] = field(default_factory=dict)
    followers: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def load(cls, session: Session) -> Sweep:
        return cls(top_level=timers.top_level(session), calendar=load_calendar(session))

    def prepare(self, session: Session, cases: Sequence[Followed]) -> None:
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

    def handlers_of(self, session: Session, handler_code: str, level: str) -> list[str]:
        key = (handler_code, level)
        if key not in self.handlers:
            self.handlers[key] = handlers_of(session, handler_code, level)
        return self.handlers[key]

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
