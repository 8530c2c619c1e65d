"""Many rows in one statement: what set-based writers (the case timer steps, the audit
recorder's bulk entry point) send instead of one statement per row.

On PostgreSQL a batch's rows travel as ONE JSON parameter read back as a table by
``json_to_recordset`` (one statement whatever the batch, and no per-row parameters for the
driver to adapt: a JSON document is encoded in C). Elsewhere an INSERT with RETURNING, which
SQLAlchemy sends as a multi-row VALUES per page ("insertmanyvalues").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import (
    JSON,
    Connection,
    Date,
    DateTime,
    String,
    Table,
    bindparam,
    column,
    func,
    insert,
    select,
)
from sqlalchemy.orm import Session
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
    (which json_to_recordset reads back exactly), a date as ISO 8601, anything else as it
    is."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def json_rows(rows: Sequence[dict[str, Any]], table: Table) -> list[dict[str, Any]]:
    """``rows`` with the instants of ``table``'s UTC columns and its dates as ISO 8601 text."""
    if not rows:
        return []
    instants = [name for name in rows[0] if isinstance(table.c[name].type, UTCDateTime | Date)]
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


def update_rows(
    connection: Connection,
    table: Table,
    rows: Sequence[dict[str, Any]],
    *,
    match: Sequence[str],
    constants: dict[str, Any] | None = None,
    bump_version: bool = False,
) -> int:
    """UPDATE ``rows`` of ``table`` in one statement: each row (dicts with the same keys,
    column names) is found by its columns named in ``match`` (the primary key, and
    ``version`` for a versioned row read earlier) and takes its other values, plus the
    same ``constants`` for all; ``bump_version`` adds one to ``version``. Answers how many
    rows matched (-1 when the driver cannot tell).

    PostgreSQL: ``UPDATE ... FROM json_to_recordset(:b_rows)``, the whole batch one JSON
    parameter; elsewhere an executemany."""
    if not rows:
        return 0
    names = list(rows[0])
    written = [name for name in names if name not in match]
    extra: dict[str, Any] = dict(constants or {})
    if bump_version:
        extra["version"] = table.c.version + 1
    if connection.dialect.name == "postgresql":
        source = recordset([(f"b_{name}", table.c[name]) for name in names], "b_rows")
        statement = (
            table.update()
            .where(*(table.c[name] == source.c[f"b_{name}"] for name in match))
            .values({**{name: source.c[f"b_{name}"] for name in written}, **extra})
        )
        payload = [{f"b_{name}": json_value(row[name]) for name in names} for row in rows]
        return int(connection.execute(statement, {"b_rows": payload}).rowcount)
    statement = (
        table.update()
        .where(*(table.c[name] == bindparam(f"b_{name}") for name in match))
        .values({**{name: bindparam(f"b_{name}") for name in written}, **extra})
    )
    result = connection.execute(
        statement, [{f"b_{name}": row[name] for name in names} for row in rows]
    )
    return int(result.rowcount) if connection.dialect.supports_sane_multi_rowcount else -1


def expire_loaded(session: Session, model: type[Any], ids: Iterable[str]) -> None:
    """Rows of ``model`` with these ids that ``session`` has loaded read their new values
    on next access (after a batch wrote them with Core statements, which the identity map
    does not see). One pass over the identity map, however many ids."""
    wanted = set(ids)
    for loaded in list(session.identity_map.values()):
        if isinstance(loaded, model) and loaded.id in wanted:
            session.expire(loaded)
