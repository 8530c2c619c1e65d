"""The territory and registry pages in a real browser: a village secretary walks town ->
village -> grid -> household -> resident, reveals an ID number with a reason (audited) and
records a birth; a grid leader opening another village's household gets the not-found page;
an import with bad rows shows the table and stores nothing, a good one succeeds.

The data these tests change is their own (a household made here, households imported
under a prefix of their own), made after the world's, so no other test's counts move."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from gridgov.audit.models import AuditEntry
from gridgov.registry.models import Household, Resident
from gridgov.territory.models import Territory
from tests.factories.registry import make_household, make_resident


@dataclass
class RegistryData:
    household_id: str
    head_id: str
    head_id_number: str
    other_village_household_id: str


@pytest.fixture(scope="module")
def registry_data(live_server) -> Iterator[RegistryData]:
    world = live_server.world
    with live_server.session_maker() as session:
        unit = session.scalar(select(Territory).where(Territory.code == world.units[1]))
        household = make_household(session, unit=unit, household_no="REG-001", address="海滨路8号")
        head = make_resident(session, household=household, name="陈海明")
        make_resident(session, household=household, name="陈美玲", sex="female")
        other = session.scalar(
            select(Household)
            .where(Household.village_code == world.villages[1])
            .order_by(Household.household_no)
        )
        assert other is not None
        data = RegistryData(household.id, head.id, str(head.id_number), other.id)
        session.commit()
    yield data


def _households_in(live_server, village: str) -> int:
    with live_server.session_maker() as session:
        query = select(func.count()).select_from(Household)
        return int(session.scalar(query.where(Household.village_code == village)) or 0)


def test_a_secretary_walks_the_tree_reveals_and_records(page_as, live_server, registry_data):
    world = live_server.world
    page = page_as("village_secretary")
    page.goto(page.base + "/territories")
    page.click(f"#my-nodes a[href='/territories/{world.villages[0]}']")
    page.click("nav.breadcrumbs a[href='/territories/" + world.town + "']")
    assert page.locator("[data-page=territory]").get_attribute("data-level") == "town"
    page.click(f"#children a[href='/territories/{world.villages[0]}']")
    page.click(f"#children a[href='/territories/{world.grids[0]}']")
    assert page.locator("[data-page=territory]").get_attribute("data-level") == "grid"
    page.click(f"#households a[href='/households/{registry_data.household_id}']")
    assert page.locator("h1").inner_text() == "户号 REG-001"
    page.click(f"#residents a[href='/residents/{registry_data.head_id}']")
    masked = page.locator("#id-number").inner_text()
    assert "********" in masked and masked != registry_data.head_id_number

    page.click("#reveal-form summary")
    page.fill("#reveal-reason", "核对高龄补贴申请")
    with page.expect_navigation():
        page.click("#reveal-form button[type=submit]")
    assert page.locator("#id-number").inner_text() == registry_data.head_id_number
    assert page.locator("#revealed").is_visible()
    with live_server.session_maker() as session:
        entries = session.scalars(
            select(AuditEntry).where(
                AuditEntry.action == "reveal", AuditEntry.object_id == registry_data.head_id
            )
        ).all()
    assert [(e.actor, e.changes["reason"]) for e in entries] == [
        (f"user:{world.usernames['village_secretary']}", "核对高龄补贴申请")
    ]

    page.goto(page.base + f"/households/{registry_data.household_id}")
    page.click("#birth-form summary")
    page.fill("#birth-name", "陈小满")
    page.check("#birth-form input[name=sex][value=female]")
    page.fill("#birth-birth-date", "2026-11-20")
    with page.expect_navigation():
        page.click("#birth-form button[type=submit]")
    assert page.locator("#recorded").is_visible()
    assert page.locator("#residents").get_by_text("陈小满").is_visible()
    with live_server.session_maker() as session:
        born = session.scalar(select(Resident).where(Resident.name == "陈小满"))
        assert born is not None and born.relation_to_head == "daughter"


def test_a_grid_leader_gets_the_not_found_page_for_another_village(
    page_as, live_server, registry_data
) -> None:
    page = page_as("grid_leader")
    answer = page.goto(page.base + f"/households/{registry_data.other_village_household_id}")
    assert answer is not None and answer.status == 404
    assert page.locator("[data-page=not-found]").is_visible()
    mine = page.goto(page.base + f"/households/{registry_data.household_id}")
    assert mine is not None and mine.status == 200


def test_an_import_with_bad_rows_shows_the_table_and_stores_nothing(page_as, live_server) -> None:
    world = live_server.world
    village = world.villages[0]
    before = _households_in(live_server, village)
    page = page_as("village_secretary", width=1280)
    page.goto(page.base + "/imports")
    csv = (
        "village_code,household_no,address\n"
        f"{village},IMP-BAD-1,新村路1号\n"
        f"{world.villages[1]},IMP-BAD-2,外村路2号\n"
        f"{village},,无户号\n"
    )
    page.set_input_files(
        "#import-file",
        files=[{"name": "households.csv", "mimeType": "text/csv", "buffer": csv.encode()}],
    )
    with page.expect_navigation():
        page.click("form[action='/imports'] button[type=submit]")
    rows = page.locator("#bad-rows tbody tr")
    assert rows.count() == 2
    assert rows.nth(0).locator("td").first.inner_text() == "3"
    assert _households_in(live_server, village) == before


def test_a_good_import_succeeds(page_as, live_server) -> None:
    world = live_server.world
    village, unit = world.villages[0], world.units[0]
    before = _households_in(live_server, village)
    page = page_as("village_secretary")
    page.goto(page.base + "/imports")
    csv = (
        "village_code,household_no,address,unit_code\n"
        f"{village},IMP-OK-1,新村路11号,{unit}\n{village},IMP-OK-2,新村路12号,{unit}\n"
    )
    page.set_input_files(
        "#import-file",
        files=[{"name": "households.csv", "mimeType": "text/csv", "buffer": csv.encode()}],
    )
    with page.expect_navigation():
        page.click("form[action='/imports'] button[type=submit]")
    assert page.locator("#import-done").inner_text() == "已导入 2 户。"
    assert _households_in(live_server, village) == before + 2
