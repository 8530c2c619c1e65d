"""A village with residents who have accounts and leaders who hold posts, for the groups'
tests: every row through the real actions (so the groups' hooks run as in production)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov import clock
from gridgov.accounts.models import User
from gridgov.groups.models import Group, GroupMember
from gridgov.posts.actions import check_start_post
from gridgov.registry.models import Resident
from gridgov.territory.models import Territory
from tests.factories.access import ACTOR, make_user
from tests.factories.registry import make_household, make_resident
from tests.factories.territory import Tree, make_tree


@dataclass
class World:
    tree: Tree
    # users of residents, per unit code (two households a unit, one account each)
    villagers: dict[str, list[User]] = field(default_factory=dict)
    grid_leaders: dict[str, User] = field(default_factory=dict)
    unit_leaders: dict[str, User] = field(default_factory=dict)

    def village(self, index: int = 0) -> Territory:
        return self.tree.villages[index]


def villager(session: Session, unit: Territory) -> User:
    household = make_household(session, unit=unit)
    resident = make_resident(session, household=household)
    return make_user(session, resident_id=resident.id)


def leader(session: Session, unit: Territory, post_type: str, node_code: str) -> User:
    user = villager(session, unit)
    assert user.resident_id is not None
    check_start_post(
        session,
        resident_id=user.resident_id,
        post_type=post_type,
        territory_code=node_code,
        start_date=clock.today(),
        actor=ACTOR,
    )
    return user


def make_world(session: Session, *, villages: int = 2, grids: int = 2, units: int = 2) -> World:
    """Each account costs a password hash (argon2, ~0.5 s here): keep worlds small."""
    tree = make_tree(session, villages=villages, grids_per_village=grids, units_per_grid=units)
    world = World(tree)
    for village in tree.villages:
        for grid in tree.grids[village.code]:
            first_unit = tree.units[grid.code][0]
            world.grid_leaders[grid.code] = leader(session, first_unit, "grid_leader", grid.code)
            for unit in tree.units[grid.code]:
                world.villagers[unit.code] = [villager(session, unit) for _ in range(2)]
                world.unit_leaders[unit.code] = leader(session, unit, "unit_leader", unit.code)
    session.flush()
    return world


def group_of(session: Session, kind: str, code: str) -> Group:
    group = session.scalar(select(Group).where(Group.kind == kind, Group.territory_code == code))
    assert group is not None, (kind, code)
    return group


def member_ids(session: Session, group: Group) -> set[str]:
    return set(
        session.scalars(
            select(GroupMember.user_id).where(
                GroupMember.group_id == group.id, GroupMember.left_at.is_(None)
            )
        )
    )


def resident_of(session: Session, user: User) -> Resident:
    resident = session.get(Resident, user.resident_id)
    assert resident is not None
    return resident
