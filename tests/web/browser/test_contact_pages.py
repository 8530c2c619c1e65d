"""The contact pages in Chromium: a party member records a visit offline and it arrives
once; the household confirms it; the coverage page counts it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from gridgov.contacts.models import VisitHousehold
from tests.web.browser.conftest import sign_in_page


def _member_page(new_page: Any, live_server: Any) -> Any:
    page = new_page(https=True, height=740)
    sign_in_page(page, live_server.world.contact_member, live_server.world.password)
    return page


def _visits_of(live_server: Any, household_id: str) -> list[VisitHousehold]:
    with live_server.session_maker() as session:
        return list(
            session.scalars(
                select(VisitHousehold).where(VisitHousehold.household_id == household_id)
            )
        )


def _contacted_30d(page: Any, grid: str) -> int:
    return int(page.locator(f"tr[data-code='{grid}'] td[data-figure=contacted_30d]").inner_text())


def test_the_member_sees_their_households_and_who_is_due(new_page, live_server) -> None:
    page = _member_page(new_page, live_server)
    page.goto(page.base + "/contacts")
    rows = page.locator("[data-page=contacts] li[data-household-id]")
    assert sorted(rows.evaluate_all("rows => rows.map(r => r.dataset.householdId)")) == sorted(
        live_server.world.contact_households
    )
    # the household with a stay in hospital is due, first, with its reason
    first = rows.first
    assert first.get_attribute("data-household-id") == live_server.world.contact_households[1]
    assert first.locator(".due[data-reason=hospital]").inner_text().startswith("住院")


def test_a_visit_recorded_offline_arrives_once_is_confirmed_and_counted(
    new_page, page_as, live_server
) -> None:
    world = live_server.world
    household = world.contact_households[0]  # the villager's household
    secretary = page_as("village_secretary", width=1280)
    secretary.goto(secretary.base + f"/contacts/coverage/{world.villages[0]}")
    secretary.locator("[data-map][data-ready=true]").wait_for()
    before = _contacted_30d(secretary, world.grids[0])
    before_ids = {row.visit_id for row in _visits_of(live_server, household)}
    visits_before = len(before_ids)

    page = _member_page(new_page, live_server)
    page.goto(page.base + "/visits/new")
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    page.check(f"input[name=household_ids][value='{household}']")
    page.fill("#matters_text", "断网时走访：老人说屋顶漏雨")
    page.fill("#requests", "1")
    page.context.set_offline(True)
    page.click("[data-send]")
    waiting = page.locator("[data-drafts] li[data-status=waiting]")
    waiting.wait_for()
    assert "屋顶漏雨" in waiting.inner_text()
    assert len(_visits_of(live_server, household)) == visits_before  # nothing arrived yet
    page.reload()  # the service worker's copy of the form, still offline
    page.locator("[data-drafts] li[data-status=waiting]").wait_for()
    page.context.set_offline(False)
    page.locator("[data-drafts] li").wait_for(state="detached")
    arrived = _visits_of(live_server, household)
    assert len(arrived) == visits_before + 1
    page.goto(page.base + "/visits/new")  # opening the form again sends nothing more
    page.goto(page.base + "/visits")
    assert len(_visits_of(live_server, household)) == visits_before + 1
    (visit_id,) = {row.visit_id for row in arrived} - before_ids
    assert page.locator(f"li[data-visit-id='{visit_id}'][data-confirmed=false]").count() == 1
    # the member made it: no confirmation form for them
    page.goto(page.base + f"/visits/{visit_id}")
    assert page.locator("[data-confirm-form]").count() == 0

    villager = page_as("resident")
    villager.goto(villager.base + "/visits")
    with villager.expect_navigation():
        villager.click(f"li[data-visit-id='{visit_id}'] a")
    villager.check("input[name=rating][value='5']")
    with villager.expect_navigation():
        villager.click("[data-confirm]")
    assert villager.locator("[data-confirmed-notice]").is_visible()
    assert (
        villager.locator(f"li[data-household-id='{household}']").get_attribute("data-confirmed")
        == "true"
    )
    confirmed = [row for row in _visits_of(live_server, household) if row.visit_id == visit_id]
    assert confirmed[0].confirmed_at is not None and confirmed[0].rating == 5

    secretary.reload()
    assert _contacted_30d(secretary, world.grids[0]) == before + 1


def test_a_leader_runs_the_assignment_and_hand_changes_stay(page_as, live_server) -> None:
    """Runs last (it gives the member the village's other households): the pinned links
    of the world stay as they were set by hand."""
    world = live_server.world
    page = page_as("village_secretary", width=1280)
    page.goto(page.base + f"/contacts/assignments?territory={world.villages[0]}")
    for household in world.contact_households:
        row = page.locator(f"li[data-household-id='{household}']")
        assert row.get_attribute("data-pinned") == "true"
    with page.expect_navigation():
        page.click("[data-run]")
    assert page.locator("[data-run-result]").is_visible()
    for household in world.contact_households:
        row = page.locator(f"li[data-household-id='{household}']")
        assert row.get_attribute("data-pinned") == "true"
        assert world.contact_member_name in row.locator(".member").inner_text()
    # the member's own household never comes to them
    rows = page.locator("li[data-household-id]")
    assert rows.count() >= len(world.contact_households)
