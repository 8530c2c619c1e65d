"""Reads of cases, every one filtered by the caller's territory (access.policy).

A principal sees the cases located in their territory (``case`` read rule) and, whatever
their roles, the cases they reported or follow.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, false, func, or_, select
from sqlalchemy.orm import Session

from gridgov import clock
from gridgov.access.checks import reach_territory, require
from gridgov.access.policy import scope_filter
from gridgov.access.principal import Principal
from gridgov.access.roles import LEADER_OF
from gridgov.cases.levels import CASE_LEVELS
from gridgov.cases.models import (
    Case,
    CaseEvent,
    CaseFollower,
    CasePhoto,
)
from gridgov.cases.states import CASE_STATES, OPEN_STATES
from gridgov.errors import NotFound, ValidationFailed
from gridgov.i18n import Message
from gridgov.territory.scope import within


def case_filter(principal: Principal, action: str = "read") -> ColumnElement[bool]:
    """SQL condition: the principal may do ``action`` on this case. Reading also covers the
    cases the principal reported or follows (a resident's own reports)."""
    condition: Any = scope_filter(
        principal, action, "case", Case.territory_code, household_column=Case.household_id
    )
    if action == "read":
        followed = select(CaseFollower.case_id).where(CaseFollower.user_id == principal.user_id)
        condition = or_(
            condition, Case.reporter_user_id == principal.user_id, Case.id.in_(followed)
        )
    return condition


def access_case(session: Session, case_id: str, principal: Principal, action: str = "read") -> Case:
    """The case if the principal may do ``action`` on it, else the NotFound a missing case
    gives (same SQL, same answer). ``update`` is the territory rule only: which workflow
    action a role may take at which level is cases.workflow's decision."""
    if action != "read":
        require(principal, action, "case")
    found = session.scalar(select(Case).where(Case.id == case_id, case_filter(principal, action)))
    if found is None:
        raise NotFound(Message("no case has id %(case_id)s", case_id=case_id))
    return found


# --- lists --------------------------------------------------------------------------------


def _one_of(field: str, value: str | None, choices: tuple[str, ...]) -> str | None:
    if value is not None and value not in choices:
        raise ValidationFailed.field(
            field, Message("one of %(choices)s", choices=", ".join(choices))
        )
    return value


def mine_filter(principal: Principal) -> ColumnElement[bool]:
    """Cases waiting on a node the principal handles at the case's current level (a grid
    leader's grid-level cases of their grid, the administrator's district-level ones)."""
    terms: list[Any] = []
    for scope in principal.scopes:
        for level, role in LEADER_OF.items():
            if role != scope.role:
                continue
            if scope.territory_code is None:
                terms.append(Case.level == level)
            else:
                terms.append(
                    and_(Case.level == level, within(Case.handler_code, scope.territory_code))
                )
    return or_(*terms) if terms else false()


def list_cases(
    session: Session,
    *,
    principal: Principal | None = None,
    territory: str | None = None,
    state: str | None = None,
    level: str | None = None,
    category: str | None = None,
    household_id: str | None = None,
    overdue: bool = False,
    mine: bool = False,
    reported_by_me: bool = False,
    now: dt.datetime | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Case], int]:
    """Cases, newest first. Given a ``principal``, only those they may read (in the SQL,
    total too); ``mine`` and ``reported_by_me`` need one. ``category`` also matches its
    children; ``household_id``: the cases about that household; ``overdue``: open and past
    due."""
    conditions: list[Any] = []
    if principal is not None:
        conditions.append(case_filter(principal, "read"))
    if territory is not None:
        reach_territory(session, principal, "read", "case", territory)
        conditions.append(within(Case.territory_code, territory))
    if _one_of("state", state, CASE_STATES) is not None:
        conditions.append(Case.state == state)
    if _one_of("level", level, CASE_LEVELS) is not None:
        conditions.append(Case.level == level)
    if category:
        conditions.append(
            or_(Case.category_code == category, Case.category_code.like(f"{category}.%"))
        )
    if household_id is not None:
        conditions.append(Case.household_id == household_id)
    if overdue:
        moment = now or clock.now()
        conditions += [Case.state.in_(OPEN_STATES), Case.due_at < moment]
    if mine:
        conditions.append(mine_filter(principal) if principal is not None else false())
    if reported_by_me:
        user_id = principal.user_id if principal is not None else None
        conditions.append(Case.reporter_user_id == user_id if user_id else false())
    query = select(Case).where(*conditions)
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    items = session.scalars(
        query.order_by(Case.created_at.desc(), Case.id.desc()).limit(limit).offset(offset)
    )
    return list(items), int(total or 0)


