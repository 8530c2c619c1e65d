"""A small island for roll-call tests: a town of two villages, each two grids of two units,
households with members in priority key groups and a dangerous house, a leader on every
level (unit 2 of grid 1 of village 1 has no unit leader), residents linked to users, and
shelters. Everything through the real actions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from gridgov import clock
from gridgov.access.principal import Principal
from gridgov.accounts.models import User
from gridgov.accounts.principal import principal_for
from gridgov.cases.categories import seed_categories
from gridgov.emergency.models import RollCall, Shelter
from gridgov.emergency.shelters import check_create_shelter
from gridgov.emergency.start import check_start_roll_call
from gridgov.registry.actions import check_set_dangerous_house
from gridgov.registry.life_events import check_record_move_out
from gridgov.registry.models import Household
from tests.cases.case_world import quick_password_hashing
from tests.factories.access import make_user
from tests.factories.registry import make_household, make_resident
from tests.factories.territory import Tree, make_tree

ACTOR = "test:rollcall"


@dataclass
class Island:
    tree: Tree
    town: str
    village: str
    other_village: str
    grid: str
    unit: str
    leaderless_unit: str
    households: dict[str, Household] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    shelter: Shelter | None = None

    def principal(self, session: Session, name: str) -> Principal:
        return principal_for(session, self.users[name])


def make_island(session: Session) -> Island:
    with quick_password_hashing():
        return _make_island(session)


def _make_island(session: Session) -> Island:
    seed_categories(session, actor=ACTOR)
    tree = make_tree(session, villages=2, grids_per_village=2, units_per_grid=2)
    village, other_village = tree.villages
    grid = tree.grids[village.code][0]
    unit, leaderless = tree.units[grid.code]
    island = Island(
        tree=tree,
        town=tree.town.code,
        village=village.code,
        other_village=other_village.code,
        grid=grid.code,
        unit=unit.code,
        leaderless_unit=leaderless.code,
    )
    h = island.households
    h["plain"] = make_household(session, unit=unit, household_no="A001", lon=119.111, lat=25.001)
    make_resident(session, household=h["plain"])
    h["elderly"] = make_household(session, unit=unit, household_no="A002")
    make_resident(session, household=h["elderly"], key_groups=["elderly_alone"])
    h["pregnant"] = make_household(session, unit=leaderless, household_no="A003")
    make_resident(session, household=h["pregnant"])
    make_resident(session, household=h["pregnant"], key_groups=["pregnant"])
    h["dangerous"] = make_household(session, unit=leaderless, household_no="A004")
    make_resident(session, household=h["dangerous"])
    check_set_dangerous_house(
        session, h["dangerous"], dangerous=True, reason="墙体开裂", actor=ACTOR
    )
    h["away_member"] = make_household(session, unit=unit, household_no="A005")
    # A member in a priority group who works away does not make the household a priority.
    make_resident(session, household=h["away_member"])
    make_resident(
        session,
        household=h["away_member"],
        key_groups=["disabled"],
        residence_status="working_away",
    )
    other_grid_unit = tree.units[tree.grids[village.code][1].code][0]
    h["other_grid"] = make_household(session, unit=other_grid_unit, household_no="B001")
    make_resident(session, household=h["other_grid"])
    other_unit = tree.units[tree.grids[other_village.code][0].code][0]
    h["other_village"] = make_household(session, unit=other_unit, household_no="C001")
    make_resident(session, household=h["other_village"])
    h["moved_out"] = make_household(session, unit=unit, household_no="A009")
    make_resident(session, household=h["moved_out"])
    check_record_move_out(session, h["moved_out"], occurred_on=clock.today(), actor=ACTOR)
    _users(session, island)
    island.shelter = check_create_shelter(
        session,
        village_code=village.code,
        name="村小学",
        capacity=3,
        principal=None,
        actor=ACTOR,
    )
    session.flush()
    return island


def _users(session: Session, island: Island) -> None:
    u = island.users
    u["unit_leader"] = make_user(session, role="unit_leader", territory_code=island.unit)
    u["grid_leader"] = make_user(session, role="grid_leader", territory_code=island.grid)
    u["secretary"] = make_user(session, role="village_secretary", territory_code=island.village)
    u["other_secretary"] = make_user(
        session, role="village_secretary", territory_code=island.other_village
    )
    u["town_official"] = make_user(session, role="town_official", territory_code=island.town)
    head = make_resident(session, household=island.households["plain"], name="户主本人")
    u["resident"] = make_user(session, resident_id=head.id)
    other = make_resident(session, household=island.households["other_village"])
    u["other_resident"] = make_user(session, resident_id=other.id)
    u["other_unit_leader"] = make_user(
        session,
        role="unit_leader",
        territory_code=island.tree.units[island.tree.grids[island.other_village][0].code][0].code,
    )


def start(
    session: Session,
    island: Island,
    *,
    territory: str | None = None,
    by: str = "town_official",
    **options: object,
) -> RollCall:
    values: dict[str, object] = {"kind": "typhoon", "title": "台风“海葵”", "message": "请立即确认"}
    values |= options
    return check_start_roll_call(
        session,
        territory_code=territory or island.town,
        principal=island.principal(session, by),
        actor=f"user:{island.users[by].username}",
        **values,  # type: ignore[arg-type]
    )


def minutes(n: float) -> dt.timedelta:
    return dt.timedelta(minutes=n)


def recount(session: Session, roll_call: RollCall) -> dict[str, dict[str, int]]:
    """The counts per node recomputed from the lines, in Python (the oracle of
    emergency.counters)."""
    from sqlalchemy import select

    from gridgov.emergency.counters import COUNTED, contribution
    from gridgov.emergency.models import RollCallHousehold

    counts: dict[str, dict[str, int]] = {}
    lines = session.scalars(
        select(RollCallHousehold).where(RollCallHousehold.roll_call_id == roll_call.id)
    )
    for line in lines:
        node = counts.setdefault(line.territory_code, dict.fromkeys(COUNTED, 0))
        node["households"] += 1
        node["priority"] += int(line.priority)
        added = contribution(line.status, line.priority, line.escalated_to is not None)
        for name, value in added.items():
            node[name] += value
    return counts


def kept_counts(session: Session, roll_call: RollCall) -> dict[str, dict[str, int]]:
    from sqlalchemy import select

    from gridgov.emergency.counters import COUNTED
    from gridgov.emergency.models import RollCallCount

    rows = session.scalars(select(RollCallCount).where(RollCallCount.roll_call_id == roll_call.id))
    return {row.territory_code: {name: getattr(row, name) for name in COUNTED} for row in rows}
