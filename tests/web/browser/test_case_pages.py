"""The case pages in a real browser: a villager reports a case in three steps (a photo and a
tap on the map) and sees it under "my reports"; the grid leader accepts and resolves it
from the case page; the villager rates it; a stale version shows the conflict; another
village's case is the not-found page; a report made OFFLINE waits on the phone and is sent
exactly once when the connection returns."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from PIL import Image
from sqlalchemy import func, select

from gridgov.accounts.models import User
from gridgov.cases.models import Case, CasePhoto
from gridgov.territory.models import Territory
from tests.factories.cases import make_case


def _photo() -> dict[str, Any]:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (40, 120, 200)).save(buffer, format="JPEG")
    return {"name": "road.jpg", "mimeType": "image/jpeg", "buffer": buffer.getvalue()}


def _reports_of(live_server, role: str = "resident") -> list[Case]:
    with live_server.session_maker() as session:
        user_id = session.scalar(
            select(User.id).where(User.username == live_server.world.usernames[role])
        )
        return list(
            session.scalars(
                select(Case).where(Case.reporter_user_id == user_id).order_by(Case.created_at)
            )
        )


def _fill_report(page: Any, description: str, *, photo: bool = True) -> None:
    """The three steps, as a villager does them: a category with its icon, a photo and a
    few words, a tap on the map (the west half of the village: the first grid)."""
    page.goto(page.base + "/report")
    page.locator('input[name="category_code"][value="facility.streetlight"]').check()
    page.click("[data-step='1'] [data-next]")
    if photo:
        page.set_input_files("#photo", files=[_photo()])
        page.locator("[data-photo-preview]").wait_for()
    page.fill("#description", description)
    page.click("[data-step='2'] [data-next]")
    page.locator(".report-map .leaflet-interactive").first.wait_for()
    box = page.locator("[data-report-map]").bounding_box()
    # The village square is fitted in the map's height, centred: a quarter of it west of
    # the centre is in the first grid (and an eighth north of it, in its northern unit).
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.click(x - box["height"] / 4, y - box["height"] / 8)  # inside a unit too
    assert page.locator("[data-lon]").input_value() != ""


def test_report_accept_resolve_and_rate(page_as, live_server) -> None:
    villager = page_as("resident", height=740)
    before = len(_reports_of(live_server))
    _fill_report(villager, "村口路灯不亮，晚上看不见路")
    with villager.expect_navigation():
        villager.click("[data-send]")
    assert "/report/sent/" in villager.url
    case_id = villager.locator("[data-page=report-sent]").get_attribute("data-case-id")
    reports = _reports_of(live_server)
    assert len(reports) == before + 1 and reports[-1].id == case_id
    assert reports[-1].located_by == "point"
    assert reports[-1].handler_code == live_server.world.grids[0]
    with live_server.session_maker() as session:
        photos = session.scalar(select(func.count()).where(CasePhoto.case_id == case_id))
    assert photos == 1
    villager.goto(villager.base + "/my-reports")
    assert villager.locator(f"[data-case-id='{case_id}']").count() == 1

    leader = page_as("grid_leader", width=1280)
    leader.goto(leader.base + "/cases?tab=my_level")
    leader.click(f"a[href='/cases/{case_id}']")
    assert leader.locator("img[src*='/photos/']").count() == 1
    assert leader.locator("[data-case-map] .leaflet-interactive").count() >= 1
    with leader.expect_navigation():
        leader.click("form[data-action=accept] button")
    assert leader.locator("[data-state]").get_attribute("data-state") == "accepted"
    leader.click("[data-action-more=resolve] summary")
    leader.fill("#note-resolve", "已更换灯泡")
    with leader.expect_navigation():
        leader.click("form[data-action=resolve] button")
    assert leader.locator("[data-state]").get_attribute("data-state") == "resolved"
    assert leader.locator("[data-event=resolve]").count() == 1

    villager.goto(villager.base + "/my-reports")
    row = villager.locator(f"[data-case-id='{case_id}']")
    row.locator("input[name=rating][value='5']").check()
    row.locator("textarea[name=comment]").fill("修得很快，谢谢")
    with villager.expect_navigation():
        row.locator("button[type=submit]").click()
    assert "done=rate" in villager.url
    with live_server.session_maker() as session:
        case = session.get(Case, case_id)
        assert case is not None and (case.state, case.rating) == ("closed", 5)


def test_a_stale_version_shows_the_conflict(page_as, live_server, watch) -> None:
    with live_server.session_maker() as session:
        unit = session.scalar(select(Territory).where(Territory.code == live_server.world.units[0]))
        assert unit is not None
        case = make_case(session, category_code="sanitation.sewage", unit=unit)
        session.commit()
        case_id = case.id
    first = page_as("grid_leader")
    first.goto(first.base + f"/cases/{case_id}")
    second = first.context.new_page()
    second.base = first.base
    second.goto(second.base + f"/cases/{case_id}")
    with first.expect_navigation():
        first.click("form[data-action=accept] button")
    watch.allow(f"/cases/{case_id}/actions", 409)
    with second.expect_navigation():
        second.click("form[data-action=start] button")
    assert second.locator("[data-conflict]").is_visible()
    assert second.locator("[data-state]").get_attribute("data-state") == "accepted"
    with live_server.session_maker() as session:
        assert session.get(Case, case_id).state == "accepted"


def test_another_village_s_case_is_not_found(page_as, live_server) -> None:
    page = page_as("grid_leader")
    other = live_server.world.case_ids[2]  # in the second village
    answer = page.goto(page.base + f"/cases/{other}")
    assert answer is not None and answer.status == 404
    assert page.locator("[data-page=case]").count() == 0


def test_a_report_made_offline_is_sent_once_when_back_online(page_as, live_server) -> None:
    page = page_as("resident", height=740)
    before = len(_reports_of(live_server))
    _fill_report(page, "断网时上报：码头边的护栏断了")
    page.context.set_offline(True)
    page.click("[data-send]")
    waiting = page.locator("[data-drafts] li[data-status=waiting]")
    waiting.wait_for()
    assert page.locator("[data-drafts]").is_visible()
    assert "护栏" in waiting.inner_text()
    assert len(_reports_of(live_server)) == before  # nothing reached the server
    # Still offline, the form opens again (the service worker's copy) and shows the draft.
    assert page.evaluate("navigator.serviceWorker.controller !== null")
    page.reload()
    page.locator("[data-drafts] li[data-status=waiting]").wait_for()
    assert page.locator("[data-report-form]").count() == 1
    page.context.set_offline(False)
    page.locator("[data-drafts] li").wait_for(state="detached")
    assert page.locator("[data-drafts]").is_hidden()
    reports = _reports_of(live_server)
    assert len(reports) == before + 1
    assert reports[-1].description == "断网时上报：码头边的护栏断了"
    # Opening the pages again sends nothing more: the draft is gone.
    page.goto(page.base + "/my-reports")
    page.reload()
    assert len(_reports_of(live_server)) == before + 1
    assert page.locator(f"[data-case-id='{reports[-1].id}']").count() == 1


def test_the_inbox_tabs(page_as, live_server) -> None:
    page = page_as("village_secretary")
    for tab in ("mine", "my_level", "overdue", "waiting_for_feedback"):
        page.goto(page.base + f"/cases?tab={tab}")
        assert page.locator(f".tabs a[data-tab={tab}]").get_attribute("aria-current") == "page"


README_SHOTS = Path(__file__).resolve().parents[3] / "build" / "screenshots" / "readme"
MAX_README_SHOT = 300 * 1024


def _shoot(page: Any, name: str) -> Path:
    """A phone-sized (360x740) screenshot for the README (copied to docs/screenshots)."""
    README_SHOTS.mkdir(parents=True, exist_ok=True)
    path = README_SHOTS / name
    page.screenshot(path=str(path))
    assert path.stat().st_size < MAX_README_SHOT, (path, path.stat().st_size)
    return path


def test_phone_screenshots_for_the_readme(page_as, live_server) -> None:
    villager = page_as("resident", height=740)
    villager.goto(villager.base + "/report")
    villager.locator('input[name="category_code"][value="facility.road"]').check()
    _shoot(villager, "report-form.png")
    _fill_report(villager, "码头路上有个大坑，下雨天积水，电动车容易摔倒")
    _shoot(villager, "report-form-place.png")
    with villager.expect_navigation():
        villager.click("[data-send]")
    case_id = villager.locator("[data-page=report-sent]").get_attribute("data-case-id")
    leader = page_as("grid_leader", height=740)
    leader.goto(leader.base + f"/cases/{case_id}")
    with leader.expect_navigation():
        leader.click("form[data-action=accept] button")
    leader.goto(leader.base + f"/cases/{case_id}")
    _shoot(leader, "case-page.png")
