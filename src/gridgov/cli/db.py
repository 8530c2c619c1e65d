"""`gridgov db ...`: migrations."""

from __future__ import annotations

import typer

from gridgov.cases.setup import seed_case_settings
from gridgov.cli.common import cli_actor, console, new_typer, open_engine, settings
from gridgov.database import migrate
from gridgov.database.keys import bind_keys
from gridgov.database.sessions import session_factory

app = new_typer("Database schema: upgrade, check, current revision.")


@app.command()
def upgrade(revision: str = typer.Argument("heads")) -> None:
    """Apply migrations up to REVISION (default: every head), then add the seed case
    categories and the working calendar where missing. Creates the data folder if needed.
    Refused when the keys at hand cannot decrypt the data already there (an empty database
    takes any keys, generated ones in development)."""
    configured = settings()
    if configured.database_url is None:
        configured.data_dir.mkdir(parents=True, exist_ok=True)
    with open_engine(check_migrated=False) as engine:
        bind_keys(engine, configured)  # before migrating: a migration may encrypt
        migrate.upgrade(engine, revision)
        bind_keys(engine, configured)  # records the check values once the table exists
        console.print(f"database at migration {migrate.current_revision(engine)}")
        if revision != "heads":
            return  # a partial upgrade may predate the case tables
        with session_factory(engine)() as session, session.begin():
            session.info["actor"] = cli_actor()
            categories, days = seed_case_settings(session, actor=cli_actor())
        if categories or days:
            console.print(f"seeded {categories} case categories, {days} calendar days")


@app.command()
def current() -> None:
    """Print the database's migration revision and the code's head."""
    with open_engine(check_migrated=False) as engine:
        revision = migrate.current_revision(engine)
    console.print(f"database: {revision}  code: {migrate.head_revision()}")


@app.command()
def check() -> None:
    """Fail when the models and the migrations disagree (alembic check)."""
    with open_engine() as engine:
        migrate.check(engine)
    console.print("models and migrations agree")
