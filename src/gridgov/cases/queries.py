"""Reads of cases, every one filtered by the caller's territory (accounts.policy).

A principal sees the cases located in their territory (``case`` read rule) and, whatever
their roles, the cases they reported or follow.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from gridgov.accounts.access import require
from gridgov.accounts.policy import scope_filter
from gridgov.accounts.principal import Principal
from gridgov.cases.models import Case, CaseFollower
from gridgov.errors import NotFound


def case_filter(principal: Principal, action: str = "read") -> ColumnElement[bool]:
    """SQL condition: the principal may do ``action`` on this case. Reading also covers the
    cases the principal reported or follows (a resident's own reports)."""
    condition: Any = scope_filter(principal, action, "case", Case.territory_code)
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
        raise NotFound(f"no case has id {case_id}")
    return found
