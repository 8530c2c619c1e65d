"""The contact pages through a TestClient, on SQLite and PostgreSQL: one idempotency key
makes one visit, a bad field comes back named, a visit out of reach is not found, the
household confirms once, and leaders see coverage and change assignments by hand."""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass

from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gridgov import clock
from gridgov.cases.models import Case
from gridgov.contacts.assigning import check_pin_assignment
from gridgov.contacts.members import check_mark_member
from gridgov.contacts.models import (
    ContactAssignment,
    PartyMember,
    Visit,
    VisitCase,
    VisitHousehold,
)
from gridgov.registry.models import Household, Resident
from tests.factories.cases import make_categories
from tests.factories.registry import make_household, make_resident
from tests.factories.territory import Tree, make_tree
from tests.web.helpers import csrf_of, make_person, sign_in

KEY = re.compile(r'name="idempotency_key" value="([0-9a-f]+)"')


@dataclass
class Place:
    tree: Tree
    households: list[Household]  # 0: the villager's, 1: the member's own, 2: another
    members: list[PartyMember]  # 0: has an account and households 0 and 2; 1: none


def _place(session: Session) -> Place:
    tree = make_tree(session, villages=1, grids_per_village=2, units_per_grid=1)
    households = [make_household(session, unit=unit) for unit in tree.all_units()]
    households.append(make_household(session, unit=tree.all_units()[1]))
    residents = [make_resident(session, household=h) for h in households]
    members = [
        check_mark_member(
            session,
            resident_id=residents[i].id,
            branch="第一支部",
            joined_on=dt.date(2001, 7, 1),
            actor="test",
        )
        for i in (1, 2)
    ]
    make_person(session, "villager.contacts", resident_id=residents[0].id)
    make_person(session, "member.contacts", resident_id=residents[1].id)
    make_person(
        session,
        "secretary.contacts",
        role="village_secretary",
        territory_code=tree.villages[0].code,
    )
    for household in (households[0], households[2]):
        check_pin_assignment(session, household, member_id=members[0].id, actor="test")
    session.commit()
    return Place(tree, households, members)


def _visit_form(client: TestClient) -> tuple[str, str]:
    page = client.get("/visits/new")
    assert page.status_code == 200
    return csrf_of(page.text), KEY.search(page.text).group(1)


def _record(client: TestClient, csrf: str, key: str, household_id: str, **fields: str):
    data = {
        "csrf_token": csrf,
        "idempotency_key": key,
        "household_ids": household_id,
        "visited_on": clock.today().isoformat(),
        "method": "home_visit",
        "matters_text": "屋顶漏雨",
        **fields,
    }
    return client.post("/visits/new", data=data, follow_redirects=False)


def _visits(session: Session) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(Visit)) or 0


def test_one_key_makes_one_visit(client: TestClient, session: Session) -> None:
    place = _place(session)
    sign_in(client, "member.contacts")
    csrf, key = _visit_form(client)
    first = _record(client, csrf, key, place.households[0].id)
    assert first.status_code == 303
    again = _record(client, csrf, key, place.households[0].id)  # a draft retried
    assert again.status_code == 303
    assert again.headers["location"] == first.headers["location"]
    assert _visits(session) == 1
    page = client.get(first.headers["location"])
    assert page.status_code == 200 and "屋顶漏雨" in page.text
    assert "data-confirm-form" not in page.text  # who made it does not confirm it
    _record(client, csrf, "another-key", place.households[0].id)
    assert _visits(session) == 2


def test_a_bad_field_is_named_and_nothing_is_stored(client: TestClient, session: Session) -> None:
    place = _place(session)
    sign_in(client, "member.contacts")
    csrf, key = _visit_form(client)
    tomorrow = (clock.today() + dt.timedelta(days=1)).isoformat()
    answer = _record(client, csrf, key, place.households[0].id, visited_on=tomorrow)
    assert answer.status_code == 422
    assert 'data-field="visited_on"' in answer.text
    assert key in answer.text  # the form keeps its key: sending it again is the same visit
    # a household not assigned to the member is refused as unknown
    answer = _record(client, csrf, "k2", place.households[1].id)
    assert answer.status_code == 422 and 'data-field="household_ids"' in answer.text
    assert _visits(session) == 0


