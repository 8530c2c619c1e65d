"""Division plans on the database: computed, applied in one transaction, rolled back."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from gridgov import clock
from gridgov.accounts.models import RoleAssignment
from gridgov.audit.models import AuditEntry
from gridgov.errors import Conflict, ValidationFailed
from gridgov.partition.apply import check_apply_plan, check_rollback_plan
from gridgov.partition.constraints import Bounds, check_bounds, parse_range
from gridgov.partition.plans import check_create_plan
from gridgov.posts.models import Post
from gridgov.registry.actions import check_update_household
from gridgov.registry.models import Household, RegistryEvent, Resident
from gridgov.territory.models import Territory
from tests.factories.access import make_user
from tests.partition.plan_helpers import (
    appoint_grid_leaders,
    located_village,
    plan_village,
    snapshot,
)


def test_plan_reports_the_summary_and_changes_nothing(session) -> None:
    village = located_village(session, households=60, unlocated=1)
    appoint_grid_leaders(session, village)
    before = snapshot(session, village.village.code)
    plan = plan_village(session, village)
    summary = plan.summary
    assert plan.status == "planned" and len(plan.base_fingerprint) == 64
    assert summary["households"] == 61 and summary["households_without_point"] == 1
    # 60 households at target 36: round(60 / 36) = 2 grids, each within 25-45
    assert summary["grids"] == 2 == len(plan.proposal["grids"])
    assert summary["units"] == len(plan.proposal["units"]) >= 60 // 8
    assert 25 <= summary["grid_sizes"]["min"] <= summary["grid_sizes"]["max"] <= 45
    assert 4 <= summary["unit_sizes"]["min"] <= summary["unit_sizes"]["max"] <= 8
    assert summary["households_outside_bounds"] == {"grid": 0, "unit": 0}
    assert summary["contiguity"] == {"grids": 1.0, "units": 1.0}
    assert 0 < summary["compactness"] <= 1
    assert summary["households_moved"]["grid"] > 0
    assert 0 < summary["households_changed_grid"] <= summary["households_moved"]["grid"]
    # the old grids (20 households each, under the minimum) are re-divided: a new grid that
    # shares a majority of households with an old one keeps its code, the others retire with
    # their leaders
    old_codes = {g.code for g in village.tree.grids[village.village.code]}
    new_codes = {g["code"] for g in plan.proposal["grids"]}
    retired = old_codes - new_codes
    assert 1 <= len(retired) < 3 and retired <= set(plan.proposal["retire"])
    assert {p["territory_code"] for p in summary["posts_affected"]} == retired
    assert all(p["name"] and p["post_type"] == "grid_leader" for p in summary["posts_affected"])
    unlocated = [e for e in summary["exceptions"] if e["level"] == "household"]
    assert len(unlocated) == 1 and "goes back to its village" in unlocated[0]["reason"]
    assert set(plan.proposal["assignment"].values()) <= {u["code"] for u in plan.proposal["units"]}
    for part in plan.proposal["grids"] + plan.proposal["units"]:
        assert part["boundary"]["type"] in ("Polygon", "MultiPolygon")
    assert [g["kept"] for g in plan.proposal["grids"]] == [
        g["code"] in old_codes for g in plan.proposal["grids"]
    ]
    assert snapshot(session, village.village.code) == before  # a plan writes nothing else


@pytest.mark.parametrize(
    ("low", "high", "target"), [(45, 25, 36), (25, 45, 50), (0, 8, 6), (25, 45, 20)]
)
def test_bounds_that_make_no_sense_name_their_field(low, high, target) -> None:
    with pytest.raises(ValidationFailed) as refused:
        check_bounds(low, high, target, field="grid_size")
    assert refused.value.fields == {"grid_size": "min must be <= target <= max (and min >= 1)"}


def test_range_text_is_parsed_or_refused() -> None:
    assert parse_range("25-45", field="grid_size") == (25, 45)
    with pytest.raises(ValidationFailed) as refused:
        parse_range("25..45", field="unit_size")
    assert "unit_size" in refused.value.fields


def test_plan_refuses_bad_scope_and_locks(session) -> None:
    village = located_village(session, households=30, grids=1)
    with pytest.raises(ValidationFailed) as refused:
        plan_village(session, village, locks=["350305108201999"])
    assert "locks" in refused.value.fields
    with pytest.raises(ValidationFailed) as refused:
        check_create_plan(
            session,
            scope_code=village.tree.all_units()[0].code,
            grid_bounds=Bounds(25, 45, 36),
            unit_bounds=Bounds(4, 8, 6),
            actor="test",
        )
    assert "scope_code" in refused.value.fields


def test_apply_moves_households_retires_and_creates_nodes_and_ends_posts(session) -> None:
    village = located_village(session, households=60, unlocated=1)
    appoint_grid_leaders(session, village)
    old_grid = village.tree.grids[village.village.code][-1]
    leader = make_user(session, role="grid_leader", territory_code=old_grid.code)
    codes_before = {h.id: h.territory_code for h in village.households}
    plan = plan_village(session, village)
    retired = _retired_grids(village, plan)
    assert old_grid.code in retired  # the east band: no new grid holds most of it
    check_apply_plan(session, plan, actor="test:apply")
    assert plan.status == "applied" and plan.applied_by == "test:apply"
    nodes = {n.code: n for n in session.scalars(select(Territory))}
    for part in plan.proposal["grids"] + plan.proposal["units"]:
        node = nodes[part["code"]]
        assert node.status == "active" and node.boundary == part["boundary"]
        assert node.center_lon is not None
    for code in plan.proposal["retire"]:
        assert nodes[code].status == "retired"
    households = {h.id: h for h in session.scalars(select(Household))}
    for household_id, unit_code in plan.proposal["assignment"].items():
        assert households[household_id].territory_code == unit_code
    unlocated = next(h for h in households.values() if h.lon is None)
    assert unlocated.territory_code == village.village.code  # its unit was dissolved
    for resident in session.scalars(select(Resident)):
        assert resident.territory_code == households[resident.household_id].territory_code
    ended = plan.effects["posts_ended"]
    assert {p["territory_code"] for p in ended} == retired
    for row in ended:
        post = session.get(Post, row["post_id"])
        assert post.end_date is not None and f"grid division plan {plan.id}" in post.end_reason
    assignment = session.scalar(select(RoleAssignment).where(RoleAssignment.user_id == leader.id))
    assert assignment.end_date is not None
    assert [r["user_id"] for r in plan.effects["role_assignments_ended"]] == [leader.id]
    moved = _households_changing_unit(plan, codes_before, village.village.code)
    assert plan.effects["households_moved"] == moved
    events = session.scalars(
        select(RegistryEvent).where(RegistryEvent.kind == "unit_changed")
    ).all()
    assert len(events) == moved and all(e.details["plan"] == plan.id for e in events)
    event = next(e for e in events if e.household_id == unlocated.id)
    assert event.details["unit_code"][1] is None and event.territory_code == village.village.code
    audit = session.scalar(select(AuditEntry).where(AuditEntry.object_id == plan.id))
    assert audit.action == "apply" and audit.changes["nodes_created"] == sum(
        not part["kept"] for part in plan.proposal["grids"] + plan.proposal["units"]
    )


def _retired_grids(village, plan) -> set[str]:
    """Old grids the plan retires: those no new grid succeeds (shares most households with)."""
    old = {g.code for g in village.tree.grids[village.village.code]}
    return old & set(plan.proposal["retire"])


def _households_changing_unit(plan, codes_before: dict, village_code: str) -> int:
    return sum(
        plan.proposal["assignment"].get(household_id, village_code) != code
        for household_id, code in codes_before.items()
    )


def test_an_apply_at_half_past_midnight_in_beijing_is_dated_that_local_day(session) -> None:
    village = located_village(session, households=60, unlocated=1)
    appoint_grid_leaders(session, village)
    old_grid = village.tree.grids[village.village.code][-1]
    leader = make_user(session, role="grid_leader", territory_code=old_grid.code)
    codes_before = {h.id: h.territory_code for h in village.households}
    plan = plan_village(session, village)
    assert old_grid.code in _retired_grids(village, plan)
    # 00:30 on 1 December in Beijing is still 30 November (16:30) in UTC.
    with clock.frozen(dt.datetime(2026, 12, 1, 0, 30, tzinfo=ZoneInfo("Asia/Shanghai"))):
        check_apply_plan(session, plan, actor="test:apply")
    local_day = dt.date(2026, 12, 1)
    ended = [session.get(Post, row["post_id"]) for row in plan.effects["posts_ended"]]
    assert ended and {post.end_date for post in ended} == {local_day}
    assignment = session.scalar(select(RoleAssignment).where(RoleAssignment.user_id == leader.id))
    assert assignment.end_date == local_day
    events = session.scalars(
        select(RegistryEvent).where(RegistryEvent.kind == "unit_changed")
    ).all()
    moved = _households_changing_unit(plan, codes_before, village.village.code)
    assert len(events) == moved and {event.occurred_on for event in events} == {local_day}


def test_a_plan_after_apply_keeps_everything(session) -> None:
    village = located_village(session, households=70)
    check_apply_plan(session, plan_village(session, village), actor="test")
    again = plan_village(session, village)
    assert again.summary["households_moved"] == {"grid": 0, "unit": 0}
    assert again.proposal["retire"] == []
    assert all(part["kept"] for part in again.proposal["grids"] + again.proposal["units"])
    check_apply_plan(session, again, actor="test")
    assert again.effects["households_moved"] == 0 and again.effects["nodes_created"] == 0


def test_a_stale_plan_is_refused_and_changes_nothing(session) -> None:
    village = located_village(session, households=60)
    plan = plan_village(session, village)
    household = village.households[0]
    check_update_household(session, household, lon=household.lon + 0.0001, actor="test")
    before = snapshot(session, village.village.code)
    with pytest.raises(Conflict) as refused:
        check_apply_plan(session, plan, actor="test")
    assert "changed since" in str(refused.value)
    assert plan.status == "planned"
    assert snapshot(session, village.village.code) == before


def test_applying_supersedes_older_plans_of_the_scope(session) -> None:
    village = located_village(session, households=60)
    older = plan_village(session, village)
    newer = plan_village(session, village, grid_bounds=Bounds(25, 45, 30))
    check_apply_plan(session, newer, actor="test")
    assert older.status == "superseded"
    with pytest.raises(Conflict):
        check_apply_plan(session, older, actor="test")


def test_rollback_restores_the_division_before(session) -> None:
    village = located_village(session, households=60, unlocated=1)
    appoint_grid_leaders(session, village)
    before = snapshot(session, village.village.code)
    codes_before = {h.id: h.territory_code for h in village.households}
    plan = plan_village(session, village)
    retired = _retired_grids(village, plan)
    check_apply_plan(session, plan, actor="test")
    check_rollback_plan(session, plan, actor="test:rollback")
    after = snapshot(session, village.village.code)
    created = set(plan.before["created"])
    assert {k: v for k, v in after["nodes"].items() if k not in created} == before["nodes"]
    assert all(after["nodes"][code][1] == "retired" for code in created)
    assert after["households"] == before["households"]
    assert after["residents"] == before["residents"]
    assert plan.status == "rolled_back" and plan.rolled_back_by == "test:rollback"
    moves = session.scalars(select(RegistryEvent).where(RegistryEvent.kind == "unit_changed"))
    moved = _households_changing_unit(plan, codes_before, village.village.code)
    assert len(moves.all()) == 2 * moved  # there and back, each recorded
    # the leaders' posts are listed to reappoint, not restarted silently
    to_reappoint = plan.effects["rollback"]["to_reappoint"]
    assert {row["territory_code"] for row in to_reappoint} == retired
    still_held = session.scalars(select(Post.territory_code).where(Post.end_date.is_(None)))
    assert not set(still_held) & retired  # posts of kept grids were never ended
    reactivations = session.scalars(
        select(AuditEntry).where(AuditEntry.action == "reactivate")
    ).all()
    assert len(reactivations) == len(plan.proposal["retire"])


def test_only_the_latest_applied_plan_rolls_back(session) -> None:
    village = located_village(session, households=60)
    first = plan_village(session, village)
    check_apply_plan(session, first, actor="test")
    second = plan_village(session, village, grid_bounds=Bounds(25, 45, 30))
    check_apply_plan(session, second, actor="test")  # within the same clock tick as the first
    with pytest.raises(Conflict) as refused:
        check_rollback_plan(session, first, actor="test")
    assert second.id in str(refused.value)
    check_rollback_plan(session, second, actor="test")
    check_rollback_plan(session, first, actor="test")
    assert first.status == second.status == "rolled_back"


def test_rollback_is_refused_after_the_division_changed(session) -> None:
    village = located_village(session, households=60)
    plan = plan_village(session, village)
    check_apply_plan(session, plan, actor="test")
    household = session.get(Household, village.households[0].id)
    check_update_household(session, household, lon=household.lon + 0.0001, actor="test")
    with pytest.raises(Conflict) as refused:
        check_rollback_plan(session, plan, actor="test")
    assert "cannot be rolled back exactly" in str(refused.value)
    assert plan.status == "applied"


def test_a_town_plan_leaves_villages_without_located_households_alone(session) -> None:
    village = located_village(session, households=40, grids=1, villages=2)
    other = village.tree.villages[1]
    plan = check_create_plan(
        session,
        scope_code=village.tree.town.code,
        grid_bounds=Bounds(25, 45, 36),
        unit_bounds=Bounds(4, 8, 6),
        actor="test",
    )
    assert plan.proposal["untouched_villages"] == [other.code]
    assert not [code for code in plan.proposal["retire"] if code.startswith(other.code)]
    assert any(
        e["level"] == "village" and e["village_code"] == other.code
        for e in plan.summary["exceptions"]
    )
    check_apply_plan(session, plan, actor="test")
    for grid in village.tree.grids[other.code]:
        assert session.get(Territory, grid.id).status == "active"


def test_cases_follow_their_household_and_come_back(session) -> None:
    from gridgov.cases.categories import seed_categories
    from gridgov.cases.intake import check_report_case

    seed_categories(session, actor="test")
    village = located_village(session, households=60)
    household = village.households[0]
    case, _created = check_report_case(
        session,
        category_code="dispute",
        description="noise at night",
        channel="cli",
        actor="test",
        household_id=household.id,
    )
    before = (case.territory_code, case.level, case.handler_code)
    plan = plan_village(session, village)
    check_apply_plan(session, plan, actor="test")
    session.refresh(case)
    new_unit = plan.proposal["assignment"][household.id]
    assert case.territory_code == new_unit and case.handler_code.startswith(new_unit[:15])
    assert plan.effects["cases_moved"] == int(new_unit != before[0])
    check_rollback_plan(session, plan, actor="test")
    session.refresh(case)
    assert (case.territory_code, case.level, case.handler_code) == before


def test_posts_can_be_started_on_the_new_nodes(session) -> None:
    """The new nodes are ordinary nodes: a leader can be appointed to them at once."""
    from gridgov.posts.actions import check_start_post

    village = located_village(session, households=60)
    plan = plan_village(session, village)
    check_apply_plan(session, plan, actor="test")
    post = check_start_post(
        session,
        resident_id=village.residents[0].id,
        post_type="grid_leader",
        territory_code=plan.proposal["grids"][0]["code"],
        start_date=dt.date(2026, 1, 5),
        actor="test",
    )
    assert post.end_date is None


def test_a_locked_grid_keeps_its_households(session) -> None:
    village = located_village(session, households=110, grids=3)
    first = plan_village(session, village)
    check_apply_plan(session, first, actor="test")
    locked = first.proposal["grids"][0]["code"]
    members = {h for h, unit in first.proposal["assignment"].items() if unit.startswith(locked)}
    again = plan_village(session, village, grid_bounds=Bounds(25, 45, 27), locks=[locked])
    assert again.parameters["locks"] == [locked]
    assert locked in {g["code"] for g in again.proposal["grids"] if g["kept"]}
    now = {h for h, unit in again.proposal["assignment"].items() if unit.startswith(locked)}
    assert now == members
