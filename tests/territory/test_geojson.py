from __future__ import annotations

import copy
import json

import pytest
from sqlalchemy import func, select

from gridgov.database.sessions import session_factory
from gridgov.errors import NotFound, ValidationFailed
from gridgov.territory.actions import check_retire_territory, check_update_territory
from gridgov.territory.geojson import (
    GeoJSONImportFailed,
    export_feature_collection,
    import_feature_collection,
)
from gridgov.territory.models import Territory
from tests.factories.territory import ACTOR, DISTRICT, TOWN, make_tree, square

TREE_FIELDS = ("code", "level", "parent_code", "name_zh", "name_en", "status", "boundary")


def _snapshot(session) -> list[tuple]:
    """Everything that describes the tree, in code order (JSON-normalized boundaries)."""
    session.expire_all()
    nodes = session.scalars(select(Territory).order_by(Territory.code)).all()
    return [
        (
            *(json.dumps(getattr(node, name)) for name in TREE_FIELDS),
            node.center_lon,
            node.center_lat,
            node.version,
        )
        for node in nodes
    ]


def _count(session) -> int:
    return session.scalar(select(func.count()).select_from(Territory))


def _feature(code, level, parent_code, name_zh, name_en="", geometry=None, **extra) -> dict:
    properties = {"code": code, "level": level, "parent_code": parent_code, "name_zh": name_zh}
    properties.update(name_en=name_en, **extra)
    return {"type": "Feature", "geometry": geometry, "properties": properties}


def _at(lon: float, lat: float) -> dict:
    return {"center_lon": lon, "center_lat": lat}


def _collection(*features) -> dict:
    return {"type": "FeatureCollection", "features": list(features)}


# --- export ---------------------------------------------------------------------------


def test_export_carries_every_property_and_the_boundary(session) -> None:
    tree = make_tree(session, villages=2, grids_per_village=1, units_per_grid=1)
    collection = export_feature_collection(session, territory=TOWN)
    assert collection["type"] == "FeatureCollection"
    features = collection["features"]
    assert [f["properties"]["code"] for f in features] == sorted(
        [TOWN] + [n.code for n in tree.villages + tree.all_grids() + tree.all_units()]
    )
    village = next(f for f in features if f["properties"]["code"] == tree.villages[0].code)
    assert village["geometry"] == square(119.11, 25.0)
    assert village["properties"] == {
        "code": "350305108201",
        "level": "village",
        "name_zh": "测试1村",
        "name_en": "Village 1",
        "parent_code": TOWN,
        "status": "active",
        "center_lon": tree.villages[0].center_lon,
        "center_lat": tree.villages[0].center_lat,
    }
    grid = next(f for f in features if f["properties"]["level"] == "grid")
    assert grid["geometry"] is None
    json.dumps(collection)  # serializable as it is


def test_export_of_one_level_and_of_a_missing_root(session) -> None:
    make_tree(session, villages=2, grids_per_village=2, units_per_grid=1)
    grids = export_feature_collection(session, territory=TOWN, level="grid")["features"]
    assert [f["properties"]["level"] for f in grids] == ["grid"] * 4
    with pytest.raises(NotFound):
        export_feature_collection(session, territory="350305109")


def test_export_import_round_trip_into_an_empty_database(session, fresh_database) -> None:
    tree = make_tree(session, villages=2, grids_per_village=2, units_per_grid=2)
    # a grid with a hand-placed centre and no boundary, and a grid with a boundary
    grids = tree.all_grids()
    check_update_territory(session, grids[0], center_lon=119.111, center_lat=25.001, actor=ACTOR)
    check_update_territory(session, grids[1], boundary=square(119.115, 25.0, 0.005), actor=ACTOR)
    exported = json.loads(json.dumps(export_feature_collection(session, territory=DISTRICT)))
    fresh_database.migrate()
    with session_factory(fresh_database.engine)() as target, target.begin():
        summary = import_feature_collection(target, exported, actor=ACTOR)
    assert (summary.created, summary.updated) == (_count(session), 0)
    with session_factory(fresh_database.engine)() as target:
        copied = [row[:-1] for row in _snapshot(target)]  # versions start again at 1
        again = export_feature_collection(target, territory=DISTRICT)
    assert copied == [row[:-1] for row in _snapshot(session)]
    assert again == exported


