from __future__ import annotations

import datetime as dt

from gridgov import clock
from gridgov.accounts import web_sessions
from gridgov.accounts.actions import check_set_preferences, do_reset_password
from tests.factories.access import make_user

TTL = dt.timedelta(days=14)
IDLE = dt.timedelta(days=2)


def test_a_session_lives_until_its_expiry(session) -> None:
    user = make_user(session)
    secret, row = web_sessions.do_start_web_session(session, user, ttl=TTL)
    assert row.token_hash != secret and len(row.token_hash) == 64
    assert web_sessions.find_live_web_session(session, secret, idle=IDLE) == (row, user)
    assert web_sessions.find_live_web_session(session, secret + "x", idle=IDLE) is None
    row.last_seen_at = clock.now() + TTL  # seen recently, but past its expiry
    with clock.frozen(row.expires_at):
        assert web_sessions.find_live_web_session(session, secret, idle=IDLE) is None


def test_an_idle_session_ends(session) -> None:
    user = make_user(session)
    secret, row = web_sessions.do_start_web_session(session, user, ttl=TTL)
    with clock.frozen(row.last_seen_at + IDLE - dt.timedelta(seconds=1)):
        assert web_sessions.find_live_web_session(session, secret, idle=IDLE) is not None
    with clock.frozen(row.last_seen_at + IDLE):
        assert web_sessions.find_live_web_session(session, secret, idle=IDLE) is None


def test_an_ended_session_or_an_inactive_user_signs_nobody_in(session) -> None:
    user = make_user(session)
    secret, row = web_sessions.do_start_web_session(session, user, ttl=TTL)
    other, _ = web_sessions.do_start_web_session(session, user, ttl=TTL)
    web_sessions.do_end_web_session(session, row, reason="signed_out")
    assert web_sessions.find_live_web_session(session, secret, idle=IDLE) is None
    assert web_sessions.find_live_web_session(session, other, idle=IDLE) is not None
    user.is_active = False
    assert web_sessions.find_live_web_session(session, other, idle=IDLE) is None


def test_a_password_reset_ends_every_session(session) -> None:
    user = make_user(session)
    secrets = [web_sessions.do_start_web_session(session, user, ttl=TTL)[0] for _ in range(2)]
    do_reset_password(session, user, actor="test")
    assert all(web_sessions.find_live_web_session(session, s, idle=IDLE) is None for s in secrets)


def test_the_csrf_token_is_bound_to_its_secret() -> None:
    token = web_sessions.csrf_token("secret-a")
    assert web_sessions.csrf_matches("secret-a", token)
    assert not web_sessions.csrf_matches("secret-b", token)
    assert not web_sessions.csrf_matches(None, token)
    assert not web_sessions.csrf_matches("secret-a", None)


def test_preferences_are_checked(session) -> None:
    import pytest

    from gridgov.errors import ValidationFailed

    user = make_user(session)
    check_set_preferences(session, user, language="en", text_size="large", actor="test")
    assert (user.language, user.text_size) == ("en", "large")
    with pytest.raises(ValidationFailed) as refused:
        check_set_preferences(session, user, language="fr", actor="test")
    assert refused.value.fields == {"language": "must be one of zh-CN, en"}
    with pytest.raises(ValidationFailed):
        check_set_preferences(session, user, text_size="tiny", actor="test")
