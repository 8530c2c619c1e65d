"""The `gridgov` command."""

from __future__ import annotations

from gridgov.cli import db, demo, exporting, importing, keys, open311, posts, territory, users
from gridgov.cli.audit import audit
from gridgov.cli.backup import backup, restore
from gridgov.cli.calendar import app as calendar_app
from gridgov.cli.cases import app as cases_app
from gridgov.cli.common import new_typer, start_invocation
from gridgov.cli.contacts import app as contacts_app
from gridgov.cli.groups import app as groups_app
from gridgov.cli.partition import app as partition_app
from gridgov.cli.report import app as report_app
from gridgov.cli.rollcall import app as rollcall_app
from gridgov.cli.serve import serve
from gridgov.cli.worker import worker

app = new_typer("gridgov: grid-based grassroots governance.")
app.callback()(start_invocation)
app.add_typer(db.app, name="db")
app.add_typer(partition_app, name="partition")
app.add_typer(territory.app, name="territory")
app.add_typer(importing.app, name="import")
app.add_typer(exporting.app, name="export")
app.add_typer(report_app, name="report")
app.add_typer(posts.app, name="posts")
app.add_typer(users.app, name="users")
app.add_typer(keys.app, name="keys")
app.add_typer(open311.app, name="open311")
app.command(name="demo")(demo.demo)
app.command()(serve)
app.command()(audit)
app.command()(worker)
app.command()(backup)
app.command()(restore)
app.add_typer(calendar_app, name="calendar")
app.add_typer(cases_app, name="cases")
app.add_typer(groups_app, name="groups")
app.add_typer(contacts_app, name="contacts")
app.add_typer(rollcall_app, name="rollcall")