def test_the_household_confirms_once_and_rates(client: TestClient, session: Session) -> None:
    place = _place(session)
    sign_in(client, "member.contacts")
    csrf, key = _visit_form(client)
    location = _record(client, csrf, key, place.households[0].id).headers["location"]
    client.post("/signout", data={"csrf_token": csrf_of(client.get("/").text)})
    sign_in(client, "villager.contacts")
    page = client.get(location)
    assert page.status_code == 200 and "data-confirm-form" in page.text
    assert "data-for-household" not in page.text  # their own household: "rate your member"
    data = {"csrf_token": csrf_of(page.text), "household_id": place.households[0].id}
    answer = client.post(
        f"{location}/confirm", data={**data, "rating": "4"}, follow_redirects=False
    )
    assert answer.status_code == 303
    session.expire_all()
    row = session.scalar(select(VisitHousehold))
    assert row is not None and row.confirmed_at is not None and row.rating == 4
    assert "data-confirm-form" not in client.get(location).text
    twice = client.post(f"{location}/confirm", data=data, follow_redirects=False)
    assert twice.status_code == 409


def test_the_unit_leader_confirms_for_a_household_without_an_account(
    client: TestClient, session: Session
) -> None:
    """The unit leader is told they confirm for the household, not asked to rate "your"
    party member (the trial's finding)."""
    place = _place(session)
    make_person(
        session,
        "unit.contacts",
        role="unit_leader",
        territory_code=place.households[2].territory_code,
    )
    session.commit()
    sign_in(client, "member.contacts")
    csrf, key = _visit_form(client)
    location = _record(client, csrf, key, place.households[2].id).headers["location"]
    client.post("/signout", data={"csrf_token": csrf_of(client.get("/").text)})
    sign_in(client, "unit.contacts")
    page = client.get(location)
    assert page.status_code == 200 and "data-confirm-form" in page.text
    assert "data-for-household" in page.text


def test_a_visit_out_of_reach_is_not_found(client: TestClient, session: Session) -> None:
    place = _place(session)
    sign_in(client, "member.contacts")
    csrf, key = _visit_form(client)
    location = _record(client, csrf, key, place.households[2].id).headers["location"]
    client.post("/signout", data={"csrf_token": csrf_of(client.get("/").text)})
    sign_in(client, "villager.contacts")  # household 2 is not theirs
    assert client.get(location).status_code == 404
    assert client.get("/visits/" + "0" * 32).status_code == 404


def test_the_member_s_households_and_the_leader_s_pages(
    client: TestClient, session: Session
) -> None:
    place = _place(session)
    sign_in(client, "member.contacts")
    page = client.get("/contacts")
    assert page.status_code == 200
    shown = set(re.findall(r'data-household-id="([0-9a-f]+)"', page.text))
    assert shown == {place.households[0].id, place.households[2].id}
    client.post("/signout", data={"csrf_token": csrf_of(page.text)})
    sign_in(client, "secretary.contacts")
    village = place.tree.villages[0].code
    coverage = client.get(f"/contacts/coverage/{village}")
    assert coverage.status_code == 200
    for grid in place.tree.all_grids():
        assert f'data-code="{grid.code}"' in coverage.text
    listing = client.get(f"/contacts/assignments?territory={village}")
    assert listing.status_code == 200
    # the member's own household has nobody yet: listed apart, with a form to assign one
    without = listing.text.split("data-without", 1)[1].split("</ul>", 1)[0]
    assert set(re.findall(r'data-household-id="([0-9a-f]+)"', without)) == {place.households[1].id}
    data = {
        "csrf_token": csrf_of(listing.text),
        "household_id": place.households[2].id,
        "member_id": place.members[1].id,  # lives in household 2: never their own
    }
    refused = client.post(f"/contacts/assignments?territory={village}", data=data)
    assert refused.status_code == 409 and 'data-field="member_id"' in refused.text
    data["household_id"] = place.households[0].id
    moved = client.post(
        f"/contacts/assignments?territory={village}", data=data, follow_redirects=False
    )
    assert moved.status_code == 303
    session.expire_all()
    link = session.scalar(
        select(ContactAssignment).where(
            ContactAssignment.household_id == place.households[0].id,
            ContactAssignment.ended_at.is_(None),
        )
    )
    assert link is not None and link.member_id == place.members[1].id and link.pinned


