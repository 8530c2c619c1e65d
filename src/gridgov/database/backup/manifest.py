"""The manifest of a backup, and what a restore checks of it before touching anything."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from typing import Any

from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError

from gridgov.database.migrate import alembic_config
from gridgov.errors import GridgovError

FORMAT_VERSION = 1
MANIFEST_NAME = "manifest.json"
SEALED_KEYS_NAME = "keys.sealed.json"
PHOTOS_DIR = "photos"


class BackupRefused(GridgovError):
    """A backup cannot be made, or a restore cannot go ahead (one line says why)."""


@dataclass(frozen=True)
class TableDigest:
    rows: int
    sha256: str


@dataclass
class Manifest:
    backend: str  # sqlite or postgresql
    revision: str  # the database's migration revision(s), comma-joined
    created_at: str  # ISO 8601, from gridgov.clock
    database_file: str  # the member of the archive holding the database
    tables: dict[str, TableDigest]
    photos: dict[str, str] = field(default_factory=dict)  # archive path -> SHA-256
    keys_included: bool = False
    schema: str | None = None  # PostgreSQL: the schema the dump holds
    format: int = FORMAT_VERSION

    def to_json(self) -> bytes:
        return json.dumps(dataclasses.asdict(self), indent=1, sort_keys=True).encode()

    @classmethod
    def from_json(cls, raw: bytes) -> Manifest:
        try:
            data: dict[str, Any] = json.loads(raw)
            if data.get("format") != FORMAT_VERSION:
                raise BackupRefused(
                    f"backup format {data.get('format')!r}: this gridgov reads format "
                    f"{FORMAT_VERSION} only"
                )
            data["tables"] = {name: TableDigest(**d) for name, d in data["tables"].items()}
            return cls(**data)
        except (ValueError, TypeError, KeyError) as exc:
            raise BackupRefused(f"the backup's manifest is unreadable ({exc})") from exc

    @property
    def total_rows(self) -> int:
        return sum(digest.rows for digest in self.tables.values())


def check_revision_known(revision: str) -> None:
    """Refuse a backup made by a newer gridgov: its migration revision is not in this code
    (an older one is fine, `gridgov db upgrade` brings it up after the restore)."""
    scripts = ScriptDirectory.from_config(alembic_config())
    for part in revision.split(","):
        try:
            known = scripts.get_revision(part)
        except CommandError:
            known = None
        if known is None:
            raise BackupRefused(
                f"the backup is at migration {revision}, newer than this gridgov knows "
                "(upgrade gridgov first)"
            )


def differences(expected: dict[str, TableDigest], found: dict[str, TableDigest]) -> list[str]:
    """The tables whose rows or checksum differ (or that are missing on either side)."""
    return sorted(
        name for name in expected.keys() | found.keys() if expected.get(name) != found.get(name)
    )
