"""/api/v1/roll-calls and /api/v1/shelters over HTTP: the paths, fields and status codes
the issue names, who may do what, and the answers' shapes."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from gridgov import clock
from tests.emergency.rollcall_world import Island, make_island, minutes
from tests.factories.access import bearer

API = "/api/v1"


@pytest.fixture
def island(session: Session) -> Island:
    return make_island(session)


def headers(session: Session, island: Island, who: str) -> dict[str, str]:
    return bearer(session, island.users[who])


def _start(client, session, island, **body) -> dict:
    payload = {"territory_code": island.town, "kind": "typhoon", "title": "台风“海葵”"} | body
    response = client.post(
        f"{API}/roll-calls", json=payload, headers=headers(session, island, "town_official")
    )
    assert response.status_code == 201, response.text
    return response.json()


def _confirm(client, session, island, roll_call_id, who, household, **body):
    payload = {"household_id": island.households[household].id, "status": "safe_at_home"} | body
    return client.post(
        f"{API}/roll-calls/{roll_call_id}/confirmations",
        json=payload,
        headers=headers(session, island, who),
    )


def test_start_read_confirm_and_the_live_picture(client: TestClient, session, island) -> None:
    started = _start(client, session, island, evacuation=True)
    assert started["household_count"] == 7 and started["state"] == "open"
    rid = started["id"]
    answer = _confirm(client, session, island, rid, "unit_leader", "plain", method="phone")
    assert answer.status_code == 201, answer.text
    assert answer.json()["confirmer"] == "unit_leader" and answer.json()["stands"] is True
    help_answer = _confirm(
        client, session, island, rid, "grid_leader", "pregnant", status="needs_help", help="临产"
    )
    assert help_answer.json()["help_case_id"]
    picture = client.get(f"{API}/roll-calls/{rid}", headers=headers(session, island, "secretary"))
    assert picture.status_code == 200
    body = picture.json()
    assert (body["households"], body["confirmed"], body["unconfirmed"]) == (7, 2, 5)
    assert (body["needs_help"], body["priority_unconfirmed"]) == (1, 2)
    rows = {row["code"]: row for row in body["children"]}
    assert set(rows) == {island.village, island.other_village}
    assert rows[island.village]["confirmed"] == 2 and rows[island.other_village]["households"] == 1
    village = client.get(
        f"{API}/roll-calls/{rid}",
        params={"territory": island.village},
        headers=headers(session, island, "secretary"),
    ).json()
    assert [row["code"] for row in village["children"]] == [
        island.grid,
        island.tree.grids[island.village][1].code,
    ]


def test_the_unconfirmed_list_priority_first_then_unit_then_number(client, session, island) -> None:
    rid = _start(client, session, island)["id"]
    _confirm(client, session, island, rid, "unit_leader", "elderly")
    listed = client.get(
        f"{API}/roll-calls/{rid}/households",
        params={"status": "unconfirmed", "territory": island.village},
        headers=headers(session, island, "secretary"),
    ).json()
    assert [row["household_no"] for row in listed["items"]] == [
        "A003",
        "A004",
        "A001",
        "A005",
        "B001",
    ]
    assert listed["items"][0]["priority_reasons"] == ["pregnant"]
    assert listed["total"] == 5 and listed["limit"] == 50 and listed["offset"] == 0
    # A unit leader lists their own unit's households only.
    own = client.get(
        f"{API}/roll-calls/{rid}/households", headers=headers(session, island, "unit_leader")
    ).json()
    assert sorted(row["household_no"] for row in own["items"]) == ["A001", "A002", "A005"]
    bad = client.get(
        f"{API}/roll-calls/{rid}/households",
        params={"status": "lost"},
        headers=headers(session, island, "secretary"),
    )
    assert bad.status_code == 422 and "status" in bad.json()["error"]["fields"]


def test_who_confirms_which_household(client, session, island) -> None:
    rid = _start(client, session, island)["id"]
    assert _confirm(client, session, island, rid, "resident", "plain").status_code == 201
    assert _confirm(client, session, island, rid, "unit_leader", "elderly").status_code == 201
    assert _confirm(client, session, island, rid, "resident", "elderly").status_code == 404
    assert _confirm(client, session, island, rid, "unit_leader", "pregnant").status_code == 404
    assert _confirm(client, session, island, rid, "other_secretary", "plain").status_code == 404
    assert _confirm(client, session, island, rid, "secretary", "other_village").status_code == 404
    missing = client.post(
        f"{API}/roll-calls/no-such/confirmations",
        json={"household_id": "x", "status": "away"},
        headers=headers(session, island, "secretary"),
    )
    assert missing.status_code == 404


def test_bad_confirmations_are_422_naming_the_field(client, session, island) -> None:
    rid = _start(client, session, island)["id"]
    cases = [
        ({"status": "lost"}, "status"),
        ({"method": "smoke"}, "method"),
        ({"confirmed_at": "2020-01-01T00:00:00+08:00"}, "confirmed_at"),
        ({"status": "needs_help"}, "help"),
        ({"status": "moved_shelter", "shelter_id": "nope"}, "shelter_id"),
        ({"surprise": 1}, "surprise"),
    ]
    for body, field in cases:
        answer = _confirm(client, session, island, rid, "unit_leader", "plain", **body)
        assert answer.status_code == 422, (body, answer.text)
        assert any(field in name for name in answer.json()["error"]["fields"]), answer.text


def test_an_offline_confirmation_keeps_its_confirmed_at(client, session, island) -> None:
    started = clock.now()
    rid = _start(client, session, island)["id"]
    with clock.frozen(started + minutes(45)):
        seen = (started + minutes(12)).isoformat()
        answer = _confirm(
            client,
            session,
            island,
            rid,
            "unit_leader",
            "plain",
            confirmed_at=seen,
            method="message",
        )
    out = answer.json()
    assert dt.datetime.fromisoformat(out["confirmed_at"]) == started + minutes(12)
    assert dt.datetime.fromisoformat(out["received_at"]) == started + minutes(45)
    assert out["method"] == "message"


def test_geojson_masks_points_out_of_reach(client, session, island) -> None:
    rid = _start(client, session, island)["id"]
    answer = client.get(
        f"{API}/roll-calls/{rid}.geojson",
        params={"territory": island.grid},
        headers=headers(session, island, "unit_leader"),
    )
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/geo+json")
    assert answer.json()["properties"]["kind"] == "households"
    features = answer.json()["features"]
    assert len(features) == 5  # the grid's households: its two units
    mine = [f for f in features if not f["properties"].get("masked")]
    assert sorted(f["properties"]["household_no"] for f in mine) == ["A001", "A002", "A005"]
    plain = next(f for f in mine if f["properties"]["household_no"] == "A001")
    assert plain["geometry"]["coordinates"] == [119.111, 25.001]
    masked = [f for f in features if f["properties"].get("masked")]
    assert all("household_id" not in f["properties"] for f in masked)


def test_geojson_above_a_grid_is_counts_per_node(client, session, island) -> None:
    """A town's map gets a point per village with its counts, not every household; a
    village's, a point per grid; ``level`` asks for finer nodes."""
    rid = _start(client, session, island)["id"]
    _confirm(client, session, island, rid, "grid_leader", "pregnant", status="needs_help", help="x")
    leader = headers(session, island, "unit_leader")
    path = f"{API}/roll-calls/{rid}.geojson"
    town = client.get(path, headers=leader).json()
    assert town["properties"]["kind"] == "nodes"
    by_code = {f["properties"]["code"]: f["properties"] for f in town["features"]}
    assert set(by_code) == {island.village, island.other_village}
    village = by_code[island.village]
    assert (village["households"], village["unconfirmed"], village["needs_help"]) == (6, 5, 1)
    assert village["statuses"] == {"unconfirmed": 5, "needs_help": 1}
    assert village["priority_unconfirmed"] == 2  # A002 and A004 (A003 needs help)
    assert not any("household_id" in f["properties"] for f in town["features"])
    grids = client.get(path, params={"territory": island.village}, headers=leader).json()
    assert {f["properties"]["code"] for f in grids["features"]} == {
        grid.code for grid in island.tree.grids[island.village]
    }
    units = client.get(path, params={"level": "unit"}, headers=leader).json()
    assert sum(f["properties"]["households"] for f in units["features"]) == 7
    assert {len(f["properties"]["code"]) for f in units["features"]} == {17}
    for params, field in (
        ({"level": "town"}, "level"),
        ({"level": "village", "territory": island.village}, "level"),
        ({"territory": "350305999"}, "territory"),
    ):
        bad = client.get(path, params=params, headers=leader)
        assert bad.status_code == 422 and field in bad.json()["error"]["fields"], bad.text


