"""The contacts API: a party member records a visit of their own household, the
household's unit leader confirms it, edits are versions with 409 on a stale one, due
contacts, the coverage report, the ledger export and who reads the member list."""

from __future__ import annotations

import datetime as dt

import pytest

from gridgov import clock
from tests.contacts.world import link, make_world
from tests.factories.access import bearer, make_user

API = "/api/v1"


@pytest.fixture
def world(session):
    world = make_world(session)
    link(session, world, 1, 0)
    link(session, world, 6, 1)
    return world


def _record(client, headers, household_id, **extra):
    body = {"visited_on": clock.today().isoformat(), "method": "home_visit"}
    return client.post(
        f"{API}/visits", headers=headers, json=body | {"household_ids": [household_id]} | extra
    )


def test_a_visit_recorded_confirmed_and_edited(client, session, world):
    member = bearer(session, world.member_users[0])
    answer = _record(client, member, world.households[1].id, disputes=1, matters_text="漏水")
    assert answer.status_code == 201, answer.text
    visit = answer.json()
    assert visit["members"][0]["member_id"] == world.members[0].id
    assert visit["confirmed"] is False
    assert _record(client, member, world.households[6].id).status_code == 422
    confirm = client.post(f"{API}/visits/{visit['id']}/confirm", headers=member, json={"rating": 5})
    assert confirm.status_code == 403  # the maker never confirms
    leader = bearer(session, world.unit_leader)
    confirmed = client.post(
        f"{API}/visits/{visit['id']}/confirm", headers=leader, json={"rating": 4}
    )
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["confirmed"] and confirmed.json()["households"][0]["rating"] == 4
    edit = client.patch(
        f"{API}/visits/{visit['id']}", headers=member, json={"version": 1, "requests": 2}
    )
    assert edit.status_code == 200 and edit.json()["version"] == 2
    stale = client.patch(
        f"{API}/visits/{visit['id']}", headers=member, json={"version": 1, "requests": 3}
    )
    assert stale.status_code == 409
    assert stale.json()["error"]["fields"] == {"version": "stale"}
    versions = client.get(f"{API}/visits/{visit['id']}/versions", headers=member).json()
    assert [v["version"] for v in versions] == [1, 2]
    other = bearer(session, world.member_users[1])
    assert client.get(f"{API}/visits/{visit['id']}", headers=other).status_code == 404
    unconfirmed = client.get(
        f"{API}/visits", headers=bearer(session, world.secretary), params={"confirmed": "false"}
    ).json()
    assert unconfirmed["total"] == 1  # the edit withdrew the confirmation


def test_a_member_sees_their_households_registry_entries(client, session, world):
    member = bearer(session, world.member_users[0])
    mine = client.get(f"{API}/households/{world.households[1].id}", headers=member)
    assert mine.status_code == 200
    assert (
        client.get(f"{API}/households/{world.households[6].id}", headers=member).status_code == 404
    )
    residents = client.get(f"{API}/households/{world.households[1].id}/residents", headers=member)
    assert residents.status_code == 200
    people = residents.json()["items"]
    assert people and all("*" in person["id_number"] for person in people)  # masked


def test_the_member_list_is_for_leaders_and_the_same_party_group(client, session, world):
    secretary = client.get(f"{API}/party-members", headers=bearer(session, world.secretary)).json()
    assert secretary["total"] == 3
    # Three members in two grids: each grid has too few, so the village is one party group.
    member = client.get(f"{API}/party-members", headers=bearer(session, world.member_users[0]))
    assert member.json()["total"] == 3
    resident = make_user(session, resident_id=world.heads[3].id)
    assert client.get(f"{API}/party-members", headers=bearer(session, resident)).status_code == 403


