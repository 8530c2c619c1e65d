"""Who confirms a visit for a household, and the confirmation itself.

A household with a resident who has an account confirms through that resident (a
resident of it taps confirm); a household without one is confirmed by its unit leader.
Nobody confirms a visit they made (recorded it, or are one of its members).
"""

from __future__ import annotations

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from gridgov import clock
from gridgov.access.principal import Principal
from gridgov.accounts.models import User
from gridgov.contacts.models import Visit, VisitHousehold, VisitMember
from gridgov.contacts.scope import current_member
from gridgov.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from gridgov.i18n import Message
from gridgov.registry.models import Household, Resident

INACTIVE_RESIDENCE = ("moved_out", "deceased")


def household_has_account(session: Session, household_id: str) -> bool:
    """Whether a present resident of the household has an account."""
    return bool(
        session.scalar(
            select(
                exists().where(
                    User.resident_id == Resident.id,
                    Resident.household_id == household_id,
                    Resident.residence_status.not_in(INACTIVE_RESIDENCE),
                )
            )
        )
    )


def made_it(session: Session, visit: Visit, principal: Principal) -> bool:
    if visit.recorded_by_user_id == principal.user_id:
        return True
    member = current_member(session, principal.resident_id) if principal.resident_id else None
    return member is not None and bool(
        session.scalar(
            select(
                exists().where(VisitMember.visit_id == visit.id, VisitMember.member_id == member.id)
            )
        )
    )


def may_confirm(session: Session, principal: Principal, household: Household) -> bool:
    """The rule of the module's docstring, for one household (made_it aside)."""
    if household_has_account(session, household.id):
        return principal.household_id == household.id
    unit = household.unit_code
    return unit is not None and any(
        scope.role == "unit_leader" and scope.territory_code == unit for scope in principal.scopes
    )


def _row(session: Session, visit: Visit, household_id: str | None, principal: Principal):
    rows = session.scalars(select(VisitHousehold).where(VisitHousehold.visit_id == visit.id)).all()
    wanted = household_id or (principal.household_id if len(rows) > 1 else rows[0].household_id)
    for row in rows:
        if row.household_id == wanted:
            return row
    raise ValidationFailed.field("household_id", Message("the visit did not reach this household"))


def check_confirm_visit(
    session: Session,
    visit: Visit,
    *,
    household_id: str | None,
    rating: int | None,
    principal: Principal,
    actor: str,
) -> VisitHousehold:
    """Confirm the visit for one household (the only one, or the caller's), with a rating."""
    if rating is not None and not 1 <= rating <= 5:
        raise ValidationFailed.field("rating", Message("between 1 and 5"))
    row = _row(session, visit, household_id, principal)
    if made_it(session, visit, principal):
        raise PermissionDenied(Message("nobody confirms a visit they made"))
    household = session.get(Household, row.household_id)
    if household is None or not may_confirm(session, principal, household):
        raise NotFound(Message("no visit has id %(visit_id)s", visit_id=visit.id))
    if row.confirmed_at is not None:
        raise Conflict(
            Message("the household already confirmed this visit"),
            fields={"household_id": Message("already confirmed")},
        )
    row.confirmed_at, row.confirmed_by, row.rating = clock.now(), actor, rating
    session.flush()
    return row