def test_all_clear_close_and_roster(client, session, island) -> None:
    rid = _start(client, session, island, evacuation=True, drill=True)["id"]
    town = headers(session, island, "town_official")
    grid = headers(session, island, "grid_leader")
    assert client.post(f"{API}/roll-calls/{rid}/all-clear", headers=grid).status_code == 404
    cleared = client.post(f"{API}/roll-calls/{rid}/all-clear", headers=town)
    assert cleared.status_code == 200 and cleared.json()["state"] == "all_clear"
    assert client.post(f"{API}/roll-calls/{rid}/all-clear", headers=town).status_code == 409
    roster = client.get(f"{API}/roll-calls/{rid}/roster.xlsx", headers=town)
    assert roster.status_code == 200
    book = load_workbook(io.BytesIO(roster.content))
    assert len(book.sheetnames) == 4  # the units that have households
    revealed = client.get(
        f"{API}/roll-calls/{rid}/roster.xlsx", params={"reveal": True}, headers=town
    )
    assert revealed.status_code == 422  # a reveal says why
    closed = client.post(f"{API}/roll-calls/{rid}/close", headers=town)
    assert closed.status_code == 200
    assert closed.json()["report"]["drill"] is True and closed.json()["state"] == "closed"
    listed = client.get(f"{API}/roll-calls", params={"territory": island.village}, headers=town)
    assert listed.json()["total"] == 1


