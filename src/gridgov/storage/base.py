"""Declarative base with a naming convention, so migrations name constraints stably."""

from __future__ import annotations

import datetime as dt
import logging
from typing import ClassVar

from sqlalchemy import DateTime, MetaData, String, Table
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from gridgov import clock, crypto
from gridgov.ids import new_id

log = logging.getLogger("gridgov.crypto")

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timezone-aware UTC datetime on every backend (SQLite keeps no offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: object) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(dt.UTC)

    def process_result_value(
        self, value: dt.datetime | None, dialect: object
    ) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


class EncryptedString(TypeDecorator[str]):
    """A personal field encrypted at rest (AES-GCM, see gridgov.crypto): the column holds
    ciphertext only; Python code reads and writes the plain value."""

    impl = String
    cache_ok = True

    def __init__(self, length: int = 120) -> None:
        # The column holds the ciphertext: key id, nonce and tag add about 70 characters
        # to the base64 of the value.
        super().__init__(length)

    def process_bind_param(self, value: str | None, dialect: object) -> str | None:
        if value == crypto.UNDECRYPTABLE:
            raise crypto.UndecryptableValue("an undecryptable value read back is never written")
        return None if value is None else crypto.encrypt(value)

    def process_result_value(self, value: str | None, dialect: object) -> str | None:
        if value is None:
            return None
        try:
            return crypto.decrypt(value)
        except crypto.UndecryptableValue:
            # One bad value (a key missing from the ring, a damaged value) must not turn a
            # whole list or export into an error: it reads as undecryptable, and is logged.
            prefix, _, rest = value.partition(":")
            key_id = rest.partition(":")[0] if prefix == crypto.PREFIX else "(not encrypted)"
            log.error("a stored personal field cannot be decrypted (key id %s)", key_id)
            return crypto.UNDECRYPTABLE


def code_string() -> String:
    """A territory code column: byte-order collation on PostgreSQL, so ``LIKE 'code%'``
    (the subtree filter) is served by the plain B-tree index."""
    return String(17).with_variant(String(17, collation="C"), "postgresql")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    # Every model maps one Table (none maps a join or a select): bulk writers take it as one.
    __table__: ClassVar[Table]


def id_column() -> Mapped[str]:
    return mapped_column(String(32), primary_key=True, default=new_id)


def created_at_column() -> Mapped[dt.datetime]:
    return mapped_column(UTCDateTime(), default=clock.now, nullable=False)


def updated_at_column() -> Mapped[dt.datetime]:
    return mapped_column(UTCDateTime(), default=clock.now, onupdate=clock.now, nullable=False)
