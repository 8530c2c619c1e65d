"""The dashboard, the household map and grid division in a real browser: a town official
walks town -> village -> grid on the dashboard's map; a grid leader sees their grid and
the not-found page for another village; a village secretary computes a plan, sees it on
the map, applies it and rolls it back; a grid leader gets 403 on the plans. Every test
also passes the harness's checks (console, requests, CSP, axe-core)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from tests.web.browser.conftest import sign_in_page

ROOT = Path(__file__).resolve().parents[3]
README_SHOTS = ROOT / "docs" / "screenshots"


def _wait_map(page, selector: str) -> None:
    page.wait_for_selector(f"{selector}[data-ready=true]")


def _click_polygon(page, map_selector: str, code: str) -> None:
    """Click the polygon of ``code`` as a person would (at its centre on the screen)."""
    path = page.locator(f'{map_selector} path[data-code="{code}"]')
    path.scroll_into_view_if_needed()
    box = path.bounding_box()
    assert box is not None, code
    with page.expect_navigation():
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


def test_a_town_official_drills_down_town_village_grid(page_as, live_server) -> None:
    world = live_server.world
    page = page_as("town_official", width=1280, height=800)
    page.goto(page.base + "/")
    with page.expect_navigation():
        page.click(f'nav a[href="/dashboard/{world.town}"]')
    _wait_map(page, "#dashboard-map")
    assert page.locator("[data-page=dashboard]").get_attribute("data-level") == "town"
    assert page.locator("#dashboard-map").get_attribute("data-features") == "3"
    assert page.locator("#closed-at-chart canvas").count() == 1
    assert page.locator("#trend-chart canvas").count() == 1
    households = int(page.locator("[data-tile=households] .figure").inner_text())
    assert households >= 60
    # The mapped village has an overdue case: drawn in the "late" colour.
    village = page.locator(f'#dashboard-map path[data-code="{world.mapped_village}"]')
    assert village.get_attribute("fill") == "#c62828"
    page.screenshot(path=str(ROOT / "build" / "dashboard-town.png"))
    _click_polygon(page, "#dashboard-map", world.mapped_village)
    assert page.url.endswith(f"/dashboard/{world.mapped_village}")
    _wait_map(page, "#dashboard-map")
    assert page.locator("#dashboard-map").get_attribute("data-features") == "2"
    _save_readme_shot(page, "dashboard.png")
    _click_polygon(page, "#dashboard-map", world.mapped_grids[1])
    assert page.url.endswith(f"/dashboard/{world.mapped_grids[1]}")
    assert page.locator("[data-page=dashboard]").get_attribute("data-level") == "grid"
    _wait_map(page, "#dashboard-map")
    assert page.locator("#dashboard-map").get_attribute("data-features") == "2"  # its units
    assert page.locator("[data-tile=overdue_cases] .figure").inner_text() == "1"
    # The period select submits itself.
    with page.expect_navigation():
        page.select_option("#period", "this_year")
    assert page.url.endswith("?period=this_year")
    # Up again through the breadcrumbs.
    with page.expect_navigation():
        page.click(f'.breadcrumbs a[href^="/dashboard/{world.mapped_village}"]')
    assert f"/dashboard/{world.mapped_village}" in page.url


def test_a_grid_leader_sees_their_grid_and_not_another_village(page_as, live_server) -> None:
    world = live_server.world
    page = page_as("grid_leader")
    with page.expect_navigation():
        page.click(f'nav a[href="/dashboard/{world.grids[0]}"]')
    _wait_map(page, "#dashboard-map")
    assert page.locator("[data-page=dashboard]").get_attribute("data-code") == world.grids[0]
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(ROOT / "build" / "dashboard-grid-360.png"), full_page=True)
    response = page.goto(page.base + f"/dashboard/{world.villages[1]}")
    assert response is not None and response.status == 404
    assert page.locator("[data-page=not-found]").count() == 1


def test_the_household_map_opens_a_household(page_as, live_server) -> None:
    world = live_server.world
    page = page_as("town_official", width=1280, height=800)
    page.goto(page.base + f"/territories/{world.mapped_grids[0]}/map")
    _wait_map(page, "#territory-map")
    points = int(page.locator("#territory-map").get_attribute("data-points-count") or "0")
    assert points > 0
    # The last point drawn is on top of any it overlaps.
    marker = page.locator("#territory-map path[data-household]").last
    household_id = marker.get_attribute("data-household")
    box = marker.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    link = page.locator(".leaflet-popup-content a")
    link.wait_for()
    assert link.get_attribute("href") == f"/households/{household_id}"


def test_a_village_secretary_plans_applies_and_rolls_back(new_page, live_server) -> None:
    world = live_server.world
    page = new_page(width=1280, height=800)
    sign_in_page(page, world.planner, world.password)
    with page.expect_navigation():
        page.click('nav a[href="/partition-plans"]')
    page.select_option("#scope_code", world.mapped_village)
    page.fill("#grid_size", "25-45")
    with page.expect_navigation():
        page.click("#new-plan button[type=submit]")
    assert "/partition-plans/" in page.url
    plan = page.locator("[data-page=partition-plan]")
    assert plan.get_attribute("data-status") == "planned"
    _wait_map(page, "#map-plan")
    _wait_map(page, "#map-in-force")
    assert int(page.locator("#map-plan").get_attribute("data-features") or "0") >= 4
    assert page.locator("#map-in-force").get_attribute("data-features") == "7"  # 1 + 2 + 4
    assert page.locator('[data-table=quality] tr[data-key="grids"] td').inner_text() != ""
    _save_readme_shot(page, "grid-division-plan.png")
    # Without the confirmation box: asked again, nothing done.
    with page.expect_navigation():
        page.click("#plan-change button[type=submit]")
    assert page.locator("#confirm-error").count() == 1
    assert page.locator("[data-page=partition-plan]").get_attribute("data-status") == "planned"
    page.check("#confirm")
    with page.expect_navigation():
        page.click("#plan-change button[type=submit]")
    assert page.url.endswith("?done=applied")
    assert plan.get_attribute("data-status") == "applied"
    _wait_map(page, "#map-in-force")
    page.check("#confirm")
    with page.expect_navigation():
        page.click("#plan-change button[type=submit]")
    assert page.url.endswith("?done=rolled_back")
    assert plan.get_attribute("data-status") == "rolled_back"
    _wait_map(page, "#map-in-force")
    assert page.locator("#map-in-force").get_attribute("data-features") == "7"  # as before


def test_a_grid_leader_gets_403_on_plans(page_as) -> None:
    page = page_as("grid_leader")
    assert page.locator('nav a[href="/partition-plans"]').count() == 0
    response = page.goto(page.base + "/partition-plans")
    assert response is not None and response.status == 403
    assert page.locator("[data-page=error]").get_attribute("data-status") == "403"


def _save_readme_shot(page, name: str) -> None:
    """A README screenshot (1280x800, the visible part of the page) into build/; copied to
    docs/screenshots/ only when GRIDGOV_UPDATE_SCREENSHOTS=1, so a test run leaves the
    committed files alone."""
    path = ROOT / "build" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path))
    if os.environ.get("GRIDGOV_UPDATE_SCREENSHOTS") == "1":
        README_SHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, README_SHOTS / name)