def test_shelters_and_the_dangerous_house_flag(client, session, island) -> None:
    secretary = headers(session, island, "secretary")
    created = client.post(
        f"{API}/shelters",
        json={"village_code": island.village, "name": "祠堂", "capacity": 80},
        headers=secretary,
    )
    assert created.status_code == 201 and created.json()["free"] == 80
    refused = client.post(
        f"{API}/shelters",
        json={"village_code": island.other_village, "name": "祠堂", "capacity": 80},
        headers=secretary,
    )
    assert refused.status_code == 404
    bad = client.post(
        f"{API}/shelters",
        json={"village_code": island.village, "name": "x", "capacity": -1},
        headers=secretary,
    )
    assert bad.status_code == 422 and "capacity" in bad.json()["error"]["fields"]
    listed = client.get(
        f"{API}/shelters",
        params={"territory": island.village},
        headers=headers(session, island, "resident"),
    )
    assert listed.status_code == 200 and listed.json()["total"] == 2
    household = island.households["plain"].id
    flagged = client.post(
        f"{API}/households/{household}/dangerous-house",
        json={"dangerous": True, "reason": "屋顶漏雨"},
        headers=headers(session, island, "grid_leader"),
    )
    assert flagged.status_code == 200
    assert flagged.json()["dangerous_reason"] == "屋顶漏雨" and flagged.json()["dangerous_since"]
    assert (
        client.post(
            f"{API}/households/{household}/dangerous-house",
            json={"dangerous": True},
            headers=headers(session, island, "grid_leader"),
        ).status_code
        == 422
    )
    assert (
        client.post(
            f"{API}/households/{household}/dangerous-house",
            json={"dangerous": False},
            headers=headers(session, island, "unit_leader"),
        ).status_code
        == 403
    )


def test_a_roll_calls_households_by_a_territory_out_of_reach_or_unknown_answer_404(
    client, session, island
) -> None:
    rid = _start(client, session, island)["id"]
    for code in (island.other_village, "350305108999", "350305999"):
        answer = client.get(
            f"{API}/roll-calls/{rid}/households",
            params={"territory": code},
            headers=headers(session, island, "unit_leader"),
        )
        assert answer.status_code == 404, (code, answer.text)
        assert answer.json()["error"]["fields"] == {"territory": "not found"}, answer.text