def test_marking_a_member_and_pinning_a_household(client, session, world):
    secretary = bearer(session, world.secretary)
    marked = client.post(
        f"{API}/party-members",
        headers=secretary,
        json={"resident_id": world.heads[12].id, "branch": "第二支部", "joined_on": "2010-07-01"},
    )
    assert marked.status_code == 201, marked.text
    pinned = client.post(
        f"{API}/contact-assignments",
        headers=secretary,
        json={"household_id": world.households[13].id, "member_id": marked.json()["id"]},
    )
    assert pinned.status_code == 201 and pinned.json()["pinned"]
    own = client.post(
        f"{API}/contact-assignments",
        headers=secretary,
        json={"household_id": world.households[12].id, "member_id": marked.json()["id"]},
    )
    assert own.status_code == 409
    listed = client.get(
        f"{API}/contact-assignments", headers=secretary, params={"territory": world.village}
    ).json()
    assert listed["total"] == 3


def test_a_run_by_api_dry_then_for_real(client, session, world):
    secretary = bearer(session, world.secretary)
    dry = client.post(
        f"{API}/contact-assignments/run",
        headers=secretary,
        json={"territory": world.village, "capacity": 10, "dry_run": True},
    )
    assert dry.status_code == 200, dry.text
    assert dry.json()["dry_run"] and dry.json()["kept"] == 2
    real = client.post(
        f"{API}/contact-assignments/run", headers=secretary, json={"territory": world.village}
    ).json()
    assert real["added"] == 14 and real["unassigned"] == []
    report = client.get(
        f"{API}/reports/contacts", headers=secretary, params={"territory": world.village}
    ).json()
    assert (report["households"], report["assigned"]) == (16, 16)
    assert [child["code"] for child in report["children"]] == [
        grid.code for grid in world.tree.all_grids()
    ]
    grid_leader = make_user(
        session, role="grid_leader", territory_code=world.tree.all_grids()[0].code
    )
    refused = client.post(
        f"{API}/contact-assignments/run",
        headers=bearer(session, grid_leader),
        json={"territory": world.village},
    )
    assert refused.status_code == 404


def test_due_contacts_and_a_moment_by_hand(client, session, world):
    member = bearer(session, world.member_users[0])
    added = client.post(
        f"{API}/contacts/must-visits",
        headers=member,
        json={
            "household_id": world.households[1].id,
            "reason": "wedding",
            "due_on": (clock.today() + dt.timedelta(days=2)).isoformat(),
        },
    )
    assert added.status_code == 201, added.text
    due = client.get(
        f"{API}/contacts/due", headers=member, params={"territory": world.village}
    ).json()
    assert [(item["household_id"], item["reason"]) for item in due["items"]] == [
        (world.households[1].id, "wedding")
    ]
    assert due["by_member"][world.members[0].id] == {"due": 1, "overdue": 0}
    secretary = client.get(
        f"{API}/contacts/due",
        headers=bearer(session, world.secretary),
        params={"territory": world.village},
    ).json()
    assert secretary["total"] == 1


def test_the_ledger_exports(client, session, world):
    member = bearer(session, world.member_users[0])
    _record(client, member, world.households[1].id, matters_text="=SUM(A1)")
    answer = client.get(
        f"{API}/exports/visits.csv",
        headers=bearer(session, world.secretary),
        params={"territory": world.village},
    )
    assert answer.status_code == 200
    text = answer.content.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("visit_id,visited_on")
    assert "'=SUM(A1)" in text  # a formula is written as text
    xlsx = client.get(
        f"{API}/exports/visits.xlsx",
        headers=bearer(session, world.secretary),
        params={"territory": world.village},
    )
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    assert (
        client.get(
            f"{API}/exports/visits.csv", headers=member, params={"territory": world.village}
        ).status_code
        == 403
    )


def test_the_cards_of_a_grid(client, session, world):
    from io import BytesIO

    from pypdf import PdfReader

    grid = world.tree.all_grids()[0].code
    answer = client.get(
        f"{API}/contacts/cards.pdf",
        headers=bearer(session, world.secretary),
        params={"territory": grid},
    )
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/pdf"
    pages = PdfReader(BytesIO(answer.content)).pages
    assert len(pages) == 8  # one card per household of the grid
    text = pages[1].extract_text()
    assert world.heads[0].name in text  # household 1's member, by name, in Chinese
    from gridgov.groups.queries import village_group

    group = village_group(session, world.village)
    assert group is not None and group.name in text  # the village's grid group, by name
