"""`gridgov keys ...`: the keys that protect personal fields at rest."""

from __future__ import annotations

import secrets
from collections import Counter

from gridgov.cli.common import console, new_typer, transaction
from gridgov.crypto import key_ring, new_encryption_key
from gridgov.database.key_rotation import do_reencrypt_encrypted_columns
from gridgov.database.keys import forget_unused_keys

app = new_typer("Encryption keys of personal fields: make new ones, rotate.")


@app.command()
def new() -> None:
    """Print fresh keys for GRIDGOV_SECRET_KEY and GRIDGOV_ENCRYPTION_KEYS."""
    console.print(f"GRIDGOV_SECRET_KEY={secrets.token_urlsafe(48)}", markup=False)
    console.print(f"GRIDGOV_ENCRYPTION_KEYS={new_encryption_key()}", markup=False)
    console.print(
        "To rotate: put a new key FIRST in GRIDGOV_ENCRYPTION_KEYS, keep the old ones after "
        "it, run `gridgov keys rotate`, then drop the old ones."
    )


@app.command()
def rotate() -> None:
    """Re-encrypt every encrypted value (residents' ID numbers and phones, case reporters'
    phones and e-mails, every column encrypted at rest) with the first (newest) key."""
    with transaction() as session:
        rotation = do_reencrypt_encrypted_columns(session)
        # The old keys no value is encrypted under any more may leave the ring.
        forgotten = forget_unused_keys(session.connection(), key_ring())
    by_key = ", ".join(
        f"{count} from key {key_id}" for key_id, count in sorted(rotation.by_key.items())
    )
    by_column = ", ".join(
        f"{count} in {name}" for name, count in sorted(rotation.by_column.items())
    )
    detail = "; ".join(part for part in (by_key, by_column) if part)
    console.print(
        f"re-encrypted {rotation.total} value(s) under key {key_ring().current_id}"
        + (f" ({detail})" if detail else ""),
        markup=False,
        soft_wrap=True,
    )
    if rotation.undecryptable:
        where = ", ".join(
            f"{count} in {name}" for name, count in sorted(rotation.undecryptable.items())
        )
        console.print(
            f"left as they are: value(s) no key of the ring decrypts ({where})",
            markup=False,
            soft_wrap=True,
        )
    if forgotten:
        console.print(
            f"no value is encrypted under key(s) {', '.join(forgotten)} any more: "
            "they may leave GRIDGOV_ENCRYPTION_KEYS",
            markup=False,
            soft_wrap=True,
        )


def _listed(counts: Counter[str], template: str = "{count} in {name}") -> str:
    return ", ".join(
        template.format(count=count, name=name) for name, count in sorted(counts.items())
    )
