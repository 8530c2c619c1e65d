"""Row counts and per-table checksums of a database, read raw (no type decorator runs, so no
personal field is decrypted and any keys will do).

A table's checksum is the SHA-256 of its rows in primary-key order (byte order: ``COLLATE
"C"`` on PostgreSQL, SQLite's default), each row one line of canonical JSON. Two databases
of the same backend holding the same rows have the same checksums.
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import hashlib
import json
import uuid
from typing import Any

from sqlalchemy import Connection, String, inspect

from gridgov.database.backup.manifest import TableDigest

# What `gridgov db upgrade` writes by itself: a database holding rows in these tables only
# counts as empty (a restore goes ahead without --force).
# Rows that `gridgov db upgrade` writes by itself: the migration table, the seeds, the events
# counter's one row (0012), and SQLite FTS5's own bookkeeping of the message search (0014).
SET_UP_TABLES = frozenset(
    {
        "alembic_version",
        "audit_log",
        "calendar_days",
        "case_categories",
        "key_groups",
        "event_counter",
        "message_search_config",
        "message_search_data",
        "message_search_docsize",
        "message_search_idx",
    }
)
BATCH = 5000


def _canonical(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat() if value.tzinfo else value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    raise TypeError(f"no canonical form for {type(value).__name__}")


def _quote(connection: Connection, name: str) -> str:
    return connection.dialect.identifier_preparer.quote(name)


def _order_by(connection: Connection, table: str) -> str:
    inspector = inspect(connection)
    columns = {column["name"]: column for column in inspector.get_columns(table)}
    keys = inspector.get_pk_constraint(table).get("constrained_columns") or list(columns)
    postgres = connection.dialect.name == "postgresql"
    terms = []
    for name in keys:
        term = _quote(connection, name)
        if postgres and isinstance(columns[name]["type"], String):
            term += ' COLLATE "C"'
        terms.append(term)
    return ", ".join(terms)


def table_digest(connection: Connection, table: str) -> TableDigest:
    sql = f"SELECT * FROM {_quote(connection, table)} ORDER BY {_order_by(connection, table)}"
    digest, rows = hashlib.sha256(), 0
    result = connection.exec_driver_sql(sql, execution_options={"yield_per": BATCH})
    for row in result:
        line = json.dumps(list(row), default=_canonical, sort_keys=True, ensure_ascii=False)
        digest.update(line.encode())
        digest.update(b"\n")
        rows += 1
    return TableDigest(rows=rows, sha256=digest.hexdigest())


def table_digests(connection: Connection) -> dict[str, TableDigest]:
    """Every table of the connection's schema (the migration table included)."""
    names = sorted(inspect(connection).get_table_names())
    return {name: table_digest(connection, name) for name in names}


def tables_with_data(connection: Connection) -> list[str]:
    """The tables holding rows beyond what `gridgov db upgrade` writes by itself."""
    found = []
    for name in sorted(inspect(connection).get_table_names()):
        if name in SET_UP_TABLES:
            continue
        sql = f"SELECT 1 FROM {_quote(connection, name)} LIMIT 1"
        if connection.exec_driver_sql(sql).first() is not None:
            found.append(name)
    return found
