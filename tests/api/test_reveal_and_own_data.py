"""Revealing ID numbers and phones (policy, reason, audit) and a resident's own export."""

from __future__ import annotations

import pytest

from gridgov.audit.queries import search_audit
from tests.factories.access import bearer, make_user
from tests.factories.registry import make_household, make_resident
from tests.factories.territory import make_tree


@pytest.fixture
def world(session):
    tree = make_tree(session, villages=1, grids_per_village=2, units_per_grid=1)
    units = tree.all_units()
    home = make_household(session, unit=units[0])
    me, spouse = make_resident(session, household=home), make_resident(session, household=home)
    other = make_resident(session, household=make_household(session, unit=units[1]))
    grid_leader = make_user(session, role="grid_leader", territory_code=tree.all_grids()[0].code)
    unit_leader = make_user(session, role="unit_leader", territory_code=units[0].code)
    resident_user = make_user(session, resident_id=me.id)
    headers = {
        "grid": bearer(session, grid_leader),
        "unit": bearer(session, unit_leader),
        "me": bearer(session, resident_user),
    }
    session.commit()
    return {"me": me, "spouse": spouse, "other": other, "headers": headers}


def test_a_grid_leader_reveals_with_a_reason_and_it_is_audited(client, session, world) -> None:
    me, headers = world["me"], world["headers"]["grid"]
    masked = client.get(f"/api/v1/residents/{me.id}", headers=headers).json()
    assert masked["id_number"] != me.id_number and "*" in masked["id_number"]
    shown = client.get(
        f"/api/v1/residents/{me.id}",
        params={"reveal": "id_number,phone", "reason": "verifying a subsidy claim"},
        headers=headers,
    )
    assert shown.status_code == 200, shown.text
    assert (shown.json()["id_number"], shown.json()["phone"]) == (me.id_number, me.phone)
    entries, total = search_audit(session, action="reveal", object_id=me.id)
    assert total == 1
    assert entries[0].changes == {
        "fields": ["id_number", "phone"],
        "reason": "verifying a subsidy claim",
    }
    assert entries[0].actor.startswith("user:")


def test_a_reveal_needs_a_reason_and_a_known_field(client, world) -> None:
    me, headers = world["me"], world["headers"]["grid"]
    no_reason = client.get(
        f"/api/v1/residents/{me.id}", params={"reveal": "phone"}, headers=headers
    )
    assert no_reason.status_code == 422 and "reason" in no_reason.json()["error"]["fields"]
    unknown = client.get(
        f"/api/v1/residents/{me.id}",
        params={"reveal": "address", "reason": "because"},
        headers=headers,
    )
    assert unknown.status_code == 422 and "reveal" in unknown.json()["error"]["fields"]


def test_a_role_that_may_never_reveal_gets_403(client, session, world) -> None:
    me = world["me"]
    response = client.get(
        f"/api/v1/residents/{me.id}",
        params={"reveal": "phone", "reason": "curious"},
        headers=world["headers"]["unit"],
    )
    assert response.status_code == 403
    assert search_audit(session, action="reveal")[1] == 0


def test_list_reveal_shows_only_the_page_in_scope_and_audits_each(client, session, world):
    listed = client.get(
        "/api/v1/residents",
        params={"reveal": "id_number", "reason": "household survey"},
        headers=world["headers"]["grid"],
    ).json()
    assert {item["id"] for item in listed["items"]} == {world["me"].id, world["spouse"].id}
    assert all("*" not in item["id_number"] for item in listed["items"])
    assert all("*" in item["phone"] for item in listed["items"])
    assert search_audit(session, action="reveal")[1] == 2


def test_a_resident_exports_their_own_data(client, session, world) -> None:
    me, spouse = world["me"], world["spouse"]
    data = client.get("/api/v1/residents/me/export", headers=world["headers"]["me"]).json()
    assert data["resident"]["id_number"] == me.id_number
    assert data["resident"]["phone"] == me.phone
    members = data["household"]["members"]
    assert [member["id"] for member in members] == [spouse.id]
    assert members[0]["id_number"] != spouse.id_number  # not theirs: masked
    assert any(event["kind"] == "registered" for event in data["events"])
    assert search_audit(session, action="export", object_id=me.id)[1] == 1
    not_linked = client.get("/api/v1/residents/me/export", headers=world["headers"]["grid"])
    assert not_linked.status_code == 404


@pytest.mark.parametrize("reason", ["", "   ", "abc", " a b c "])
def test_a_reveal_reason_needs_four_non_blank_characters(client, session, world, reason) -> None:
    me, headers = world["me"], world["headers"]["grid"]
    response = client.get(
        f"/api/v1/residents/{me.id}", params={"reveal": "phone", "reason": reason}, headers=headers
    )
    assert response.status_code == 422 and "reason" in response.json()["error"]["fields"]
    assert search_audit(session, action="reveal")[1] == 0
