"""Alembic environment: runs on the connection gridgov hands it (see database/migrate.py)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from gridgov.database.tables import metadata
from gridgov.settings import Settings
from gridgov.storage.engine import create_engine_for

target_metadata = metadata

# Tables made by hand per dialect, outside the metadata: the message search index (an FTS5
# table and its shadow tables on SQLite, a tsvector table on PostgreSQL; migration 0014).
UNMODELLED_PREFIXES = ("message_search",)


def _compared(name: str | None, type_: str, _parent_names: object) -> bool:
    """Whether alembic's comparison looks at this reflected name."""
    return not (type_ == "table" and name is not None and name.startswith(UNMODELLED_PREFIXES))


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_name=_compared,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    engine = create_engine_for(Settings().resolved_database_url())
    with engine.begin() as own_connection:
        _run(own_connection)
