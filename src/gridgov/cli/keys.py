"""`gridgov keys ...`: the keys that protect personal fields at rest."""

from __future__ import annotations

import secrets

from gridgov.cli.common import console, new_typer, transaction
from gridgov.crypto import key_ring, new_encryption_key
from gridgov.database.keys import forget_unused_keys
from gridgov.registry.encryption import do_reencrypt_personal_fields

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
    """Re-encrypt every stored ID number and phone with the first (newest) key."""
    with transaction() as session:
        rewritten = do_reencrypt_personal_fields(session)
        # The old keys no value is encrypted under any more may leave the ring.
        forgotten = forget_unused_keys(session.connection(), key_ring())
    total = sum(rewritten.values())
    detail = ", ".join(f"{count} from key {key_id}" for key_id, count in sorted(rewritten.items()))
    console.print(
        f"re-encrypted {total} value(s) under key {key_ring().current_id}"
        + (f" ({detail})" if detail else ""),
        markup=False,
    )
    if forgotten:
        console.print(
            f"no value is encrypted under key(s) {', '.join(forgotten)} any more: "
            "they may leave GRIDGOV_ENCRYPTION_KEYS",
            markup=False,
            soft_wrap=True,
        )