def test_the_contact_cards_of_a_grid(client: TestClient, session: Session) -> None:
    """One A6 page per household of the grid, with its member's name and phone in Chinese
    and its head's name masked; a villager may not print them."""
    place = _place(session)
    grid = place.tree.all_grids()[0]
    sign_in(client, "secretary.contacts")
    answer = client.get(f"/contacts/cards.pdf?territory={grid.code}")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(answer.content))
    in_grid = session.scalars(
        select(Household).where(Household.territory_code.startswith(grid.code))
    ).all()
    assert len(reader.pages) == len(in_grid) == 1
    text = reader.pages[0].extract_text()
    member = session.get(Resident, place.members[0].resident_id)
    head = session.scalar(select(Resident).where(Resident.household_id == place.households[0].id))
    assert member.name in text and member.phone in text
    assert head.name[0] + "*" in text and head.name not in text
    client.post("/signout", data={"csrf_token": csrf_of(client.get("/").text)})
    sign_in(client, "villager.contacts")
    assert client.get(f"/contacts/cards.pdf?territory={grid.code}").status_code == 403


def _between(html: str, start: str, end: str) -> str:
    return html.split(start, 1)[1].split(end, 1)[0]


def test_a_bad_visit_names_the_field_in_the_reader_s_words(
    client: TestClient, session: Session
) -> None:
    _place(session)
    sign_in(client, "member.contacts")
    csrf, key = _visit_form(client)
    data = {"csrf_token": csrf, "idempotency_key": key, "visited_on": clock.today().isoformat()}
    answer = client.post("/visits/new", data={**data, "method": "home_visit"})
    assert answer.status_code == 422
    problem = _between(answer.text, 'data-field="household_ids">', "</li>")
    assert problem == "走访的住户: 必填项"  # the form's own label and the catalog's reason
    assert "household_ids:" not in answer.text and "Field required" not in answer.text


def test_the_visit_list_says_which_household_and_leaders_get_no_dead_end(
    client: TestClient, session: Session
) -> None:
    place = _place(session)
    sign_in(client, "member.contacts")
    csrf, key = _visit_form(client)
    _record(client, csrf, key, place.households[0].id)
    listing = client.get("/visits")
    shown = _between(listing.text, "data-households>", "</span>")
    household = place.households[0]
    assert shown == f"{household.household_no} {household.address}"
    assert "data-record" in client.get("/contacts").text  # a member records visits
    client.post("/signout", data={"csrf_token": csrf_of(listing.text)})
    sign_in(client, "secretary.contacts")
    page = client.get("/contacts")
    # a leader looks after no household: no "record a visit" leading to an empty form,
    # but the way to coverage and assignments
    assert "data-record" not in page.text
    village = place.tree.villages[0].code
    assert f'href="/contacts/coverage/{village}"' in page.text


def test_the_assignment_page_stays_small_and_offers_the_run_only_where_it_runs(
    client: TestClient, session: Session
) -> None:
    place = _place(session)
    village = place.tree.villages[0].code
    grids = place.tree.all_grids()
    make_person(session, "grid.contacts", role="grid_leader", territory_code=grids[0].code)
    session.commit()
    sign_in(client, "secretary.contacts")
    page = client.get(f"/contacts/assignments?territory={village}").text
    assert "data-run" in page and "data-run-elsewhere" not in page
    places = _between(page, "data-places>", "</nav>")
    assert [f"/contacts/assignments?territory={grid.code}" for grid in grids] == re.findall(
        r'href="([^"]+)"', places
    )
    # household 0 (grid 0) is looked after by member 0, who lives in grid 1: its row offers
    # the members of its own grid (none) and its current member, not all of the village
    row = _between(page, f'<li data-household-id="{place.households[0].id}"', "</li>")
    assert re.findall(r'<option value="([0-9a-f]+)"', row) == [place.members[0].id]
    # one form below offers every member of the village, with their grid
    anyone = _between(page, "data-pin-any>", "</form>")
    offered = re.findall(r'<option value="([0-9a-f]+)">([^<]+)</option>', anyone)
    assert {member.id for member in place.members} <= {member_id for member_id, _ in offered}
    assert all(
        grids[1].name_zh in label
        for member_id, label in offered
        if member_id in {member.id for member in place.members}
    )
    client.post("/signout", data={"csrf_token": csrf_of(page)})
    sign_in(client, "grid.contacts")
    page = client.get("/contacts/assignments").text
    assert "data-run-elsewhere" in page and 'action="/contacts/assignments/run"' not in page


