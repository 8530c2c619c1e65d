"""principal_for: role assignments, the roles of current posts, and the own household."""

from __future__ import annotations

import datetime as dt

import pytest

from gridgov import clock
from gridgov.access.principal import Principal, Scope
from gridgov.accounts.actions import check_end_role
from gridgov.accounts.principal import POST_ROLES, principal_for
from gridgov.accounts.queries import current_role_assignments
from gridgov.posts.actions import check_end_post, check_hand_over, check_start_post
from gridgov.posts.types import POST_TYPES
from gridgov.registry.life_events import check_record_move_out
from tests.factories.access import make_user
from tests.factories.registry import make_household, make_resident
from tests.factories.territory import make_tree

ACTOR = "test:principal"


@pytest.fixture
def place(session):
    tree = make_tree(session, villages=1, grids_per_village=2, units_per_grid=1)
    grid = tree.all_grids()[0]
    household = make_household(session, unit=tree.units[grid.code][0])
    return tree, grid, household


def _days_ago(days: int) -> dt.date:
    return clock.today() - dt.timedelta(days=days)


def test_scope_and_principal_are_frozen_and_check_the_role() -> None:
    scope = Scope("grid_leader", "350305108201001")
    with pytest.raises(AttributeError):
        scope.role = "administrator"  # type: ignore[misc]
    with pytest.raises(ValueError, match="unknown role"):
        Scope("mayor", "350305108")
    who = Principal(user_id="u", username="li.ming", scopes=(scope,))
    assert who.roles == {"grid_leader"} and who.actor == "user:li.ming"


def test_every_post_type_carries_a_known_role() -> None:
    assert set(POST_ROLES) == set(POST_TYPES)
    assert POST_ROLES["grid_member"] == "grid_leader"
    assert POST_ROLES["village_director"] == "village_secretary"
    assert POST_ROLES["party_group_leader"] == "party_member"


def test_current_role_assignments_only(session, place) -> None:
    tree, grid, _household = place
    user = make_user(session, role="grid_leader", territory_code=grid.code)
    later = make_user(
        session,
        role="village_secretary",
        territory_code=tree.villages[0].code,
        start_date=clock.today() + dt.timedelta(days=3),
    )
    principal = principal_for(session, user)
    assert principal.scopes == (Scope("grid_leader", grid.code),)
    assert principal.resident_id is None and principal.household_id is None
    assert principal_for(session, later).scopes == ()  # not started yet

    [assignment] = current_role_assignments(session, user.id)
    check_end_role(session, assignment_id=assignment.id, end_date=clock.today(), actor=ACTOR)
    assert principal_for(session, user).scopes == ()


def test_an_administrator_of_the_platform_has_no_node(session) -> None:
    admin = make_user(session, role="administrator")
    assert principal_for(session, admin).scopes == (Scope("administrator", None),)


def test_a_linked_resident_holds_their_household_and_their_posts(session, place) -> None:
    _tree, grid, household = place
    resident = make_resident(session, household=household)
    check_start_post(
        session,
        resident_id=resident.id,
        post_type="grid_member",
        territory_code=grid.code,
        start_date=_days_ago(30),
        actor=ACTOR,
    )
    user = make_user(session, resident_id=resident.id)
    principal = principal_for(session, user)
    assert principal.resident_id == resident.id
    assert principal.household_id == household.id
    assert principal.household_code == household.territory_code
    assert set(principal.scopes) == {
        Scope("grid_leader", grid.code),
        Scope("resident", household.territory_code),
    }


def test_a_handover_moves_the_role_with_the_post(session, place) -> None:
    _tree, grid, household = place
    outgoing = make_resident(session, household=household)
    incoming = make_resident(
        session, household=make_household(session, unit=place[0].all_units()[1])
    )
    check_start_post(
        session,
        resident_id=outgoing.id,
        post_type="grid_leader",
        territory_code=grid.code,
        start_date=_days_ago(60),
        actor=ACTOR,
    )
    old_user = make_user(session, resident_id=outgoing.id)
    new_user = make_user(session, resident_id=incoming.id)
    assert Scope("grid_leader", grid.code) in principal_for(session, old_user).scopes
    assert Scope("grid_leader", grid.code) not in principal_for(session, new_user).scopes

    _ended, started = check_hand_over(
        session,
        post_type="grid_leader",
        territory_code=grid.code,
        resident_id=incoming.id,
        on_date=_days_ago(1),
        reason="handover",
        actor=ACTOR,
    )
    assert principal_for(session, old_user).roles == {"resident"}
    assert Scope("grid_leader", grid.code) in principal_for(session, new_user).scopes

    check_end_post(session, started, end_date=clock.today(), reason="term over", actor=ACTOR)
    assert principal_for(session, new_user).roles == {"resident"}


def test_a_resident_who_moved_away_keeps_no_household_and_no_post(session, place) -> None:
    _tree, grid, household = place
    resident = make_resident(session, household=household)
    check_start_post(
        session,
        resident_id=resident.id,
        post_type="party_group_leader",
        territory_code=grid.code,
        start_date=_days_ago(10),
        actor=ACTOR,
    )
    user = make_user(session, resident_id=resident.id)
    assert principal_for(session, user).roles == {"party_member", "resident"}
    check_record_move_out(session, resident, occurred_on=_days_ago(1), actor=ACTOR)
    principal = principal_for(session, user)
    assert principal.scopes == () and principal.household_id is None
