"""The roll-call pages in Chromium: a unit leader's one-tap confirmation appears on the
village secretary's open page without a reload (the events socket refreshes the counts),
and a confirmation tapped offline is sent once when the connection returns, with the time
of the tap as its ``confirmed_at``."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from sqlalchemy import select

from gridgov import clock
from gridgov.emergency.models import RollCallConfirmation
from tests.web.browser.conftest import sign_in_page


def _signed_in(new_page: Any, live_server: Any, username: str, **size: Any) -> Any:
    page = new_page(**size)
    sign_in_page(page, username, live_server.world.password)
    return page


def _confirmations(live_server: Any) -> list[RollCallConfirmation]:
    world = live_server.world
    with live_server.session_maker() as session:
        return list(
            session.scalars(
                select(RollCallConfirmation)
                .where(
                    RollCallConfirmation.roll_call_id == world.roll_call_id,
                    RollCallConfirmation.household_id == world.rollcall_household,
                )
                .order_by(RollCallConfirmation.received_at)
            )
        )


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _confirmed(page: Any) -> int:
    return int(
        page.locator("[data-rollcall-counts] .rollcall-total").get_attribute("data-confirmed")
    )


def test_a_unit_leaders_tap_appears_live_on_the_secretarys_page(new_page, live_server) -> None:
    world = live_server.world
    url = f"/roll-calls/{world.roll_call_id}"
    secretary = _signed_in(new_page, live_server, world.rollcall_secretary, width=1280)
    secretary.goto(secretary.base + url)
    assert secretary.locator("[data-drill]").is_visible()
    secretary.locator("[data-live-state=live]").wait_for()
    secretary.locator("#rollcall-map[data-ready=true]").wait_for()
    secretary.evaluate("window.__notReloaded = true")
    before = _confirmed(secretary)
    household = world.rollcall_household
    assert secretary.locator(
        f"[data-rollcall-unconfirmed] li[data-household='{household}']"
    ).count()

    leader = _signed_in(new_page, live_server, world.rollcall_unit_leader)
    leader.goto(leader.base + url)
    with leader.expect_navigation():
        leader.click(f"[data-tap-household='{household}'] [data-tap=safe_at_home]")
    assert leader.locator(f"[data-tap-household='{household}']").get_attribute("data-status") == (
        "safe_at_home"
    )

    secretary.wait_for_function(
        "n => Number(document.querySelector('[data-rollcall-counts] .rollcall-total')"
        ".dataset.confirmed) === n",
        arg=before + 1,
    )
    secretary.locator(f"[data-rollcall-unconfirmed] li[data-household='{household}']").wait_for(
        state="detached"
    )
    assert secretary.evaluate("window.__notReloaded === true")  # updated in place


def test_a_tap_made_offline_arrives_once_with_the_time_of_the_tap(new_page, live_server) -> None:
    world = live_server.world
    household = world.rollcall_household
    leader = _signed_in(new_page, live_server, world.rollcall_unit_leader)
    leader.goto(leader.base + f"/roll-calls/{world.roll_call_id}")
    leader.locator("[data-live-state=live]").wait_for()
    before = len(_confirmations(live_server))
    # The live server's clock stands still at the roll-call's start: ten minutes on.
    later = clock.now() + dt.timedelta(minutes=10)
    with clock.frozen(later):
        leader.context.set_offline(True)
        tapped_from = time.monotonic()
        leader.click(f"[data-tap-household='{household}'] [data-tap=moved_relatives]")
        leader.locator("[data-drafts] li[data-status=waiting]").wait_for()
        tapped_by = time.monotonic()
        assert len(_confirmations(live_server)) == before  # nothing reached the server
        time.sleep(3)  # received well after it was tapped
        back_online = time.monotonic()
        leader.context.set_offline(False)
        leader.locator("[data-drafts] li").wait_for(state="detached")
        done = time.monotonic()
    arrived = _confirmations(live_server)
    assert len(arrived) == before + 1
    confirmation = arrived[-1]
    assert confirmation.status == "moved_relatives"
    assert _aware(confirmation.received_at) == later
    # Its confirmed_at is the tap: as long before its arrival as the phone kept it.
    kept = later - _aware(confirmation.confirmed_at)
    assert dt.timedelta(seconds=back_online - tapped_by) <= kept
    assert kept <= dt.timedelta(seconds=done - tapped_from)
    # Opening the page again sends nothing more: the draft is gone.
    leader.reload()
    leader.locator("[data-live-state=live]").wait_for()
    assert len(_confirmations(live_server)) == before + 1


def test_a_needs_help_tap_without_help_is_told_next_to_its_form(new_page, live_server) -> None:
    """Issue #15: the refusal shows in the household's form, in plain words, and the
    address is the roll-call's page again (not the form's /confirmations)."""
    world = live_server.world
    household = world.rollcall_household
    url = f"/roll-calls/{world.roll_call_id}"
    leader = _signed_in(new_page, live_server, world.rollcall_unit_leader)
    leader.goto(leader.base + url)
    before = len(_confirmations(live_server))
    form = f"[data-tap-household='{household}']"
    leader.click(f"{form} [data-more]")  # "needs help" is behind the card's "more"
    leader.fill(f"{form} input[name=help]", "")
    with leader.expect_navigation():
        leader.click(f"{form} [data-tap=needs_help]")
    told = leader.locator(f"{form} [data-tap-error]")
    told.wait_for()
    assert "请写明需要什么帮助" in told.inner_text()
    leader.wait_for_function("p => window.location.pathname === p", arg=url)
    assert leader.evaluate("window.location.hash") == f"#household-{household}"
    assert len(_confirmations(live_server)) == before


def test_ending_the_roll_call_asks_first(new_page, live_server) -> None:
    """Issue #15: the all-clear and close buttons ask (a native confirm); dismissed,
    nothing is sent."""
    world = live_server.world
    secretary = _signed_in(new_page, live_server, world.rollcall_secretary, width=1280)
    secretary.goto(secretary.base + f"/roll-calls/{world.roll_call_id}")
    button = secretary.locator("[data-all-clear], [data-close]").first
    asked: list[str] = []

    def dismiss(dialog: Any) -> None:
        asked.append(dialog.message)
        dialog.dismiss()

    secretary.on("dialog", dismiss)
    secretary.evaluate("window.__notReloaded = true")
    button.click()
    assert len(asked) == 1 and asked[0]
    assert secretary.evaluate("window.__notReloaded === true")  # not sent
    assert secretary.locator("[data-page=roll-call]").get_attribute("data-state") == "open"
