"""Logging in: rate limit, lockout, password check, and a login_events row for every try.

``attempt_login`` never raises for a refused login: it returns the error, so the caller can
commit the failure's traces (the event row, the failure count, the lockout) and then answer.
``check_current_password`` does the same for the password a password change asks for: a
wrong one counts toward the same lockout.

An unknown login name locks out exactly as a user does (the same 423 on the 5th failure in a
row, for the same 15 minutes), so the answers never tell which names exist; its failures are
counted in its login_events rows, since it has no users row to count them in. Its password
is checked against a dummy hash, so its answers take as long as a user's.
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
from gridgov.errors import DomainError, ValidationFailed
from gridgov.i18n import Message

MAX_FAILURES = 5
LOCKOUT = dt.timedelta(minutes=15)
RATE_WINDOW = dt.timedelta(minutes=1)
MAX_ATTEMPTS_PER_LOGIN = 10
# Higher than per login: a village office puts many people behind one address (the
# default of GRIDGOV_LOGIN_ATTEMPTS_PER_IP, which the adapters pass in).
MAX_ATTEMPTS_PER_IP = 30

BAD_CREDENTIALS = "wrong username, phone or password"


@dataclass(frozen=True)
class LoginResult:
    user: User | None
    error: DomainError | None


def attempt_login(
    session: Session,
    *,
    login: str,
    password: str,
    ip: str | None,
    attempts_per_ip: int = MAX_ATTEMPTS_PER_IP,
    attempts_per_login: int = MAX_ATTEMPTS_PER_LOGIN,
) -> LoginResult:
    """Check one login attempt and record it. Unknown user and wrong password look alike.
    At most ``attempts_per_ip`` attempts a minute from one address and
    ``attempts_per_login`` for one username or phone."""
    key = queries.login_key(login)
    now = clock.now()
    by_login, by_ip = queries.recent_attempts(session, login=key, ip=ip, since=now - RATE_WINDOW)
    if by_login >= attempts_per_login or by_ip >= attempts_per_ip:
        _record(session, key, None, "rate_limited", ip)
        return LoginResult(None, TooManyAttempts("too many login attempts: wait a minute"))
    user = queries.user_by_login(session, login)
    locked_until = _locked_until(session, key, user)
    if locked_until is not None and locked_until > now:
        _record(session, key, user, "locked", ip)
        return LoginResult(None, _locked(locked_until))
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


def check_current_password(
    session: Session, user: User, password: str, *, ip: str | None
) -> DomainError | None:
    """None when ``password`` is ``user``'s current password. A wrong one is a failed login:
    logged, counted, the MAX_FAILURES-th in a row locks the account (423) and while it is
    locked no password is checked. Returned, not raised, like ``attempt_login``'s errors, so
    the caller commits the traces; a right one ends the run of failures."""
    key = queries.login_key(user.username)
    if user.locked_until is not None and user.locked_until > clock.now():
        _record(session, key, user, "locked", ip)
        return _locked(user.locked_until)
    if not passwords.verify_password(user.password_hash, password):
        error = _fail(session, key, user, ip, reason="bad_current_password")
        if isinstance(error, AccountLocked):
            return error
        return ValidationFailed.field("current_password", Message("is not the current password"))
    user.failed_login_count = 0
    return None


def _locked_until(session: Session, key: str, user: User | None) -> dt.datetime | None:
    if user is not None:
        return user.locked_until
    failures = queries.failed_unknown_logins(session, key)
    if failures < MAX_FAILURES:
        return None
    # An unknown name's failures are counted only while it is not locked and nothing ends
    # their run, so every MAX_FAILURES-th failure began a lockout: the latest began with
    # the failure that has (failures % MAX_FAILURES) failures after it.
    began = queries.failed_unknown_login_at(session, key, later=failures % MAX_FAILURES)
    return None if began is None else began + LOCKOUT


def _fail(
    session: Session,
    key: str,
    user: User | None,
    ip: str | None,
    *,
    reason: str = "bad_credentials",
) -> DomainError:
    _record(session, key, user, reason, ip)
    if user is None:
        if queries.failed_unknown_logins(session, key) % MAX_FAILURES == 0:
            return _locked(clock.now() + LOCKOUT)
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
        f"{minutes} minutes, or ask an administrator to reset the password",
        minutes=minutes,
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
