"""The check values that bind the keys to the data (see :mod:`gridgov.database.keys`)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from gridgov.storage.base import Base, UTCDateTime

ENCRYPTION, HASH = "encryption", "hash"
HASH_KEY_ID = "secret"  # the one hash secret's row


class KeyCheck(Base):
    """A check value of one key: ``encryption`` (CHECK_TEXT encrypted under the key id) or
    ``hash`` (its keyed hash under the secret). It tells whether keys match, nothing more."""

    __tablename__ = "key_checks"
    __table_args__ = (CheckConstraint(f"kind IN ('{ENCRYPTION}', '{HASH}')", name="kind_known"),)

    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    key_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    check_value: Mapped[str] = mapped_column(String(255), nullable=False)
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)
