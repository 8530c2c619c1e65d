"""The pages' cookie sessions: random tokens stored as SHA-256 hashes (like bearer tokens),
ending at their expiry, after an idle spell, or when ended (sign-out, a password change or
reset).

The session's CSRF token is derived from its secret token (``csrf_token``): a page can put
it in its forms and its ``<meta>`` while the cookie itself stays HttpOnly, and nothing more
is stored. A signed-out browser gets a pre-session secret (its own cookie) for the sign-in
form, with a token derived the same way.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from gridgov import clock
from gridgov.accounts.models import User, WebSession
from gridgov.accounts.tokens import hash_token

TOKEN_BYTES = 32
# The cookie that carries a session's secret: the pages set it, the events socket reads it.
SESSION_COOKIE = "gridgov_session"
# last_seen_at is written at most this often, so page views do not all turn into writes.
TOUCH_INTERVAL = dt.timedelta(minutes=1)


def new_secret() -> str:
    """A random secret for a session or pre-session cookie."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def csrf_token(secret: str) -> str:
    """The CSRF token bound to a session's (or pre-session's) secret."""
    return hmac.new(secret.encode(), b"gridgov-csrf", hashlib.sha256).hexdigest()


def csrf_matches(secret: str | None, presented: str | None) -> bool:
    if not secret or not presented:
        return False
    return hmac.compare_digest(csrf_token(secret), presented)


def do_start_web_session(
    session: Session, user: User, *, ttl: dt.timedelta
) -> tuple[str, WebSession]:
    """A new session of ``user``: its secret (for the cookie, shown once) and its row."""
    secret = new_secret()
    now = clock.now()
    row = WebSession(
        user_id=user.id,
        token_hash=hash_token(secret),
        created_at=now,
        last_seen_at=now,
        expires_at=now + ttl,
    )
    session.add(row)
    session.flush()
    return secret, row


def find_live_web_session(
    session: Session, secret: str, *, idle: dt.timedelta
) -> tuple[WebSession, User] | None:
    """The session and its active user, or None if unknown, ended, expired or idle too long."""
    found = session.execute(
        select(WebSession, User)
        .join(User, User.id == WebSession.user_id)
        .where(WebSession.token_hash == hash_token(secret))
    ).first()
    if found is None:
        return None
    row, user = found
    now = clock.now()
    if row.ended_at is not None or row.expires_at <= now or row.last_seen_at + idle <= now:
        return None
    if not user.is_active:
        return None
    return row, user


def touch_due(row: WebSession, now: dt.datetime) -> bool:
    return now - row.last_seen_at >= TOUCH_INTERVAL


def do_touch_web_session(session: Session, row: WebSession, *, at: dt.datetime) -> None:
    """Record the session's last request, by id (a short writer transaction beside a read
    may do it): the row object learns the value without becoming dirty."""
    session.execute(update(WebSession).where(WebSession.id == row.id).values(last_seen_at=at))
    set_committed_value(row, "last_seen_at", at)


def do_end_web_session(session: Session, row: WebSession, *, reason: str) -> None:
    """End one session (sign-out): its cookie no longer signs anyone in."""
    if row.ended_at is None:
        row.ended_at = clock.now()
        row.ended_reason = reason
    session.flush()


def do_end_user_web_sessions(
    session: Session, user_id: str, *, reason: str, keep_id: str | None = None
) -> int:
    """End every live session of a user (except ``keep_id``); how many were ended."""
    statement = (
        update(WebSession)
        .where(WebSession.user_id == user_id, WebSession.ended_at.is_(None))
        .where(WebSession.expires_at > clock.now())
        .values(ended_at=clock.now(), ended_reason=reason)
        .execution_options(synchronize_session="fetch")
    )
    if keep_id is not None:
        statement = statement.where(WebSession.id != keep_id)
    result = session.execute(statement)
    assert isinstance(result, CursorResult)  # an UPDATE's result counts its rows
    return result.rowcount
