"""`gridgov groups bridge ...`: a group's outbound routes (its WeCom group robot), mounted
under the groups command (gridgov.cli.groups)."""

from __future__ import annotations

import json

import typer
from rich.table import Table

from gridgov.cli.common import cli_actor, console, new_typer, transaction
from gridgov.clock import local_iso
from gridgov.errors import GridgovError
from gridgov.groups.actions import check_add_bridge_route
from gridgov.notify.bridges import routes
from gridgov.notify.bridges.probe import send_test_message
from gridgov.notify.bridges.protocol import BridgeFailure
from gridgov.notify.bridges.registry import wecom_base_url

bridge_app = new_typer("A group's outbound bridges: add a WeCom robot, test it, list them.")

TEST_TEXT = "gridgov: test message / 测试消息"


@bridge_app.command("add")
def add(
    group_id: str = typer.Option(..., "--group", help="The group's id."),
    key: str = typer.Option(..., "--key", help="The robot's webhook key (stored encrypted)."),
    kind: str = typer.Option("wecom", "--kind", help="The kind of route: wecom."),
    url: str = typer.Option("", "--url", help="Base URL (default GRIDGOV_WECOM_BASE_URL)."),
    name: str = typer.Option("", "--name", help="A name people recognize, e.g. the chat's."),
) -> None:
    """Add a route: the group's posts go to this robot from now on."""
    with transaction() as session:
        route = check_add_bridge_route(
            session,
            kind=kind,
            group_id=group_id,
            key=key,
            base_url=url or wecom_base_url(),
            name=name,
            actor=cli_actor(),
        )
        route_id = route.id
    typer.echo(f"bridge route {route_id} added: {kind} for group {group_id}")


@bridge_app.command("test")
def test(
    route_id: str = typer.Argument(..., help="The route's id (gridgov groups bridge list)."),
    text: str = typer.Option(TEST_TEXT, "--text", help="What to send."),
) -> None:
    """Send a test message through a route now and print the outcome."""
    try:
        with transaction() as session:
            route = routes.get_route(session, route_id)
            send_test_message(session, route, text)
    except BridgeFailure as exc:
        raise GridgovError(f"bridge route {route_id}: not sent: {exc}") from exc
    typer.echo(f"bridge route {route_id}: sent")


@bridge_app.command("list")
def list_(
    group_id: str | None = typer.Option(None, "--group", help="Only this group's routes."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """The routes (never their keys)."""
    with transaction() as session:
        rows, _total = routes.list_routes(session, group_id=group_id, limit=10_000, offset=0)
        found = [
            {
                "id": row.id,
                "kind": row.kind,
                "group_id": row.group_id,
                "name": row.name,
                "base_url": row.base_url,
                "active": row.active,
                "created_at": local_iso(row.created_at),
            }
            for row in rows
        ]
    if as_json:
        typer.echo(json.dumps(found, ensure_ascii=False))
        return
    table = Table("id", "kind", "group", "name", "active")
    for row in found:
        table.add_row(*(str(row[name]) for name in ("id", "kind", "group_id", "name", "active")))
    console.print(table)