def test_a_visit_raises_a_case_from_the_form(client: TestClient, session: Session) -> None:
    make_categories(session)
    place = _place(session)
    sign_in(client, "member.contacts")
    form = client.get("/visits/new").text
    assert '<option value="facility.streetlight">' in form  # the categories in the form
    csrf, key = _visit_form(client)
    household = place.households[0]
    fields = {"case_category": "facility.streetlight", "case_description": "村口路灯坏了"}
    refused = _record(client, csrf, key, household.id, case_category="no.such.category")
    assert refused.status_code == 422 and _visits(session) == 0
    problem = _between(refused.text, 'data-field="category_code">', "</li>")
    assert problem.startswith("事件类别: ")  # named by the form's label; nothing stored
    answer = _record(client, csrf, key, household.id, **fields)
    assert answer.status_code == 303
    again = _record(client, csrf, key, household.id, **fields)  # a draft sent twice
    assert again.headers["location"] == answer.headers["location"]
    session.expire_all()
    (case,) = session.scalars(select(Case)).all()  # one visit, one case
    assert (case.category_code, case.description, case.channel) == (
        "facility.streetlight",
        "村口路灯坏了",
        "visit",
    )
    assert case.household_id == household.id
    assert session.scalar(select(VisitCase.case_id)) == case.id
    page = client.get(answer.headers["location"]).text
    assert f'href="/cases/{case.id}"' in _between(page, "data-cases>", "</dd>")


def test_the_member_sees_when_each_household_is_next_due_and_how_often(
    client: TestClient, session: Session
) -> None:
    place = _place(session)
    make_resident(session, household=place.households[2], key_groups=("elderly_alone",))
    session.commit()
    sign_in(client, "member.contacts")
    csrf, key = _visit_form(client)
    visited = clock.today() - dt.timedelta(days=5)
    _record(client, csrf, key, place.households[0].id, visited_on=visited.isoformat())
    page = client.get("/contacts").text
    first = _between(page, f'data-household-id="{place.households[0].id}"', "</li>")
    assert f'data-next="{(visited + dt.timedelta(days=90)).isoformat()}"' in first
    assert "上次走访" in first and "每 90 天联系一次" in first
    # never visited, with an elderly resident living alone: 30 days from the link
    second = _between(page, f'data-household-id="{place.households[2].id}"', "</li>")
    assert f'data-next="{(clock.today() + dt.timedelta(days=30)).isoformat()}"' in second
    assert "尚未走访" in second and "重点人群户，每 30 天联系一次" in second
    assert 'class="member"' not in page  # not the member's own name on every row


def test_the_household_finds_the_visits_it_should_confirm(
    client: TestClient, session: Session
) -> None:
    place = _place(session)
    sign_in(client, "member.contacts")
    csrf, key = _visit_form(client)
    location = _record(client, csrf, key, place.households[0].id).headers["location"]
    visit_id = location.rsplit("/", 1)[1]
    assert "visits-to-confirm" not in client.get("/").text  # who made it has none
    client.post("/signout", data={"csrf_token": csrf_of(client.get("/").text)})
    sign_in(client, "villager.contacts")
    home = client.get("/").text
    tile = _between(home, 'id="visits-to-confirm"', "</section>")
    assert f'href="/visits/{visit_id}"' in tile
    listing = client.get("/visits").text
    row = _between(listing, f'data-visit-id="{visit_id}"', "</li>")
    assert "data-to-confirm" in row
    page = client.get(location).text
    client.post(
        f"{location}/confirm",
        data={"csrf_token": csrf_of(page), "household_id": place.households[0].id},
    )
    assert "visits-to-confirm" not in client.get("/").text
    assert "data-to-confirm" not in client.get("/visits").text


def test_a_resident_s_home_says_whom_to_call(client: TestClient, session: Session) -> None:
    """The contact card on screen: the household's party member with a tap-to-call phone
    (the trial: a resident saw their member only on the printed card)."""
    place = _place(session)
    member = session.get(Resident, place.members[0].resident_id)
    assert member is not None and member.phone
    sign_in(client, "villager.contacts")
    page = client.get("/").text
    begin = page.index("data-my-card")
    tile = page[begin : page.index("</section>", begin)]
    assert member.name in tile and f'href="tel:{member.phone}"' in tile
    client.post("/signout", data={"csrf_token": csrf_of(page)})
    sign_in(client, "secretary.contacts")  # no household of their own: no card
    assert "data-my-card" not in client.get("/").text
