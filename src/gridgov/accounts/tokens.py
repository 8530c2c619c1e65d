"""Opaque bearer tokens: random, stored as SHA-256 hashes, expiring, revocable."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from gridgov import clock
from gridgov.accounts.models import ApiToken, User

TOKEN_BYTES = 32
# last_used_at is written at most this often, so reads do not all turn into writes.
TOUCH_INTERVAL = dt.timedelta(minutes=1)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(session: Session, user: User, *, ttl_seconds: int) -> tuple[str, ApiToken]:
    """A new token for ``user``: the plain string (shown once) and its stored row."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    now = clock.now()
    row = ApiToken(
        user_id=user.id,
        token_hash=hash_token(token),
        created_at=now,
        expires_at=now + dt.timedelta(seconds=ttl_seconds),
    )
    session.add(row)
    session.flush()
    return token, row


def find_valid_token(session: Session, token: str) -> tuple[ApiToken, User] | None:
    """The token's row and its active user, or None if unknown, expired or revoked."""
    found = session.execute(
        select(ApiToken, User)
        .join(User, User.id == ApiToken.user_id)
        .where(ApiToken.token_hash == hash_token(token))
    ).first()
    if found is None:
        return None
    row, user = found
    if row.revoked_at is not None or row.expires_at <= clock.now() or not user.is_active:
        return None
    return row, user


def touch_due(row: ApiToken, now: dt.datetime) -> bool:
    """Whether the token's last use is to be written now (its first use, then once per
    TOUCH_INTERVAL)."""
    return row.last_used_at is None or now - row.last_used_at >= TOUCH_INTERVAL


def touch(row: ApiToken) -> None:
    """Record the token's last use when due, in the row's own (writing) session."""
    now = clock.now()
    if touch_due(row, now):
        row.last_used_at = now


def do_touch(session: Session, row: ApiToken, *, at: dt.datetime) -> None:
    """Record the token's last use on ``session``, a short writer transaction beside the
    read that loaded ``row``: one UPDATE by id; the row object learns the value without
    becoming dirty, so the read's own session writes nothing."""
    session.execute(update(ApiToken).where(ApiToken.id == row.id).values(last_used_at=at))
    set_committed_value(row, "last_used_at", at)


def revoke_token(session: Session, row: ApiToken) -> None:
    if row.revoked_at is None:
        row.revoked_at = clock.now()
    session.flush()


def revoke_user_tokens(session: Session, user_id: str, *, keep_id: str | None = None) -> int:
    """Revoke every live token of a user (except ``keep_id``); how many were revoked."""
    statement = (
        update(ApiToken)
        .where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
        .where(ApiToken.expires_at > clock.now())
        .values(revoked_at=clock.now())
        .execution_options(synchronize_session="fetch")
    )
    if keep_id is not None:
        statement = statement.where(ApiToken.id != keep_id)
    result = session.execute(statement)
    assert isinstance(result, CursorResult)  # an UPDATE's result counts its rows
    return result.rowcount