def _list(client, session, island, who, **params) -> dict:
    answer = client.get(f"{API}/roll-calls", params=params, headers=headers(session, island, who))
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_the_roll_call_list_filters_and_pages_in_the_sql(client, session, island) -> None:
    from gridgov.access.policy import reaches
    from gridgov.emergency.models import RollCall
    from tests.emergency.rollcall_world import start

    town = start(session, island)
    drill = start(session, island, territory=island.village, by="secretary", drill=True)
    fire = start(session, island, territory=island.other_village, by="other_secretary", kind="fire")
    grid = start(session, island, territory=island.grid, by="secretary", kind="flood")
    grid.state = "closed"
    session.commit()
    ids = {"town": town.id, "drill": drill.id, "fire": fire.id, "grid": grid.id}
    named = {rid: name for name, rid in ids.items()}

    def names(who: str, **params: object) -> list[str]:
        return [
            named[item["id"]] for item in _list(client, session, island, who, **params)["items"]
        ]

    # What each caller reaches is what reaches() says of each roll-call, row by row.
    every = list(session.query(RollCall))
    for who in ("unit_leader", "grid_leader", "secretary", "other_secretary", "resident"):
        principal = island.principal(session, who)
        expected = {
            named[rc.id]
            for rc in every
            if reaches(principal, "read", "roll_call", rc.territory_code)
        }
        assert set(names(who)) == expected, who
    assert set(names("unit_leader")) == {"town", "drill", "grid"}
    assert set(names("other_secretary")) == {"town", "fire"}
    assert set(names("town_official", kind="fire")) == {"fire"}
    assert set(names("town_official", drill="true")) == {"drill"}
    assert set(names("town_official", drill="false")) == {"town", "fire", "grid"}
    assert set(names("town_official", state="closed")) == {"grid"}
    assert set(names("town_official", state="open", kind="typhoon")) == {"town", "drill"}
    # over, above or under the territory
    assert set(names("town_official", territory=island.grid)) == {"town", "drill", "grid"}
    assert set(names("town_official", territory=island.other_village)) == {"town", "fire"}
    # paging: the total counts every match, the page holds limit of them
    first = _list(client, session, island, "town_official", limit=2, offset=0)
    second = _list(client, session, island, "town_official", limit=2, offset=2)
    assert (first["total"], first["limit"], first["offset"]) == (4, 2, 0)
    assert len(first["items"]) == 2 and len(second["items"]) == 2
    assert {i["id"] for i in first["items"] + second["items"]} == set(ids.values())
    for field, value in (("state", "shut"), ("kind", "quake")):
        answer = client.get(
            f"{API}/roll-calls",
            params={field: value},
            headers=headers(session, island, "town_official"),
        )
        assert answer.status_code == 422, answer.text
        assert field in answer.json()["error"]["fields"], answer.text


def test_an_idempotency_key_gives_back_the_first_answer_and_stores_nothing_twice(
    client, session, island
) -> None:
    rid = _start(client, session, island)["id"]
    leader = headers(session, island, "unit_leader")
    body = {"household_id": island.households["plain"].id, "status": "away", "method": "phone"}
    path = f"{API}/roll-calls/{rid}/confirmations"
    first = client.post(path, json=body, headers=leader | {"Idempotency-Key": "tap-1"})
    assert first.status_code == 201, first.text
    again = client.post(path, json=body, headers=leader | {"Idempotency-Key": "tap-1"})
    assert again.status_code == 200, again.text
    assert again.json() == first.json()
    picture = client.get(f"{API}/roll-calls/{rid}", headers=leader).json()
    assert picture["confirmed"] == 1
    history = client.get(
        f"{API}/roll-calls/{rid}/households", params={"status": "away"}, headers=leader
    ).json()
    assert history["total"] == 1 and history["items"][0]["confirmations"] == 1
    # Another confirmation under the same key: refused, naming the field; nothing stored.
    other = client.post(
        path, json=body | {"status": "safe_at_home"}, headers=leader | {"Idempotency-Key": "tap-1"}
    )
    assert other.status_code == 422 and "idempotency_key" in other.json()["error"]["fields"], (
        other.text
    )
    assert client.get(f"{API}/roll-calls/{rid}", headers=leader).json()["confirmed"] == 1
    # The key is the caller's: another user's same key is a confirmation of its own.
    grid = headers(session, island, "grid_leader")
    theirs = client.post(path, json=body, headers=grid | {"Idempotency-Key": "tap-1"})
    assert theirs.status_code == 201 and theirs.json()["id"] != first.json()["id"]
    # A new key is a new confirmation, and no key is never a replay.
    assert (
        client.post(path, json=body, headers=leader | {"Idempotency-Key": "tap-2"}).status_code
        == 201
    )
    assert client.post(path, json=body, headers=leader).status_code == 201
    line = client.get(
        f"{API}/roll-calls/{rid}/households", params={"status": "away"}, headers=leader
    ).json()["items"][0]
    assert line["confirmations"] == 4


