"""Membership follows the registry and the posts (their hooks, no polling)."""

from __future__ import annotations

from sqlalchemy import select

from gridgov import clock
from gridgov.accounts.actions import check_end_role
from gridgov.accounts.models import RoleAssignment
from gridgov.groups.actions import check_create_group
from gridgov.groups.models import GroupMember
from gridgov.posts.actions import check_hand_over
from gridgov.registry.life_events import check_record_death, check_record_move_out
from tests.factories.access import ACTOR, make_user
from tests.factories.groups import group_of, make_world, member_ids, resident_of, villager


def test_a_village_gets_its_group_and_leaders_group_when_created(session) -> None:
    world = make_world(session, villages=1)
    village = world.village()
    everyone = {u.id for users in world.villagers.values() for u in users}
    leaders = {u.id for u in [*world.grid_leaders.values(), *world.unit_leaders.values()]}
    assert member_ids(session, group_of(session, "village", village.code)) == everyone | leaders
    assert member_ids(session, group_of(session, "leaders", village.code)) == leaders


def test_grid_and_unit_groups_on_demand_hold_their_people_and_leaders(session) -> None:
    world = make_world(session, villages=1)
    grid = world.tree.grids[world.village().code][0]
    unit = world.tree.units[grid.code][1]
    group = check_create_group(session, territory_code=unit.code, actor=ACTOR)
    expected = {u.id for u in world.villagers[unit.code]}
    expected |= {world.unit_leaders[unit.code].id, world.grid_leaders[grid.code].id}
    assert member_ids(session, group) == expected
    grid_group = check_create_group(session, territory_code=grid.code, actor=ACTOR)
    assert world.villagers[unit.code][0].id in member_ids(session, grid_group)
    other_grid = world.tree.grids[world.village().code][1]
    assert world.grid_leaders[other_grid.code].id not in member_ids(session, grid_group)


def test_moving_out_or_dying_leaves_and_a_new_account_joins(session) -> None:
    world = make_world(session, villages=1)
    unit = world.tree.all_units()[0]
    village_group = group_of(session, "village", world.village().code)
    unit_group = check_create_group(session, territory_code=unit.code, actor=ACTOR)
    mover, dead = world.villagers[unit.code]
    check_record_move_out(
        session, resident_of(session, mover), occurred_on=clock.today(), actor=ACTOR
    )
    check_record_death(session, resident_of(session, dead), occurred_on=clock.today(), actor=ACTOR)
    for group in (village_group, unit_group):
        assert mover.id not in member_ids(session, group)
        assert dead.id not in member_ids(session, group)
    newcomer = villager(session, unit)
    assert newcomer.id in member_ids(session, unit_group)
    assert newcomer.id in member_ids(session, village_group)


def test_handover_the_new_leader_joins_the_old_one_leaves(session) -> None:
    world = make_world(session, villages=1)
    grid = world.tree.grids[world.village().code][0]
    old = world.grid_leaders[grid.code]
    leaders_group = group_of(session, "leaders", world.village().code)
    # the successor lives in the other grid: only the post brings them to this grid's group
    other_grid = world.tree.grids[world.village().code][1]
    successor = villager(session, world.tree.units[other_grid.code][0])
    grid_group = check_create_group(session, territory_code=grid.code, actor=ACTOR)
    assert old.id in member_ids(session, grid_group)
    assert successor.id not in member_ids(session, leaders_group)
    check_hand_over(
        session,
        post_type="grid_leader",
        territory_code=grid.code,
        resident_id=successor.resident_id,
        on_date=clock.today(),
        reason="handover",
        actor=ACTOR,
    )
    assert successor.id in member_ids(session, grid_group)
    assert successor.id in member_ids(session, leaders_group)
    assert old.id not in member_ids(session, leaders_group)
    # the old leader lives in this grid: they stay as a villager, no longer as its leader
    assert sources(session, grid_group)[old.id] == "household"
    assert sources(session, grid_group)[successor.id] == "leader"


def sources(session, group) -> dict[str, str]:
    rows = session.execute(
        select(GroupMember.user_id, GroupMember.source).where(
            GroupMember.group_id == group.id, GroupMember.left_at.is_(None)
        )
    )
    return dict(rows.all())


def test_a_role_assignment_is_leadership_too(session) -> None:
    world = make_world(session, villages=1)
    village = world.village()
    secretary = make_user(session, role="village_secretary", territory_code=village.code)
    assert secretary.id in member_ids(session, group_of(session, "leaders", village.code))
    assignment = session.scalar(
        select(RoleAssignment).where(RoleAssignment.user_id == secretary.id)
    )
    check_end_role(session, assignment_id=assignment.id, end_date=clock.today(), actor=ACTOR)
    assert secretary.id not in member_ids(session, group_of(session, "leaders", village.code))
