"""The notification a grid leader sees is in Chinese, and in English after switching (the
texts are stored as messages and rendered for the reader)."""

from __future__ import annotations


def test_a_grid_leaders_notification_follows_the_language_switch(page_as) -> None:
    page = page_as("grid_leader", width=1280)
    notes = page.locator("#notifications li strong")
    assert notes.count() >= 1
    assert notes.first.inner_text().startswith("新事件：")
    with page.expect_navigation():
        page.click("form.language-switch button[value=en]")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("#notifications li strong").first.inner_text().startswith("New case: ")
    body = page.locator("#notifications li .body").first.inner_text()
    assert body.startswith("new case at ") and " level: " in body
    # Back to Chinese, for the next tests of this user.
    with page.expect_navigation():
        page.click("form.language-switch button[value=zh-CN]")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert (
        page.locator("#notifications li .body")
        .first.inner_text()
        .endswith(body.partition(" level: ")[2])
    )
