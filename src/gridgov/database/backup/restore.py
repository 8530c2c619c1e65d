"""``gridgov restore``: check the backup's manifest, refuse a target holding data unless
forced, restore the database and the photos, then check every table's rows and checksum
against the manifest. The keys come back only if the backup holds them (sealed)."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from gridgov.database.backup import postgres_dump, sqlite_dump
from gridgov.database.backup.archive import BackupReader, open_backup
from gridgov.database.backup.checksums import tables_with_data
from gridgov.database.backup.create import DEVELOPMENT_SECRETS, backend_of
from gridgov.database.backup.manifest import (
    SEALED_KEYS_NAME,
    BackupRefused,
    Manifest,
    TableDigest,
    check_revision_known,
    differences,
)
from gridgov.database.backup.sealing import unseal
from gridgov.settings import Settings
from gridgov.storage.engine import create_engine_for


@dataclass(frozen=True)
class Restored:
    manifest: Manifest
    photos: int
    keys_file: Path | None  # where the backup's keys were written, if it held them


def _occupied_tables(database_url: str, backend: str) -> list[str]:
    if backend == "sqlite" and not sqlite_dump.database_path(database_url).exists():
        return []
    engine = create_engine_for(database_url)
    try:
        with engine.connect() as connection:
            if backend == "postgresql":
                postgres_dump.current_schema(connection)  # the URL's schema must exist
            return tables_with_data(connection)
    finally:
        engine.dispose()


def _check_target(settings: Settings, manifest: Manifest, *, force: bool) -> None:
    url = settings.resolved_database_url()
    backend = backend_of(url)
    if manifest.backend != backend:
        raise BackupRefused(
            f"a {manifest.backend} backup restores into a {manifest.backend} database only "
            f"(the configured one is {backend})"
        )
    occupied = _occupied_tables(url, backend)
    if occupied and not force:
        shown = ", ".join(occupied[:5]) + (", ..." if len(occupied) > 5 else "")
        raise BackupRefused(
            f"the target database holds data ({shown}): restore into an empty one, or give "
            "--force to replace it"
        )


def _open_keys(
    backup: BackupReader, data_dir: Path, passphrase: Callable[[], str], *, force: bool
) -> dict[str, str]:
    secrets = unseal(backup.read(SEALED_KEYS_NAME), passphrase())
    existing = data_dir / DEVELOPMENT_SECRETS
    if existing.is_file() and json.loads(existing.read_text()) != secrets and not force:
        raise BackupRefused(
            f"{existing} holds other keys than the backup's: move it away, or give --force"
        )
    return secrets


def _write_keys(data_dir: Path, secrets: dict[str, str]) -> Path:
    path = data_dir / DEVELOPMENT_SECRETS
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        json.dump(secrets, handle)
    return path


def _restore_database(
    backup: BackupReader, settings: Settings, work: Path
) -> dict[str, TableDigest]:
    """Restore the database part; the digests of the restored database."""
    url = settings.resolved_database_url()
    dump = backup.extract_database(work)
    if backup.manifest.backend == "sqlite":
        sqlite_dump.restore(dump, url)
        return sqlite_dump.read_state(sqlite_dump.database_path(url))[0]
    if backup.manifest.schema is None:
        raise BackupRefused("the backup's manifest names no PostgreSQL schema")
    postgres_dump.restore(dump, url, dump_schema=backup.manifest.schema, workdir=work)
    return postgres_dump.read_state(url)


def restore_backup(
    settings: Settings, source: Path, *, force: bool, passphrase: Callable[[], str]
) -> Restored:
    """Restore ``source`` into the configured database and data directory. ``passphrase``
    is asked only when the backup holds keys."""
    with open_backup(source) as backup:
        manifest = backup.manifest
        check_revision_known(manifest.revision)
        secrets = None
        if manifest.keys_included:
            secrets = _open_keys(backup, settings.data_dir, passphrase, force=force)
        _check_target(settings, manifest, force=force)
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="restore-", dir=settings.data_dir) as work:
            restored = _restore_database(backup, settings, Path(work))
        photos = backup.extract_photos(settings.data_dir)
    differ = differences(manifest.tables, restored)
    if differ:
        raise BackupRefused(
            f"the restored database differs from the backup in {len(differ)} table(s): "
            + ", ".join(differ)
        )
    keys_file = _write_keys(settings.data_dir, secrets) if secrets is not None else None
    return Restored(manifest=manifest, photos=photos, keys_file=keys_file)
