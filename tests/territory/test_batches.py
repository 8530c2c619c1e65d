"""Batches of territory writes: the single-node rules, checked once for many nodes, and an
audit entry per node as the ORM listener writes for a single write."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from gridgov import clock
from gridgov.audit.models import AuditEntry
from gridgov.errors import Conflict, ValidationFailed
from gridgov.territory import recording
from gridgov.territory.actions import (
    NewNode,
    NodeShape,
    NodeState,
    check_create_territories,
    check_retire_territories,
    do_redraw_territories,
    do_restore_territories,
)
from gridgov.territory.models import Territory
from tests.factories.registry import make_household
from tests.factories.territory import ACTOR, make_tree, square


def _count(session) -> int:
    return session.scalar(select(func.count()).select_from(Territory))


def _entries(session, action: str, code: str) -> list[AuditEntry]:
    return list(
        session.scalars(
            select(AuditEntry).where(
                AuditEntry.action == action,
                AuditEntry.object_type == "territories",
                AuditEntry.territory_code == code,
            )
        )
    )


def test_a_batch_creates_grids_and_the_units_under_them(session) -> None:
    tree = make_tree(session, villages=1, grids_per_village=1, units_per_grid=1)
    village = tree.villages[0].code
    new_grid = village + "002"
    rows = check_create_territories(
        session,
        [
            NewNode(new_grid, "grid", "第2网格", "Grid 2", village, square(119.11, 25.0, 0.005)),
            NewNode(new_grid + "01", "unit", "第1单元", "Unit 1", new_grid),
            NewNode(village + "00102", "unit", "第2单元", "Unit 2", village + "001"),
        ],
        actor=ACTOR,
    )
    assert [row["code"] for row in rows] == [new_grid, new_grid + "01", village + "00102"]
    grid = session.scalar(select(Territory).where(Territory.code == new_grid))
    assert grid.status == "active" and grid.parent_code == village and grid.version == 1
    assert grid.center_lon is not None  # a centre inside the polygon, as one create gives
    created = _entries(session, "create", new_grid)
    assert len(created) == 1 and created[0].actor == ACTOR
    assert created[0].object_id == grid.id
    assert created[0].changes["code"] == [None, new_grid]
    assert created[0].changes["boundary"][1] == grid.boundary


@pytest.mark.parametrize(
    ("nodes", "field"),
    [
        # a unit under a village
        (lambda v: [NewNode(v + "00109", "unit", "错", "", v)], "parent_code"),
        # a code not under its parent's
        (lambda v: [NewNode("350305108299009", "grid", "错", "", v)], "code"),
        # a parent that does not exist, in the database or earlier in the batch
        (lambda v: [NewNode(v + "00901", "unit", "错", "", v + "009")], "parent_code"),
        # a parent later in the batch
        (
            lambda v: [
                NewNode(v + "00901", "unit", "错", "", v + "009"),
                NewNode(v + "009", "grid", "错", "", v),
            ],
            "parent_code",
        ),
        # a bad polygon
        (lambda v: [NewNode(v + "009", "grid", "网格", "", v, {"type": "Point"})], "boundary"),
        # a name with a control character
        (lambda v: [NewNode(v + "009", "grid", "网\x07格", "", v)], "name_zh"),
    ],
)
def test_a_batch_with_one_bad_node_is_refused_whole(session, nodes, field) -> None:
    tree = make_tree(session, villages=1, grids_per_village=1, units_per_grid=1)
    before = _count(session)
    good = NewNode(tree.villages[0].code + "005", "grid", "第5网格", "", tree.villages[0].code)
    with pytest.raises(ValidationFailed) as refused:
        check_create_territories(session, [good, *nodes(tree.villages[0].code)], actor=ACTOR)
    assert field in refused.value.fields
    assert _count(session) == before


def test_a_batch_reusing_a_code_is_a_conflict(session) -> None:
    tree = make_tree(session, villages=1, grids_per_village=1, units_per_grid=1)
    village = tree.villages[0].code
    taken = NewNode(village + "001", "grid", "第1网格", "", village)
    with pytest.raises(Conflict) as refused:
        check_create_territories(session, [taken], actor=ACTOR)
    assert refused.value.fields == {"code": "already taken"}
    twice = NewNode(village + "007", "grid", "第7网格", "", village)
    with pytest.raises(Conflict, match="already taken"):
        check_create_territories(session, [twice, twice], actor=ACTOR)


def test_a_batch_under_a_retired_parent_is_refused(session) -> None:
    tree = make_tree(session, villages=1, grids_per_village=2, units_per_grid=1)
    grid = tree.grids[tree.villages[0].code][1]
    check_retire_territories(session, [tree.units[grid.code][0].code, grid.code], actor=ACTOR)
    with pytest.raises(ValidationFailed) as refused:
        check_create_territories(
            session, [NewNode(grid.code + "05", "unit", "第5单元", "", grid.code)], actor=ACTOR
        )
    assert refused.value.fields == {"parent_code": f"{grid.code} is retired"}


def test_retiring_a_batch_of_units_and_their_grid(session) -> None:
    tree = make_tree(session, villages=1, grids_per_village=2, units_per_grid=2)
    grid = tree.grids[tree.villages[0].code][0]
    codes = [unit.code for unit in tree.units[grid.code]] + [grid.code]
    check_retire_territories(session, codes, actor=ACTOR)
    for code in codes:
        node = session.scalar(select(Territory).where(Territory.code == code))
        assert node.status == "retired" and node.retired_at == clock.now()
        assert node.version == 2 and node.updated_by == ACTOR
        (entry,) = _entries(session, "update", code)
        assert entry.changes["status"] == ["active", "retired"]
    with pytest.raises(Conflict, match="already retired"):
        check_retire_territories(session, [grid.code], actor=ACTOR)


def test_a_grid_whose_units_stay_active_is_not_retired(session) -> None:
    tree = make_tree(session, villages=1, grids_per_village=1, units_per_grid=2)
    grid = tree.grids[tree.villages[0].code][0]
    first, second = tree.units[grid.code]
    with pytest.raises(Conflict) as refused:
        check_retire_territories(session, [first.code, grid.code], actor=ACTOR)
    assert refused.value.fields == {"code": "has active children"}
    assert second.code in refused.value.message
    assert {n.status for n in session.scalars(select(Territory))} == {"active"}


def test_the_retire_guards_see_the_whole_batch(session) -> None:
    tree = make_tree(session, villages=1, grids_per_village=1, units_per_grid=3)
    units = tree.units[tree.grids[tree.villages[0].code][0].code]
    household = make_household(session, unit=units[2])
    with pytest.raises(Conflict) as refused:
        check_retire_territories(session, [unit.code for unit in units], actor=ACTOR)
    assert refused.value.fields == {"code": "has active households"}
    assert (
        units[2].code in refused.value.message and household.household_no in refused.value.message
    )
    assert {n.status for n in session.scalars(select(Territory))} == {"active"}


def test_redrawing_writes_changed_polygons_only(session) -> None:
    tree = make_tree(session, villages=1, grids_per_village=2, units_per_grid=1)
    first, second = tree.grids[tree.villages[0].code]
    drawn = do_redraw_territories(
        session,
        {
            first.code: NodeShape(square(119.11, 25.0, 0.004), 119.112, 25.002),
            second.code: NodeShape(second.boundary, second.center_lon, second.center_lat),
        },
        actor=ACTOR,
    )
    assert drawn == [first.code]
    session.refresh(first)
    assert first.boundary == square(119.11, 25.0, 0.004) and first.version == 2
    (entry,) = _entries(session, "update", first.code)
    assert entry.changes["boundary"] == [None, first.boundary]
    assert entry.changes["center_lon"] == [None, 119.112]
    assert not _entries(session, "update", second.code)


def test_a_retired_node_is_not_redrawn(session) -> None:
    tree = make_tree(session, villages=1, grids_per_village=1, units_per_grid=1)
    unit = tree.all_units()[0]
    check_retire_territories(session, [unit.code], actor=ACTOR)
    with pytest.raises(Conflict, match="retired"):
        do_redraw_territories(
            session, {unit.code: NodeShape(square(119.11, 25.0), None, None)}, actor=ACTOR
        )


def test_restoring_brings_retired_nodes_back_as_they_were(session) -> None:
    tree = make_tree(session, villages=1, grids_per_village=1, units_per_grid=2)
    grid = tree.grids[tree.villages[0].code][0]
    units = tree.units[grid.code]
    codes = [unit.code for unit in units] + [grid.code]
    check_retire_territories(session, codes, actor=ACTOR)
    reactivated = do_restore_territories(
        session,
        {
            units[0].code: NodeState("active", None, NodeShape(square(119.11, 25.0), 119.1, 25.0)),
            grid.code: NodeState("active", None, NodeShape(None, None, None)),
        },
        actor="test:rollback",
    )
    assert reactivated == {grid.code: grid.id, units[0].code: units[0].id}  # parents first
    session.refresh(grid)
    assert grid.status == "active" and grid.retired_at is None
    assert grid.updated_by == "test:rollback"
    (entry,) = [e for e in _entries(session, "update", grid.code) if e.actor == "test:rollback"]
    assert entry.changes["status"] == ["retired", "active"]
    assert session.get(Territory, units[1].id).status == "retired"  # not in the batch


def test_a_batch_written_without_an_audit_recorder_is_refused(session, monkeypatch) -> None:
    tree = make_tree(session, villages=1, grids_per_village=1, units_per_grid=1)
    monkeypatch.setattr(recording, "_recorders", [])
    with pytest.raises(RuntimeError, match="no audit recorder"):
        check_retire_territories(session, [tree.all_units()[0].code], actor=ACTOR)
