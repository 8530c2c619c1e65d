"""What a job step over many cases reads once, not once per case (cases.actions' system
steps take one; jobs.escalation makes one per batch)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from gridgov import clock
from gridgov.accounts.models import RoleAssignment, User
from gridgov.accounts.principal import INACTIVE_RESIDENCE, POST_ROLES
from gridgov.cases import timers
from gridgov.cases.calendar import load_calendar
from gridgov.cases.levels import HANDLER_ROLE
from gridgov.cases.models import CaseEvent, CaseFollower
from gridgov.cases.sla import WorkingCalendar
from gridgov.notify.recipients import handlers_of
from gridgov.posts.models import Post
from gridgov.registry.models import Resident


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


def handlers_of_nodes(session: Session, codes: list[str], level: str) -> dict[str, list[str]]:
    """notify.recipients.handlers_of for many nodes of one level: the users holding the
    level's role on each node (a current role assignment, or a current post carrying that
    role held by a resident a user is linked to; administrators everywhere at the district
    level), as ``{code: sorted user ids}``."""
    role = HANDLER_ROLE[level]
    users: dict[str, set[str]] = {code: set() for code in codes}
    today = clock.today()
    on_node = RoleAssignment.territory_code.in_(codes)
    if role == "administrator":
        on_node = or_(on_node, RoleAssignment.territory_code.is_(None))
    assigned = session.execute(
        select(RoleAssignment.territory_code, RoleAssignment.user_id)
        .join(User, User.id == RoleAssignment.user_id)
        .where(
            RoleAssignment.role == role,
            on_node,
            RoleAssignment.start_date <= today,
            or_(RoleAssignment.end_date.is_(None), RoleAssignment.end_date > today),
            User.is_active.is_(True),
        )
    )
    for code, user_id in assigned:
        for node in codes if code is None else [code]:  # None: an administrator's everywhere
            users[node].add(user_id)
    post_types = [kind for kind, carried in POST_ROLES.items() if carried == role]
    if post_types:
        holders = session.execute(
            select(Post.territory_code, User.id)
            .join(Post, Post.resident_id == User.resident_id)
            .join(Resident, Resident.id == Post.resident_id)
            .where(
                Post.post_type.in_(post_types),
                Post.territory_code.in_(codes),
                Post.end_date.is_(None),
                Resident.residence_status.not_in(INACTIVE_RESIDENCE),
                User.is_active.is_(True),
            )
        )
        for code, user_id in holders:
            users[code].add(user_id)
    return {code: sorted(found) for code, found in users.items()}
