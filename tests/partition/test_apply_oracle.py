"""The set-based apply and rollback against the node-by-node path they replaced (the oracle,
tests/partition/node_by_node.py): the same plan applied both ways on the same data (the
oracle's run undone by a savepoint) leaves the same nodes, households, residents, cases,
posts, role assignments, registry events and audit rows, and the same plan record; the
same after rollback. Ids and instants that must differ (new rows' ids) are left out."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov.accounts.models import RoleAssignment
from gridgov.audit.models import AuditEntry
from gridgov.cases.categories import seed_categories
from gridgov.cases.intake import check_report_case
from gridgov.cases.models import Case
from gridgov.partition import apply as set_based
from gridgov.partition.constraints import Bounds
from gridgov.partition.models import PartitionPlan
from gridgov.partition.plans import check_create_plan
from gridgov.partition.state import load_scope
from gridgov.posts.actions import check_start_post
from gridgov.posts.models import Post
from gridgov.registry.models import Household, RegistryEvent, Resident
from gridgov.territory.models import Territory
from tests.factories.access import make_user
from tests.partition import node_by_node
from tests.partition.plan_helpers import (
    GRIDS,
    UNITS,
    Village,
    appoint_grid_leaders,
    located_village,
)

ACTOR = "test:oracle"
Step = Callable[..., PartitionPlan]


def _rows(session: Session, model: Any, *columns: str, where: Any = None) -> dict[str, tuple]:
    query = select(model) if where is None else select(model).where(where)
    return {row.id: tuple(getattr(row, name) for name in columns) for row in session.scalars(query)}


def _audit(session: Session, known: set[str]) -> Counter:
    """The audit rows written since ``known`` (the ids there before), ids of new rows and
    of created nodes replaced by what names them."""
    codes = {node.id: node.code for node in session.scalars(select(Territory))}
    found: Counter = Counter()
    for entry in session.scalars(select(AuditEntry)):
        if entry.id in known:
            continue
        changes = {k: v for k, v in entry.changes.items() if k != "id"}
        object_id = codes.get(entry.object_id or "", entry.object_id)
        found[
            (
                entry.at,
                entry.actor,
                entry.action,
                entry.object_type,
                object_id,
                entry.territory_code,
                entry.request_id,
                repr(sorted(changes.items())),
            )
        ] += 1
    return found


def _state(
    session: Session, plan: PartitionPlan, known_audit: set[str], *, stamps: bool
) -> dict[str, Any]:
    """Everything apply and rollback write, comparable across the two runs. ``stamps``:
    compare who wrote each node last (not after a rollback: one that finds a node as it
    was leaves it alone, where the oracle stamped its updated_by and version anyway)."""
    session.flush()
    session.expire_all()
    nodes = {
        node.code: (
            node.level,
            node.parent_code,
            node.status,
            node.boundary,
            node.center_lon,
            node.center_lat,
            node.retired_at,
            node.name_zh,
            node.name_en,
            node.updated_by if stamps else None,
        )
        for node in session.scalars(select(Territory))
    }
    events = Counter(
        (e.kind, e.occurred_on, e.household_id, e.territory_code, repr(e.details), e.actor)
        for e in session.scalars(select(RegistryEvent))
    )
    stored = session.get(PartitionPlan, plan.id)
    assert stored is not None
    return {
        "nodes": nodes,
        "households": _rows(session, Household, "territory_code", "version", "updated_by"),
        "residents": _rows(session, Resident, "territory_code", "version", "updated_by"),
        "cases": _rows(session, Case, "territory_code", "level", "handler_code", "version"),
        "posts": _rows(session, Post, "territory_code", "end_date", "end_reason"),
        "roles": _rows(session, RoleAssignment, "territory_code", "start_date", "end_date"),
        "events": events,
        "audit": _audit(session, known_audit),
        "plan": (
            stored.status,
            stored.before,
            stored.effects,
            stored.applied_by,
            stored.applied_at,
            stored.rolled_back_by,
            stored.rolled_back_at,
        ),
        "fingerprint": load_scope(session, plan.scope_code).fingerprint(),
    }


def _both_ways(session: Session, plan: PartitionPlan) -> tuple[list[dict], list[dict]]:
    """(oracle, set-based): the state after apply and after rollback, each run from the
    same data (the oracle's inside a savepoint rolled back)."""
    session.info["actor"] = ACTOR  # as the API and the CLI set it for the ORM listener
    session.flush()
    known = set(session.scalars(select(AuditEntry.id)))
    runs = []
    for module in (node_by_node, set_based):
        savepoint = session.begin_nested() if module is node_by_node else None
        module.check_apply_plan(session, session.get(PartitionPlan, plan.id), actor=ACTOR)
        applied = _state(session, plan, known, stamps=True)
        module.check_rollback_plan(session, session.get(PartitionPlan, plan.id), actor=ACTOR)
        runs.append([applied, _state(session, plan, known, stamps=False)])
        if savepoint is not None:
            savepoint.rollback()
            session.expire_all()
    return runs[0], runs[1]


def _with_cases(session: Session, village: Village, *, points: int) -> list[Case]:
    """A case raised by the first household (it follows it), and cases located by a point
    alone at the next households' places (on a unit when units have polygons: when the
    plan dissolves it, the case goes to the new unit under its point)."""
    seed_categories(session, actor="test")
    cases = []
    for index, household in enumerate(village.households[: points + 1]):
        case, _ = check_report_case(
            session,
            category_code="dispute",
            description=f"case {index}",
            channel="cli",
            actor="test",
            household_id=household.id if index == 0 else None,
            lon=None if index == 0 else household.lon,
            lat=None if index == 0 else household.lat,
        )
        cases.append(case)
    return cases


def _unit_leader(session: Session, village: Village) -> None:
    unit = village.tree.units[village.tree.grids[village.village.code][1].code][0]
    check_start_post(
        session,
        resident_id=village.residents[-1].id,
        post_type="unit_leader",
        territory_code=unit.code,
        start_date=village.tree.town.created_at.date(),
        actor="test",
    )


def _compare(oracle: list[dict], batched: list[dict]) -> None:
    for stage, expected, got in zip(("apply", "rollback"), oracle, batched, strict=True):
        for key in expected:
            assert got[key] == expected[key], f"{stage}: {key} differ"


def test_a_fresh_division_is_applied_and_rolled_back_as_node_by_node(session) -> None:
    village = located_village(session, households=90, grids=3, units=3, unlocated=2)
    appoint_grid_leaders(session, village)
    _unit_leader(session, village)
    _with_cases(session, village, points=1)
    plan = check_create_plan(
        session, scope_code=village.village.code, grid_bounds=GRIDS, unit_bounds=UNITS, actor="test"
    )
    dissolved = [code for code in plan.proposal["retire"] if len(code) == 15]
    make_user(session, role="grid_leader", territory_code=dissolved[0])
    oracle, batched = _both_ways(session, plan)
    applied = batched[0]
    effects = applied["plan"][2]
    assert effects["nodes_created"] > 0 and effects["nodes_retired"] > 0
    assert effects["households_moved"] > 0 and effects["cases_moved"] == 1
    assert effects["posts_ended"] and effects["role_assignments_ended"]
    assert applied["fingerprint"] == effects["after_fingerprint"]
    written = {(key[2], key[3]) for key in applied["audit"]}
    assert {
        ("create", "territories"),
        ("update", "territories"),
        ("update", "households"),
        ("update", "residents"),
        ("update", "cases"),
        ("update", "posts"),
        ("update", "role_assignments"),
        ("apply", "partition_plan"),
    } <= written
    assert batched[1]["fingerprint"] == load_scope(session, plan.scope_code).fingerprint()
    _compare(oracle, batched)


@pytest.mark.parametrize(
    ("grid_bounds", "unit_bounds"),
    [
        (Bounds(15, 30, 20), Bounds(4, 8, 6)),  # grids split: some kept, some dissolved
        (Bounds(25, 45, 36), Bounds(2, 5, 3)),  # grids kept, new units under them
    ],
)
def test_a_redivision_keeping_and_redrawing_nodes_matches_node_by_node(
    session, grid_bounds, unit_bounds
) -> None:
    village = located_village(session, households=110, grids=3, units=2, villages=2)
    first = check_create_plan(
        session,
        scope_code=village.tree.town.code,
        grid_bounds=GRIDS,
        unit_bounds=UNITS,
        actor="test",
    )
    set_based.check_apply_plan(session, first, actor="test")
    cases = _with_cases(session, village, points=12)
    assert all(len(case.territory_code) == 17 for case in cases[1:])  # on the new units
    again = check_create_plan(
        session,
        scope_code=village.tree.town.code,
        grid_bounds=grid_bounds,
        unit_bounds=unit_bounds,
        actor="test",
    )
    parts = again.proposal["grids"] + again.proposal["units"]
    assert any(part["kept"] for part in parts) and not all(part["kept"] for part in parts)
    on_retired = [case for case in cases[1:] if case.territory_code in again.proposal["retire"]]
    oracle, batched = _both_ways(session, again)
    effects = batched[0]["plan"][2]
    assert effects["nodes_reshaped"] > 0 and effects["nodes_created"] > 0
    assert effects["cases_moved"] >= len(on_retired)
    _compare(oracle, batched)
