"""`gridgov db ...`: migrations."""

from __future__ import annotations

import typer

from gridgov.cli.common import console, new_typer, open_engine
from gridgov.settings import Settings
from gridgov.storage import migrate

app = new_typer("Database schema: upgrade, check, current revision.")


@app.command()
def upgrade(revision: str = typer.Argument("head")) -> None:
    """Apply migrations up to REVISION (default: head). Creates the data folder if needed."""
    settings = Settings()
    if settings.database_url is None:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = open_engine(check_migrated=False)
    migrate.upgrade(engine, revision)
    console.print(f"database at migration {migrate.current_revision(engine)}")


@app.command()
def current() -> None:
    """Print the database's migration revision and the code's head."""
    engine = open_engine(check_migrated=False)
    console.print(f"database: {migrate.current_revision(engine)}  code: {migrate.head_revision()}")


@app.command()
def check() -> None:
    """Fail when the models and the migrations disagree (alembic check)."""
    migrate.check(open_engine())
    console.print("models and migrations agree")
