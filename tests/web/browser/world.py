"""The browser tests' island: a town, 2 villages, grids, units, households, residents, a few
cases, and one user per role with a known password, made through the real actions and
factories and committed to the live server's own database."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from gridgov.jobs.delivery import deliver_outbox_step
from tests.factories.cases import draw_polygons, make_case
from tests.factories.registry import make_household, make_resident
from tests.factories.territory import make_tree
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
    return World(
        town=tree.town.code,
        villages=[v.code for v in tree.villages],
        grids=[g.code for g in tree.all_grids()],
        units=[u.code for u in tree.all_units()],
        case_ids=[case.id for case in cases],
    )
