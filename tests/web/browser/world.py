"""The browser tests' island: a town, 2 villages, grids, units, households, residents, a few
cases, and one user per role with a known password, made through the real actions and
factories and committed to the live server's own database."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov import clock
from gridgov.contacts.assigning import check_pin_assignment
from gridgov.contacts.members import check_mark_member
from gridgov.contacts.moments import check_add_hand_moment
from gridgov.jobs.delivery import deliver_outbox_step
from gridgov.registry.models import Household, Resident
from gridgov.territory.actions import check_create_territory
from gridgov.territory.codes import child_code
from tests.factories.cases import draw_polygons, make_case
from tests.factories.registry import make_household, make_resident
from tests.factories.territory import make_tree, square
from tests.reports.factory import make_case as report_case
from tests.web.helpers import PASSWORD, make_person

# role -> username; every one signs in with helpers.PASSWORD.
USERNAMES = {
    "administrator": "admin.web",
    "town_official": "town.web",
    "village_secretary": "secretary.web",
    "grid_leader": "gridleader.web",
    "unit_leader": "unitleader.web",
    "party_member": "party.web",
    "resident": "villager.web",
}
ROLES = tuple(USERNAMES)
DISPLAY_NAMES = {
    "administrator": "系统管理员",
    "town_official": "陈建国",
    "village_secretary": "林秀英",
    "grid_leader": "黄志强",
    "unit_leader": "吴丽华",
    "party_member": "郑德明",
    "resident": "王芳",
}


@dataclass
class World:
    town: str
    villages: list[str]
    grids: list[str]
    units: list[str]
    password: str = PASSWORD
    usernames: dict[str, str] = field(default_factory=lambda: dict(USERNAMES))
    case_ids: list[str] = field(default_factory=list)
    # --- dashboard and grid division (h5) ---
    mapped_village: str = ""  # a village drawn to its units, with located households
    mapped_grids: list[str] = field(default_factory=list)
    planner: str = ""  # username of the mapped village's secretary
    # --- group pages: the first village's groups by kind, a notice to its village group ---
    group_ids: dict[str, str] = field(default_factory=dict)
    notice_id: str = ""
    notice_reader: str = ""  # a villager of another household, who reads only the notice
    notice_reader_unit: str = ""
    # --- contact pages (tests/web/browser/test_contact_pages.py) ---
    contact_member: str = ""  # username of a party member looking after contact_households
    contact_households: list[str] = field(default_factory=list)
    contact_member_name: str = ""  # the member's name in the registry
    # --- roll-call pages (tests/web/browser/test_rollcall_pages.py) ---
    roll_call_id: str = ""  # a typhoon drill over the second village, open
    rollcall_unit_leader: str = ""  # username of the second village's first unit's leader
    rollcall_secretary: str = ""  # username of the second village's secretary
    rollcall_household: str = ""  # a household of that unit
    # the walk-through (test_rollcall_walkthrough.py): the grid leader of that unit's grid;
    # the unit holds two households (one more made after the drill above started), the
    # grid's other unit one
    rollcall_grid_leader: str = ""
    walkthrough_households: list[str] = field(default_factory=list)  # the unit's two
    walkthrough_other_unit: str = ""  # the grid's other unit's household


def build_world(session: Session) -> World:
    tree = make_tree(session, villages=2, grids_per_village=2, units_per_grid=2)
    village, grid = tree.villages[0], tree.all_grids()[0]
    unit = tree.units[grid.code][0]
    households = [make_household(session, unit=u) for u in tree.all_units()]
    residents = [make_resident(session, household=h) for h in households for _ in range(2)]
    holders = {
        "administrator": None,
        "town_official": tree.town.code,
        "village_secretary": village.code,
        "grid_leader": grid.code,
        "unit_leader": unit.code,
        "party_member": village.code,
    }
    for role, code in holders.items():
        make_person(
            session,
            USERNAMES[role],
            role=role,
            territory_code=code,
            display_name=DISPLAY_NAMES[role],
        )
    villager = make_person(
        session,
        USERNAMES["resident"],
        resident_id=residents[0].id,
        display_name=DISPLAY_NAMES["resident"],
    )
    cases = [
        make_case(session, category_code="sanitation.sewage", household=households[0]),
        make_case(session, household=households[0], reporter=villager, channel="api"),
        make_case(session, category_code="sanitation.sewage", household=households[-1]),
    ]
    # --- case pages (tests/web/browser/test_case_pages.py) --------------------------------
    # Grid and unit outlines, so a tap on the report form's map locates a case by its point.
    draw_polygons(session, tree)
    # --- end of the case pages' block ------------------------------------------------------
    session.flush()
    deliver_outbox_step(session)  # the handlers' "case assigned" notifications
    session.commit()
    world = World(
        town=tree.town.code,
        villages=[v.code for v in tree.villages],
        grids=[g.code for g in tree.all_grids()],
        units=[u.code for u in tree.all_units()],
        case_ids=[case.id for case in cases],
    )
    build_mapped_village(session, world)
    build_groups(session, world)
    build_contacts(session, world, households, residents)
    build_roll_call(session, world)
    return world


# --- group pages (tests/web/browser/test_group_pages.py) ----------------------------------


NOTICE_READER = "reader.web"


def build_groups(session: Session, world: World) -> None:
    """The first village's group (made with the village; the villager and the leaders are
    members through the registry and their posts), a second villager of another household
    who opens nothing but the notice, and a notice to the group asking for acknowledgement
    (the notice test counts that household's reading; the chat tests' villager reads the
    group and so the notice too, before)."""
    from gridgov.groups.queries import village_group

    group = village_group(session, world.villages[0])
    assert group is not None, "the village has no group"
    world.group_ids["village"] = group.id
    unit = world.units[1]
    resident = session.scalar(
        select(Resident)
        .join(Household, Household.id == Resident.household_id)
        .where(Household.territory_code == unit)
        .order_by(Resident.id)
    )
    assert resident is not None
    make_person(session, NOTICE_READER, resident_id=resident.id, display_name="李桂兰")
    world.notice_reader, world.notice_reader_unit = NOTICE_READER, unit
    world.notice_id = build_notice(session, group)
    session.commit()


def build_notice(session: Session, group) -> str:
    """A notice to the group by the village secretary (the notices branch's action)."""
    from gridgov.accounts.models import User
    from gridgov.groups.notices import check_post_notice

    secretary = session.scalar(select(User).where(User.username == USERNAMES["village_secretary"]))
    assert secretary is not None
    notice = check_post_notice(
        session,
        group=group,
        title="关于冬季防火的通知",
        body="请各户检查电线和炉灶，不在室内存放易燃物。",
        priority="important",
        ack_required=True,
        actor=f"user:{secretary.username}",
        author_user_id=secretary.id,
    )
    return notice.id


# --- end of the group pages' block -------------------------------------------------------


# --- contact pages (tests/web/browser/test_contact_pages.py) ---------------------------
CONTACT_MEMBER = "member.web"


def build_contacts(session: Session, world: World, households: list, residents: list) -> None:
    """A party member with an account (living in the second household of the first village)
    who looks after the villager's household and a third one (pinned by hand); the third
    has a "must visit" moment (a stay in hospital)."""
    from gridgov.accounts.models import User

    # The second household's resident the groups' notice reader is not (it took the one of
    # lower id in that unit): ids are random, so either may be free.
    taken = set(session.scalars(select(User.resident_id).where(User.resident_id.is_not(None))))
    free = next(r for r in residents[2:4] if r.id not in taken)
    member = check_mark_member(
        session,
        resident_id=free.id,
        branch="第一支部",
        joined_on=dt.date(2001, 7, 1),
        actor="test:factory",
    )
    make_person(session, CONTACT_MEMBER, resident_id=free.id, display_name="郑德明")
    for household in (households[0], households[2]):
        check_pin_assignment(session, household, member_id=member.id, actor="test:factory")
    check_add_hand_moment(  # a stay in hospital: a "must visit" moment, due in 3 days
        session,
        households[2],
        reason="hospital",
        due_on=clock.today() + dt.timedelta(days=3),
        note="住院",
        actor="test:factory",
    )
    session.commit()
    world.contact_member = CONTACT_MEMBER
    world.contact_households = [households[0].id, households[2].id]
    world.contact_member_name = free.name


# --- end of the contact pages' block ----------------------------------------------------


# --- roll-call pages (tests/web/browser/test_rollcall_pages.py) ---------------------------
# On the second village, with leaders of their own, so the first village's pages (groups,
# notices, notifications) that other tests count see nothing of it.
ROLLCALL_UNIT_LEADER = "rcunit.web"
ROLLCALL_SECRETARY = "rcsecretary.web"


def build_roll_call(session: Session, world: World) -> None:
    """A typhoon drill over the second village, started as the CLI does (no principal)."""
    from gridgov.emergency.start import check_start_roll_call

    village, unit = world.villages[1], world.units[4]
    make_person(session, ROLLCALL_UNIT_LEADER, role="unit_leader", territory_code=unit)
    make_person(session, ROLLCALL_SECRETARY, role="village_secretary", territory_code=village)
    household = session.scalar(
        select(Household).where(Household.territory_code == unit).order_by(Household.id)
    )
    assert household is not None
    roll_call = check_start_roll_call(
        session,
        territory_code=village,
        kind="typhoon",
        title="台风“海葵”演练",
        message="请各户确认平安",
        drill=True,
        principal=None,
        actor="test:browser-world",
    )
    session.commit()
    world.roll_call_id = roll_call.id
    world.rollcall_unit_leader, world.rollcall_secretary = ROLLCALL_UNIT_LEADER, ROLLCALL_SECRETARY
    world.rollcall_household = household.id
    build_walkthrough(session, world)


ROLLCALL_GRID_LEADER = "rcgrid.web"


def build_walkthrough(session: Session, world: World) -> None:
    """The demo walk-through's people: a grid leader of the second village's first grid and
    a second household in its first unit (after the drill above started: not in it)."""
    from gridgov.territory.models import Territory

    grid, unit, other_unit = world.grids[2], world.units[4], world.units[5]
    assert unit.startswith(grid) and other_unit.startswith(grid)
    make_person(session, ROLLCALL_GRID_LEADER, role="grid_leader", territory_code=grid)
    second = make_household(
        session, unit=session.scalar(select(Territory).where(Territory.code == unit))
    )
    make_resident(session, household=second)
    session.commit()
    ours = session.scalars(
        select(Household.id).where(Household.territory_code == unit).order_by(Household.id)
    )
    world.rollcall_grid_leader = ROLLCALL_GRID_LEADER
    world.walkthrough_households = list(ours)
    world.walkthrough_other_unit = session.scalars(
        select(Household.id).where(Household.territory_code == other_unit)
    ).one()


# --- end of the roll-call pages' block ----------------------------------------------------


# --- dashboard and grid division (h5): a third village, drawn -------------------------
PLANNER = "planner.web"


def build_mapped_village(session: Session, world: World) -> None:
    """A third village of the town with grid and unit boundaries, 60 located households in
    two grids that are too small (a plan redoes them), a case open and one overdue, and its
    own village secretary (``world.planner``), so the grid-division test changes nothing
    the other tests read."""
    village = check_create_territory(
        session,
        code=child_code(world.town, "village", 203),
        level="village",
        parent_code=world.town,
        name_zh="测试3村",
        name_en="Village 3",
        boundary=square(119.13, 25.0),
        actor="test:factory",
    )
    grids, units = [], []
    for g in range(2):
        west = 119.13 + 0.005 * g
        grid = check_create_territory(
            session,
            code=child_code(village.code, "grid", g + 1),
            level="grid",
            parent_code=village.code,
            name_zh=f"第{g + 1}网格",
            name_en=f"Grid {g + 1}",
            boundary=_box(west, 25.0, west + 0.005, 25.01),
            actor="test:factory",
        )
        grids.append(grid)
        for u in range(2):
            south = 25.0 + 0.005 * u
            units.append(
                check_create_territory(
                    session,
                    code=child_code(grid.code, "unit", u + 1),
                    level="unit",
                    parent_code=grid.code,
                    name_zh=f"第{u + 1}单元",
                    name_en=f"Unit {u + 1}",
                    boundary=_box(west, south, west + 0.005, south + 0.005),
                    actor="test:factory",
                )
            )
    rng = random.Random(11)
    for _ in range(60):
        lon, lat = 119.1305 + rng.random() * 0.009, 25.0005 + rng.random() * 0.009
        unit = units[2 * int((lon - 119.13) / 0.005) + int((lat - 25.0) / 0.005)]
        household = make_household(session, unit=unit, lon=round(lon, 6), lat=round(lat, 6))
        if rng.random() < 0.3:
            tags = ("disabled",) if rng.random() < 0.3 else ()
            make_resident(session, household=household, key_groups=tags)
    now = clock.now()
    report_case(session, territory_code=units[0].code, created_at=now - dt.timedelta(days=3))
    report_case(
        session,
        territory_code=units[3].code,
        created_at=now - dt.timedelta(days=5),
        due_at=now - dt.timedelta(hours=3),
    )
    report_case(
        session,
        territory_code=units[1].code,
        created_at=now - dt.timedelta(days=6),
        state="closed",
        level="grid",
        hours_to_close=20,
        rating=5,
    )
    make_person(
        session,
        PLANNER,
        role="village_secretary",
        territory_code=village.code,
        display_name="郭海燕",
    )
    session.commit()
    world.mapped_village = village.code
    world.mapped_grids = [grid.code for grid in grids]
    world.planner = PLANNER


def _box(west: float, south: float, east: float, north: float) -> dict:
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return {"type": "Polygon", "coordinates": [ring]}
