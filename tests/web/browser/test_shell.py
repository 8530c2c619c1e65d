"""The shell in a real browser: sign in as each role, errors, sign-out, CSRF, language and
text size, HTTPS. Every test also passes the harness's checks (console, requests, CSP,
axe-core) and leaves a screenshot."""

from __future__ import annotations

import pytest

from tests.web.browser.conftest import sign_in_page
from tests.web.browser.world import ROLES


@pytest.mark.parametrize("role", ROLES)
def test_each_role_signs_in_and_sees_its_home(page_as, role) -> None:
    page = page_as(role)
    assert page.locator("[data-page=home]").get_attribute("data-role") == role
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert page.locator("h2").first.inner_text() == "待我处理"
    leads = role not in ("party_member", "resident")
    assert page.locator("#at-my-level").count() == (1 if leads else 0)


def test_the_home_page_lists_the_grid_leader_s_cases(page_as, live_server) -> None:
    page = page_as("grid_leader", width=1280)
    links = page.locator("#at-my-level a").evaluate_all("els => els.map(e => e.pathname)")
    assert f"/cases/{live_server.world.case_ids[0]}" in links
    assert f"/cases/{live_server.world.case_ids[2]}" not in links  # another village


def test_a_wrong_password_shows_the_error(new_page, live_server) -> None:
    page = new_page()
    page.goto(page.base + "/signin")
    page.fill("#login", live_server.world.usernames["town_official"])
    page.fill("#password", "not-the-password")
    page.click("form.form button[type=submit]")
    alert = page.locator("#signin-error")
    alert.wait_for()
    assert alert.inner_text() == "用户名、手机号或密码错误。"
    assert page.locator("#login").input_value() == live_server.world.usernames["town_official"]


def test_sign_out_ends_the_session(page_as, browser, live_server) -> None:
    page = page_as("unit_leader")
    cookies = page.context.cookies()
    session_cookie = next(c for c in cookies if c["name"] == "gridgov_session")
    assert session_cookie["httpOnly"] and session_cookie["sameSite"] == "Lax"
    assert not session_cookie["secure"]  # plain HTTP
    with page.expect_navigation():
        page.click("form.signout button")
    assert "/signin" in page.url
    # The old cookie, replayed in another browser, signs nobody in.
    other = browser.new_context()
    other.add_cookies([session_cookie])
    replay = other.new_page()
    replay.goto(live_server.url("/settings"))
    assert "/signin" in replay.url
    other.close()


def test_a_form_without_its_csrf_token_is_refused(page_as) -> None:
    page = page_as("village_secretary")
    page.goto(page.base + "/settings")
    page.locator('form[action="/settings"] input[name=csrf_token]').evaluate(
        "input => input.remove()"
    )
    page.check("input[value=en]")
    with page.expect_navigation():
        page.click('form[action="/settings"] button[type=submit]')
    assert page.locator("[data-page=error]").get_attribute("data-status") == "403"
    assert "表单已过期或并非来自本站" in page.locator(".reason").inner_text()
    page.goto(page.base + "/settings")
    assert page.locator("html").get_attribute("lang") == "zh-CN"  # nothing was saved


def test_switch_language_and_text_size(page_as) -> None:
    page = page_as("party_member")
    with page.expect_navigation():
        page.click("form.language-switch button[value=en]")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h2").first.inner_text() == "What needs me now"
    page.goto(page.base + "/settings")
    base_size = page.evaluate("() => parseFloat(getComputedStyle(document.body).fontSize)")
    page.check("input[value=extra_large]")
    with page.expect_navigation():
        page.click('form[action="/settings"] button[type=submit]')
    assert page.locator("html").get_attribute("class") == "text-extra-large"
    assert page.locator(".alert.success").inner_text() == "Saved."
    larger = page.evaluate("() => parseFloat(getComputedStyle(document.body).fontSize)")
    assert larger == pytest.approx(base_size * 1.5)
    page.goto(page.base + "/")  # honoured on every page
    assert page.locator("html").get_attribute("class") == "text-extra-large"
    # Back to Chinese and the normal size, for the next tests of this user.
    page.goto(page.base + "/settings")
    page.check("input[value=zh-CN]")
    page.check("input[value=normal]")
    with page.expect_navigation():
        page.click('form[action="/settings"] button[type=submit]')
    assert page.locator("html").get_attribute("lang") == "zh-CN"


