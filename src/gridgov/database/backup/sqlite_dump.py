"""SQLite: a consistent copy with the online backup API (safe while the server writes: the
copy is one snapshot, and in WAL mode readers never block the writer), and its restore the
same way in the other direction."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from gridgov.database.backup.checksums import table_digests
from gridgov.database.backup.manifest import BackupRefused, TableDigest
from gridgov.database.migrate import current_revision


def database_path(database_url: str) -> Path:
    path = make_url(database_url).database
    if not path or path == ":memory:":
        raise BackupRefused(f"{database_url} is not a SQLite file")
    return Path(path)


def _copy(source: sqlite3.Connection, target: sqlite3.Connection) -> None:
    with contextlib.closing(source), contextlib.closing(target):
        source.backup(target)  # every page in one step: one consistent snapshot


def dump(database_url: str, destination: Path) -> tuple[dict[str, TableDigest], str | None]:
    """Copy the database to ``destination`` (a plain rollback-journal file, self-contained);
    the copy's table digests and migration revision."""
    path = database_path(database_url)
    if not path.is_file():
        raise BackupRefused(f"no SQLite database at {path}")
    _copy(
        sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True),
        sqlite3.connect(destination),
    )
    with contextlib.closing(sqlite3.connect(destination)) as copy:
        copy.execute("PRAGMA journal_mode=DELETE")
    return read_state(destination)


def read_state(path: Path) -> tuple[dict[str, TableDigest], str | None]:
    """Table digests and migration revision of the SQLite file at ``path``."""
    engine = create_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as connection:
            digests = table_digests(connection)
        return digests, current_revision(engine)
    finally:
        engine.dispose()


def restore(source: Path, database_url: str) -> None:
    """Replace the database's content by the copy at ``source`` (the target file is created
    when missing; its folder too)."""
    path = database_path(database_url)
    path.parent.mkdir(parents=True, exist_ok=True)
    target = sqlite3.connect(path, timeout=30)
    _copy(sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True), target)