def test_a_confirmation_key_is_owned_as_cases_and_visits_own_theirs(
    client, session, island
) -> None:
    """The confirmation's id comes from the shared owner ("user:<id>",
    gridgov.http.idempotency), not from the bare user id."""
    from gridgov.emergency.confirm import confirmation_id_for
    from gridgov.http.idempotency import idempotency_owner

    rid = _start(client, session, island)["id"]
    leader = island.users["unit_leader"]
    answer = client.post(
        f"{API}/roll-calls/{rid}/confirmations",
        json={"household_id": island.households["plain"].id, "status": "away"},
        headers=bearer(session, leader) | {"Idempotency-Key": "tap-owner"},
    )
    assert answer.status_code == 201, answer.text
    assert answer.json()["id"] == confirmation_id_for(idempotency_owner(leader.id), "tap-owner")
    assert answer.json()["id"] != confirmation_id_for(leader.id, "tap-owner")


def test_a_bad_idempotency_key_is_refused_naming_it(client, session, island) -> None:
    rid = _start(client, session, island)["id"]
    leader = headers(session, island, "unit_leader")
    body = {"household_id": island.households["plain"].id, "status": "away"}
    path = f"{API}/roll-calls/{rid}/confirmations"
    too_long = client.post(path, json=body, headers=leader | {"Idempotency-Key": "k" * 129})
    assert too_long.status_code == 422 and "Idempotency-Key" in too_long.text
    control = client.post(path, json=body, headers=leader | {"Idempotency-Key": "a\x7fb"})
    assert control.status_code == 422 and "idempotency_key" in control.json()["error"]["fields"]
    assert client.get(f"{API}/roll-calls/{rid}", headers=leader).json()["confirmed"] == 0


def test_the_evacuation_ends_with_the_all_clear_then_close(client, session, island) -> None:
    """Issue #15: closing an evacuation before its all-clear is refused (409); a roll-call
    without evacuation has no all-clear (409) and closes directly; after the all-clear a
    household that never moved cannot be ``returned`` (422 naming ``status``)."""
    town = headers(session, island, "town_official")
    plain = _start(client, session, island)["id"]
    refused = client.post(f"{API}/roll-calls/{plain}/all-clear", headers=town)
    assert refused.status_code == 409, refused.text
    assert "evacuation" in refused.json()["error"]["fields"]
    assert client.post(f"{API}/roll-calls/{plain}/close", headers=town).status_code == 200

    rid = _start(client, session, island, evacuation=True)["id"]
    early = client.post(f"{API}/roll-calls/{rid}/close", headers=town)
    assert early.status_code == 409, early.text
    assert "all-clear first" in early.json()["error"]["message"]
    assert _confirm(client, session, island, rid, "unit_leader", "plain").status_code == 201
    assert client.post(f"{API}/roll-calls/{rid}/all-clear", headers=town).status_code == 200
    back = _confirm(client, session, island, rid, "unit_leader", "plain", status="returned")
    assert back.status_code == 422, back.text
    assert list(back.json()["error"]["fields"]) == ["status"]
    assert client.post(f"{API}/roll-calls/{rid}/close", headers=town).status_code == 200


def test_a_help_case_and_its_roll_call_link_both_ways(client, session, island) -> None:
    rid = _start(client, session, island)["id"]
    answer = _confirm(
        client, session, island, rid, "grid_leader", "pregnant", status="needs_help", help="临产"
    )
    case_id = answer.json()["help_case_id"]
    secretary = headers(session, island, "secretary")
    picture = client.get(f"{API}/roll-calls/{rid}", headers=secretary).json()
    assert [(c["case_id"], c["household_no"], c["help"]) for c in picture["help_cases"]] == [
        (case_id, "A003", "临产")
    ]
    # Another village's secretary reads the town's counts, not this village's help cases.
    other = client.get(
        f"{API}/roll-calls/{rid}", headers=headers(session, island, "other_secretary")
    )
    assert other.status_code == 200 and other.json()["help_cases"] == []
    case = client.get(f"{API}/cases/{case_id}", headers=secretary).json()
    assert case["roll_call_id"] == rid
    assert case["address"] == island.households["pregnant"].address
    assert case["reporter_name"] and "*" in case["reporter_contact"]  # the head's phone, masked
