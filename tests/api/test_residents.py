"""/api/v1/residents, resident events, /registry-events, /key-groups: masking everywhere."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from sqlalchemy import func, select

from gridgov import clock
from gridgov.registry.models import RegistryEvent, Resident, ResidentKeyGroup
from tests.factories.registry import make_household, make_id_number, make_resident
from tests.factories.territory import make_tree

# The API needs a token: these tests act as an administrator of the whole platform.
pytestmark = pytest.mark.usefixtures("as_administrator")


API = "/api/v1"
BIRTH = dt.date(1985, 4, 12)
ID_NUMBER = make_id_number(BIRTH, "female")
PHONE = "13812345678"


@pytest.fixture
def tree(session):
    return make_tree(session, villages=2)


@pytest.fixture
def household(session, tree):
    return make_household(session, unit=tree.all_units()[0])


def _rows(session) -> tuple[int, int, int]:
    return tuple(
        session.scalar(select(func.count()).select_from(model))
        for model in (Resident, RegistryEvent, ResidentKeyGroup)
    )


def _body(household, **overrides) -> dict:
    return {
        "household_id": household.id,
        "name": "林秀英",
        "sex": "female",
        "birth_date": BIRTH.isoformat(),
        "id_number": ID_NUMBER,
        "phone": PHONE,
        "relation_to_head": "head",
        "key_groups": ["low_income"],
    } | overrides


def _assert_no_personal_values(payload) -> None:
    text = json.dumps(payload, ensure_ascii=False)
    assert ID_NUMBER not in text and PHONE not in text
    assert ID_NUMBER[6:14] not in text  # the birth-date digits never leave either


def test_create_answers_masked_and_complete(client, household) -> None:
    response = client.post(f"{API}/residents", json=_body(household))
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["id_number"] == ID_NUMBER[:6] + "********" + ID_NUMBER[-4:]
    assert body["phone"] == "138****5678"
    assert re.fullmatch(r"\d{6}\*{8}\d{3}[\dX]", body["id_number"])
    assert body["household_id"] == household.id
    assert body["territory_code"] == household.territory_code
    assert (body["name"], body["sex"], body["birth_date"]) == ("林秀英", "female", "1985-04-12")
    assert isinstance(body["age"], int) and body["age"] >= 40
    assert (body["relation_to_head"], body["residence_status"]) == ("head", "living_here")
    assert (body["key_groups"], body["version"]) == (["low_income"], 1)
    _assert_no_personal_values(body)


def test_masked_in_reads_lists_patches_and_events(client, session, household) -> None:
    created = client.post(f"{API}/residents", json=_body(household)).json()
    url = f"{API}/residents/{created['id']}"
    patched = client.patch(url, json={"phone": "13912345678", "name": "林秀"})
    assert patched.status_code == 200, patched.text
    answers = [
        client.get(url).json(),
        client.get(f"{API}/residents").json(),
        client.get(f"{API}/residents", params={"name": "林"}).json(),
        client.get(f"{API}/households/{household.id}/residents").json(),
        client.get(f"{API}/registry-events").json(),
    ]
    for answer in answers:
        _assert_no_personal_values(answer)
        assert "13912345678" not in json.dumps(answer)
    assert answers[0]["phone"] == "139****5678"
    updated = client.get(
        f"{API}/registry-events", params={"resident_id": created["id"], "kind": "updated"}
    ).json()["items"][0]
    assert updated["details"]["phone"] == ["138****5678", "139****5678"]


def test_wrong_checksum_is_422_naming_id_number(client, session, household) -> None:
    bad = ID_NUMBER[:-1] + ("1" if ID_NUMBER[-1] != "1" else "2")
    before = _rows(session)
    response = client.post(f"{API}/residents", json=_body(household, id_number=bad))
    assert response.status_code == 422
    error = response.json()["error"]
    assert set(error["fields"]) == {"id_number"}
    assert bad not in json.dumps(error)  # the number is not echoed back
    assert _rows(session) == before


def test_id_inconsistent_with_birth_date_and_sex(client, session, household) -> None:
    before = _rows(session)
    response = client.post(
        f"{API}/residents", json=_body(household, birth_date="1985-04-13", sex="male")
    )
    assert response.status_code == 422
    assert set(response.json()["error"]["fields"]) == {"id_number", "birth_date", "sex"}
    assert _rows(session) == before


def test_bad_phone_and_bad_date_are_named(client, household) -> None:
    response = client.post(f"{API}/residents", json=_body(household, phone="05945091234"))
    assert set(response.json()["error"]["fields"]) == {"phone"}
    response = client.post(f"{API}/residents", json=_body(household, birth_date="1985-02-30"))
    assert response.status_code == 422
    assert set(response.json()["error"]["fields"]) == {"birth_date"}


def test_unknown_key_group_is_422(client, session, household) -> None:
    before = _rows(session)
    response = client.post(f"{API}/residents", json=_body(household, key_groups=["vip"]))
    assert response.status_code == 422
    assert set(response.json()["error"]["fields"]) == {"key_groups"}
    assert _rows(session) == before


def test_duplicate_id_number_is_409_and_nothing_written(client, session, household) -> None:
    assert client.post(f"{API}/residents", json=_body(household)).status_code == 201
    before = _rows(session)
    response = client.post(f"{API}/residents", json=_body(household, name="另一个人"))
    assert response.status_code == 409
    error = response.json()["error"]
    assert set(error["fields"]) == {"id_number"}
    assert ID_NUMBER not in json.dumps(error)
    assert _rows(session) == before


def test_unknown_household_is_422_naming_it(client, household) -> None:
    response = client.post(f"{API}/residents", json=_body(household, household_id="nope"))
    assert response.status_code == 422
    assert set(response.json()["error"]["fields"]) == {"household_id"}


def test_patch_stale_version_is_409(client, household) -> None:
    created = client.post(f"{API}/residents", json=_body(household)).json()
    url = f"{API}/residents/{created['id']}"
    assert client.patch(url, json={"version": 1, "key_groups": ["veteran"]}).json()["version"] == 2
    response = client.patch(url, json={"version": 1, "name": "旧版本"})
    assert response.status_code == 409
    assert set(response.json()["error"]["fields"]) == {"version"}
    current = client.get(url).json()
    assert (current["name"], current["key_groups"]) == ("林秀英", ["veteran"])


def test_patch_null_name_is_422_and_null_tags_clear(client, household) -> None:
    created = client.post(f"{API}/residents", json=_body(household)).json()
    response = client.patch(f"{API}/residents/{created['id']}", json={"name": None})
    assert response.status_code == 422
    assert set(response.json()["error"]["fields"]) == {"name"}
    cleared = client.patch(f"{API}/residents/{created['id']}", json={"key_groups": None})
    assert cleared.status_code == 200 and cleared.json()["key_groups"] == []


def test_missing_resident_is_404(client) -> None:
    assert client.get(f"{API}/residents/nope").status_code == 404
    assert client.patch(f"{API}/residents/nope", json={}).status_code == 404
    response = client.post(
        f"{API}/residents/nope/events", json={"kind": "death", "occurred_on": "2025-01-01"}
    )
    assert response.status_code == 404


def test_life_events_and_their_history(client, session, tree, household) -> None:
    person = make_resident(session, household=household, birth_date=dt.date(1950, 1, 1))
    url = f"{API}/residents/{person.id}/events"
    moved = client.post(
        url, json={"kind": "moved_out", "occurred_on": "2024-03-01", "destination": "泉州"}
    )
    assert moved.status_code == 201, moved.text
    assert moved.json()["residence_status"] == "moved_out"
    again = client.post(url, json={"kind": "moved_out", "occurred_on": "2024-03-02"})
    assert again.status_code == 409
    other = make_household(session, unit=tree.all_units()[-1])
    back = client.post(
        url, json={"kind": "moved_in", "occurred_on": "2025-01-01", "household_id": other.id}
    )
    assert back.status_code == 201, back.text
    assert (back.json()["household_id"], back.json()["territory_code"]) == (
        other.id,
        other.territory_code,
    )
    died = client.post(url, json={"kind": "death", "occurred_on": "2025-06-01"})
    assert died.json()["residence_status"] == "deceased"
    assert client.post(url, json={"kind": "death", "occurred_on": "2025-06-02"}).status_code == 409
    history = client.get(f"{API}/registry-events", params={"resident_id": person.id}).json()
    kinds = [event["kind"] for event in history["items"]]
    # newest first by the day each happened: registered today, the rest backdated
    assert kinds == ["registered", "death", "moved_in", "moved_out"] and history["total"] == 4
    # and the person is still there, deceased, not deleted
    assert client.get(f"{API}/residents/{person.id}").json()["residence_status"] == "deceased"


def test_event_refusals_name_their_field(client, session, household) -> None:
    person = make_resident(session, household=household)
    url = f"{API}/residents/{person.id}/events"
    future = (clock.today() + dt.timedelta(days=5)).isoformat()
    response = client.post(url, json={"kind": "death", "occurred_on": future})
    assert response.status_code == 422
    assert set(response.json()["error"]["fields"]) == {"occurred_on"}
    response = client.post(url, json={"kind": "vanished", "occurred_on": "2025-01-01"})
    assert set(response.json()["error"]["fields"]) == {"kind"}
    response = client.post(
        url, json={"kind": "moved_in", "occurred_on": "2025-01-01", "household_id": "nope"}
    )
    assert set(response.json()["error"]["fields"]) == {"household_id"}
    assert client.get(f"{API}/residents/{person.id}").json()["residence_status"] == "living_here"


def test_list_filters(client, session, tree) -> None:
    first = make_household(session, unit=tree.all_units()[0])
    second = make_household(session, unit=tree.all_units()[-1])
    make_resident(session, household=first, name="林一", sex="male", key_groups=["veteran"])
    make_resident(session, household=first, name="陈二", sex="female")
    make_resident(session, household=second, name="林三", sex="female", key_groups=["veteran"])

    def total(**params) -> int:
        response = client.get(f"{API}/residents", params=params)
        assert response.status_code == 200, response.text
        return response.json()["total"]

    assert total() == 3
    assert total(territory=tree.villages[0].code) == 2
    assert total(territory=tree.town.code, key_group="veteran") == 2
    assert total(territory=tree.villages[1].code, key_group="veteran") == 1
    assert total(name="林", sex="female") == 1
    assert total(household_id=first.id) == 2
    assert total(residence_status="deceased") == 0
    page = client.get(f"{API}/residents", params={"limit": 1, "offset": 1}).json()
    assert (page["total"], page["limit"], page["offset"], len(page["items"])) == (3, 1, 1, 1)
    response = client.get(f"{API}/residents", params={"residence_status": "lost"})
    assert response.status_code == 422
    assert set(response.json()["error"]["fields"]) == {"residence_status"}


def test_registry_events_by_territory(client, session, tree) -> None:
    make_resident(session, household=make_household(session, unit=tree.all_units()[0]))
    make_household(session, unit=tree.all_units()[-1])
    body = client.get(f"{API}/registry-events", params={"territory": tree.villages[0].code}).json()
    assert body["total"] == 2
    assert {item["kind"] for item in body["items"]} == {"registered"}
    assert all(item["actor"] == "test:factory" for item in body["items"])
    assert client.get(f"{API}/registry-events", params={"kind": "bogus"}).status_code == 422


def test_key_groups_list(client) -> None:
    body = client.get(f"{API}/key-groups").json()
    codes = [item["code"] for item in body["items"]]
    assert "left_behind_child" in codes and body["total"] == len(codes) >= 10
    veteran = next(item for item in body["items"] if item["code"] == "veteran")
    assert veteran["name_zh"] == "退役军人" and veteran["active"] is True
