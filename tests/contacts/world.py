"""A small contact world through the real actions: one town, one village of two grids of
two units, four households per unit, three party members with accounts, and the leaders."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from gridgov.accounts.models import User
from gridgov.contacts.assigning import check_pin_assignment
from gridgov.contacts.members import check_mark_member
from gridgov.contacts.models import PartyMember
from gridgov.registry.models import Household, Resident
from tests.factories.access import make_user
from tests.factories.registry import make_household, make_resident
from tests.factories.territory import Tree, make_tree

ACTOR = "test:contacts"


@dataclass
class World:
    tree: Tree
    households: list[Household] = field(default_factory=list)
    heads: list[Resident] = field(default_factory=list)
    members: list[PartyMember] = field(default_factory=list)
    member_users: list[User] = field(default_factory=list)
    unit_leader: User | None = None
    secretary: User | None = None

    @property
    def village(self) -> str:
        return self.tree.villages[0].code


def make_world(session: Session, *, households_per_unit: int = 4) -> World:
    tree = make_tree(session, villages=1, grids_per_village=2, units_per_grid=2)
    world = World(tree=tree)
    for unit in tree.all_units():
        for _ in range(households_per_unit):
            household = make_household(session, unit=unit)
            world.households.append(household)
            world.heads.append(make_resident(session, household=household))
    # Members live in households 0, 5 and 9; each gets an account.
    for index in (0, 5, 9):
        member = check_mark_member(
            session,
            resident_id=world.heads[index].id,
            branch="第一支部",
            joined_on=dt.date(2001, 7, 1),
            actor=ACTOR,
        )
        world.members.append(member)
        world.member_users.append(make_user(session, resident_id=world.heads[index].id))
    unit = tree.all_units()[0]
    world.unit_leader = make_user(session, role="unit_leader", territory_code=unit.code)
    world.secretary = make_user(session, role="village_secretary", territory_code=world.village)
    return world


def link(session: Session, world: World, household_index: int, member_index: int) -> None:
    check_pin_assignment(
        session,
        world.households[household_index],
        member_id=world.members[member_index].id,
        actor=ACTOR,
    )
