"""Who hears of a case: handlers on exactly the handling node, by role or by post."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from gridgov import clock
from gridgov.accounts.actions import check_end_role
from gridgov.accounts.queries import current_role_assignments
from gridgov.cases.recipients import handlers_of
from gridgov.posts.actions import check_start_post
from tests.factories.access import make_user
from tests.factories.registry import make_household, make_resident
from tests.factories.territory import make_tree


def test_handlers_hold_the_level_role_on_exactly_that_node(session: Session) -> None:
    tree = make_tree(session, villages=1, grids_per_village=2, units_per_grid=1)
    grid, other_grid = tree.all_grids()
    leader = make_user(session, role="grid_leader", territory_code=grid.code)
    make_user(session, role="grid_leader", territory_code=other_grid.code)
    make_user(session, role="unit_leader", territory_code=tree.units[grid.code][0].code)
    secretary = make_user(session, role="village_secretary", territory_code=tree.villages[0].code)
    assert handlers_of(session, grid.code, "grid") == [leader.id]
    assert handlers_of(session, tree.villages[0].code, "village") == [secretary.id]
    # The village secretary does not handle the grid's cases (exactly that node).
    assert secretary.id not in handlers_of(session, grid.code, "grid")


def test_a_post_carrying_the_role_makes_a_handler(session: Session) -> None:
    tree = make_tree(session, villages=1, grids_per_village=1, units_per_grid=1)
    grid = tree.all_grids()[0]
    unit = tree.units[grid.code][0]
    resident = make_resident(session, household=make_household(session, unit=unit))
    member = make_user(session, resident_id=resident.id)
    assert handlers_of(session, grid.code, "grid") == []
    check_start_post(
        session,
        resident_id=resident.id,
        post_type="grid_member",  # carries the grid leader's role
        territory_code=grid.code,
        start_date=clock.today(),
        actor="test",
    )
    assert handlers_of(session, grid.code, "grid") == [member.id]


def test_ended_roles_do_not_count_and_administrators_handle_the_district(
    session: Session,
) -> None:
    tree = make_tree(session, villages=1, grids_per_village=1, units_per_grid=1)
    official = make_user(
        session,
        role="town_official",
        territory_code=tree.town.code,
        start_date=clock.today() - dt.timedelta(days=10),
    )
    admin = make_user(session, role="administrator")
    assert handlers_of(session, tree.town.code, "town") == [official.id]
    assert handlers_of(session, tree.district.code, "district") == [admin.id]
    (assignment,) = current_role_assignments(session, official.id)
    check_end_role(session, assignment_id=assignment.id, end_date=clock.today(), actor="test")
    assert handlers_of(session, tree.town.code, "town") == []
