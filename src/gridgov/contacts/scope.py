"""The CONTACT household rule (access.providers): the households assigned to a party
member, carried by their Principal (accounts.principal loads them through
:func:`party_reach`, installed by database.hooks)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, false, select
from sqlalchemy.orm import Session

from gridgov.access.principal import Principal, Scope
from gridgov.contacts.models import ContactAssignment, PartyMember
from gridgov.registry.models import Household


class AssignedHouseholds:
    """access.providers.HouseholdScope for CONTACT: the member's current contact households."""

    def condition(self, principal: Principal, household_column: Any) -> ColumnElement[bool]:
        ids = principal.contact_household_ids
        return household_column.in_(sorted(ids)) if ids else false()

    def contains(self, principal: Principal, household_id: str) -> bool:
        return household_id in principal.contact_household_ids

    def codes(self, principal: Principal) -> frozenset[str]:
        return principal.contact_codes


def grid_of(code: str) -> str:
    """The grid of a unit or grid code; a village code (a household not yet placed) stays."""
    return code[:15] if len(code) >= 15 else code


def current_member(session: Session, resident_id: str) -> PartyMember | None:
    return session.scalar(
        select(PartyMember).where(
            PartyMember.resident_id == resident_id, PartyMember.ended_on.is_(None)
        )
    )


def party_reach(session: Session, resident_id: str) -> tuple[list[Scope], list[tuple[str, str]]]:
    """A current member holds ``party_member`` on their grid and reaches the households
    assigned to them; anyone else nothing."""
    member = current_member(session, resident_id)
    if member is None:
        return [], []
    rows = session.execute(
        select(Household.id, Household.territory_code)
        .join(ContactAssignment, ContactAssignment.household_id == Household.id)
        .where(ContactAssignment.member_id == member.id, ContactAssignment.ended_at.is_(None))
    )
    return [Scope("party_member", grid_of(member.territory_code))], [
        (household_id, code) for household_id, code in rows
    ]
