"""`gridgov open311 ...`: the API keys of Open311 clients."""

from __future__ import annotations

import json

import typer
from rich.table import Table

from gridgov.cli.common import cli_actor, console, new_typer, transaction
from gridgov.clock import local_iso
from gridgov.open311 import keys as open311_keys

app = new_typer("Open311 GeoReport v2: the API keys its clients post requests with.")
keys_app = new_typer("API keys: create (shown once), list, revoke.")
app.add_typer(keys_app, name="keys")


@keys_app.command("create")
def create_key(
    name: str = typer.Option(..., help="Who the key is for, e.g. an app's name."),
) -> None:
    """Make a key. It is printed once, as the last word: only its hash is kept."""
    with transaction() as session:
        _row, key = open311_keys.check_create_key(session, name=name, actor=cli_actor())
    # After the commit: a key that was not stored is never shown.
    typer.echo(f"Open311 API key {name!r} created; it is shown only now: {key}")


@keys_app.command("list")
def list_keys(as_json: bool = typer.Option(False, "--json")) -> None:
    """The keys (names, never the keys themselves) and whether they are revoked."""
    with transaction() as session:
        rows = [
            {
                "id": row.id,
                "name": row.name,
                "created_by": row.created_by,
                "created_at": local_iso(row.created_at),
                "revoked_at": local_iso(row.revoked_at) if row.revoked_at else None,
            }
            for row in open311_keys.list_keys(session)
        ]
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False))
        return
    table = Table("name", "created", "by", "revoked")
    for row in rows:
        table.add_row(row["name"], row["created_at"], row["created_by"], row["revoked_at"] or "")
    console.print(table)


@keys_app.command("revoke")
def revoke_key(name: str = typer.Argument(..., help="The key's name.")) -> None:
    """Revoke a key: requests with it answer 403 from now on."""
    with transaction() as session:
        open311_keys.check_revoke_key(session, name=name)
    typer.echo(f"Open311 API key {name!r} revoked")
