"""Open311 API keys: made once, shown once, stored as a hash, revocable.

A key is ``secrets.token_urlsafe(32)`` (256 random bits), so a plain SHA-256 is enough to
find it again and to learn nothing from a leaked table; unlike ``crypto.keyed_hash`` it does
not tie every issued key to GRIDGOV_SECRET_KEY (rotating that secret keeps the keys valid).
"""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov import clock
from gridgov.errors import Conflict, NotFound, ValidationFailed
from gridgov.i18n import Message
from gridgov.open311.models import Open311ApiKey

KEY_BYTES = 32
ACTOR_PREFIX = "open311:"
# A post is recorded as "open311:<name>" (``actor_of``), in 64-character actor columns.
MAX_NAME_LENGTH = 64 - len(ACTOR_PREFIX)


def actor_of(key: Open311ApiKey) -> str:
    """Who a post made with ``key`` is recorded as."""
    return ACTOR_PREFIX + key.name


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def check_create_key(session: Session, *, name: str, actor: str) -> tuple[Open311ApiKey, str]:
    """A new key named ``name``: the row and the key itself (the only time it is known)."""
    name = name.strip()
    if not name:
        raise ValidationFailed.field("name", Message("a key needs a name"))
    if len(name) > MAX_NAME_LENGTH:
        raise ValidationFailed.field(
            "name",
            Message("at most %(MAX_NAME_LENGTH)s characters", MAX_NAME_LENGTH=MAX_NAME_LENGTH),
        )
    if session.scalar(select(Open311ApiKey.id).where(Open311ApiKey.name == name)) is not None:
        raise Conflict(
            Message(
                "an Open311 key named %(name)r exists already (names are never reused)", name=name
            )
        )
    key = secrets.token_urlsafe(KEY_BYTES)
    row = Open311ApiKey(name=name, key_hash=hash_key(key), created_by=actor)
    session.add(row)
    session.flush()
    return row, key


def check_revoke_key(session: Session, *, name: str) -> Open311ApiKey:
    """Revoke the key named ``name``: from now on it answers 403. The row stays."""
    row = session.scalar(select(Open311ApiKey).where(Open311ApiKey.name == name))
    if row is None:
        raise NotFound(Message("no Open311 key is named %(name)r", name=name))
    if row.revoked_at is not None:
        raise Conflict(Message("the Open311 key %(name)r was revoked already", name=name))
    row.revoked_at = clock.now()
    session.flush()
    return row


def list_keys(session: Session) -> list[Open311ApiKey]:
    return list(session.scalars(select(Open311ApiKey).order_by(Open311ApiKey.created_at)))


def find_active_key(session: Session, key: str) -> Open311ApiKey | None:
    """The unrevoked key row ``key`` belongs to, or None."""
    if not key:
        return None
    return session.scalar(
        select(Open311ApiKey).where(
            Open311ApiKey.key_hash == hash_key(key), Open311ApiKey.revoked_at.is_(None)
        )
    )
