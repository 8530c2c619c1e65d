"""Key rotation of the registry's encrypted personal fields."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import String, column, select, table, update
from sqlalchemy.orm import Session

from gridgov.crypto import KeyRing, key_ring

# The raw columns, ciphertext as stored (the ORM's EncryptedString would decrypt them).
_raw = table(
    "residents",
    column("id", String),
    column("id_number", String),
    column("phone", String),
)
ENCRYPTED_COLUMNS = ("id_number", "phone")


def do_reencrypt_personal_fields(
    session: Session, *, ring: KeyRing | None = None, batch_size: int = 1000
) -> Counter[str]:
    """Re-encrypt every value not under the ring's current key; count them by old key id."""
    ring = ring or key_ring()
    rewritten: Counter[str] = Counter()
    stale = [
        getattr(_raw.c, name).is_not(None)
        & ~getattr(_raw.c, name).startswith(f"v1:{ring.current_id}:")
        for name in ENCRYPTED_COLUMNS
    ]
    rows = session.execute(
        select(_raw.c.id, _raw.c.id_number, _raw.c.phone).where(stale[0] | stale[1])
    ).all()
    for start in range(0, len(rows), batch_size):
        for resident_id, *stored_values in rows[start : start + batch_size]:
            values: dict[str, str | None] = {}
            for name, stored in zip(ENCRYPTED_COLUMNS, stored_values, strict=True):
                if stored is not None and ring.key_id_of(stored) != ring.current_id:
                    rewritten[ring.key_id_of(stored)] += 1
                    values[name] = ring.encrypt(ring.decrypt(stored))
            session.execute(update(_raw).where(_raw.c.id == resident_id).values(**values))
    session.flush()
    return rewritten