# --- import ---------------------------------------------------------------------------


def test_import_creates_parents_before_children_whatever_the_order(session) -> None:
    make_tree(session, villages=1, grids_per_village=1, units_per_grid=1)
    village = "350305108209"
    data = _collection(
        _feature(village + "00101", "unit", village + "001", "第1单元"),
        _feature(village + "001", "grid", village, "第1网格"),
        _feature(village, "village", TOWN, "新村", "Xincun", square(119.2, 25.0)),
    )
    summary = import_feature_collection(session, data, actor=ACTOR)
    assert (summary.created, summary.updated, summary.unchanged) == (3, 0, 0)
    unit = session.scalar(select(Territory).where(Territory.code == village + "00101"))
    assert unit.parent_code == village + "001" and unit.updated_by == ACTOR


def test_import_updates_names_and_boundary_of_existing_nodes(session) -> None:
    tree = make_tree(session, villages=1, grids_per_village=1, units_per_grid=1)
    village = tree.villages[0]
    exported = export_feature_collection(session, territory=village.code)
    renamed = copy.deepcopy(exported)
    renamed["features"][0]["properties"]["name_en"] = "Gongxia"
    renamed["features"][0]["geometry"] = square(120.0, 26.0)
    summary = import_feature_collection(session, renamed, actor="test:other")
    assert (summary.created, summary.updated, summary.unchanged) == (0, 1, 2)
    assert village.name_en == "Gongxia" and village.version == 2
    assert village.boundary == square(120.0, 26.0)
    assert 120.0 < village.center_lon < 120.01  # the old centre does not stay behind
    # importing the same thing again changes nothing, not even versions
    before = _snapshot(session)
    again = import_feature_collection(session, renamed, actor=ACTOR)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert _snapshot(session) == before


def test_one_bad_feature_among_good_ones_imports_nothing(session) -> None:
    tree = make_tree(session, villages=1, grids_per_village=1, units_per_grid=1)
    before = _snapshot(session)
    village = tree.villages[0]
    new_village = "350305108205"
    data = _collection(
        _feature(new_village, "village", TOWN, "新村", geometry=square(119.3, 25.0)),
        _feature(new_village + "001", "grid", new_village, "第1网格"),
        _feature(village.code, "village", TOWN, "改名村", "Renamed"),  # a good update
        _feature(village.code + "00109", "unit", village.code, "错单元"),  # unit under village
        _feature(new_village + "002", "grid", new_village, "   "),  # empty name
    )
    with pytest.raises(GeoJSONImportFailed) as info:
        import_feature_collection(session, data, actor=ACTOR)
    assert set(info.value.fields) == {"features[3].parent_code", "features[4].name_zh"}
    assert "features[3].parent_code" in info.value.message
    assert [problem.index for problem in info.value.problems] == [3, 4]
    assert info.value.problems[0].code == village.code + "00109"
    assert isinstance(info.value, ValidationFailed)
    assert _snapshot(session) == before  # nothing written, the good update included


def test_children_of_a_bad_feature_say_so(session) -> None:
    make_tree(session, villages=1, grids_per_village=1, units_per_grid=1)
    village = "350305108207"
    data = _collection(
        _feature(village, "village", TOWN, "新村", geometry={"type": "Point"}),
        _feature(village + "001", "grid", village, "第1网格"),
    )
    with pytest.raises(GeoJSONImportFailed) as info:
        import_feature_collection(session, data, actor=ACTOR)
    assert set(info.value.fields) == {"features[0].geometry", "features[1].parent_code"}
    assert "features[0]" in info.value.fields["features[1].parent_code"]


def test_import_refuses_changing_retired_nodes_levels_and_parents(session) -> None:
    tree = make_tree(session, villages=2, grids_per_village=1, units_per_grid=1)
    unit = tree.all_units()[0]
    check_retire_territory(session, unit, actor=ACTOR)
    grid = tree.all_grids()[0]
    before = _snapshot(session)
    data = _collection(
        _feature(unit.code, "unit", unit.parent_code, "复活"),
        _feature(grid.code, "grid", tree.villages[1].code, grid.name_zh),
        _feature(tree.villages[1].code, "grid", TOWN, "降级"),
    )
    with pytest.raises(GeoJSONImportFailed) as info:
        import_feature_collection(session, data, actor=ACTOR)
    assert info.value.fields.keys() == {
        "features[0].code",
        "features[1].parent_code",
        "features[2].level",
    }
    assert "retired" in info.value.fields["features[0].code"]
    assert _snapshot(session) == before


