"""Many rows in one statement: what set-based writers (the case timer steps, the audit
recorder's bulk entry point) send instead of one statement per row.

On PostgreSQL a batch's rows travel as ONE JSON parameter read back as a table by
``json_to_recordset`` (one statement whatever the batch, and no per-row parameters for the
driver to adapt: a JSON document is encoded in C). Elsewhere an INSERT with RETURNING, which
SQLAlchemy sends as a multi-row VALUES per page ("insertmanyvalues").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    JSON,
    Connection,
    DateTime,
    String,
    Table,
    bindparam,
    column,
    func,
    insert,
    select,
)
from sqlalchemy.sql.selectable import NamedFromClause

from gridgov.storage.base import UTCDateTime


def table_of(model: type[Any]) -> Table:
    """The Table of a mapped class (``__table__`` is typed as any FromClause)."""
    table = model.__table__
    if not isinstance(table, Table):
        raise TypeError(f"{model.__name__} is not mapped to a table")
    return table


def _record_type(of: Any) -> Any:
    """The type of a column in a ``json_to_recordset`` column list (no length, no
    collation: the assignment to the real column converts)."""
    if isinstance(of.type, String):
        return String()
    if isinstance(of.type, UTCDateTime):
        return DateTime(timezone=True)
    return of.type


def recordset(pairs: Sequence[tuple[str, Any]], parameter: str) -> NamedFromClause:
    """PostgreSQL: the rows of the JSON parameter ``parameter`` as a table ``v`` whose
    columns are named and typed as ``pairs`` say (``(name, table column)``)."""
    columns = [column(name, _record_type(of)) for name, of in pairs]
    return (
        func.json_to_recordset(bindparam(parameter, type_=JSON))
        .table_valued(*columns)
        .render_derived(name="v", with_types=True)
    )


def json_value(value: Any) -> Any:
    """A value as the JSON parameter carries it: an instant as ISO 8601 with its offset
    (which json_to_recordset reads back exactly), anything else as it is."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.isoformat()
    return value


def json_rows(rows: Sequence[dict[str, Any]], table: Table) -> list[dict[str, Any]]:
    """``rows`` with the instants of ``table``'s UTC columns as ISO 8601 text."""
    if not rows:
        return []
    instants = [name for name in rows[0] if isinstance(table.c[name].type, UTCDateTime)]
    if not instants:
        return list(rows)
    return [{**row, **{name: json_value(row[name]) for name in instants}} for row in rows]


def insert_rows(connection: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """INSERT ``rows`` (dicts with the same keys) into ``table`` in one statement."""
    if not rows:
        return
    if connection.dialect.name != "postgresql":
        connection.execute(insert(table).returning(*table.primary_key.columns), list(rows)).all()
        return
    names = tuple(rows[0])
    connection.execute(_recordset_insert(table, names), {"b_rows": json_rows(rows, table)})


_INSERTS: dict[tuple[str, tuple[str, ...]], Any] = {}


def _recordset_insert(table: Table, names: tuple[str, ...]) -> Any:
    key = (table.name, names)
    if key not in _INSERTS:
        rows = recordset([(name, table.c[name]) for name in names], "b_rows")
        _INSERTS[key] = insert(table).from_select(names, select(*rows.c))
    return _INSERTS[key]
