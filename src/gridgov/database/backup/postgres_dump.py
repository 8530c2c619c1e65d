"""PostgreSQL: ``pg_dump`` (custom format) of the schema the URL lands in, and
``pg_restore`` into the schema the target URL lands in (its ``options=-csearch_path=...``
or ``public``).

The dump and the manifest's checksums read the same snapshot: one REPEATABLE READ
transaction exports its snapshot to ``pg_dump --snapshot`` and computes the checksums.
A dump names its schema in every statement; restoring into a schema of another name
restores into the dump's name, then moves the tables over.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, Engine, inspect
from sqlalchemy.engine import make_url

from gridgov.database.backup.checksums import table_digests
from gridgov.database.backup.manifest import BackupRefused, TableDigest
from gridgov.storage.engine import create_engine_for, normalize_url


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupRefused(
            f"{name} not found on PATH: install the PostgreSQL client tools "
            "(of the server's version or newer)"
        )
    return found


def _libpq(database_url: str) -> tuple[str, dict[str, str]]:
    """The URL as libpq reads it (no driver, no password) and the environment carrying the
    password (never on a command line)."""
    url = make_url(normalize_url(database_url))
    environment = dict(os.environ)
    if url.password:
        environment["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), environment


def _run(command: list[str], environment: dict[str, str]) -> str:
    done = subprocess.run(command, capture_output=True, text=True, env=environment, check=False)
    if done.returncode != 0:
        reason = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise BackupRefused(f"{Path(command[0]).name} failed: {reason}")
    return done.stdout


def current_schema(connection: Connection) -> str:
    schema = connection.exec_driver_sql("SELECT current_schema()").scalar()
    if schema is None:
        raise BackupRefused("the schema the database URL names does not exist: create it first")
    return str(schema)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@contextmanager
def _snapshot(database_url: str) -> Iterator[Connection]:
    engine = create_engine_for(database_url, isolation_level="REPEATABLE READ")
    try:
        with engine.connect() as connection, connection.begin():
            yield connection
    finally:
        engine.dispose()


def dump(database_url: str, destination: Path) -> tuple[dict[str, TableDigest], str | None, str]:
    """``pg_dump`` the URL's schema to ``destination``; the digests, migration revision and
    schema name of the same snapshot."""
    pg_dump = _tool("pg_dump")
    conninfo, environment = _libpq(database_url)
    with _snapshot(database_url) as connection:
        snapshot = str(connection.exec_driver_sql("SELECT pg_export_snapshot()").scalar())
        schema = current_schema(connection)
        command = [pg_dump, "--format=custom", f"--snapshot={snapshot}"]
        command += ["--schema", _quote(schema), "--file", str(destination), "--dbname", conninfo]
        _run(command, environment)
        digests = table_digests(connection)
        revision = None
        if "alembic_version" in digests:
            rows = connection.exec_driver_sql("SELECT version_num FROM alembic_version")
            revision = ",".join(sorted(str(row[0]) for row in rows)) or None
    return digests, revision, schema


def _schema_exists(connection: Connection, schema: str) -> bool:
    sql = "SELECT 1 FROM pg_namespace WHERE nspname = %(name)s"
    return connection.exec_driver_sql(sql, {"name": schema}).first() is not None


def _functions(connection: Connection, schema: str) -> list[str]:
    """The functions of ``schema`` as ``"schema"."name"(argument types)``."""
    sql = (
        "SELECT p.proname, pg_get_function_identity_arguments(p.oid) FROM pg_proc p "
        "JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = %(name)s"
    )
    rows = connection.exec_driver_sql(sql, {"name": schema})
    return [f"{_quote(schema)}.{_quote(name)}({arguments})" for name, arguments in rows]


def _clear(connection: Connection, schema: str) -> None:
    """Drop gridgov's objects in ``schema``: its tables and functions (the audit log's
    append-only trigger function)."""
    names = inspect(connection).get_table_names(schema=schema)
    if names:
        listed = ", ".join(f"{_quote(schema)}.{_quote(name)}" for name in names)
        connection.exec_driver_sql(f"DROP TABLE {listed} CASCADE")
    for function in _functions(connection, schema):
        connection.exec_driver_sql(f"DROP FUNCTION {function} CASCADE")


def _restore_list(pg_restore: str, dump_file: Path, *, skip_schema: str | None) -> str:
    """The dump's table of contents, without the CREATE SCHEMA entry when the target schema
    exists already."""
    listing = _run([pg_restore, "--list", str(dump_file)], dict(os.environ))
    if skip_schema is None:
        return listing
    entry = re.compile(rf"^\d+; \d+ \d+ SCHEMA - {re.escape(skip_schema)} ")
    return "".join(line for line in listing.splitlines(keepends=True) if not entry.match(line))


def restore(dump_file: Path, database_url: str, *, dump_schema: str, workdir: Path) -> None:
    """Restore the dump into the target URL's schema, replacing the tables there (the
    caller decided the target may be replaced)."""
    pg_restore = _tool("pg_restore")
    conninfo, environment = _libpq(database_url)
    engine = create_engine_for(database_url)
    try:
        with engine.begin() as connection:
            target = current_schema(connection)
            if target != dump_schema and _schema_exists(connection, dump_schema):
                raise BackupRefused(
                    f"the backup holds schema {dump_schema!r}, which exists in the target "
                    f"database besides {target!r}: restore into {dump_schema!r} or drop it"
                )
            _clear(connection, target)
        listing = workdir / "restore.list"
        skip = dump_schema if target == dump_schema else None
        listing.write_text(_restore_list(pg_restore, dump_file, skip_schema=skip))
        command = [pg_restore, "--no-owner", "--no-privileges", "--exit-on-error"]
        command += ["--single-transaction", "--use-list", str(listing), "--dbname", conninfo]
        _run([*command, str(dump_file)], environment)
        if target != dump_schema:
            _move_tables(engine, dump_schema, target)
    finally:
        engine.dispose()


def _move_tables(engine: Engine, source: str, target: str) -> None:
    """Every table and function of ``source`` into ``target`` (indexes, constraints,
    triggers and owned sequences follow their table), then ``source`` dropped: it must be
    empty by then."""
    with engine.begin() as connection:
        for name in inspect(connection).get_table_names(schema=source):
            connection.exec_driver_sql(
                f"ALTER TABLE {_quote(source)}.{_quote(name)} SET SCHEMA {_quote(target)}"
            )
        for function in _functions(connection, source):
            connection.exec_driver_sql(f"ALTER FUNCTION {function} SET SCHEMA {_quote(target)}")
        connection.exec_driver_sql(f"DROP SCHEMA {_quote(source)}")


def read_state(database_url: str) -> dict[str, TableDigest]:
    engine = create_engine_for(database_url)
    try:
        with engine.connect() as connection:
            return table_digests(connection)
    finally:
        engine.dispose()
