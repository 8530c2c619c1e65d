"""The one-tap cards on a phone (issue #15's trial on the demo island), in Chromium at
360x740: a unit leader's four households fit in well under 1,600 px (the form was ~9,000
px tall), the "connecting…" note goes once the socket is live, a tap leaves its card
"done" (status, who, when) in view, and a tap made offline says "waiting to send" on its
own card, then shows the card confirmed once sent."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from gridgov import clock
from gridgov.emergency.start import check_start_roll_call
from gridgov.registry.models import Household
from gridgov.territory.models import Territory
from tests.factories.registry import make_household, make_resident
from tests.web.browser.conftest import sign_in_page

MAX_FOUR_CARDS = 1600  # px, at 360 px wide


def _roll_call_of_four(live_server: Any) -> tuple[str, list[str]]:
    """A drill over the second village once its unit leader's unit holds four households."""
    world = live_server.world
    unit_code = world.units[4]
    with live_server.session_maker() as session:
        unit = session.scalar(select(Territory).where(Territory.code == unit_code))
        present = session.scalars(select(Household.id).where(Household.territory_code == unit_code))
        for _ in range(4 - len(list(present))):
            make_resident(session, household=make_household(session, unit=unit))
        roll_call = check_start_roll_call(
            session,
            territory_code=world.villages[1],
            kind="typhoon",
            title="台风“海葵”手机演练",
            message="请各户确认平安",
            drill=True,
            principal=None,
            actor="test:browser-cards",
        )
        session.commit()
        households = list(
            session.scalars(
                select(Household.id)
                .where(Household.territory_code == unit_code)
                .order_by(Household.id)
            )
        )
        return roll_call.id, households


def test_four_households_fit_a_phone_and_a_tap_shows_done_online_and_offline(
    new_page, live_server
) -> None:
    roll_call_id, households = _roll_call_of_four(live_server)
    assert len(households) >= 4
    leader = new_page(width=360, height=740)
    sign_in_page(leader, live_server.world.rollcall_unit_leader, live_server.world.password)
    leader.goto(leader.base + f"/roll-calls/{roll_call_id}")
    cards = leader.locator("[data-tap-household]")
    assert cards.count() == len(households)

    # Connected: the "connecting…" note is gone.
    leader.locator("[data-live-state=live]").wait_for()
    assert not leader.locator("[data-live-status]").is_visible()
    # The socket lost: "reconnecting" shows, and goes again once it is back.
    leader.evaluate("window.gridgov.events.socket.close(1000)")
    leader.wait_for_function(
        "text => { const note = document.querySelector('[data-live-status]');"
        " return !note.hidden && note.textContent.includes(text); }",
        arg="正在重连",
    )
    leader.wait_for_function(
        "() => document.querySelector('[data-live][data-live-state=live]') !== null"
        " && document.querySelector('[data-live-status]').hidden"
    )

    # Four cards, from the first one's top to the fourth one's bottom.
    first, fourth = cards.nth(0).bounding_box(), cards.nth(3).bounding_box()
    span = fourth["y"] + fourth["height"] - first["y"]
    assert span < MAX_FOUR_CARDS, span
    # The counts (of the leader's unit) read at 360 px: the node's name on one line, the
    # table no wider than the screen.
    name = leader.locator(".rollcall-counts tbody th[scope=row]").first.bounding_box()
    assert name["width"] > 100 and name["height"] < 40, name
    assert leader.locator(".rollcall-counts").bounding_box()["width"] <= 360
    # The rare choices are folded away until asked for.
    assert not cards.nth(0).locator("[data-tap=needs_help]").is_visible()
    cards.nth(0).locator("[data-more]").click()
    assert cards.nth(0).locator("[data-tap=needs_help]").is_visible()

    # A tap: the page comes back at the card, which looks done (status, who, when).
    tapped = households[2]
    card = f"[data-tap-household='{tapped}']"
    with leader.expect_navigation():
        leader.click(f"{card} [data-tap=safe_at_home]")
    done = leader.locator(card)
    assert done.get_attribute("data-status") == "safe_at_home"
    assert "done" in (done.get_attribute("class") or "").split()
    assert done.locator("[data-done-by]").is_visible()
    assert done.locator("[data-done-at]").is_visible()
    assert leader.evaluate("window.scrollY") > 0  # not back at the top
    box = done.bounding_box()
    assert 0 <= box["y"] < 740, box

    # Offline: the card itself says it waits; once sent, it shows its new status.
    leader.locator("[data-live-state=live]").wait_for()
    queued = households[3]
    card = f"[data-tap-household='{queued}']"
    # The live server's clock stands at the start: ten minutes on, the tap is in time.
    with clock.frozen(clock.now() + dt.timedelta(minutes=10)):
        leader.context.set_offline(True)
        leader.click(f"{card} [data-tap=moved_relatives]")
        note = leader.locator(f"{card} [data-queued-note]")
        note.wait_for(state="visible")
        assert "等待发送" in note.inner_text()
        assert leader.locator(card).get_attribute("data-status") == "unconfirmed"
        leader.context.set_offline(False)
        leader.locator(f"{card}[data-status=moved_relatives].done").wait_for()
    assert not leader.locator(f"{card} [data-queued-note]").is_visible()
