from __future__ import annotations

import pytest
from sqlalchemy import func, select

from gridgov.errors import Conflict, ValidationFailed
from gridgov.territory.actions import (
    check_create_territory,
    check_retire_territory,
    check_update_territory,
)
from gridgov.territory.models import Territory
from tests.factories.territory import ACTOR, make_tree, square


def _count(session) -> int:
    return session.scalar(select(func.count()).select_from(Territory))


def test_tree_builds_with_codes_under_parents(session) -> None:
    tree = make_tree(session)
    assert tree.villages[0].code == "350305108201"
    grid = tree.grids[tree.villages[0].code][0]
    assert grid.code == "350305108201001"
    assert tree.units[grid.code][1].code == "35030510820100102"
    assert tree.villages[0].center_lon is not None  # derived from its boundary


def test_unit_under_a_village_is_refused_and_nothing_written(session) -> None:
    tree = make_tree(session, villages=1)
    before = _count(session)
    with pytest.raises(ValidationFailed) as info:
        check_create_territory(
            session,
            code=tree.villages[0].code + "00009",
            level="unit",
            parent_code=tree.villages[0].code,
            name_zh="错",
            actor=ACTOR,
        )
    assert "code" in info.value.fields or "parent_code" in info.value.fields
    assert _count(session) == before


def test_parent_of_wrong_level_is_named(session) -> None:
    tree = make_tree(session, villages=1)
    grid = tree.all_grids()[0]
    with pytest.raises(ValidationFailed) as info:
        # a well-formed 15-digit code whose parent is a grid (should be a village)
        check_create_territory(
            session,
            code=grid.code[:12] + "009",
            level="grid",
            parent_code=tree.town.code,
            name_zh="错",
            actor=ACTOR,
        )
    assert set(info.value.fields) == {"parent_code"}


def test_duplicate_code_is_a_conflict(session) -> None:
    tree = make_tree(session, villages=1)
    with pytest.raises(Conflict):
        check_create_territory(
            session,
            code=tree.villages[0].code,
            level="village",
            parent_code=tree.town.code,
            name_zh="重复",
            actor=ACTOR,
        )


def test_retired_code_is_never_reused(session) -> None:
    tree = make_tree(session, villages=1, grids_per_village=1, units_per_grid=1)
    unit = tree.all_units()[0]
    check_retire_territory(session, unit, actor=ACTOR)
    assert unit.status == "retired" and unit.retired_at is not None
    with pytest.raises(Conflict):
        check_create_territory(
            session,
            code=unit.code,
            level="unit",
            parent_code=unit.parent_code,
            name_zh="新单元",
            actor=ACTOR,
        )
    assert session.scalar(select(Territory).where(Territory.code == unit.code)).status == "retired"


def test_node_with_active_children_cannot_be_retired(session) -> None:
    tree = make_tree(session, villages=1, grids_per_village=1, units_per_grid=1)
    with pytest.raises(Conflict, match="active child"):
        check_retire_territory(session, tree.all_grids()[0], actor=ACTOR)


def test_invalid_boundary_is_refused(session) -> None:
    tree = make_tree(session, villages=1)
    bowtie = {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}
    with pytest.raises(ValidationFailed) as info:
        check_update_territory(session, tree.villages[0], boundary=bowtie, actor=ACTOR)
    assert "boundary" in info.value.fields


def test_update_with_stale_version_is_a_conflict(session) -> None:
    tree = make_tree(session, villages=1)
    village = tree.villages[0]
    check_update_territory(session, village, name_en="Gongxia", actor=ACTOR)
    with pytest.raises(Conflict):
        check_update_territory(session, village, version=1, name_en="Stale", actor=ACTOR)
    assert village.name_en == "Gongxia"


def test_new_boundary_moves_the_centre_inside_it(session) -> None:
    tree = make_tree(session, villages=1)
    village = tree.villages[0]
    check_update_territory(session, village, boundary=square(120.0, 26.0), actor=ACTOR)
    assert 120.0 < village.center_lon < 120.01
    assert 26.0 < village.center_lat < 26.01