def test_touch_targets_are_44_px_at_360_wide(page_as) -> None:
    page = page_as("grid_leader")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
    small = page.evaluate(
        """() => [...document.querySelectorAll('a, button, input:not([type=hidden])')]
          .filter((el) => el.offsetParent !== null && !el.classList.contains('skip-link'))
          .map((el) => [el.outerHTML.slice(0, 60), el.getBoundingClientRect().height])
          .filter(([, height]) => height < 44)"""
    )
    assert small == []


def test_the_not_found_page(page_as) -> None:
    page = page_as("resident")
    response = page.goto(page.base + "/no/such/page")
    assert response is not None and response.status == 404
    assert page.locator("[data-page=not-found] h1").inner_text() == "未找到"


def test_over_https_the_cookie_is_secure_and_the_app_installs(page_as) -> None:
    page = page_as("town_official", https=True)
    assert page.url.startswith("https://")
    session_cookie = next(c for c in page.context.cookies() if c["name"] == "gridgov_session")
    assert session_cookie["secure"] and session_cookie["httpOnly"]
    assert page.evaluate("() => window.isSecureContext")
    page.wait_for_function("() => navigator.serviceWorker.ready.then(() => true)")
    scope = page.evaluate("async () => (await navigator.serviceWorker.ready).scope")
    assert scope == page.base + "/"


def test_the_sign_in_page_in_english_for_a_signed_out_reader(new_page) -> None:
    page = new_page(https=True, width=1280)
    page.goto(page.base + "/signin")
    with page.expect_navigation():
        page.click("form.language-switch button[value=en]")
    assert page.locator("h1").inner_text() == "Sign in"
    sign_in_page(page, "admin.web", "wrong-password-here", expect_path="/signin")
    assert page.locator("#signin-error").inner_text() == "Wrong username, phone or password."


def test_notifications_are_marked_read_in_place_with_htmx(page_as) -> None:
    page = page_as("grid_leader", width=1280)
    section = page.locator("#notifications")
    assert section.locator("li.unread").count() >= 1
    with page.expect_response(lambda r: r.url.endswith("/notifications/read-all")) as answer:
        section.locator("button").click()
    assert answer.value.request.headers.get("x-csrf-token")  # sent by the shell's script
    assert answer.value.request.headers.get("hx-request") == "true"
    page.locator("#notifications .count").filter(has_text="0 条未读").wait_for()
    assert section.locator("li.unread").count() == 0
    assert page.url.endswith("/")  # no page load: the section was swapped


def test_a_reset_password_is_changed_on_the_password_page(new_page, live_server) -> None:
    from gridgov.accounts.actions import do_reset_password
    from tests.web.helpers import make_person

    with live_server.session_maker() as session:
        user = make_person(session, "reset.web", display_name="许明")
        temporary = do_reset_password(session, user, actor="test")
        session.commit()
    page = new_page()
    sign_in_page(page, "reset.web", temporary, expect_path="/password")
    assert "您的密码已被重置" in page.locator(".alert.info").inner_text()
    page.fill("#current_password", temporary)
    page.fill("#new_password", "Harbour-Lights-2026")
    page.fill("#repeat_password", "Harbour-Lights-2026")
    with page.expect_navigation():
        page.click("form.form button[type=submit]")
    assert page.locator(".alert.success").inner_text() == "密码已修改。"
    assert page.locator("h1").inner_text() == "您好，许明"
