"""Alembic environment: runs on the connection gridgov hands it (see database/migrate.py)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from gridgov.database.tables import metadata
from gridgov.settings import Settings
from gridgov.storage.engine import create_engine_for

target_metadata = metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
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
