"""`gridgov db ...`: migrations."""

from __future__ import annotations

import typer

from gridgov.cli.common import console, new_typer, open_engine
from gridgov.settings import Settings
from gridgov.storage import migrate

app = new_typer("Database schema: upgrade, check, current revision.")


@app.command()
def upgrade(revision: str = typer.Argument("heads")) -> None:
    """Apply migrations up to REVISION (default: every head). Creates the data folder if needed."""
    settings = Settings()
    if settings.database_url is None:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    with open_engine(check_migrated=False) as engine:
        migrate.upgrade(engine, revision)
        console.print(f"database at migration {migrate.current_revision(engine)}")


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
