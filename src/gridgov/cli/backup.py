"""`gridgov backup FILE` and `gridgov restore FILE`: the database, the case photos and a
manifest in one archive (gridgov.database.backup); the keys only with --with-keys."""

from __future__ import annotations

from pathlib import Path

import typer

from gridgov.cli.common import console, settings
from gridgov.database.backup.create import KeysToSeal, configured_secrets, create_backup
from gridgov.database.backup.restore import restore_backup
from gridgov.errors import GridgovError

KEYS_NEEDED = (
    "keys not included: the database's personal fields open only with the same "
    "GRIDGOV_SECRET_KEY and GRIDGOV_ENCRYPTION_KEYS"
)

PassphraseFile = typer.Option(
    None,
    "--passphrase-file",
    help="Read the keys' passphrase from this file (first line) instead of a prompt.",
    dir_okay=False,
)


def _passphrase(path: Path | None, *, confirm: bool) -> str:
    if path is None:
        return str(
            typer.prompt("Passphrase of the keys", hide_input=True, confirmation_prompt=confirm)
        )
    try:
        lines = path.read_text().splitlines()
    except OSError as exc:
        raise GridgovError(f"cannot read the passphrase file {path}: {exc.strerror}") from exc
    return lines[0] if lines else ""


def backup(
    file: Path = typer.Argument(..., help="The archive to write (must not exist).", dir_okay=False),
    with_keys: bool = typer.Option(
        False, "--with-keys", help="Include the keys, sealed with a passphrase."
    ),
    passphrase_file: Path | None = PassphraseFile,
) -> None:
    """Back up the database (safe while serving), the case photos and a manifest to FILE."""
    configured = settings()
    keys = None
    if with_keys:
        secrets = configured_secrets(configured)
        keys = KeysToSeal(secrets, _passphrase(passphrase_file, confirm=True))
    manifest = create_backup(configured, file, keys=keys)
    console.print(
        f"backup written to {file}: {manifest.backend} database at migration "
        f"{manifest.revision}, {len(manifest.tables)} tables, {manifest.total_rows} rows, "
        f"{len(manifest.photos)} photos",
        markup=False,
    )
    console.print(
        "keys included, sealed with the passphrase" if manifest.keys_included else KEYS_NEEDED,
        markup=False,
    )


def restore(
    file: Path = typer.Argument(..., help="A backup written by `gridgov backup`.", dir_okay=False),
    force: bool = typer.Option(
        False, "--force", help="Replace a database that holds data (and a different keys file)."
    ),
    passphrase_file: Path | None = PassphraseFile,
) -> None:
    """Restore FILE into the configured database and data directory, then check every
    table's row count and checksum against the backup's manifest."""
    done = restore_backup(
        settings(),
        file,
        force=force,
        passphrase=lambda: _passphrase(passphrase_file, confirm=False),
    )
    manifest = done.manifest
    console.print(
        f"restored {manifest.backend} backup of {manifest.created_at} at migration "
        f"{manifest.revision}: {len(manifest.tables)} tables, {manifest.total_rows} rows and "
        f"{done.photos} photos, row counts and checksums verified",
        markup=False,
    )
    if done.keys_file is not None:
        console.print(
            f"keys included: written to {done.keys_file} (used when GRIDGOV_SECRET_KEY and "
            "GRIDGOV_ENCRYPTION_KEYS are not set; in production set those two from it)",
            markup=False,
        )
    else:
        console.print(KEYS_NEEDED + " as when the backup was made", markup=False)
