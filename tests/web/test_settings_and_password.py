"""The settings page (language, text size per user) and the password page."""

from __future__ import annotations

from sqlalchemy import select

from gridgov.accounts.actions import do_reset_password
from gridgov.accounts.models import ApiToken, User, WebSession
from gridgov.web.cookies import SESSION_COOKIE
from tests.factories.access import bearer
from tests.web.helpers import PASSWORD, csrf_of, make_person, sign_in

NEW_PASSWORD = "Quiet-Orchard-Bells-7"


def test_language_and_text_size_are_kept_and_honoured_on_every_page(client, session) -> None:
    make_person(session, "prefers.en")
    session.commit()
    sign_in(client, "prefers.en")
    form = client.get("/settings")
    assert 'class="text-normal"' in form.text
    saved = client.post(
        "/settings",
        data={"language": "en", "text_size": "extra_large", "csrf_token": csrf_of(form.text)},
        follow_redirects=False,
    )
    assert saved.status_code == 303 and saved.headers["location"] == "/settings?saved=1"
    for path in ("/", "/settings", "/password", "/nowhere"):
        page = client.get(path)
        assert '<html lang="en" class="text-extra-large">' in page.text, path
    session.expire_all()
    user = session.scalar(select(User).where(User.username == "prefers.en"))
    assert user is not None and (user.language, user.text_size) == ("en", "extra_large")


def test_an_unknown_text_size_is_refused_and_nothing_changes(client, session) -> None:
    make_person(session, "bad.size")
    session.commit()
    sign_in(client, "bad.size")
    form = client.get("/settings")
    answer = client.post(
        "/settings",
        data={"language": "en", "text_size": "huge", "csrf_token": csrf_of(form.text)},
    )
    assert answer.status_code == 422 and "请从列出的选项中选择" in answer.text
    session.expire_all()
    user = session.scalar(select(User).where(User.username == "bad.size"))
    assert user is not None and (user.language, user.text_size) == ("zh-CN", "normal")


def test_the_language_switch_is_kept_on_the_account(client, session) -> None:
    make_person(session, "switches")
    session.commit()
    sign_in(client, "switches")
    home = client.get("/")
    client.post(
        "/settings/language",
        data={"language": "en", "next": "/", "csrf_token": csrf_of(home.text)},
    )
    client.cookies.clear()
    sign_in(client, "switches")  # a new session: the choice followed the user
    assert '<html lang="en"' in client.get("/").text


def test_a_reset_password_must_be_changed_first(client, session) -> None:
    user = make_person(session, "was.reset")
    temporary = do_reset_password(session, user, actor="test")
    session.commit()
    answer = sign_in(client, "was.reset", temporary)
    assert answer.headers["location"] == "/password"
    assert client.get("/", follow_redirects=False).headers["location"] == "/password"
    page = client.get("/password")
    assert "您的密码已被重置" in page.text
    changed = client.post(
        "/password",
        data={
            "current_password": temporary,
            "new_password": NEW_PASSWORD,
            "repeat_password": NEW_PASSWORD,
            "csrf_token": csrf_of(page.text),
        },
        follow_redirects=False,
    )
    assert changed.headers["location"] == "/?password=changed"
    assert "密码已修改" in client.get("/?password=changed").text


def test_a_password_change_ends_the_other_sessions_and_tokens(client, session) -> None:
    user = make_person(session, "changes.pw")
    headers = bearer(session, user)
    session.commit()
    other = sign_in(client, "changes.pw").cookies[SESSION_COOKIE]
    client.cookies.clear()
    sign_in(client, "changes.pw")
    page = client.get("/password")
    wrong = client.post(
        "/password",
        data={
            "current_password": "not-it-at-all",
            "new_password": NEW_PASSWORD,
            "repeat_password": NEW_PASSWORD,
            "csrf_token": csrf_of(page.text),
        },
    )
    assert wrong.status_code == 422 and "当前密码不正确" in wrong.text
    weak = client.post(
        "/password",
        data={
            "current_password": PASSWORD,
            "new_password": "short",
            "repeat_password": "short",
            "csrf_token": csrf_of(page.text),
        },
    )
    assert weak.status_code == 422 and "新密码不符合下列要求" in weak.text
    done = client.post(
        "/password",
        data={
            "current_password": PASSWORD,
            "new_password": NEW_PASSWORD,
            "repeat_password": NEW_PASSWORD,
            "csrf_token": csrf_of(page.text),
        },
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert client.get("/", follow_redirects=False).status_code == 200  # this session stays
    session.expire_all()
    ended = session.scalars(select(WebSession).where(WebSession.ended_at.is_not(None))).all()
    assert [row.ended_reason for row in ended] == ["password_changed"]
    assert session.scalar(select(ApiToken.revoked_at).where(ApiToken.user_id == user.id))
    client.cookies.clear()
    client.cookies.set(SESSION_COOKIE, other)
    assert client.get("/", follow_redirects=False).status_code == 303
    assert client.get("/api/v1/notifications", headers=headers).status_code == 401


def test_delivery_preferences_are_set_on_the_settings_page_and_a_digest_needs_an_address(
    client, session
) -> None:
    make_person(session, "gets.mail")
    session.commit()
    sign_in(client, "gets.mail")
    form = client.get("/settings")
    assert 'action="/settings/delivery"' in form.text
    refused = client.post(
        "/settings/delivery",
        data={"email": "", "digest_rhythm": "weekly", "csrf_token": csrf_of(form.text)},
    )
    assert refused.status_code == 422 and 'id="digest_rhythm-error"' in refused.text
    bad = client.post(
        "/settings/delivery",
        data={"email": "not-an-address", "digest_rhythm": "off", "csrf_token": csrf_of(form.text)},
    )
    assert bad.status_code == 422 and 'id="email-error"' in bad.text
    assert 'value="not-an-address"' in bad.text  # what was typed is kept
    session.expire_all()
    user = session.scalar(select(User).where(User.username == "gets.mail"))
    assert user is not None and (user.email, user.digest_rhythm) == (None, "off")
    saved = client.post(
        "/settings/delivery",
        data={
            "email": "wang.fang@example.org",
            "digest_rhythm": "weekly",
            "sms_enabled": "on",
            "csrf_token": csrf_of(form.text),
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303 and saved.headers["location"] == "/settings?saved=1"
    session.expire_all()
    user = session.scalar(select(User).where(User.username == "gets.mail"))
    assert user is not None
    assert (user.email, user.digest_rhythm, user.sms_enabled) == (
        "wang.fang@example.org",
        "weekly",
        True,
    )
    assert user.digest_due_at is not None
    page = client.get("/settings")
    assert 'value="wang.fang@example.org"' in page.text
    assert 'name="digest_rhythm" value="weekly" checked' in page.text
    off = client.post(
        "/settings/delivery",
        data={
            "email": "wang.fang@example.org",
            "digest_rhythm": "weekly",
            "csrf_token": csrf_of(page.text),
        },
        follow_redirects=False,
    )
    assert off.status_code == 303
    session.expire_all()
    assert session.scalar(select(User.sms_enabled).where(User.username == "gets.mail")) is False
