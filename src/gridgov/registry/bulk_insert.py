"""Fast bulk INSERT of rows that are already checked, in the caller's transaction."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

import psycopg
from sqlalchemy import Connection, Table, insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeDecorator

from gridgov.errors import Conflict
from gridgov.i18n import Message

INSERT_CHUNK = 5000  # rows per executemany / COPY: amortizes round trips, bounds memory
Progress = Callable[[int], None]


def bulk_insert(
    session: Session,
    table: Table,
    records: Iterable[dict[str, Any]],
    progress: Progress | None,
) -> None:
    """Insert in chunks, in the session's transaction, the fastest way the backend has.

    PostgreSQL: COPY. SQLite: one executemany of plain tuples, the values already bound
    by SQLAlchemy's own column types. Others: Core ``insert(table)`` executemany. The
    checks are done by now, so per-row ORM or Core bookkeeping would only cost time.
    """
    session.flush()  # anything pending in the session goes first (foreign keys)
    connection = session.connection()
    columns = [column.name for column in table.columns]
    records = _with_optional(records, _optional_columns(table))
    if connection.dialect.name == "postgresql":
        write = _copy_writer(connection, table, columns)
    elif connection.dialect.name == "sqlite":
        write = _executemany_writer(connection, table, columns)
    else:
        statement = insert(table)

        def write(chunk: list[dict[str, Any]]) -> None:
            connection.execute(statement, chunk)

    try:
        for chunk in _record_chunks(records):
            write(chunk)
            if progress is not None:
                progress(len(chunk))
    except (IntegrityError, psycopg.IntegrityError) as exc:
        # The checks ran before the insert; only a concurrent writer can get here.
        raise Conflict(
            f"some of these {table.name} were registered by someone else meanwhile; "
            "nothing was imported: check the file again and retry",
            fields={"file": Message("conflicts with a concurrent change")},
        ) from exc


def _optional_columns(table: Table) -> list[str]:
    """Nullable columns without a default: a record may leave them out (NULL), so that a
    column added later (households.dangerous_since) needs no change in every loader."""
    return [
        column.name
        for column in table.columns
        if column.nullable and column.default is None and column.server_default is None
    ]


def _with_optional(
    records: Iterable[dict[str, Any]], optional: list[str]
) -> Iterator[dict[str, Any]]:
    for record in records:
        missing = [name for name in optional if name not in record]
        yield {**record, **dict.fromkeys(missing)} if missing else record


def _record_chunks(records: Iterable[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    chunk: list[dict[str, Any]] = []
    for record in records:
        chunk.append(record)
        if len(chunk) >= INSERT_CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


Writer = Callable[[list[dict[str, Any]]], None]


def _copy_writer(connection: Connection, table: Table, columns: list[str]) -> Writer:
    import psycopg  # PostgreSQL only: SQLite runs never load the driver

    driver = connection.connection.driver_connection  # in the session's transaction
    if not isinstance(driver, psycopg.Connection):
        raise TypeError(f"COPY needs a psycopg connection, not {type(driver).__name__}")
    sql = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
    # COPY bypasses SQLAlchemy, so the columns' own conversions (encryption of personal
    # fields, UTC timestamps) are applied here.
    dialect = connection.dialect
    converters = [_remembering(_decorator_bind(table.c[name].type, dialect)) for name in columns]
    pairs = list(zip(columns, converters, strict=True))

    def write(chunk: list[dict[str, Any]]) -> None:
        with driver.cursor() as cursor, cursor.copy(sql) as copy:
            for record in chunk:
                copy.write_row(
                    [
                        record[name] if convert is None else convert(record[name])
                        for name, convert in pairs
                    ]
                )

    return write


def _executemany_writer(connection: Connection, table: Table, columns: list[str]) -> Writer:
    dialect = connection.dialect
    binders = [
        _remembering(table.c[name].type.dialect_impl(dialect).bind_processor(dialect))
        for name in columns
    ]
    marks = ", ".join("?" for _ in columns)
    sql = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({marks})"

    pairs = list(zip(columns, binders, strict=True))

    def bound(record: dict[str, Any]) -> tuple[Any, ...]:
        return tuple([record[name] if bind is None else bind(record[name]) for name, bind in pairs])

    def write(chunk: list[dict[str, Any]]) -> None:
        connection.exec_driver_sql(sql, [bound(record) for record in chunk])

    return write


def _remembering(bind: Callable[[Any], Any] | None) -> Callable[[Any], Any] | None:
    """A column's bind processor that reuses its last answer: every row of an import
    shares one timestamp and one actor, which need converting only once."""
    if bind is None:
        return None
    last_value: Any = object()
    last_bound: Any = None

    def process(value: Any) -> Any:
        nonlocal last_value, last_bound
        if value is None:
            return None
        if value is not last_value:
            last_value, last_bound = value, bind(value)
        return last_bound

    return process


def _decorator_bind(column_type: Any, dialect: Any) -> Callable[[Any], Any] | None:
    if not isinstance(column_type, TypeDecorator):
        return None
    return lambda value: column_type.process_bind_param(value, dialect)
