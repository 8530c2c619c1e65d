from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from gridgov.territory.actions import check_retire_territory
from gridgov.territory.models import Territory
from tests.factories.territory import ACTOR, TOWN, make_tree, square

# The API needs a token: these tests act as an administrator of the whole platform.
pytestmark = pytest.mark.usefixtures("as_administrator")


API = "/api/v1"
OUTPUT_FIELDS = {
    "id",
    "code",
    "level",
    "parent_code",
    "name_zh",
    "name_en",
    "status",
    "retired_at",
    "created_at",
    "updated_at",
    "version",
    "center_lon",
    "center_lat",
}


def _node(session, code: str) -> Territory:
    session.expire_all()
    return session.scalar(select(Territory).where(Territory.code == code))


def _error(response, status: int) -> dict:
    assert response.status_code == status, response.text
    return response.json()["error"]


# --- reads ----------------------------------------------------------------------------


def test_list_of_villages_has_no_polygons_but_says_which_have_one(session, client) -> None:
    tree = make_tree(session, villages=2)
    response = client.get(f"{API}/territories", params={"level": "village"})
    assert response.status_code == 200
    body = response.json()
    assert (body["total"], body["limit"], body["offset"]) == (2, 50, 0)
    assert [item["code"] for item in body["items"]] == [v.code for v in tree.villages]
    item = body["items"][0]
    assert set(item) == OUTPUT_FIELDS | {"has_boundary"}
    assert item["has_boundary"] is True
    assert item["center_lon"] == tree.villages[0].center_lon
    # stored in UTC, shown in Asia/Shanghai with its offset
    assert dt.datetime.fromisoformat(item["created_at"]).utcoffset() == dt.timedelta(hours=8)
    grids = client.get(f"{API}/territories", params={"level": "grid", "limit": 1}).json()
    assert grids["items"][0]["has_boundary"] is False
    assert (grids["total"], len(grids["items"])) == (4, 1)


def test_list_filters_by_territory_name_and_status(session, client) -> None:
    tree = make_tree(session, villages=2, grids_per_village=1, units_per_grid=1)
    village = tree.villages[1]
    subtree = client.get(f"{API}/territories", params={"territory": village.code}).json()
    assert [item["code"] for item in subtree["items"]] == [
        village.code,
        village.code + "001",
        village.code + "00101",
    ]
    named = client.get(f"{API}/territories", params={"q": "VILLAGE 1"}).json()
    assert [item["code"] for item in named["items"]] == [tree.villages[0].code]
    unit = tree.all_units()[0]
    check_retire_territory(session, unit, actor=ACTOR)
    session.flush()
    active = client.get(f"{API}/territories", params={"level": "unit"}).json()
    every = client.get(f"{API}/territories", params={"level": "unit", "status": "all"}).json()
    retired = client.get(f"{API}/territories", params={"status": "retired"}).json()
    assert unit.code not in [item["code"] for item in active["items"]]
    assert every["total"] == active["total"] + 1
    assert [item["code"] for item in retired["items"]] == [unit.code]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"level": "hamlet"}, "level"),
        ({"territory": "35-03"}, "territory"),
        ({"status": "deleted"}, "status"),
        ({"limit": 5000}, "limit"),
    ],
)
def test_bad_list_filters_are_422_naming_the_field(client, params, field) -> None:
    error = _error(client.get(f"{API}/territories", params=params), 422)
    assert error["code"] == "validation_failed"
    assert set(error["fields"]) == {field}


def test_detail_has_the_boundary_and_retired_nodes_stay_readable(session, client) -> None:
    tree = make_tree(session, villages=1, grids_per_village=1, units_per_grid=1)
    village = client.get(f"{API}/territories/{tree.villages[0].code}").json()
    assert set(village) == OUTPUT_FIELDS | {"boundary"}
    assert village["boundary"] == square(119.11, 25.0)
    unit = tree.all_units()[0]
    check_retire_territory(session, unit, actor=ACTOR)
    session.flush()
    retired = client.get(f"{API}/territories/{unit.code}").json()
    assert retired["status"] == "retired" and retired["retired_at"] is not None


def test_missing_node_is_404_and_a_malformed_code_is_422(session, client) -> None:
    make_tree(session, villages=1)
    missing = _error(client.get(f"{API}/territories/350305108299"), 404)
    assert "350305108299" in missing["message"]
    malformed = _error(client.get(f"{API}/territories/abc"), 422)
    assert set(malformed["fields"]) == {"code"}


# --- writes ---------------------------------------------------------------------------


def _new_village(**overrides) -> dict:
    body = {
        "code": "350305108211",
        "level": "village",
        "parent_code": TOWN,
        "name_zh": "新村",
        "name_en": "Xincun",
        "boundary": square(119.3, 25.0),
    }
    return body | overrides


def test_create_answers_201_with_the_node_recorded_as_the_token_user(session, client) -> None:
    make_tree(session, villages=1)
    response = client.post(f"{API}/territories", json=_new_village())
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["code"] == "350305108211" and created["version"] == 1
    assert 119.3 < created["center_lon"] < 119.31  # placed inside the boundary
    assert _node(session, "350305108211").updated_by == "user:test.admin"  # the token's user
    assert client.get(f"{API}/territories/350305108211").json()["name_en"] == "Xincun"


