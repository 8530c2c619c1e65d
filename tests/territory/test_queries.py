from __future__ import annotations

import pytest

from gridgov.errors import NotFound, ValidationFailed
from gridgov.territory.actions import check_retire_territory
from gridgov.territory.queries import get_territory, list_territories, subtree
from tests.factories.territory import ACTOR, DISTRICT, TOWN, make_tree


def _codes(nodes) -> list[str]:
    return [node.code for node in nodes]


def test_get_territory_finds_active_and_retired_nodes(session) -> None:
    tree = make_tree(session, villages=1, grids_per_village=1, units_per_grid=1)
    unit = tree.all_units()[0]
    check_retire_territory(session, unit, actor=ACTOR)
    assert get_territory(session, tree.town.code).name_zh == "湄洲镇"
    assert get_territory(session, unit.code).status == "retired"


def test_get_territory_names_the_missing_code(session) -> None:
    make_tree(session, villages=1)
    with pytest.raises(NotFound, match="350305108299"):
        get_territory(session, "350305108299")


def test_list_filters_by_subtree_and_level_in_code_order(session) -> None:
    tree = make_tree(session, villages=2, grids_per_village=2, units_per_grid=2)
    village = tree.villages[1]
    nodes, total = list_territories(session, territory=village.code, limit=None)
    # the village, its 2 grids and their 4 units, parents before children
    assert total == 7
    assert _codes(nodes) == sorted(_codes(nodes))
    assert _codes(nodes)[0] == village.code
    assert all(code.startswith(village.code) for code in _codes(nodes))
    grids, grid_total = list_territories(session, territory=TOWN, level="grid")
    assert grid_total == 4
    assert {node.level for node in grids} == {"grid"}


def test_list_leaves_retired_out_unless_asked(session) -> None:
    tree = make_tree(session, villages=1, grids_per_village=1, units_per_grid=2)
    retired = tree.all_units()[0]
    check_retire_territory(session, retired, actor=ACTOR)
    active, _ = list_territories(session, level="unit", territory=TOWN)
    every, _ = list_territories(session, level="unit", territory=TOWN, status=None)
    only_retired, _ = list_territories(session, territory=TOWN, status="retired")
    assert retired.code not in _codes(active)
    assert retired.code in _codes(every)
    assert _codes(only_retired) == [retired.code]


def test_list_pages_with_a_total_of_all_matches(session) -> None:
    make_tree(session, villages=2, grids_per_village=2, units_per_grid=2)
    everything, total = list_territories(session, territory=DISTRICT, limit=None)
    page, page_total = list_territories(session, territory=DISTRICT, limit=3, offset=2)
    assert page_total == total == len(everything)
    assert _codes(page) == _codes(everything)[2:5]


def test_q_matches_either_name_without_regard_to_case(session) -> None:
    make_tree(session, villages=2)
    by_english, _ = list_territories(session, q="village 2")
    by_chinese, _ = list_territories(session, q="2村")
    assert _codes(by_english) == _codes(by_chinese) == ["350305108202"]
    # LIKE wildcards in the words are taken literally
    nothing, total = list_territories(session, q="%")
    assert (list(nothing), total) == ([], 0)


@pytest.mark.parametrize(
    ("filters", "field"),
    [
        ({"level": "hamlet"}, "level"),
        ({"status": "deleted"}, "status"),
        ({"territory": "35x"}, "territory"),
    ],
)
def test_bad_filters_name_the_field(session, filters, field) -> None:
    with pytest.raises(ValidationFailed) as info:
        list_territories(session, **filters)
    assert set(info.value.fields) == {field}


def test_subtree_starts_at_the_node_and_keeps_parents_first(session) -> None:
    tree = make_tree(session, villages=2, grids_per_village=2, units_per_grid=1)
    nodes = subtree(session, TOWN)
    assert _codes(nodes)[0] == TOWN
    assert len(nodes) == 1 + 2 + 4 + 4
    assert _codes(nodes) == sorted(_codes(nodes))
    units = subtree(session, tree.villages[0].code, level="unit")
    expected = [
        unit.code for unit in tree.all_units() if unit.code.startswith(tree.villages[0].code)
    ]
    assert _codes(units) == expected


def test_subtree_includes_retired_nodes_only_when_asked(session) -> None:
    tree = make_tree(session, villages=1, grids_per_village=1, units_per_grid=1)
    unit = tree.all_units()[0]
    check_retire_territory(session, unit, actor=ACTOR)
    grid_code = tree.all_grids()[0].code
    assert _codes(subtree(session, grid_code)) == [grid_code]
    assert _codes(subtree(session, grid_code, include_retired=True)) == [grid_code, unit.code]


def test_subtree_of_a_missing_code_is_not_found(session) -> None:
    make_tree(session, villages=1)
    with pytest.raises(NotFound, match="350305108209"):
        subtree(session, "350305108209")