def test_malformed_features_are_each_reported(session) -> None:
    make_tree(session, villages=1)
    before = _snapshot(session)
    village = "350305108206"
    data = _collection(
        "not a feature",
        {"type": "Feature", "geometry": None},
        _feature(village, "village", TOWN, None),
        _feature(village, "village", TOWN, "重复村"),
        _feature(village + "001", "grid", village, "网格", geometry="POLYGON(...)"),
        _feature(village + "002", "grid", village, "网格", center_lon="east", center_lat=25),
    )
    with pytest.raises(GeoJSONImportFailed) as info:
        import_feature_collection(session, data, actor=ACTOR)
    fields = info.value.fields
    assert set(fields) == {
        "features[0].type",
        "features[1].properties",
        "features[2].name_zh",
        "features[3].code",
        "features[4].geometry",
        "features[5].center_lon",
    }
    assert fields["features[3].code"] == "code 350305108206 is also given by features[2]"
    assert _snapshot(session) == before


def test_children_of_a_feature_that_cannot_be_read_say_so(session) -> None:
    make_tree(session, villages=1)
    village = "350305108206"
    data = _collection(
        _feature(village, "village", TOWN, ["not", "text"]),
        _feature(village + "001", "grid", village, "网格"),
    )
    with pytest.raises(GeoJSONImportFailed) as info:
        import_feature_collection(session, data, actor=ACTOR)
    assert set(info.value.fields) == {"features[0].name_zh", "features[1].parent_code"}
    assert "features[0]" in info.value.fields["features[1].parent_code"]


def test_integer_codes_from_gis_tools_are_read_as_text(session) -> None:
    make_tree(session, villages=1)
    data = _collection(_feature(350305108203, "village", int(TOWN), "数字村"))
    assert import_feature_collection(session, data, actor=ACTOR).created == 1
    assert session.scalar(select(Territory).where(Territory.code == "350305108203")) is not None


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"type": "Feature"}, "type"),
        ([], "type"),
        ({"type": "FeatureCollection", "features": {}}, "features"),
    ],
)
def test_something_that_is_no_feature_collection_is_refused(session, data, field) -> None:
    with pytest.raises(ValidationFailed) as info:
        import_feature_collection(session, data, actor=ACTOR)
    assert set(info.value.fields) == {field}


def test_a_centre_inside_the_geometry_is_kept_and_a_stale_one_replaced(session) -> None:
    make_tree(session, villages=1)
    kept, stale = "350305108214", "350305108215"
    data = _collection(
        _feature(kept, "village", TOWN, "甲村", None, square(119.3, 25.0), **_at(119.301, 25.001)),
        _feature(stale, "village", TOWN, "乙村", None, square(119.4, 25.0), **_at(119.3, 25.0)),
    )
    import_feature_collection(session, data, actor=ACTOR)
    kept_node = session.scalar(select(Territory).where(Territory.code == kept))
    stale_node = session.scalar(select(Territory).where(Territory.code == stale))
    assert (kept_node.center_lon, kept_node.center_lat) == (119.301, 25.001)
    assert 119.4 < stale_node.center_lon < 119.41 and 25.0 < stale_node.center_lat < 25.01


def test_a_long_list_of_problems_keeps_the_message_short_and_the_fields_whole(session) -> None:
    make_tree(session, villages=1)
    bad = [_feature(f"350305108{300 + i}", "village", TOWN, "") for i in range(30)]
    with pytest.raises(GeoJSONImportFailed) as info:
        import_feature_collection(session, _collection(*bad), actor=ACTOR)
    assert len(info.value.fields) == len(info.value.problems) == 30
    assert info.value.message.startswith("30 feature(s) have errors")
    assert info.value.message.endswith("and 10 more (see fields)")
