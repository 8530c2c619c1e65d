"""`gridgov groups ...`: the grid groups, and posting to one from the command line."""

from __future__ import annotations

import json

import typer
from rich.table import Table
from sqlalchemy import select

from gridgov.accounts.models import User
from gridgov.accounts.principal import principal_for
from gridgov.cli.bridges import bridge_app
from gridgov.cli.common import cli_actor, console, new_typer, transaction
from gridgov.cli.group_notices import notice
from gridgov.errors import NotFound
from gridgov.groups import actions, queries
from gridgov.groups.models import Group
from gridgov.i18n import Message

app = new_typer("Grid groups: each village's (and grid's, unit's, leaders') group chat.")
app.command("notice")(notice)
app.add_typer(bridge_app, name="bridge")


@app.command("list")
def list_groups(
    territory: str = typer.Option(None, help="Only groups on this node and below."),
    limit: int = typer.Option(200, min=1, max=1000),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """List the groups with their member and message counts."""
    with transaction() as session:
        rows = [
            {
                "id": group.id,
                "kind": group.kind,
                "territory_code": group.territory_code,
                "name": group.name,
                "mode": group.mode,
                "status": group.status,
                "members": members,
                "messages": group.last_seq,
            }
            for group, members in queries.all_groups(session, territory=territory, limit=limit)
        ]
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False))
        return
    table = Table("id", "kind", "territory", "name", "mode", "status", "members", "messages")
    for row in rows:
        table.add_row(*(str(row[key]) for key in COLUMNS))
    console.print(table)


COLUMNS = ("id", "kind", "territory_code", "name", "mode", "status", "members", "messages")


@app.command("post")
def post(
    group_id: str = typer.Argument(..., help="The group's id (see `gridgov groups list`)."),
    text: str = typer.Argument(..., help="The message (at most 4,000 characters)."),
    as_user: str = typer.Option(
        None, "--as", help="Post as this user (their membership, mode and limits apply)."
    ),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Post a text message: as a user with --as, else as a system message of the platform."""
    with transaction() as session:
        group = session.get(Group, group_id)
        if group is None:
            raise NotFound(Message("no group has id %(group_id)s", group_id=group_id))
        if as_user is None:
            message = actions.do_post_system_message(session, group, text, actor=cli_actor())
        else:
            user = session.scalar(select(User).where(User.username == as_user))
            if user is None:
                raise NotFound(Message("--as: no user has username %(username)s", username=as_user))
            principal = principal_for(session, user)
            message = actions.check_post_message(
                session, group, actions.Draft(text=text), principal=principal
            )
        out = {"id": message.id, "group_id": group.id, "seq": message.seq, "kind": message.kind}
    if as_json:
        typer.echo(json.dumps(out))
    else:
        console.print(f"posted message {out['id']} (seq {out['seq']}) to {group.name}")
