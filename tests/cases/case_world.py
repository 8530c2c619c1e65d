"""A small world for workflow tests: one village with two grids of two units, a leader on
every handling level, a reporter living in the first unit, and cases reported through the
real intake (cases.intake.check_report_case)."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from argon2 import PasswordHasher
from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov.access.principal import Principal
from gridgov.accounts import passwords
from gridgov.accounts.models import User
from gridgov.accounts.principal import principal_for
from gridgov.cases.categories import seed_categories
from gridgov.cases.intake import check_report_case
from gridgov.cases.models import Case, CaseEvent
from gridgov.notify.models import OutboxMessage
from gridgov.registry.models import Household
from tests.factories.access import make_user
from tests.factories.registry import make_household, make_resident
from tests.factories.territory import Tree, make_tree

# Monday 30 November 2026, 09:00 in Asia/Shanghai: a working morning.
MONDAY_9AM = dt.datetime(2026, 11, 30, 1, 0, tzinfo=dt.UTC)
ACTOR = "test:workflow"


@dataclass
class World:
    tree: Tree
    unit: str
    other_unit: str
    grid: str
    village: str
    town: str
    household: Household
    other_household: Household
    reporter: User
    other_reporter: User
    unit_leader: User
    other_unit_leader: User
    grid_leader: User
    village_secretary: User
    town_official: User
    administrator: User

    def principal(self, session: Session, user: User) -> Principal:
        return principal_for(session, user)


@contextlib.contextmanager
def quick_password_hashing() -> Iterator[None]:
    """These users never log in with a password: hash theirs at argon2's lowest cost, not
    the production cost (about a second each on a busy machine)."""
    saved = passwords._hasher
    passwords._hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    try:
        yield
    finally:
        passwords._hasher = saved


def make_world(session: Session) -> World:
    with quick_password_hashing():
        return _make_world(session)


def _make_world(session: Session) -> World:
    seed_categories(session, actor=ACTOR)
    tree = make_tree(session, villages=1, grids_per_village=2, units_per_grid=2)
    village = tree.villages[0]
    grid = tree.grids[village.code][0]
    unit, other_unit = tree.units[grid.code]
    household = make_household(session, unit=unit)
    other_household = make_household(session, unit=other_unit)
    reporter = make_user(session, resident_id=make_resident(session, household=household).id)
    other_reporter = make_user(
        session, resident_id=make_resident(session, household=other_household).id
    )
    world = World(
        tree=tree,
        unit=unit.code,
        other_unit=other_unit.code,
        grid=grid.code,
        village=village.code,
        town=tree.town.code,
        household=household,
        other_household=other_household,
        reporter=reporter,
        other_reporter=other_reporter,
        unit_leader=make_user(session, role="unit_leader", territory_code=unit.code),
        other_unit_leader=make_user(session, role="unit_leader", territory_code=other_unit.code),
        grid_leader=make_user(session, role="grid_leader", territory_code=grid.code),
        village_secretary=make_user(session, role="village_secretary", territory_code=village.code),
        town_official=make_user(session, role="town_official", territory_code=tree.town.code),
        administrator=make_user(session, role="administrator"),
    )
    session.flush()
    return world


def report(
    session: Session,
    world: World,
    *,
    category: str = "dispute.noise",
    reporter: User | None = None,
    household: Household | None = None,
    description: str = "楼上装修噪音到深夜",
) -> Case:
    """A case reported by ``reporter`` (the world's reporter) at their household."""
    user = reporter or world.reporter
    case, created = check_report_case(
        session,
        category_code=category,
        description=description,
        channel="api",
        actor=f"user:{user.username}",
        reporter_user_id=user.id,
        household_id=(household or world.household).id,
        principal=principal_for(session, user),
    )
    assert created
    return case


def events(session: Session, case: Case) -> list[CaseEvent]:
    return list(
        session.scalars(
            select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq)
        )
    )


def outbox(session: Session, kind: str, case: Case) -> list[OutboxMessage]:
    rows = session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.created_at)
    )
    return [row for row in rows if row.payload.get("case_id") == case.id]
