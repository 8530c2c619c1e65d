"""A retired node's groups are archived (read-only, history kept for their former members
and leaders, read pointers kept); a node re-activated re-opens them (SQLite, PostgreSQL)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from gridgov import clock
from gridgov.accounts.principal import principal_for
from gridgov.errors import Conflict
from gridgov.groups.actions import (
    Draft,
    check_create_group,
    check_create_invitation,
    check_mark_read,
    check_post_message,
)
from gridgov.groups.models import GroupMember
from gridgov.groups.queries import access_group, history, list_groups
from gridgov.registry.models import Household
from gridgov.registry.moves import do_move_households
from gridgov.territory.actions import (
    NodeShape,
    NodeState,
    check_retire_territories,
    check_retire_territory,
    do_restore_territories,
)
from tests.factories.access import ACTOR
from tests.factories.groups import group_of, make_world, member_ids


def _empty_unit(session, world):
    """The second unit, with a group and a read pointer, its households moved to the first
    (as a division plan moves them before it retires the unit)."""
    grid = world.tree.grids[world.village().code][0]
    first, second = world.tree.units[grid.code]
    group = check_create_group(session, territory_code=second.code, actor=ACTOR)
    reader, author = world.villagers[second.code]
    message = check_post_message(
        session, group, Draft(text="明天修路"), principal=principal_for(session, author)
    )
    check_mark_read(session, group, up_to=message.id, principal=principal_for(session, reader))
    households = session.scalars(
        select(Household.id).where(Household.territory_code == second.code)
    ).all()
    do_move_households(
        session, [(h, first.code) for h in households], occurred_on=clock.today(), actor=ACTOR
    )
    return grid, second, group, reader


def _read_seq(session, group, user) -> int:
    row = session.scalar(
        select(GroupMember).where(GroupMember.group_id == group.id, GroupMember.user_id == user.id)
    )
    assert row is not None
    return row.read_seq


def test_retiring_a_unit_archives_its_group_read_only_with_history_kept(session) -> None:
    world = make_world(session, villages=1, grids=1, units=2)
    grid, unit, group, reader = _empty_unit(session, world)
    village_group = group_of(session, "village", world.village().code)
    check_retire_territory(session, unit, actor=ACTOR)
    assert group.status == "archived" and village_group.status == "active"
    grid_leader = principal_for(session, world.grid_leaders[grid.code])
    with pytest.raises(Conflict, match="archived"):
        check_post_message(session, group, Draft(text="还能发吗"), principal=grid_leader)
    with pytest.raises(Conflict, match="archived"):
        check_create_invitation(session, group, actor=ACTOR)
    # The former member (moved away before the unit retired) still reads its history,
    # their read pointer as it was; the list shows the group as archived.
    former = principal_for(session, reader)
    assert access_group(session, group.id, former).id == group.id
    assert [m.text for m in history(session, group)[0]] == ["明天修路"]
    assert _read_seq(session, group, reader) == 1
    listed, _ = list_groups(session, former)
    assert {(row.group.id, row.group.status) for row in listed} >= {(group.id, "archived")}
    # The leader of the village's grid still reads it (a moderator of its node).
    assert access_group(session, group.id, grid_leader).id == group.id


def test_a_batch_retirement_archives_and_a_rollback_re_opens(session) -> None:
    world = make_world(session, villages=1, grids=1, units=2)
    _grid, unit, group, reader = _empty_unit(session, world)
    members = member_ids(session, group)
    check_retire_territories(session, [unit.code], actor=ACTOR)
    assert group.status == "archived"
    assert member_ids(session, group) == members  # frozen, not emptied
    session.refresh(unit)
    do_restore_territories(
        session,
        {unit.code: NodeState("active", None, NodeShape(unit.boundary, None, None))},
        actor=ACTOR,
    )
    assert group.status == "active"
    assert reader.id not in member_ids(session, group)  # they moved: membership follows again
    check_post_message(
        session,
        group,
        Draft(text="又开了"),
        principal=principal_for(session, world.unit_leaders[unit.code]),
    )


def test_an_archived_group_answers_archived_in_the_api(client, session) -> None:
    from tests.factories.access import bearer

    world = make_world(session, villages=1, grids=1, units=2)
    _grid, unit, group, reader = _empty_unit(session, world)
    check_retire_territory(session, unit, actor=ACTOR)
    session.commit()
    headers = bearer(session, reader)
    found = client.get(f"/api/v1/groups/{group.id}", headers=headers)
    assert found.status_code == 200, found.text
    assert found.json()["archived"] is True
    listed = client.get("/api/v1/groups", headers=headers).json()["items"]
    assert {item["id"]: item["archived"] for item in listed}[group.id] is True
    posted = client.post(
        f"/api/v1/groups/{group.id}/messages", headers=headers, json={"text": "有人吗"}
    )
    assert posted.status_code in (404, 409), posted.text
    leader = bearer(session, world.unit_leaders[unit.code])
    refused = client.post(
        f"/api/v1/groups/{group.id}/messages", headers=leader, json={"text": "有人吗"}
    )
    assert refused.status_code == 409, refused.text
    assert "group" in refused.json()["error"]["fields"]


def test_a_division_plan_archives_the_groups_of_what_it_retires_and_rollback_re_opens(
    session,
) -> None:
    from gridgov.groups.models import Group
    from gridgov.partition.apply import check_apply_plan, check_rollback_plan
    from tests.partition.plan_helpers import located_village, plan_village

    village = located_village(session, households=60, unlocated=1)
    grids = [grid.code for grid in village.tree.grids[village.village.code]]
    groups = {code: check_create_group(session, territory_code=code, actor=ACTOR) for code in grids}
    plan = plan_village(session, village)
    retired = set(plan.proposal["retire"]) & set(grids)
    assert retired  # the plan redraws the old grids
    check_apply_plan(session, plan, actor="test")
    statuses = {code: group.status for code, group in groups.items()}
    assert statuses == {code: "archived" if code in retired else "active" for code in grids}
    archived = session.scalars(select(Group.territory_code).where(Group.status == "archived"))
    assert set(archived) == retired  # the village's own groups stay open
    check_rollback_plan(session, plan, actor="test:rollback")
    assert {group.status for group in groups.values()} == {"active"}
