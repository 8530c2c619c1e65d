"""The territory and registry pages on both databases: the tree browser, household and
resident pages (masked fields, the audited reveal, life events with the version check),
access as the API's (out of reach: the not-found page), CSRF, bad input."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import select

from gridgov.audit.models import AuditEntry
from gridgov.registry.models import Household, RegistryEvent, Resident
from tests.factories.registry import make_household, make_resident
from tests.factories.territory import make_tree
from tests.web.helpers import csrf_of, make_person, sign_in, submit_form


@dataclass
class Island:
    tree: object
    village: object
    grid: object
    unit: object
    household: Household
    head: Resident
    other_household: Household


@pytest.fixture
def island(session) -> Island:
    tree = make_tree(session, villages=2, grids_per_village=2, units_per_grid=1)
    village, grid = tree.villages[0], tree.all_grids()[0]
    unit = tree.units[grid.code][0]
    household = make_household(session, unit=unit, address="海滨路1号")
    head = make_resident(session, household=household, name="林海生")
    make_resident(session, household=household)
    other_unit = tree.units[tree.all_grids()[-1].code][0]  # the second village
    other = make_household(session, unit=other_unit)
    make_resident(session, household=other)
    make_person(session, "sec.reg", role="village_secretary", territory_code=village.code)
    make_person(session, "grid.reg", role="grid_leader", territory_code=grid.code)
    make_person(session, "unit.reg", role="unit_leader", territory_code=unit.code)
    session.commit()
    return Island(tree, village, grid, unit, household, head, other)


def test_the_tree_shows_children_with_counts_and_the_path(client, island) -> None:
    sign_in(client, "sec.reg")
    start = client.get("/territories")
    assert start.status_code == 200 and f'href="/territories/{island.village.code}"' in start.text
    page = client.get(f"/territories/{island.village.code}")
    assert page.status_code == 200
    grid_row = page.text.split(f'data-code="{island.grid.code}"')[1].split("</tr>")[0]
    # 1 household, 2 residents in the first grid; the tree's root is in the breadcrumb.
    assert '<td class="num">1</td>' in grid_row and '<td class="num">2</td>' in grid_row
    assert f'href="/territories/{island.tree.town.code}"' in page.text


def test_counts_are_only_what_the_reader_may_see(client, island) -> None:
    sign_in(client, "grid.reg")
    page = client.get(f"/territories/{island.tree.town.code}")
    assert page.status_code == 200
    other_village = island.tree.villages[1].code
    row = page.text.split(f'data-code="{other_village}"')[1].split("</tr>")[0]
    assert row.count('<td class="num">0</td>') == 2


def test_a_grid_lists_its_households(client, island) -> None:
    sign_in(client, "grid.reg")
    page = client.get(f"/territories/{island.grid.code}")
    assert f'href="/households/{island.household.id}"' in page.text


def test_search_finds_a_node_by_name_and_by_code(client, island) -> None:
    sign_in(client, "sec.reg")
    by_code = client.get("/territories", params={"q": island.grid.code})
    assert f'href="/territories/{island.grid.code}"' in by_code.text
    by_name = client.get("/territories", params={"q": island.village.name_zh})
    assert f'href="/territories/{island.village.code}"' in by_name.text
    assert client.get("/territories/123").status_code == 404
    assert client.get("/territories/999999999999").status_code == 404


def test_the_household_page_masks_personal_fields(client, island) -> None:
    sign_in(client, "grid.reg")
    page = client.get(f"/households/{island.household.id}")
    assert page.status_code == 200 and "林海生" in page.text
    assert island.head.id_number not in page.text
    assert island.head.id_number[:6] + "********" in page.text
    assert 'id="birth-form"' in page.text  # a grid leader records births


def test_another_village_s_household_is_the_not_found_page(client, island) -> None:
    sign_in(client, "grid.reg")
    other = client.get(f"/households/{island.other_household.id}")
    missing = client.get("/households/nope")
    assert other.status_code == missing.status_code == 404
    assert other.text.split("<main")[1] == missing.text.split("<main")[1]


def test_a_unit_leader_reads_but_gets_no_forms(client, island) -> None:
    sign_in(client, "unit.reg")
    page = client.get(f"/households/{island.household.id}")
    assert page.status_code == 200 and 'id="birth-form"' not in page.text
    resident = client.get(f"/residents/{island.head.id}")
    assert 'id="reveal-form"' not in resident.text and 'id="death-form"' not in resident.text
    refused = client.post(
        f"/households/{island.household.id}/births",
        data={"csrf_token": csrf_of(page.text), "name": "新生", "sex": "male"},
    )
    assert refused.status_code == 403


def test_reveal_needs_a_reason_and_is_audited(client, session, island) -> None:
    sign_in(client, "sec.reg")
    page = client.get(f"/residents/{island.head.id}")
    assert island.head.id_number not in page.text
    token = csrf_of(page.text)
    url = f"/residents/{island.head.id}/reveal"
    no_reason = client.post(url, data={"csrf_token": token, "reveal": "id_number", "reason": ""})
    assert no_reason.status_code == 422 and island.head.id_number not in no_reason.text
    assert 'id="reason-error"' in no_reason.text
    shown = client.post(
        url, data={"csrf_token": token, "reveal": "id_number", "reason": "核对低保申请"}
    )
    assert shown.status_code == 200 and island.head.id_number in shown.text
    assert island.head.phone not in shown.text  # only what was asked
    session.expire_all()
    entries = session.scalars(
        select(AuditEntry).where(
            AuditEntry.action == "reveal", AuditEntry.object_id == island.head.id
        )
    ).all()
    assert len(entries) == 1
    assert entries[0].actor == "user:sec.reg"
    assert entries[0].changes == {"fields": ["id_number"], "reason": "核对低保申请"}


def test_a_form_without_its_csrf_token_is_refused(client, session, island) -> None:
    sign_in(client, "sec.reg")
    answer = client.post(
        f"/residents/{island.head.id}/events",
        data={"kind": "death", "occurred_on": "2026-11-01"},
    )
    assert answer.status_code == 403
    session.expire_all()
    assert session.get(Resident, island.head.id).residence_status == "living_here"


def test_a_birth_is_recorded(client, session, island) -> None:
    answer = submit_form(
        client,
        "grid.reg",
        f"/households/{island.household.id}",
        f"/households/{island.household.id}/births",
        {
            "version": str(island.household.version),
            "name": "林小海",
            "sex": "male",
            "birth_date": "2026-11-02",
        },
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == f"/households/{island.household.id}?done=birth"
    session.expire_all()
    born = session.scalar(select(Resident).where(Resident.name == "林小海"))
    assert born is not None and born.relation_to_head == "son"
    event = session.scalar(select(RegistryEvent).where(RegistryEvent.resident_id == born.id))
    assert event is not None and event.kind == "birth" and event.actor == "user:grid.reg"


def test_a_bad_field_shows_the_form_again_and_records_nothing(client, session, island) -> None:
    answer = submit_form(
        client,
        "grid.reg",
        f"/households/{island.household.id}",
        f"/households/{island.household.id}/births",
        {"name": "林小海", "sex": "male", "birth_date": "not a date"},
    )
    assert answer.status_code == 422
    assert 'id="birth_date-error"' in answer.text and "林小海" in answer.text
    session.expire_all()
    assert session.scalar(select(Resident).where(Resident.name == "林小海")) is None


def test_a_stale_version_shows_the_conflict(client, session, island) -> None:
    answer = submit_form(
        client,
        "sec.reg",
        f"/residents/{island.head.id}",
        f"/residents/{island.head.id}/events",
        {"version": str(island.head.version - 1), "kind": "moved_out", "occurred_on": "2026-11-01"},
    )
    assert answer.status_code == 409 and "有人修改了" in answer.text
    session.expire_all()
    assert session.get(Resident, island.head.id).residence_status == "living_here"


def test_a_death_then_a_second_one_conflicts(client, session, island) -> None:
    sign_in(client, "sec.reg")
    page = client.get(f"/residents/{island.head.id}")
    data = {
        "csrf_token": csrf_of(page.text),
        "kind": "death",
        "occurred_on": "2026-11-01",
        "note": "病故",
    }
    first = client.post(f"/residents/{island.head.id}/events", data=data, follow_redirects=False)
    assert first.status_code == 303
    session.expire_all()
    assert session.get(Resident, island.head.id).residence_status == "deceased"
    shown = client.get(first.headers["location"])
    assert 'id="recorded"' in shown.text and 'id="death-form"' not in shown.text
    assert client.post(f"/residents/{island.head.id}/events", data=data).status_code == 409


def test_the_household_moves_out(client, session, island) -> None:
    answer = submit_form(
        client,
        "sec.reg",
        f"/households/{island.household.id}",
        f"/households/{island.household.id}/move-out",
        {
            "version": str(island.household.version),
            "occurred_on": "2026-11-20",
            "destination": "厦门",
        },
        follow_redirects=False,
    )
    assert answer.status_code == 303
    session.expire_all()
    assert session.get(Household, island.household.id).status == "moved_out"


def test_a_move_in_is_recorded_and_a_stale_one_records_nothing(client, session, island) -> None:
    page = f"/households/{island.household.id}"
    data = {
        "occurred_on": "2026-11-05",
        "origin": "福州",
        "name": "林阿妹",
        "sex": "female",
        "birth_date": "1990-03-04",
        "relation_to_head": "daughter_in_law",
    }
    stale = {**data, "version": str(island.household.version - 1)}
    refused = submit_form(client, "grid.reg", page, f"{page}/move-ins", stale)
    assert refused.status_code == 409 and "有人修改了" in refused.text
    session.expire_all()
    assert session.scalar(select(Resident).where(Resident.name == "林阿妹")) is None
    fresh = {**data, "version": str(island.household.version)}
    url = f"{page}/move-ins"
    answer = submit_form(client, "grid.reg", page, url, fresh, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == f"{page}?done=move_in"
    session.expire_all()
    moved = session.scalar(select(Resident).where(Resident.name == "林阿妹"))
    assert moved is not None and moved.household_id == island.household.id
    event = session.scalar(select(RegistryEvent).where(RegistryEvent.resident_id == moved.id))
    assert event is not None and event.kind == "moved_in" and event.actor == "user:grid.reg"


def test_the_history_names_what_changed_in_words_and_counts_ids(client, session, island) -> None:
    """A history row read "must_visits 01a2…" (the trial): keys are words, id lists a count."""
    from gridgov import clock

    ids = ["0" * 31 + "1", "0" * 31 + "2"]
    session.add(
        RegistryEvent(
            kind="death",
            occurred_on=clock.today(),
            household_id=island.household.id,
            resident_id=island.head.id,
            territory_code=island.household.territory_code,
            details={"note": "病故", "must_visits": ids},
            actor="test",
            recorded_at=clock.now(),
        )
    )
    session.commit()
    sign_in(client, "sec.reg")
    page = client.get(f"/households/{island.household.id}").text
    begin = page.index('data-detail="must_visits"')
    counted = page[begin : page.index("</span> ", page.index("</span>", begin) + 1)]
    assert "2" in counted and not any(one in page for one in ids)
    assert "<code>must_visits</code>" not in page and "<code>note</code>" not in page
