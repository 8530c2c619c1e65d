"""One demo account per role on the demo island, with passwords drawn at random each time.

The island itself is seeded and reproducible; its passwords are not (they are printed once).
The grid leader's, unit leader's and village secretary's accounts are linked to the residents
who hold those posts, the resident's account to a resident of the demo unit.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov import clock
from gridgov.accounts import actions, passwords
from gridgov.accounts.models import User
from gridgov.posts.models import Post
from gridgov.registry.models import Resident

TOWN = "350305108"
VILLAGE = "350305108201"
GRID = "350305108201001"
UNIT = "35030510820100101"

# (username, role, territory code or None for the whole platform, post whose holder it is)
DEMO_ACCOUNTS: tuple[tuple[str, str, str | None, str | None], ...] = (
    ("demo_admin", "administrator", None, None),
    ("demo_town", "town_official", TOWN, None),
    ("demo_village", "village_secretary", VILLAGE, "village_secretary"),
    ("demo_grid", "grid_leader", GRID, "grid_leader"),
    ("demo_unit", "unit_leader", UNIT, "unit_leader"),
    ("demo_party", "party_member", GRID, None),
    ("demo_resident", "resident", UNIT, None),
)


def create_demo_accounts(
    session: Session, *, actor: str, residents: Mapping[str, str] | None = None
) -> list[tuple[str, str, str, str]]:
    """Create the demo accounts: ``(username, role, territory, password)`` for each, the
    password in clear only in this answer. Territory ``*`` is the whole platform.
    ``residents`` links a username to a resident the caller chose (the demo package gives
    ``demo_party`` a party member of the demo grid: accounts knows no party members)."""
    created: list[tuple[str, str, str, str]] = []
    linked: set[str] = set()
    chosen = residents or {}
    for username, role, territory, post_type in DEMO_ACCOUNTS:
        if username in chosen:
            resident = session.get(Resident, chosen[username])
        else:
            resident = _linked_resident(session, role, territory, post_type, taken=linked)
        password = passwords.temporary_password()
        user = actions.check_create_user(
            session,
            username=username,
            password=password,
            display_name=resident.name if resident else username,
            resident_id=resident.id if resident else None,
            actor=actor,
        )
        if resident is not None:
            linked.add(resident.id)
        actions.check_assign_role(
            session,
            user_id=user.id,
            role=role,
            territory_code=territory,
            start_date=clock.today(),
            actor=actor,
        )
        created.append((user.username, role, territory or "*", password))
    return created


def _linked_resident(
    session: Session, role: str, territory: str | None, post_type: str | None, *, taken: set[str]
) -> Resident | None:
    if post_type is not None and territory is not None:
        holder = session.scalar(
            select(Resident)
            .join(Post, Post.resident_id == Resident.id)
            .where(
                Post.post_type == post_type,
                Post.territory_code == territory,
                Post.end_date.is_(None),
            )
        )
        return holder if holder is not None and holder.id not in taken else None
    if role == "resident" and territory is not None:
        # A resident of the demo unit who holds no post and has no account yet.
        return session.scalar(
            select(Resident)
            .where(
                Resident.territory_code == territory,
                Resident.residence_status == "living_here",
                ~Resident.id.in_(select(Post.resident_id)),
                ~Resident.id.in_(select(User.resident_id).where(User.resident_id.is_not(None))),
                Resident.id.not_in(taken or {""}),
            )
            .order_by(Resident.id)
            .limit(1)
        )
    return None
