"""What a party group leader reads: the post ``party_group_leader`` (on a grid) names the
leader of that grid's party group (contacts.members.party_group_codes: the grid's members,
or the village's when the grid has too few for a group of its own). The post carries the
``party_member`` role (accounts.principal.POST_ROLES), so the leader writes the ledger of
their own households only; on top of that, the contacts queries let them READ the visits
made by the members of the group they lead and the due list of those members' households
(:func:`led_member_ids`). Nothing here grants a write."""

from __future__ import annotations

from sqlalchemy import ColumnElement, false, select
from sqlalchemy.orm import Session

from gridgov.access.principal import Principal
from gridgov.contacts.members import party_group_codes
from gridgov.contacts.models import ContactAssignment, PartyMember
from gridgov.posts.models import Post
from gridgov.registry.models import Household
from gridgov.territory.scope import within

LEADER_POST = "party_group_leader"
VILLAGE_LENGTH = 12


def led_member_ids(session: Session, principal: Principal | None) -> list[str]:
    """The current members of the party groups the caller leads (none without the post)."""
    if principal is None or principal.resident_id is None:
        return []
    grids = session.scalars(
        select(Post.territory_code).where(
            Post.resident_id == principal.resident_id,
            Post.post_type == LEADER_POST,
            Post.end_date.is_(None),
        )
    ).all()
    led: set[str] = set()
    for grid in grids:
        village = session.scalars(
            select(PartyMember).where(
                PartyMember.ended_on.is_(None),
                within(PartyMember.territory_code, grid[:VILLAGE_LENGTH]),
            )
        ).all()
        groups = party_group_codes(list(village))
        # The grid's own group; a grid too small for one is in its village's group.
        group = grid if grid in groups.values() else grid[:VILLAGE_LENGTH]
        led.update(member.id for member in village if groups[member.id] == group)
    return sorted(led)


def led_households(member_ids: list[str], household_column: object) -> ColumnElement[bool]:
    """SQL: the row's household is currently assigned to one of ``member_ids``."""
    if not member_ids:
        return false()
    return household_column.in_(  # type: ignore[attr-defined]
        select(ContactAssignment.household_id).where(
            ContactAssignment.member_id.in_(member_ids), ContactAssignment.ended_at.is_(None)
        )
    )


def led_reach(session: Session, principal: Principal | None, territory: str) -> bool:
    """Does ``territory`` lie on or above a household of a member of the caller's led
    groups (a ``territory=CODE`` filter the leader may use; rows stay filtered)."""
    led = led_member_ids(session, principal)
    if not led:
        return False
    codes = session.scalars(
        select(Household.territory_code).where(led_households(led, Household.id)).distinct()
    )
    return any(code.startswith(territory) for code in codes)
