"""`gridgov audit`: search the audit log."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import typer
from rich.table import Table

from gridgov import clock
from gridgov.audit.queries import search_audit
from gridgov.cli.common import console, transaction

DATE_FORMATS = ["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M%z"]


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    # A bare date or time means the deployment's local day (Asia/Shanghai by default).
    return None if value is None else clock.from_local(value)


def audit(
    actor: str = typer.Option(None, help="e.g. cli:root or user:gongxia-grid-1"),
    action: str = typer.Option(None, help="create, update, delete, import, reveal, ..."),
    object_type: str = typer.Option(None, help="Table name: residents, households, posts..."),
    object_id: str = typer.Option(None),
    territory: str = typer.Option(None, help="Entries on this node and under it."),
    since: dt.datetime = typer.Option(None, formats=DATE_FORMATS),
    until: dt.datetime = typer.Option(None, formats=DATE_FORMATS),
    limit: int = typer.Option(50, min=1, max=1000),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Search the audit log (newest first). It can be read, never changed."""
    with transaction() as session:
        entries, total = search_audit(
            session,
            actor=actor,
            action=action,
            object_type=object_type,
            object_id=object_id,
            territory=territory,
            since=_aware(since),
            until=_aware(until),
            limit=limit,
        )
        rows: list[dict[str, Any]] = [
            {
                "at": clock.local_iso(entry.at),
                "actor": entry.actor,
                "action": entry.action,
                "object_type": entry.object_type,
                "object_id": entry.object_id,
                "territory_code": entry.territory_code,
                "request_id": entry.request_id,
                "changes": entry.changes,
            }
            for entry in entries
        ]
    if as_json:
        typer.echo(json.dumps({"items": rows, "total": total}, ensure_ascii=False))
        return
    table = Table("at", "actor", "action", "object", "territory", "changes")
    for row in rows:
        changes = json.dumps(row["changes"], ensure_ascii=False)
        table.add_row(
            row["at"],
            row["actor"],
            row["action"],
            f"{row['object_type']} {row['object_id']}",
            row["territory_code"] or "",
            changes if len(changes) < 80 else changes[:77] + "...",
        )
    console.print(table)
    console.print(f"{len(rows)} of {total}")
