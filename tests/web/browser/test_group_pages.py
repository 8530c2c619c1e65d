"""The group pages in Chromium: a message posted in one browser appears live in another (over
the events socket, no reload), a voice message recorded from Chromium's fake microphone
plays back, and a notice's household statistics change as households read it."""

from __future__ import annotations

from tests.web.browser.conftest import sign_in_page


def _chat(page, group_id: str) -> None:
    page.goto(page.base + f"/groups/{group_id}")
    # chat.js has its socket open and caught up: what follows arrives live.
    page.wait_for_selector("[data-live][data-live-state=live]")


def test_a_message_posted_in_one_browser_appears_live_in_another(page_as, live_server) -> None:
    group_id = live_server.world.group_ids["village"]
    reader = page_as("resident")
    writer = page_as("village_secretary")
    _chat(reader, group_id)
    _chat(writer, group_id)
    before = reader.locator("[data-messages] [data-seq]").count()
    writer.fill("#composer-text", "今晚八点停水，请提前储水")
    writer.click("form[data-composer] button[type=submit]")
    # The writer's own page shows it after the post, the reader's through the socket.
    writer.wait_for_selector("[data-messages] li:has-text('今晚八点停水')")
    reader.wait_for_selector("[data-messages] li:has-text('今晚八点停水')", timeout=10_000)
    assert reader.locator("[data-messages] [data-seq]").count() == before + 1
    # Nothing was reloaded: the reader's socket stayed the one opened on arrival.
    assert reader.evaluate("() => performance.getEntriesByType('navigation').length") == 1
    assert int(reader.get_attribute("[data-live]", "data-events-seen") or 0) > 0


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
