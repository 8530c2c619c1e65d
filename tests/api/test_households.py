"""/api/v1/households: shapes, errors naming fields, nothing written on error, life events."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from gridgov.registry.models import Household, RegistryEvent, Resident
from tests.factories.registry import make_household, make_resident
from tests.factories.territory import make_tree

# The API needs a token: these tests act as an administrator of the whole platform.
pytestmark = pytest.mark.usefixtures("as_administrator")


API = "/api/v1"
MASKED_ID = r"^\d{6}\*{8}[\dX]{4}$"


@pytest.fixture
def tree(session):
    return make_tree(session, villages=2)


def _rows(session) -> tuple[int, int, int]:
    return tuple(
        session.scalar(select(func.count()).select_from(model))
        for model in (Household, Resident, RegistryEvent)
    )


def _create(client, tree, **overrides):
    body = {
        "village_code": tree.villages[0].code,
        "household_no": "0001",
        "address": "宫下村1号",
        "unit_code": tree.all_units()[0].code,
        "lon": 119.11,
        "lat": 25.01,
    } | overrides
    return client.post(f"{API}/households", json=body)


def test_create_and_read_a_household(client, tree) -> None:
    response = _create(client, tree)
    assert response.status_code == 201, response.text
    created = response.json()
    unit = tree.all_units()[0].code
    assert created["unit_code"] == unit == created["territory_code"]
    assert created["village_code"] == tree.villages[0].code
    assert (created["lon"], created["lat"]) == (119.11, 25.01)
    assert (created["household_no"], created["status"], created["version"]) == ("0001", "active", 1)
    assert dt.datetime.fromisoformat(created["created_at"]).utcoffset() is not None
    read = client.get(f"{API}/households/{created['id']}").json()
    assert read == created


def test_bad_household_names_every_field_and_writes_nothing(client, session, tree) -> None:
    before = _rows(session)
    foreign_unit = tree.all_units()[-1].code  # under the second village
    response = _create(client, tree, household_no="", unit_code=foreign_unit, lat=None)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "validation_failed"
    assert set(error["fields"]) == {"household_no", "unit_code", "lat"}
    assert _rows(session) == before


def test_wrong_types_and_unknown_fields_are_named(client, tree) -> None:
    response = _create(client, tree, lon="east", colour="red")
    assert response.status_code == 422
    assert {"lon", "colour"} <= set(response.json()["error"]["fields"])


def test_duplicate_household_no_is_409(client, session, tree) -> None:
    assert _create(client, tree).status_code == 201
    before = _rows(session)
    response = _create(client, tree, unit_code=None)
    assert response.status_code == 409
    assert set(response.json()["error"]["fields"]) == {"household_no"}
    assert _rows(session) == before


def test_missing_household_is_404(client) -> None:
    response = client.get(f"{API}/households/nope")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_list_filters_and_envelope(client, session, tree) -> None:
    for number in range(3):
        make_household(session, unit=tree.all_units()[0], address=f"东街{number}号")
    make_household(session, unit=tree.all_units()[-1], address="西街")
    body = client.get(
        f"{API}/households", params={"territory": tree.villages[0].code, "limit": 2}
    ).json()
    assert (body["total"], body["limit"], body["offset"], len(body["items"])) == (3, 2, 0, 2)
    assert client.get(f"{API}/households", params={"q": "西"}).json()["total"] == 1
    response = client.get(f"{API}/households", params={"territory": "abc"})
    assert response.status_code == 422
    assert set(response.json()["error"]["fields"]) == {"territory"}
    assert client.get(f"{API}/households", params={"limit": 5000}).status_code == 422


def test_patch_moves_the_household_and_its_residents(client, session, tree) -> None:
    household = make_household(session, unit=tree.all_units()[0])
    resident = make_resident(session, household=household)
    target = tree.all_units()[1].code
    response = client.patch(
        f"{API}/households/{household.id}", json={"version": 1, "unit_code": target}
    )
    assert response.status_code == 200, response.text
    assert response.json()["unit_code"] == target and response.json()["version"] == 2
    assert client.get(f"{API}/residents/{resident.id}").json()["territory_code"] == target
    events = client.get(
        f"{API}/registry-events", params={"household_id": household.id, "kind": "unit_changed"}
    ).json()["items"]
    assert events[0]["details"] == {"unit_code": [tree.all_units()[0].code, target]}


def test_patch_with_a_stale_version_is_409(client, session, tree) -> None:
    household = make_household(session, unit=tree.all_units()[0], address="旧")
    assert (
        client.patch(f"{API}/households/{household.id}", json={"address": "新"}).status_code == 200
    )
    response = client.patch(f"{API}/households/{household.id}", json={"version": 1, "address": "x"})
    assert response.status_code == 409
    assert set(response.json()["error"]["fields"]) == {"version"}
    assert client.get(f"{API}/households/{household.id}").json()["address"] == "新"


def test_patch_unit_not_under_the_village_is_422(client, session, tree) -> None:
    household = make_household(session, unit=tree.all_units()[0])
    response = client.patch(
        f"{API}/households/{household.id}", json={"unit_code": tree.all_units()[-1].code}
    )
    assert response.status_code == 422
    assert "not under village" in response.json()["error"]["fields"]["unit_code"]


def test_residents_of_a_household_are_masked(client, session, tree) -> None:
    household = make_household(session, unit=tree.all_units()[0])
    for _ in range(2):
        make_resident(session, household=household, phone="13812345678")
    body = client.get(f"{API}/households/{household.id}/residents").json()
    assert body["total"] == 2
    for item in body["items"]:
        assert item["phone"] == "138****5678"
        assert item["id_number"][6:14] == "********"
    assert client.get(f"{API}/households/nope/residents").status_code == 404


def test_split_over_the_api(client, session, tree) -> None:
    household = make_household(session, unit=tree.all_units()[0])
    make_resident(session, household=household)
    son = make_resident(session, household=household, relation_to_head="son")
    response = client.post(
        f"{API}/households/{household.id}/split",
        json={"resident_ids": [son.id], "new_household_no": "0200", "address": "新房"},
    )
    assert response.status_code == 201, response.text
    new = response.json()
    assert new["household_no"] == "0200" and new["unit_code"] == household.unit_code
    residents = client.get(f"{API}/households/{new['id']}/residents").json()["items"]
    assert [(r["id"], r["relation_to_head"]) for r in residents] == [(son.id, "head")]
    before = _rows(session)
    response = client.post(
        f"{API}/households/{household.id}/split",
        json={"resident_ids": ["nobody"], "new_household_no": "0201", "address": "x"},
    )
    assert response.status_code == 422
    assert set(response.json()["error"]["fields"]) == {"resident_ids"}
    assert _rows(session) == before


def test_move_out_over_the_api(client, session, tree) -> None:
    household = make_household(session, unit=tree.all_units()[0])
    member = make_resident(session, household=household)
    url = f"{API}/households/{household.id}/move-out"
    response = client.post(url, json={"occurred_on": "2025-05-01", "destination": "福州"})
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "moved_out"
    assert client.get(f"{API}/residents/{member.id}").json()["residence_status"] == "moved_out"
    assert client.post(url, json={"occurred_on": "2025-05-02"}).status_code == 409
    response = client.post(url, json={"occurred_on": "not a date"})
    assert set(response.json()["error"]["fields"]) == {"occurred_on"}


def test_birth_and_move_in_over_the_api(client, session, tree) -> None:
    household = make_household(session, unit=tree.all_units()[0])
    born = client.post(
        f"{API}/households/{household.id}/births",
        json={
            "name": "小宝",
            "sex": "male",
            "birth_date": "2024-02-29",
            "key_groups": ["disabled"],
        },
    )
    assert born.status_code == 201, born.text
    assert (born.json()["relation_to_head"], born.json()["key_groups"]) == ("son", ["disabled"])
    arrived = client.post(
        f"{API}/households/{household.id}/move-ins",
        json={
            "occurred_on": "2025-01-01",
            "name": "新人",
            "sex": "female",
            "birth_date": "1990-01-01",
            "relation_to_head": "other",
            "residence_status": "incoming_migrant",
            "phone": "13912345678",
        },
    )
    assert arrived.status_code == 201, arrived.text
    assert arrived.json()["phone"] == "139****5678"
    kinds = {
        e["kind"]
        for e in client.get(f"{API}/registry-events", params={"household_id": household.id}).json()[
            "items"
        ]
    }
    assert kinds == {"registered", "birth", "moved_in"}
