"""The `gridgov` command."""

from __future__ import annotations

from gridgov.cli import db, demo, exporting, importing, keys, posts, territory, users
from gridgov.cli.audit import audit
from gridgov.cli.common import new_typer
from gridgov.cli.serve import serve

app = new_typer("gridgov: grid-based grassroots governance.")
app.add_typer(db.app, name="db")
app.add_typer(territory.app, name="territory")
app.add_typer(importing.app, name="import")
app.add_typer(exporting.app, name="export")
app.add_typer(posts.app, name="posts")
app.add_typer(users.app, name="users")
app.add_typer(keys.app, name="keys")
app.command(name="demo")(demo.demo)
app.command()(serve)
app.command()(audit)
