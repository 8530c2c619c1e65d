"""The demo walk-through of a roll-call in Chromium, as `gridgov demo --drill` runs it from
the CLI: a village secretary starts a typhoon drill through the start form, a unit leader
confirms two households with one tap each, the unconfirmed household of the grid's other
unit is escalated to the grid leader 60 minutes after the start and the grid leader
confirms it by phone with one tap from their list; the secretary's open page shows each
count change live (the events socket, no reload) and says "drill" throughout.

Also takes the phone screenshot of docs/emergency.md (the grid leader's roll-call page with
its escalated household): into build/, copied to docs/screenshots/ only when
GRIDGOV_UPDATE_SCREENSHOTS=1 (as tests/web/browser/test_dashboard.py does)."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path
from typing import Any

from sqlalchemy import select

from gridgov import clock
from gridgov.emergency.escalation import run_rollcall_escalation_step
from gridgov.emergency.models import RollCall, RollCallHousehold
from tests.web.browser.conftest import sign_in_page

ROOT = Path(__file__).resolve().parents[3]
SHOT = "rollcall-phone.png"
TITLE = "台风“海葵”全村演练"


def _signed_in(new_page: Any, live_server: Any, username: str, **size: Any) -> Any:
    page = new_page(**size)
    sign_in_page(page, username, live_server.world.password)
    return page


def _confirmed(page: Any) -> int:
    return int(
        page.locator("[data-rollcall-counts] .rollcall-total").get_attribute("data-confirmed")
    )


def _wait_confirmed(page: Any, count: int) -> None:
    page.wait_for_function(
        "n => Number(document.querySelector('[data-rollcall-counts] .rollcall-total')"
        ".dataset.confirmed) === n",
        arg=count,
    )


def _save_shot(page: Any) -> None:
    path = ROOT / "build" / SHOT
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path))
    if os.environ.get("GRIDGOV_UPDATE_SCREENSHOTS") == "1":
        target = ROOT / "docs" / "screenshots"
        target.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target / SHOT)


def test_a_drill_walked_through_by_a_secretary_a_unit_leader_and_a_grid_leader(
    new_page, live_server
) -> None:
    world = live_server.world
    first, second = world.walkthrough_households
    far = world.walkthrough_other_unit

    # The secretary starts a drill over their village through the form (names, in words).
    secretary = _signed_in(new_page, live_server, world.rollcall_secretary, width=1280)
    secretary.goto(secretary.base + "/roll-calls")
    form = secretary.locator("form[data-start-form]")
    assert form.locator(f"#territory_code option[value='{world.villages[1]}']").count() == 1
    form.locator("#title").fill(TITLE)
    form.locator("input[name=drill][value='1']").check()
    with secretary.expect_navigation():
        form.locator("[data-start]").click()
    roll_call_id = secretary.url.rsplit("/", 1)[-1]
    with live_server.session_maker() as session:
        roll_call = session.get(RollCall, roll_call_id)
        assert roll_call is not None and roll_call.title == TITLE and roll_call.drill
        started_at = roll_call.started_at
        lines = set(
            session.scalars(
                select(RollCallHousehold.household_id).where(
                    RollCallHousehold.roll_call_id == roll_call_id
                )
            )
        )
    assert {first, second, far} <= lines
    assert secretary.locator("[data-drill]").is_visible()
    secretary.locator("[data-live-state=live]").wait_for()
    secretary.evaluate("window.__notReloaded = true")
    assert _confirmed(secretary) == 0

    # The unit leader confirms their two households, one tap each.
    url = f"/roll-calls/{roll_call_id}"
    leader = _signed_in(new_page, live_server, world.rollcall_unit_leader)
    leader.goto(leader.base + url)
    assert leader.locator("[data-drill]").is_visible()
    for household, status in ((first, "safe_at_home"), (second, "moved_relatives")):
        with leader.expect_navigation():
            leader.click(f"[data-tap-household='{household}'] [data-tap={status}]")
        tapped = leader.locator(f"[data-tap-household='{household}']")
        assert tapped.get_attribute("data-status") == status
    _wait_confirmed(secretary, 2)

    # 60 minutes on, the grid's last unconfirmed household goes up to its grid leader.
    with live_server.session_maker() as session:
        run_rollcall_escalation_step(session, now=started_at + dt.timedelta(minutes=60))
        session.commit()
    grid = _signed_in(new_page, live_server, world.rollcall_grid_leader)
    with clock.frozen(started_at + dt.timedelta(minutes=61)):
        grid.goto(grid.base + url)
        item = grid.locator(f"[data-leader-list=grid_leader] [data-tap-household='{far}']")
        assert item.get_attribute("data-escalated") == "grid"
        reason = item.locator("[data-escalation-reason]").inner_text()
        assert "60" in reason, reason
        assert grid.locator("[data-drill]").is_visible()
        grid.evaluate("document.querySelector('[data-drill]').scrollIntoView({block: 'start'})")
        _save_shot(grid)
        assert item.locator("input[name=method][value=phone]").is_checked()
        with grid.expect_navigation():
            item.locator("[data-tap=safe_at_home]").click()
    with live_server.session_maker() as session:
        line = session.get(RollCallHousehold, (roll_call_id, far))
        assert line is not None
        assert (line.status, line.method, line.confirmer) == (
            "safe_at_home",
            "phone",
            "grid_leader",
        )

    # The secretary's page counted each one as it came, without a reload, and says "drill".
    _wait_confirmed(secretary, 3)
    secretary.locator(f"[data-rollcall-unconfirmed] li[data-household='{far}']").wait_for(
        state="detached"
    )
    assert secretary.evaluate("window.__notReloaded === true")
    assert secretary.locator("[data-drill]").is_visible()
    secretary.goto(secretary.base + "/roll-calls")
    listed = secretary.locator(f"[data-roll-call='{roll_call_id}']")
    assert listed.locator(".drill-tag").is_visible()