@pytest.mark.parametrize(
    ("overrides", "status", "field"),
    [
        ({"code": "35030510821100101", "level": "unit"}, 422, "parent_code"),
        ({"code": "350305108201"}, 409, "code"),
        ({"code": "3503051082AB"}, 422, "code"),
        ({"level": "hamlet"}, 422, "level"),
        ({"name_zh": "  "}, 422, "name_zh"),
        ({"boundary": {"type": "Point", "coordinates": [119, 25]}}, 422, "boundary"),
        ({"population": 12}, 422, "population"),
    ],
)
def test_bad_creates_name_the_field_and_write_nothing(
    session, client, overrides, status, field
) -> None:
    make_tree(session, villages=1)
    before = client.get(f"{API}/territories", params={"status": "all"}).json()["total"]
    error = _error(client.post(f"{API}/territories", json=_new_village(**overrides)), status)
    assert field in error["fields"]
    assert client.get(f"{API}/territories", params={"status": "all"}).json()["total"] == before


def test_patch_changes_only_what_is_sent_and_bumps_the_version(session, client) -> None:
    tree = make_tree(session, villages=1)
    code = tree.villages[0].code
    response = client.patch(f"{API}/territories/{code}", json={"name_en": "Gongxia", "version": 1})
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["name_en"], body["name_zh"], body["version"]) == ("Gongxia", "测试1村", 2)
    assert body["boundary"] == square(119.11, 25.0)
    moved = client.patch(f"{API}/territories/{code}", json={"boundary": square(120.0, 26.0)})
    assert 120.0 < moved.json()["center_lon"] < 120.01
    assert _node(session, code).version == 3


def test_patch_with_a_stale_version_is_409_and_changes_nothing(session, client) -> None:
    tree = make_tree(session, villages=1)
    code = tree.villages[0].code
    client.patch(f"{API}/territories/{code}", json={"name_en": "Gongxia"})
    error = _error(
        client.patch(f"{API}/territories/{code}", json={"name_en": "X", "version": 1}), 409
    )
    assert error["fields"] == {"version": "stale"}
    assert _node(session, code).name_en == "Gongxia"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name_zh": None}, "name_zh"),
        ({"code": "350305108299"}, "code"),
        ({"center_lon": 500.0, "center_lat": 25.0}, "center_lon"),
    ],
)
def test_bad_patches_are_422_naming_the_field(session, client, body, field) -> None:
    tree = make_tree(session, villages=1)
    code = tree.villages[0].code
    error = _error(client.patch(f"{API}/territories/{code}", json=body), 422)
    assert field in error["fields"]
    assert _node(session, code).version == 1


def test_retire_is_a_status_change_and_never_a_delete(session, client) -> None:
    tree = make_tree(session, villages=1, grids_per_village=1, units_per_grid=1)
    unit, grid = tree.all_units()[0], tree.all_grids()[0]
    blocked = _error(client.post(f"{API}/territories/{grid.code}/retire"), 409)
    assert "active child" in blocked["message"]
    retired = client.post(f"{API}/territories/{unit.code}/retire")
    assert retired.status_code == 200, retired.text
    assert retired.json()["status"] == "retired"
    assert _node(session, unit.code).retired_at is not None
    again = _error(client.post(f"{API}/territories/{unit.code}/retire"), 409)
    assert "already retired" in again["message"]
    assert client.delete(f"{API}/territories/{unit.code}").status_code == 405
    assert _node(session, unit.code) is not None


# --- GeoJSON --------------------------------------------------------------------------


def test_geojson_export_is_a_feature_collection_of_the_subtree(session, client) -> None:
    tree = make_tree(session, villages=2, grids_per_village=2, units_per_grid=1)
    response = client.get(f"{API}/territories.geojson", params={"territory": TOWN})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/geo+json")
    collection = response.json()
    assert collection["type"] == "FeatureCollection"
    assert len(collection["features"]) == 1 + 2 + 4 + 4
    village = collection["features"][1]
    assert village["geometry"] == square(119.11, 25.0)
    assert set(village["properties"]) == {
        "code",
        "level",
        "name_zh",
        "name_en",
        "parent_code",
        "status",
        "center_lon",
        "center_lat",
    }
    assert village["properties"]["code"] == tree.villages[0].code
    grids = client.get(
        f"{API}/territories.geojson", params={"territory": tree.villages[1].code, "level": "grid"}
    ).json()
    assert [f["properties"]["code"] for f in grids["features"]] == [
        g.code for g in tree.grids[tree.villages[1].code]
    ]
    assert all(f["geometry"] is None for f in grids["features"])


@pytest.mark.parametrize(
    ("params", "status", "field"),
    [
        ({}, 422, "territory"),
        ({"territory": "abc"}, 422, "territory"),
        ({"territory": TOWN, "level": "hamlet"}, 422, "level"),
    ],
)
def test_geojson_export_bad_input_names_the_field(client, params, status, field) -> None:
    error = _error(client.get(f"{API}/territories.geojson", params=params), status)
    assert set(error["fields"]) == {field}


def test_geojson_export_of_a_missing_node_is_404(session, client) -> None:
    make_tree(session, villages=1)
    error = _error(client.get(f"{API}/territories.geojson", params={"territory": "350305109"}), 404)
    assert "350305109" in error["message"]
