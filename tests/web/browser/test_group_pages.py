"""The group pages in Chromium: a message posted in one browser appears live in another (over
the events socket, no reload)."""

from __future__ import annotations


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
