"""The `gridgov` command."""

from __future__ import annotations

from gridgov.cli import db
from gridgov.cli.common import new_typer
from gridgov.cli.serve import serve

app = new_typer("gridgov: grid-based grassroots governance.")
app.add_typer(db.app, name="db")
app.command()(serve)
