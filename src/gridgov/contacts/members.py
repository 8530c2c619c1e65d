"""Marking residents as party members, ending a membership, and the party groups.

A party group is the members of one grid, or, for a grid with fewer than
:data:`MIN_GROUP_SIZE` members, of its village (the grid is too small to meet alone).
A member's role (``party_member`` on their grid) follows the membership itself
(contacts.scope.party_reach), as a post's role follows the post: no role row to keep in step.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov import clock
from gridgov.accounts.models import User
from gridgov.contacts.models import ContactAssignment, PartyMember
from gridgov.contacts.scope import current_member, grid_of
from gridgov.errors import Conflict, ValidationFailed
from gridgov.groups.membership import resync_leaders_group, village_of
from gridgov.i18n import Message
from gridgov.registry.events import LifeEvent
from gridgov.registry.models import Resident
from gridgov.territory.scope import within
from gridgov.validation import refuse_bad_texts

MIN_GROUP_SIZE = 3
MAX_BRANCH = 64
INACTIVE_RESIDENCE = ("moved_out", "deceased")
LEAVING_REASON = {"death": "deceased", "moved_out": "moved out"}


def check_mark_member(
    session: Session, *, resident_id: str, branch: str, joined_on: dt.date, actor: str
) -> PartyMember:
    """Mark a living, present resident as a party member of ``branch`` since ``joined_on``."""
    refuse_bad_texts({"resident_id": resident_id, "branch": branch})
    branch = branch.strip()
    if not branch or len(branch) > MAX_BRANCH:
        raise ValidationFailed.field(
            "branch", Message("between 1 and %(limit)s characters", limit=MAX_BRANCH)
        )
    if joined_on > clock.today():
        raise ValidationFailed.field("joined_on", Message("cannot be in the future"))
    resident = session.get(Resident, resident_id)
    if resident is None or resident.residence_status in INACTIVE_RESIDENCE:
        raise ValidationFailed.field(
            "resident_id", Message("no resident has id %(resident_id)s", resident_id=resident_id)
        )
    if current_member(session, resident_id) is not None:
        raise Conflict(
            Message("the resident is already a party member"),
            fields={"resident_id": Message("already a member")},
        )
    member = PartyMember(
        resident_id=resident_id,
        territory_code=resident.territory_code,
        branch=branch,
        joined_on=joined_on,
        created_by=actor,
    )
    session.add(member)
    session.flush()
    join_village_leaders_group(session, member, actor=actor)
    return member


def do_end_member(
    session: Session, member: PartyMember, *, on: dt.date, reason: str, actor: str
) -> list[str]:
    """End a membership; the member's households lose their link (listed: to reassign)."""
    member.ended_on, member.end_reason = on, reason
    links = session.scalars(
        select(ContactAssignment).where(
            ContactAssignment.member_id == member.id, ContactAssignment.ended_at.is_(None)
        )
    ).all()
    now = clock.now()
    for link in links:
        link.ended_at, link.end_reason = now, "member left"
    session.flush()
    join_village_leaders_group(session, member, actor=actor)  # ... and leaves it
    return sorted(link.household_id for link in links)


def end_membership_of_leaver(session: Session, event: LifeEvent) -> Mapping[str, Any] | None:
    """Registry life-event subscriber: a member who died or moved out is a member no more,
    and their households are left to be reassigned (reported in the event's details)."""
    if event.resident_id is None:
        residents = session.scalars(
            select(Resident.id).where(Resident.household_id == event.household_id)
        ).all()
    else:
        residents = [event.resident_id]
    released: list[str] = []
    for resident_id in residents:
        member = current_member(session, resident_id)
        if member is not None:
            released += do_end_member(
                session,
                member,
                on=event.occurred_on,
                reason=LEAVING_REASON.get(event.kind, event.kind),
                actor=event.actor,
            )
    return {"contact_households_to_reassign": released} if released else None


def party_group_codes(members: list[PartyMember]) -> dict[str, str]:
    """Each member's party group: their grid's code, or their village's when the grid has
    fewer than MIN_GROUP_SIZE members (``members``: the current members of one village
    or more, all of them for those villages)."""
    per_grid = Counter(grid_of(member.territory_code) for member in members)
    groups: dict[str, str] = {}
    for member in members:
        grid = grid_of(member.territory_code)
        small = per_grid[grid] < MIN_GROUP_SIZE or len(grid) < 15
        groups[member.id] = member.territory_code[:12] if small else grid
    return groups


def join_village_leaders_group(session: Session, member: PartyMember, *, actor: str) -> None:
    """A new member joins their village's leaders' group, one whose membership ended leaves
    it (members with an account: :func:`party_member_users` is the groups' source)."""
    village = village_of(member.territory_code)
    if village is not None:
        resync_leaders_group(session, village, reason=f"party membership ({actor})")


def party_member_users(session: Session, village_code: str) -> set[str]:
    """The accounts of the village's current party members (the leaders' group's source)."""
    rows = session.scalars(
        select(User.id)
        .join(PartyMember, PartyMember.resident_id == User.resident_id)
        .where(
            PartyMember.ended_on.is_(None),
            within(PartyMember.territory_code, village_code),
            User.is_active.is_(True),
        )
    )
    return set(rows)
