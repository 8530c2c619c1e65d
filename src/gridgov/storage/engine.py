"""Engines and sessions for SQLite (embedded default) and PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker


def normalize_url(url: str) -> str:
    """Accept plain ``postgresql://`` URLs and use psycopg 3 for them."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def create_engine_for(url: str, **kwargs: Any) -> Engine:
    url = normalize_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False}, **kwargs)
        _configure_sqlite(engine)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, emit BEGIN, so SAVEPOINTs work.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # A writer takes the write lock at BEGIN: a read transaction that later writes
        # would fail at once with "database is locked" when another writer holds the
        # lock, whereas BEGIN IMMEDIATE waits for it (busy_timeout).
        writer = connection.get_execution_options().get(WRITE_OPTION)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writer else "BEGIN")


WRITE_OPTION = "gridgov_writer"


def begin_as_writer(session: Session) -> None:
    """Start ``session``'s transaction as one that will write (SQLite: BEGIN IMMEDIATE, so
    concurrent writers queue instead of failing; PostgreSQL: no difference). Call it before
    the session's first statement."""
    session.info[WRITE_OPTION] = True
    if session.bind is None:
        return  # an unbound session (a test's stand-in) has no database to lock
    session.connection(execution_options={WRITE_OPTION: True})


def is_writer(session: Session) -> bool:
    """Whether ``session``'s transaction began as a writer (:func:`begin_as_writer`). A
    reader must not write: on SQLite its write would fail at once when another connection
    holds the write lock; it writes in a short writer transaction of its own instead."""
    return bool(session.info.get(WRITE_OPTION))


def session_factory(bind: Engine | Connection, **options: Any) -> sessionmaker[Session]:
    """Bare sessions: no audit, no hooks. The platform's sessions are
    :func:`gridgov.database.sessions.session_factory`'s, built on these."""
    return sessionmaker(bind=bind, **{"expire_on_commit": False, **options})
