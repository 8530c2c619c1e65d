"""Scratch databases for the benches: a migrated throwaway PostgreSQL schema (dropped at the
end) or SQLite file, whether the PostgreSQL server answers, and bulk loading into PostgreSQL
(COPY, then VACUUM ANALYZE). ``GRIDGOV_BENCH_POSTGRES_URL``
names the server (default: the local one's ``test`` database).

Imported by the benches as ``scratch`` (``bench/`` is the script's folder, first on
``sys.path``); not a module of the package.
"""

from __future__ import annotations

import os
import secrets
import sys
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from sqlalchemy import Engine, text

from gridgov.database.migrate import upgrade
from gridgov.storage.engine import create_engine_for

POSTGRES_URL = os.environ.get(
    "GRIDGOV_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
console = Console(width=None if sys.stdout.isatty() else 150)


# --- the databases -------------------------------------------------------------------------


@contextmanager
def postgres_schema(prefix: str, keep: bool = False) -> Iterator[tuple[Engine, str]]:
    """A migrated throwaway PostgreSQL schema ``<prefix>_<pid>_<hex>``: (engine, its URL).
    Dropped at the end unless ``keep``."""
    schema = f"{prefix}_{os.getpid()}_{secrets.token_hex(3)}"
    admin = create_engine_for(POSTGRES_URL)
    with admin.begin() as connection:
        connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    url = f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    engine = create_engine_for(url)
    try:
        upgrade(engine)
        yield engine, url
    finally:
        engine.dispose()
        if keep:
            console.print(f"kept schema {schema}")
        else:
            with admin.begin() as connection:
                connection.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


@contextmanager
def sqlite_file(prefix: str) -> Iterator[tuple[Engine, str]]:
    """A migrated SQLite file in a temporary folder named ``<prefix>...``: (engine, URL)."""
    with tempfile.TemporaryDirectory(prefix=prefix) as folder:
        url = f"sqlite:///{folder}/bench.sqlite3"
        engine = create_engine_for(url)
        try:
            upgrade(engine)
            yield engine, url
        finally:
            engine.dispose()


def postgres_reachable() -> bool:
    """Whether the PostgreSQL server answers (when not, says so and why)."""
    try:
        engine = create_engine_for(POSTGRES_URL)
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
        return True
    except Exception as exc:
        console.print(f"[yellow]PostgreSQL at {POSTGRES_URL} unreachable, skipped: {exc}")
        return False


# --- bulk loading (PostgreSQL) -------------------------------------------------------------


def copy_rows(engine: Engine, table: str, columns: Sequence[str], rows: Iterable[Any]) -> int:
    """``rows`` (tuples in ``columns``' order) into ``table`` by one COPY, in one
    transaction: how many."""
    raw = engine.raw_connection()
    loaded = 0
    try:
        connection = raw.driver_connection
        statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
        with (
            connection.transaction(),
            connection.cursor() as cursor,
            cursor.copy(statement) as stream,
        ):
            for one in rows:
                stream.write_row(one)
                loaded += 1
    finally:
        raw.close()
    return loaded


def vacuum(engine: Engine, *tables: str) -> None:
    """``VACUUM ANALYZE`` of ``tables`` (after a bulk load: fresh statistics for the planner)."""
    raw = engine.raw_connection()
    try:
        connection = raw.driver_connection
        connection.autocommit = True
        connection.execute(f"VACUUM ANALYZE {', '.join(tables)}")
        connection.autocommit = False
    finally:
        raw.close()
