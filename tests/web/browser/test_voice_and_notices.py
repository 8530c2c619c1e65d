"""Voice messages and notices in Chromium: a voice message recorded from Chromium's fake
microphone plays back, and a notice's household statistics change as households read it."""

from __future__ import annotations

from tests.web.browser.conftest import sign_in_page
from tests.web.browser.test_group_pages import _chat


def test_a_voice_message_recorded_in_the_browser_plays_back(page_as, live_server) -> None:
    group_id = live_server.world.group_ids["village"]
    page = page_as("resident")
    _chat(page, group_id)
    page.click("[data-voice-start]")
    page.wait_for_selector("form[data-composer][data-voice-recording]")
    page.wait_for_timeout(2500)  # Chromium's fake microphone plays a tone
    page.click("[data-voice-stop]")
    page.wait_for_selector("form[data-composer][data-voice-ready]")
    page.click("form[data-composer] button[type=submit]")
    audio = page.wait_for_selector("[data-messages] audio[data-voice-message]")
    assert float(audio.get_attribute("data-duration") or 0) > 1.0
    # The browser loads the stored file and plays it: its time moves on.
    page.evaluate("(el) => { el.muted = true; return el.play(); }", audio)
    page.wait_for_function("(el) => el.currentTime > 0.3", arg=audio, timeout=10_000)
    assert page.evaluate("(el) => el.error === null", audio)


def _stats(page) -> tuple[int, int]:
    total = page.locator("[data-notice-stats] .stats-total")
    return int(total.get_attribute("data-read") or -1), int(
        total.get_attribute("data-households") or -1
    )


def test_a_notices_statistics_change_as_households_read_it(page_as, new_page, live_server) -> None:
    world = live_server.world
    notice_id = world.notice_id
    leader = page_as("village_secretary", width=1024)
    leader.goto(leader.base + f"/notices/{notice_id}")
    leader.wait_for_selector("[data-live][data-live-state=live]")
    read_before, households = _stats(leader)
    assert households > 0 and read_before < households
    reader = new_page()
    sign_in_page(reader, world.notice_reader, world.password)
    reader.goto(reader.base + f"/notices/{notice_id}")  # reading it counts its household
    leader.wait_for_function(
        "(n) => Number(document.querySelector('[data-notice-stats] .stats-total')"
        ".getAttribute('data-read')) > n",
        arg=read_before,
        timeout=10_000,
    )
    read_after, _ = _stats(leader)
    assert read_after == read_before + 1
    # The reader's unit row counts the household too (it had none read before).
    unit_row = leader.locator(f"[data-notice-stats] tr[data-code='{world.notice_reader_unit}']")
    assert unit_row.get_attribute("data-read") == "1"
