"""Logging in: every attempt logged, lockout and its expiry, rate limit, rehash, phone login."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from gridgov import clock
from gridgov.accounts import login, passwords, queries
from gridgov.accounts.errors import AccountLocked, NotAuthenticated, TooManyAttempts
from gridgov.accounts.models import LoginEvent, User
from gridgov.crypto import keyed_hash
from tests.accounts.helpers import PASSWORD, make_user, use_cheap_hashing

T0 = dt.datetime(2026, 11, 28, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _cheap_hashing(monkeypatch):
    use_cheap_hashing(monkeypatch)


def _try(session, name: str, password: str, ip: str = "10.0.0.1") -> login.LoginResult:
    return login.attempt_login(session, login=name, password=password, ip=ip)


def test_success_returns_the_user_and_is_logged(session) -> None:
    user = make_user(session, username="lin.fang")
    result = _try(session, "Lin.Fang ", PASSWORD)
    assert result.error is None and result.user is user
    [event] = queries.login_events(session, user_id=user.id)
    assert (event.success, event.reason, event.login, event.ip) == (
        True,
        "ok",
        "lin.fang",
        "10.0.0.1",
    )
    assert PASSWORD not in repr(vars(event))


def test_wrong_password_and_unknown_user_get_the_same_answer_and_both_are_logged(session) -> None:
    user = make_user(session, username="lin.fang")
    wrong = _try(session, "lin.fang", "not the password")
    unknown = _try(session, "nobody.here", PASSWORD)
    assert isinstance(wrong.error, NotAuthenticated) and isinstance(unknown.error, NotAuthenticated)
    assert wrong.error.message == unknown.error.message
    assert wrong.user is None and unknown.user is None
    events = queries.login_events(session)
    assert [(e.login, e.user_id, e.success, e.reason) for e in events] == [
        ("lin.fang", user.id, False, "bad_credentials"),
        ("nobody.here", None, False, "bad_credentials"),
    ]
    assert all("not the password" not in e.login for e in events)


def test_five_failures_in_a_row_lock_the_account_for_fifteen_minutes(session) -> None:
    user = make_user(session, username="lin.fang")
    with clock.frozen(T0):
        for attempt in range(1, 5):
            assert isinstance(
                _try(session, "lin.fang", f"wrong guess {attempt}").error, NotAuthenticated
            )
        fifth = _try(session, "lin.fang", "wrong guess 5").error
        assert isinstance(fifth, AccountLocked) and "15 minutes" in fifth.message
        assert user.locked_until == T0 + dt.timedelta(minutes=15)
    # While locked even the right password is refused, without being checked.
    with clock.frozen(T0 + dt.timedelta(minutes=14, seconds=59)):
        locked = _try(session, "lin.fang", PASSWORD, ip="10.0.0.2")
        assert isinstance(locked.error, AccountLocked) and locked.user is None
    with clock.frozen(T0 + dt.timedelta(minutes=15, seconds=1)):
        assert _try(session, "lin.fang", PASSWORD, ip="10.0.0.3").user is user
    assert user.failed_login_count == 0 and user.locked_until is None
    reasons = [event.reason for event in queries.login_events(session, user_id=user.id)]
    assert reasons == ["bad_credentials"] * 5 + ["locked", "ok"]


def test_a_success_resets_the_run_of_failures(session) -> None:
    user = make_user(session, username="lin.fang")
    with clock.frozen(T0):
        for attempt in range(4):
            _try(session, "lin.fang", f"wrong guess {attempt}")
        assert _try(session, "lin.fang", PASSWORD).user is user
        for attempt in range(4):
            assert isinstance(_try(session, "lin.fang", f"again {attempt}").error, NotAuthenticated)
    assert user.locked_until is None and user.failed_login_count == 4


def test_rate_limit_per_login_name_counts_logged_attempts_in_the_last_minute(session) -> None:
    user = make_user(session, username="lin.fang")
    with clock.frozen(T0):
        for attempt in range(login.MAX_ATTEMPTS_PER_LOGIN):
            # Spread over addresses; an unknown name is limited just the same.
            _try(session, "ghost.user", f"guess {attempt}", ip=f"10.1.0.{attempt}")
        limited = _try(session, "ghost.user", "guess", ip="10.9.9.9")
        assert isinstance(limited.error, TooManyAttempts)
        assert _try(session, "lin.fang", PASSWORD, ip="10.9.9.9").user is user  # others unaffected
    with clock.frozen(T0 + dt.timedelta(seconds=61)):
        # The rate limit has lifted; the name's 5 failures locked it, as they lock a user.
        assert isinstance(_try(session, "ghost.user", "guess", ip="10.9.9.9").error, AccountLocked)
    last = queries.login_events(session, login="ghost.user")
    # Rows of one instant are in no set order: the retry is the last, after the refused one.
    reasons = [event.reason for event in last]
    assert reasons[-1] == "locked" and reasons.count("rate_limited") == 1


def test_rate_limit_per_address(session) -> None:
    make_user(session, username="lin.fang")
    with clock.frozen(T0):
        for attempt in range(login.MAX_ATTEMPTS_PER_IP):
            _try(session, f"name{attempt:02d}", "guess", ip="192.0.2.7")
        limited = _try(session, "lin.fang", PASSWORD, ip="192.0.2.7")
        assert isinstance(limited.error, TooManyAttempts) and limited.user is None
        assert _try(session, "lin.fang", PASSWORD, ip="192.0.2.8").user is not None


def test_the_limit_per_address_is_the_deployment_s(session) -> None:
    make_user(session, username="lin.fang")
    with clock.frozen(T0):
        for attempt in range(3):
            login.attempt_login(
                session, login=f"n{attempt}", password="guess", ip="192.0.2.9", attempts_per_ip=3
            )
        limited = login.attempt_login(
            session, login="lin.fang", password=PASSWORD, ip="192.0.2.9", attempts_per_ip=3
        )
        assert isinstance(limited.error, TooManyAttempts)
        allowed = login.attempt_login(
            session, login="lin.fang", password=PASSWORD, ip="192.0.2.9", attempts_per_ip=100
        )
        assert allowed.user is not None
        for _attempt in range(2):
            login.attempt_login(session, login="lin.fang", password=PASSWORD, ip="192.0.2.10")
        per_name = login.attempt_login(
            session, login="lin.fang", password=PASSWORD, ip="192.0.2.11", attempts_per_login=3
        )
        assert isinstance(per_name.error, TooManyAttempts)


def test_a_hash_with_old_parameters_is_upgraded_at_login(session, monkeypatch) -> None:
    user = make_user(session, username="lin.fang")
    old_hash = user.password_hash
    stronger = passwords.PasswordHasher(time_cost=2, memory_cost=2048, parallelism=1)
    monkeypatch.setattr(passwords, "_hasher", stronger)
    assert passwords.needs_rehash(old_hash)
    assert _try(session, "lin.fang", PASSWORD).user is user
    assert user.password_hash != old_hash and "m=2048,t=2" in user.password_hash
    assert passwords.verify_password(user.password_hash, PASSWORD)


def test_login_by_phone_number(session) -> None:
    user = make_user(session, username="lin.fang", phone="+86 138-0013-8000")
    assert user.phone_hash == keyed_hash("13800138000")
    stored = session.execute(select(User.__table__.c.phone_hash)).scalar_one()
    assert "13800138000" not in stored
    for typed in ("13800138000", "+8613800138000", "138 0013 8000"):
        assert _try(session, typed, PASSWORD).user is user
    assert _try(session, "13900139000", PASSWORD).user is None
    keys = {event.login for event in queries.login_events(session)}
    assert all("13800138000" not in key for key in keys)  # the log keeps no phone in clear
    assert any(key.startswith("phone:138****8000:") for key in keys)


def test_an_inactive_user_cannot_log_in(session) -> None:
    user = make_user(session, username="lin.fang")
    user.is_active = False
    session.flush()
    result = _try(session, "lin.fang", PASSWORD)
    assert isinstance(result.error, NotAuthenticated) and result.user is None
    assert session.scalars(select(LoginEvent.reason)).all() == ["inactive"]


def test_the_limit_holds_across_processes_and_restarts(fresh_database) -> None:
    """Two engines stand for two server processes (or one restarted): the count is in rows."""
    from gridgov.database.sessions import session_factory
    from gridgov.storage.engine import create_engine_for

    fresh_database.migrate()
    engines = [create_engine_for(fresh_database.url) for _ in range(2)]
    try:
        makers = [session_factory(engine) for engine in engines]
        with makers[0].begin() as session:
            make_user(session, username="lin.fang")
        with clock.frozen(T0):
            for attempt in range(login.MAX_ATTEMPTS_PER_LOGIN):
                with makers[attempt % 2].begin() as session:
                    assert _try(
                        session, "lin.fang", f"guess {attempt}", ip=f"10.2.0.{attempt}"
                    ).error
            with makers[0].begin() as session:
                limited = _try(session, "lin.fang", PASSWORD, ip="10.3.0.1")
        assert isinstance(limited.error, TooManyAttempts)
        with makers[1].begin() as session:
            user = session.scalar(select(User).where(User.username == "lin.fang"))
            assert user.locked_until == T0 + login.LOCKOUT  # the 5th failure locked it
            assert len(queries.login_events(session, user_id=user.id)) == 10
    finally:
        for engine in engines:
            engine.dispose()
