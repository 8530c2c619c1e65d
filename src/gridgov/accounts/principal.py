"""Loading who is asking: the Principal (access.principal) of a user, with the roles they
hold today, each scoped to a territory node.

A principal's scopes come from three places, read fresh on every request:

1. the user's current role assignments (``start_date <= today`` and no ``end_date`` or one
   after today: RoleAssignment.in_force);
2. the current posts of the resident the user is linked to, so that a handover moves
   access with the post (POST_ROLES below says which role each post type carries);
3. ``resident`` of their own household, when the user is linked to a resident who still
   lives there (not moved out, not deceased).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov import clock
from gridgov.access.principal import Principal, Scope
from gridgov.access.roles import ROLES
from gridgov.accounts.models import RoleAssignment
from gridgov.posts.models import Post
from gridgov.registry.models import Household, Resident

# The role a current post carries, on the post's node. A grid member (网格员) does the grid's
# registry work day to day alongside the grid leader, so the post carries the grid leader's
# role on that grid; a party group leader is a party member (the contacts issue will give
# party members their contact households).
POST_ROLES: dict[str, str] = {
    "town_official": "town_official",
    "village_secretary": "village_secretary",
    "village_director": "village_secretary",
    "grid_leader": "grid_leader",
    "grid_member": "grid_leader",
    "unit_leader": "unit_leader",
    "party_group_leader": "party_member",
}
INACTIVE_RESIDENCE = ("moved_out", "deceased")

# A resident's party membership as gridgov.contacts reports it (installed by
# database.hooks): the scopes it carries (``party_member`` on their grid) and the contact
# households assigned to them, as (household id, household territory code) pairs.
PartyReach = tuple[Iterable[Scope], Iterable[tuple[str, str]]]
PartyLoader = Callable[[Session, str], PartyReach]
_party_loaders: list[PartyLoader] = []


def set_party_loader(loader: PartyLoader) -> None:
    """Let ``loader`` add a resident's party scopes and contact households (once)."""
    _party_loaders[:] = [loader]


class UserLike(Protocol):
    """What principal_for needs of an accounts User."""

    @property
    def id(self) -> str: ...
    @property
    def username(self) -> str: ...
    @property
    def resident_id(self) -> str | None: ...


def _assigned_scopes(session: Session, user_id: str) -> list[Scope]:
    # Read here, not through accounts.queries, which loads principals (access_user_to_manage).
    rows = session.execute(
        select(RoleAssignment.role, RoleAssignment.territory_code)
        .where(RoleAssignment.user_id == user_id, *RoleAssignment.in_force(clock.today()))
        .order_by(RoleAssignment.role, RoleAssignment.territory_code)
    )
    return [Scope(role, code) for role, code in rows if role in ROLES]


def _post_scopes(session: Session, resident_id: str) -> list[Scope]:
    # Current as the posts module counts it: not ended (a start is never in the future).
    rows = session.execute(
        select(Post.post_type, Post.territory_code)
        .where(Post.resident_id == resident_id, Post.end_date.is_(None))
        .order_by(Post.post_type, Post.territory_code)
    )
    return [Scope(POST_ROLES[kind], code) for kind, code in rows if kind in POST_ROLES]


def principal_for(session: Session, user: UserLike) -> Principal:
    """The principal of ``user`` as of today (scopes deduplicated, in a stable order)."""
    scopes = _assigned_scopes(session, user.id)
    household_id = household_code = None
    resident = session.get(Resident, user.resident_id) if user.resident_id else None
    contact_ids: set[str] = set()
    contact_codes: set[str] = set()
    if resident is not None and resident.residence_status not in INACTIVE_RESIDENCE:
        scopes += _post_scopes(session, resident.id)
        for loader in _party_loaders:
            party_scopes, households = loader(session, resident.id)
            scopes += list(party_scopes)
            for household_id, code in households:
                contact_ids.add(household_id)
                contact_codes.add(code)
        household = session.get(Household, resident.household_id)
        if household is not None and household.status == "active":
            household_id, household_code = household.id, household.territory_code
            scopes.append(Scope("resident", household.territory_code))
    unique = tuple(dict.fromkeys(scopes))
    return Principal(
        user_id=user.id,
        username=user.username,
        resident_id=resident.id if resident is not None else None,
        household_id=household_id,
        household_code=household_code,
        scopes=unique,
        contact_household_ids=frozenset(contact_ids),
        contact_codes=frozenset(contact_codes),
    )