def case_timeline(session: Session, case_id: str) -> list[CaseEvent]:
    return list(
        session.scalars(
            select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.seq)
        )
    )


def case_photos(session: Session, case_id: str) -> list[CasePhoto]:
    return list(
        session.scalars(
            select(CasePhoto)
            .where(CasePhoto.case_id == case_id)
            .order_by(CasePhoto.created_at, CasePhoto.id)
        )
    )


@dataclass(frozen=True)
class CaseList:
    items: list[Case]
    total: int


@dataclass(frozen=True)
class NeedsMe:
    """What waits for a principal now (their home page): open cases at a level they handle,
    overdue open cases they may read, resolved cases waiting for the reporter's feedback
    they may read, and their own reports waiting for their rating."""

    at_my_level: CaseList
    overdue: CaseList
    waiting_for_feedback: CaseList
    my_reports_to_rate: CaseList


def _case_list(session: Session, conditions: list[Any], limit: int, offset: int = 0) -> CaseList:
    query = select(Case).where(*conditions)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    items = session.scalars(
        query.order_by(Case.due_at.is_(None), Case.due_at, Case.created_at.desc(), Case.id)
        .limit(limit)
        .offset(offset)
    )
    return CaseList(list(items), int(total))


INBOX_TABS = ("mine", "my_level", "overdue", "waiting_for_feedback")


def _needs_conditions(principal: Principal, now: dt.datetime) -> dict[str, list[Any]]:
    """The conditions of each list of what waits for ``principal`` (home page and inbox):
    ``mine`` the cases waiting on a node they handle (any state, the API's ``mine``),
    ``my_level`` the open ones among them, ``overdue`` open and past due,
    ``waiting_for_feedback`` resolved at their level, ``my_reports_to_rate`` their own
    resolved reports. All within what ``principal`` may read."""
    readable = case_filter(principal, "read")
    is_open = Case.state.in_(OPEN_STATES)
    mine = mine_filter(principal)
    reporter = Case.reporter_user_id == principal.user_id if principal.user_id else false()
    return {
        "mine": [readable, mine],
        "my_level": [readable, mine, is_open],
        "overdue": [readable, is_open, Case.due_at < now],
        "waiting_for_feedback": [readable, mine, Case.state == "resolved"],
        "my_reports_to_rate": [reporter, Case.state == "resolved"],
    }


def what_needs_me(
    session: Session, principal: Principal, *, now: dt.datetime, limit: int = 5
) -> NeedsMe:
    """The four lists of ``NeedsMe`` (the most urgent ``limit`` of each, soonest due
    first) with their totals, all within what ``principal`` may read."""
    conditions = _needs_conditions(principal, now)
    return NeedsMe(
        at_my_level=_case_list(session, conditions["my_level"], limit),
        overdue=_case_list(session, conditions["overdue"], limit),
        waiting_for_feedback=_case_list(session, conditions["waiting_for_feedback"], limit),
        my_reports_to_rate=_case_list(session, conditions["my_reports_to_rate"], limit),
    )


def inbox(
    session: Session,
    principal: Principal,
    tab: str,
    *,
    now: dt.datetime,
    limit: int = 20,
    offset: int = 0,
) -> CaseList:
    """One tab of a handler's inbox (``INBOX_TABS``: the home page's lists, paged), soonest
    due first."""
    _one_of("tab", tab, INBOX_TABS)
    return _case_list(session, _needs_conditions(principal, now)[tab], limit, offset)
