"""Logging in: rate limit, lockout, password check, and a login_events row for every try.

``attempt_login`` never raises for a refused login: it returns the error, so the caller can
commit the failure's traces (the event row, the failure count, the lockout) and then answer.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import update
from sqlalchemy.orm import Session

from gridgov import clock
from gridgov.accounts import passwords, queries
from gridgov.accounts.errors import AccountLocked, NotAuthenticated, TooManyAttempts
from gridgov.accounts.models import LoginEvent, User
from gridgov.errors import DomainError

MAX_FAILURES = 5
LOCKOUT = dt.timedelta(minutes=15)
RATE_WINDOW = dt.timedelta(minutes=1)
MAX_ATTEMPTS_PER_LOGIN = 10
# Higher than per login: a village office puts many people behind one address.
MAX_ATTEMPTS_PER_IP = 30

BAD_CREDENTIALS = "wrong username, phone or password"


@dataclass(frozen=True)
class LoginResult:
    user: User | None
    error: DomainError | None


def attempt_login(session: Session, *, login: str, password: str, ip: str | None) -> LoginResult:
    """Check one login attempt and record it. Unknown user and wrong password look alike."""
    key = queries.login_key(login)
    now = clock.now()
    by_login, by_ip = queries.recent_attempts(session, login=key, ip=ip, since=now - RATE_WINDOW)
    if by_login >= MAX_ATTEMPTS_PER_LOGIN or by_ip >= MAX_ATTEMPTS_PER_IP:
        _record(session, key, None, "rate_limited", ip)
        return LoginResult(None, TooManyAttempts("too many login attempts: wait a minute"))
    user = queries.user_by_login(session, login)
    if user is not None and user.locked_until is not None and user.locked_until > now:
        _record(session, key, user, "locked", ip)
        return LoginResult(None, _locked(user.locked_until))
    if not passwords.verify_password(user.password_hash if user else None, password):
        return LoginResult(None, _fail(session, key, user, ip))
    assert user is not None  # verify_password refuses a missing hash
    if not user.is_active:
        _record(session, key, user, "inactive", ip)
        return LoginResult(None, NotAuthenticated(BAD_CREDENTIALS))
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    user.failed_login_count = 0
    user.locked_until = None
    _record(session, key, user, "ok", ip)
    return LoginResult(user, None)


def _fail(session: Session, key: str, user: User | None, ip: str | None) -> DomainError:
    _record(session, key, user, "bad_credentials", ip)
    if user is None:
        return NotAuthenticated(BAD_CREDENTIALS)
    # Counted in SQL: parallel wrong guesses cannot overwrite each other's count.
    failures = session.execute(
        update(User)
        .where(User.id == user.id)
        .values(failed_login_count=User.failed_login_count + 1)
        .returning(User.failed_login_count)
    ).scalar_one()
    if failures >= MAX_FAILURES:
        user.failed_login_count = 0
        user.locked_until = clock.now() + LOCKOUT
        session.flush()
        return _locked(user.locked_until)
    return NotAuthenticated(BAD_CREDENTIALS)


def _locked(until: dt.datetime) -> AccountLocked:
    minutes = max(1, round((until - clock.now()).total_seconds() / 60))
    return AccountLocked(
        f"the account is locked after {MAX_FAILURES} failed logins in a row: try again in "
        f"{minutes} minutes, or ask an administrator to reset the password"
    )


def _record(session: Session, key: str, user: User | None, reason: str, ip: str | None) -> None:
    session.add(
        LoginEvent(
            user_id=user.id if user else None,
            login=key,
            success=reason == "ok",
            reason=reason,
            ip=ip,
            at=clock.now(),
        )
    )
    session.flush()
