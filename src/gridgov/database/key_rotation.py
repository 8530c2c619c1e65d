"""Key rotation: re-encrypt every encrypted column under the ring's current key.

Every column of type ``EncryptedString`` in any table (``keys.encrypted_columns``: the
residents' ID numbers and phones, the case reporters' contact phone and e-mail, and any
added later) is rewritten, so that once ``gridgov keys rotate`` has run no value is left
under an old key and the old key can leave the ring. A value no key of the ring can
decrypt is left as it is and counted (it cannot be rotated; ``keys`` names its column).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import String, TableClause, column, select, table, update
from sqlalchemy.orm import Session

from gridgov import crypto
from gridgov.crypto import KeyRing, key_ring
from gridgov.database import tables
from gridgov.database.keys import encrypted_columns


@dataclass
class Rotation:
    """What a rotation did: values rewritten by their old key id and by ``table.column``,
    and the values no key of the ring decrypts, by ``table.column``."""

    by_key: Counter[str] = field(default_factory=Counter)
    by_column: Counter[str] = field(default_factory=Counter)
    undecryptable: Counter[str] = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.by_key.values())


def _stale_rows(
    session: Session, table_name: str, column_name: str, ring: KeyRing
) -> tuple[list[tuple[str, str]], str, TableClause]:
    """The (primary key, stored value) of every value not under the current key."""
    (key_name,) = [key.name for key in tables.metadata.tables[table_name].primary_key.columns]
    # The raw column, ciphertext as stored (the ORM's EncryptedString would decrypt it).
    raw = table(table_name, column(key_name, String), column(column_name, String))
    stored = raw.c[column_name]
    current = f"{crypto.PREFIX}:{ring.current_id}:"
    rows = session.execute(
        select(raw.c[key_name], stored).where(
            stored.is_not(None), ~stored.startswith(current, autoescape=True)
        )
    ).all()
    return [(row[0], row[1]) for row in rows], key_name, raw


def _reencrypt_column(
    session: Session, table_name: str, column_name: str, ring: KeyRing, rotation: Rotation
) -> None:
    rows, key_name, raw = _stale_rows(session, table_name, column_name, ring)
    where = f"{table_name}.{column_name}"
    for row_key, stored in rows:
        try:
            plain = ring.decrypt(stored)
        except crypto.UndecryptableValue:
            rotation.undecryptable[where] += 1
            continue
        rotation.by_key[ring.key_id_of(stored)] += 1
        rotation.by_column[where] += 1
        session.execute(
            update(raw).where(raw.c[key_name] == row_key).values({column_name: ring.encrypt(plain)})
        )


def do_reencrypt_encrypted_columns(session: Session, *, ring: KeyRing | None = None) -> Rotation:
    """Re-encrypt, under the ring's current key, every encrypted value of every table that
    is not under it yet. Flushes; the caller commits."""
    ring = ring or key_ring()
    rotation = Rotation()
    for table_name, column_name in encrypted_columns():
        _reencrypt_column(session, table_name, column_name, ring, rotation)
    session.flush()
    return rotation
