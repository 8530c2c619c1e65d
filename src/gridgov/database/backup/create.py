"""``gridgov backup``: the database (a consistent copy), the photos, a manifest, and the
keys only when asked (sealed with a passphrase)."""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from gridgov import clock
from gridgov.database.backup import archive, postgres_dump, sqlite_dump
from gridgov.database.backup.manifest import BackupRefused, Manifest
from gridgov.database.backup.sealing import seal
from gridgov.settings import Settings

DEVELOPMENT_SECRETS = "secrets.json"  # where gridgov.crypto keeps generated development keys


def backend_of(database_url: str) -> str:
    name = make_url(database_url).get_backend_name()
    if name not in ("sqlite", "postgresql"):
        raise BackupRefused(f"no backup for a {name} database: SQLite or PostgreSQL only")
    return name


def configured_secrets(settings: Settings) -> dict[str, str]:
    """The keys this deployment runs on: GRIDGOV_SECRET_KEY and GRIDGOV_ENCRYPTION_KEYS, or
    the development keys generated into the data directory."""
    secret, keys = settings.secret_key, settings.encryption_keys
    stored = settings.data_dir / DEVELOPMENT_SECRETS
    if (secret is None or keys is None) and stored.is_file():
        generated = json.loads(stored.read_text())
        secret, keys = secret or generated["secret_key"], keys or generated["encryption_keys"]
    if secret is None or keys is None:
        raise BackupRefused(
            "no keys to include: GRIDGOV_SECRET_KEY and GRIDGOV_ENCRYPTION_KEYS are not set "
            f"and {stored} does not exist"
        )
    return {"secret_key": secret, "encryption_keys": keys}


@dataclass(frozen=True)
class KeysToSeal:
    secrets: dict[str, str]
    passphrase: str


def create_backup(settings: Settings, target: Path, *, keys: KeysToSeal | None) -> Manifest:
    """Write the backup of the configured database and data directory to ``target``."""
    url = settings.resolved_database_url()
    backend = backend_of(url)
    if target.exists():
        raise BackupRefused(f"{target} exists: name a new file")
    if not target.parent.is_dir():
        raise BackupRefused(f"no folder {target.parent} to write the backup in")
    sealed = seal(keys.secrets, keys.passphrase) if keys is not None else None
    created = clock.now()
    with tempfile.TemporaryDirectory(prefix="gridgov-backup-", dir=target.parent) as work:
        schema = None
        if backend == "sqlite":
            database = Path(work) / "database.sqlite3"
            digests, revision = sqlite_dump.dump(url, database)
        else:
            database = Path(work) / "database.pgdump"
            digests, revision, schema = postgres_dump.dump(url, database)
        if revision is None:
            raise BackupRefused("the database is not migrated: nothing to back up")
        # After the database: every photo its rows name was written before its row.
        photos = archive.photo_files(settings.data_dir)
        manifest = Manifest(
            backend=backend,
            revision=revision,
            created_at=clock.local_iso(created),
            database_file=database.name,
            tables=digests,
            photos=archive.photo_digests(photos),
            keys_included=sealed is not None,
            schema=schema,
        )
        archive.write(
            target,
            manifest,
            database=database,
            photos=photos,
            sealed_keys=sealed,
            mtime=created.timestamp(),
        )
    return manifest
