"""Signing in and out through the pages (TestClient, SQLite and PostgreSQL)."""

from __future__ import annotations

from sqlalchemy import select

from gridgov.accounts.login import MAX_FAILURES
from gridgov.accounts.models import LoginEvent, WebSession
from gridgov.web.cookies import LANGUAGE_COOKIE, PRESESSION_COOKIE, SESSION_COOKIE
from tests.factories.territory import make_tree
from tests.web.helpers import PASSWORD, csrf_of, make_person, sign_in


def test_a_signed_out_visit_is_sent_to_sign_in(client) -> None:
    answer = client.get("/settings?x=1", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/signin?next=%2Fsettings%3Fx%3D1"


def test_an_htmx_request_is_redirected_with_hx_redirect(client) -> None:
    answer = client.get("/", headers={"HX-Request": "true"}, follow_redirects=False)
    assert answer.status_code == 204
    assert answer.headers["hx-redirect"] == "/signin?next=%2F"


def test_the_sign_in_page_is_in_chinese_and_sets_a_pre_session(client) -> None:
    page = client.get("/signin")
    assert page.status_code == 200
    assert '<html lang="zh-CN"' in page.text
    assert "<h1>登录</h1>" in page.text
    assert PRESESSION_COOKIE in page.cookies
    assert "HttpOnly" in page.headers["set-cookie"] and "SameSite=lax" in page.headers["set-cookie"]


def test_sign_in_starts_a_session_and_shows_the_home_page(client, session) -> None:
    tree = make_tree(session, villages=1, grids_per_village=1)
    make_person(session, "leader.one", role="grid_leader", territory_code=tree.all_grids()[0].code)
    session.commit()
    answer = sign_in(client, "leader.one", next="/settings")
    assert answer.status_code == 303 and answer.headers["location"] == "/settings"
    cookie = answer.cookies[SESSION_COOKIE]
    assert "Secure" not in answer.headers["set-cookie"]  # plain HTTP
    row = session.scalar(select(WebSession))
    assert row is not None and row.token_hash != cookie and row.ended_at is None
    home = client.get("/")
    assert home.status_code == 200
    assert 'data-role="grid_leader"' in home.text and "网格长" in home.text


def test_the_next_target_never_leaves_the_site(client, session) -> None:
    make_person(session, "leader.two")
    session.commit()
    for target in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
        client.cookies.clear()
        answer = sign_in(client, "leader.two", next=target)
        assert answer.headers["location"] == "/", target


def test_a_wrong_password_shows_the_error_and_counts(client, session) -> None:
    make_person(session, "wrong.pw")
    session.commit()
    answer = sign_in(client, "wrong.pw", "not-the-password")
    assert answer.status_code == 401
    assert "用户名、手机号或密码错误。" in answer.text
    assert SESSION_COOKIE not in answer.cookies
    reasons = session.scalars(select(LoginEvent.reason).where(LoginEvent.login == "wrong.pw"))
    assert list(reasons) == ["bad_credentials"]


def test_the_lockout_is_the_token_login_s_own(client, session) -> None:
    make_person(session, "locked.out")
    session.commit()
    for _ in range(MAX_FAILURES - 1):
        assert sign_in(client, "locked.out", "nope-nope-nope").status_code == 401
    fifth = sign_in(client, "locked.out", "nope-nope-nope")
    assert fifth.status_code == 423
    assert "连续 5 次登录失败，账号已锁定" in fifth.text and "15 分钟" in fifth.text
    # The API's token login is locked as well, even with the right password.
    token = client.post("/api/v1/auth/token", data={"username": "locked.out", "password": PASSWORD})
    assert token.status_code == 423
    assert sign_in(client, "locked.out").status_code == 423


def test_a_sign_in_without_its_csrf_token_is_refused(client, session) -> None:
    make_person(session, "no.csrf")
    session.commit()
    client.get("/signin")
    for token in (None, "0" * 64):
        data = {"login": "no.csrf", "password": PASSWORD}
        if token:
            data["csrf_token"] = token
        answer = client.post("/signin", data=data, follow_redirects=False)
        assert answer.status_code == 403
        assert "表单已过期或并非来自本站" in answer.text
    assert session.scalar(select(LoginEvent).where(LoginEvent.login == "no.csrf")) is None


def test_sign_out_ends_the_session_server_side(client, session) -> None:
    make_person(session, "signs.out")
    session.commit()
    cookie = sign_in(client, "signs.out").cookies[SESSION_COOKIE]
    home = client.get("/")
    refused = client.post("/signout", follow_redirects=False)  # no token
    assert refused.status_code == 403
    assert client.get("/", follow_redirects=False).status_code == 200
    out = client.post("/signout", data={"csrf_token": csrf_of(home.text)}, follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/signin"
    session.expire_all()
    row = session.scalar(select(WebSession))
    assert row is not None and row.ended_at is not None and row.ended_reason == "signed_out"
    client.cookies.set(SESSION_COOKIE, cookie)  # the old cookie, replayed
    assert client.get("/", follow_redirects=False).status_code == 303


def test_the_csrf_header_is_accepted_like_the_field(client, session) -> None:
    make_person(session, "by.header")
    session.commit()
    sign_in(client, "by.header")
    token = csrf_of(client.get("/").text)
    answer = client.post("/signout", headers={"X-CSRF-Token": token}, follow_redirects=False)
    assert answer.status_code == 303


def test_a_session_cookie_is_no_api_credential(client, session) -> None:
    make_person(session, "api.cookie", role="administrator")
    session.commit()
    sign_in(client, "api.cookie")
    assert client.get("/api/v1/notifications").status_code == 401


def test_bearer_api_calls_need_no_csrf_token(client, session) -> None:
    from tests.factories.access import bearer

    user = make_person(session, "api.bearer")
    headers = bearer(session, user)
    session.commit()
    assert client.post("/api/v1/auth/logout", headers=headers).status_code == 204


def test_a_signed_out_reader_switches_language_by_cookie(client) -> None:
    page = client.get("/signin")
    answer = client.post(
        "/settings/language",
        data={"language": "en", "next": "/signin", "csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert answer.status_code == 303 and answer.headers["location"] == "/signin"
    assert answer.cookies[LANGUAGE_COOKIE] == "en"
    english = client.get("/signin")
    assert '<html lang="en"' in english.text and "<h1>Sign in</h1>" in english.text


def test_an_unknown_language_is_refused_with_a_page(client) -> None:
    page = client.get("/signin")
    answer = client.post(
        "/settings/language", data={"language": "fr", "csrf_token": csrf_of(page.text)}
    )
    assert answer.status_code == 422
    assert 'data-page="error"' in answer.text
