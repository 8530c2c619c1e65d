"""`gridgov groups notice`: post a pinned notice to a group or a territory from the command
line (recorded as ``cli:<user>``). cli/groups.py registers it on the groups command group."""

from __future__ import annotations

import json

import typer

from gridgov.cli.common import cli_actor, console, transaction
from gridgov.errors import ValidationFailed
from gridgov.groups.models import Group
from gridgov.groups.notice_schemas import NoticeOut
from gridgov.groups.notices import check_post_notice
from gridgov.i18n import Message


def notice(
    title: str = typer.Option(..., help="The notice's title."),
    body: str = typer.Option(..., help="The notice's text."),
    group_id: str = typer.Option(None, "--group", help="Post in this group (its id)."),
    territory: str = typer.Option(
        None, help="Or post to this village or grid (its group, else its village's)."
    ),
    priority: str = typer.Option("normal", help="normal, important or urgent (urgent: bridges)."),
    ack: bool = typer.Option(False, "--ack", help="Ask every household to acknowledge it."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Post a pinned notice to a group or to a village or grid."""
    with transaction() as session:
        group = session.get(Group, group_id) if group_id else None
        if group_id and group is None:
            raise ValidationFailed.field(
                "--group", Message("no group has id %(group_id)s", group_id=group_id)
            )
        posted = check_post_notice(
            session,
            group=group,
            territory_code=territory,
            title=title,
            body=body,
            priority=priority,
            ack_required=ack,
            actor=cli_actor(),
        )
        out = NoticeOut.of(posted)
    if as_json:
        typer.echo(json.dumps(out.model_dump(mode="json"), ensure_ascii=False))
    else:
        console.print(f"notice {out.id} ({out.priority}) posted to {out.territory_code}")
