"""/api/v1/partition-plans: compute, read, map, apply, roll back; scoped by territory."""

from __future__ import annotations

from gridgov.registry.actions import check_update_household
from gridgov.registry.models import Household
from tests.factories.access import bearer, make_user
from tests.partition.plan_helpers import located_village

API = "/api/v1/partition-plans"


def test_compute_read_map_apply_and_roll_back(as_administrator, session) -> None:
    client = as_administrator
    village = located_village(session, households=60, villages=2)
    session.commit()
    created = client.post(API, json={"scope_code": village.village.code, "grid_size": "25-45"})
    assert created.status_code == 201, created.text
    plan = created.json()
    assert plan["status"] == "planned" and plan["created_at"].endswith("+08:00")
    assert plan["summary"]["grids"] == 2 and "proposal" not in plan and "before" not in plan
    assert plan["parameters"]["grid_size"] == {"min": 25, "max": 45}

    one = client.get(f"{API}/{plan['id']}")
    assert one.status_code == 200 and one.json()["id"] == plan["id"]
    listed = client.get(API, params={"territory": village.village.code}).json()
    assert [item["id"] for item in listed["items"]] == [plan["id"]] and listed["total"] == 1
    assert client.get(API, params={"territory": village.tree.villages[1].code}).json()["total"] == 0

    geojson = client.get(f"{API}/{plan['id']}.geojson")
    assert geojson.status_code == 200
    assert geojson.headers["content-type"].startswith("application/geo+json")
    features = geojson.json()["features"]
    assert len(features) == plan["summary"]["grids"] + plan["summary"]["units"]
    assert {f["properties"]["level"] for f in features} == {"grid", "unit"}
    # a new grid that shares a majority of households with an old one keeps its code: "kept"
    kept = plan["summary"]["nodes"]["grids_kept"] + plan["summary"]["nodes"]["units_kept"]
    statuses = [f["properties"]["status"] for f in features]
    assert set(statuses) <= {"new", "kept"} and statuses.count("kept") == kept
    assert (
        sum(f["properties"]["households"] for f in features if f["properties"]["level"] == "grid")
        == 60
    )

    png = client.get(f"{API}/{plan['id']}/preview.png")
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    assert png.content.startswith(b"\x89PNG")

    applied = client.post(f"{API}/{plan['id']}/apply")
    assert applied.status_code == 200, applied.text
    assert applied.json()["status"] == "applied"
    assert 0 < applied.json()["effects"]["households_moved"] <= 60
    assert client.post(f"{API}/{plan['id']}/apply").status_code == 409
    rolled = client.post(f"{API}/{plan['id']}/rollback")
    assert rolled.status_code == 200, rolled.text
    assert rolled.json()["status"] == "rolled_back"


def test_sizes_as_objects_and_bad_bounds_name_the_field(as_administrator, session) -> None:
    client = as_administrator
    village = located_village(session, households=40, grids=1)
    session.commit()
    body = {"scope_code": village.village.code, "grid_size": {"min": 25, "max": 45}}
    assert client.post(API, json={**body, "unit_size": {"min": 4, "max": 8}}).status_code == 201
    refused = client.post(API, json={**body, "grid_target": 50})
    assert refused.status_code == 422
    assert refused.json()["error"]["fields"] == {
        "grid_size": "min must be <= target <= max (and min >= 1)"
    }
    refused = client.post(API, json={**body, "unit_size": "8"})
    assert refused.status_code == 422 and "unit_size" in refused.json()["error"]["fields"]


def test_a_stale_plan_answers_409(as_administrator, session) -> None:
    client = as_administrator
    village = located_village(session, households=60)
    session.commit()
    plan = client.post(API, json={"scope_code": village.village.code}).json()
    household = session.get(Household, village.households[0].id)
    check_update_household(session, household, lat=household.lat + 0.0001, actor="test")
    session.commit()
    refused = client.post(f"{API}/{plan['id']}/apply")
    assert refused.status_code == 409
    assert refused.json()["error"]["fields"] == {"base_fingerprint": "stale"}


def test_roles_and_territories(client, session) -> None:
    village = located_village(session, households=40, grids=1, villages=2)
    own, other = village.tree.villages
    unit_leader = make_user(
        session, role="unit_leader", territory_code=village.tree.all_units()[0].code
    )
    secretary = make_user(session, role="village_secretary", territory_code=own.code)
    neighbour = make_user(session, role="village_secretary", territory_code=other.code)
    town = make_user(session, role="town_official", territory_code=village.tree.town.code)
    headers = {
        "unit": bearer(session, unit_leader),
        "own": bearer(session, secretary),
        "other": bearer(session, neighbour),
        "town": bearer(session, town),
    }
    session.commit()
    # a unit leader may never plan: 403, for reads too
    assert (
        client.post(API, json={"scope_code": own.code}, headers=headers["unit"]).status_code == 403
    )
    assert client.get(API, headers=headers["unit"]).status_code == 403
    # the village secretary plans their own village, not the neighbour's nor the town
    created = client.post(API, json={"scope_code": own.code}, headers=headers["own"])
    assert created.status_code == 201, created.text
    plan_id = created.json()["id"]
    for scope in (other.code, village.tree.town.code):
        refused = client.post(API, json={"scope_code": scope}, headers=headers["own"])
        assert refused.status_code == 404
    # another village's secretary: the plan answers 404 everywhere, as a missing one
    missing = client.get(f"{API}/01a224bc2bfcc5a8f939bcc89e40755e", headers=headers["other"])
    for path in (f"{API}/{plan_id}", f"{API}/{plan_id}.geojson", f"{API}/{plan_id}/preview.png"):
        answer = client.get(path, headers=headers["other"])
        assert answer.status_code == 404 and answer.json() == {
            "error": {**missing.json()["error"], "message": answer.json()["error"]["message"]}
        }
    for action in ("apply", "rollback"):
        assert client.post(f"{API}/{plan_id}/{action}", headers=headers["other"]).status_code == 404
    assert client.get(API, headers=headers["other"]).json()["total"] == 0
    # the town official sees it (it lies under the town) and may apply it
    assert client.get(API, headers=headers["town"]).json()["total"] == 1
    applied = client.post(f"{API}/{plan_id}/apply", headers=headers["town"])
    assert applied.status_code == 200 and applied.json()["applied_by"].startswith("user:")
