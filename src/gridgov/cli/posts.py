"""`gridgov posts ...`: who leads what."""

from __future__ import annotations

import datetime as dt
import json

import typer
from rich.table import Table

from gridgov import clock
from gridgov.cli.common import cli_actor, console, new_typer, transaction
from gridgov.posts import actions, queries
from gridgov.posts.schemas import PostOut

app = new_typer("Posts: grid leaders, unit leaders, village secretaries and their handovers.")


def _today() -> dt.datetime:
    return dt.datetime.combine(clock.today(), dt.time())


def _print(posts: list[PostOut], *, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps([post.model_dump(mode="json") for post in posts], ensure_ascii=False))
        return
    table = Table("id", "post", "territory", "holder", "from", "until")
    for post in posts:
        until = post.end_date.isoformat() if post.end_date else "current"
        table.add_row(
            post.id,
            post.post_type_name_zh,
            post.territory_code,
            post.resident_name or "?",
            post.start_date.isoformat(),
            until,
        )
    console.print(table)


@app.command("list")
def list_posts(
    territory: str = typer.Option(None, help="Only posts on this node and below."),
    post_type: str = typer.Option(None, "--type", help="grid_leader, unit_leader, ..."),
    include_ended: bool = typer.Option(False, "--all", help="Include ended posts (history)."),
    limit: int = typer.Option(200, max=1000),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """List current posts (or all, with --all)."""
    with transaction() as session:
        posts, total = queries.list_posts(
            session,
            territory=territory,
            post_type=post_type,
            current=None if include_ended else True,
            limit=limit,
        )
        names = queries.holder_names(session, posts)
        out = [PostOut.of(post, names.get(post.resident_id)) for post in posts]
    _print(out, as_json=as_json)
    if not as_json:
        console.print(f"{len(out)} of {total}")


@app.command()
def start(
    resident: str = typer.Option(..., help="The resident's id."),
    post_type: str = typer.Option(..., "--type"),
    territory: str = typer.Option(..., help="The node's code."),
    start_date: dt.datetime = typer.Option(_today, "--start", formats=["%Y-%m-%d"]),
) -> None:
    """Appoint a resident to a post."""
    with transaction() as session:
        post = actions.check_start_post(
            session,
            resident_id=resident,
            post_type=post_type,
            territory_code=territory,
            start_date=start_date.date(),
            actor=cli_actor(),
        )
        console.print(f"post {post.id} started")


@app.command()
def end(
    post_id: str,
    reason: str = typer.Option(..., help="Why the post ends."),
    end_date: dt.datetime = typer.Option(_today, "--date", formats=["%Y-%m-%d"]),
) -> None:
    """End a post (it stays in the history)."""
    with transaction() as session:
        post = queries.get_post(session, post_id)
        actions.check_end_post(
            session, post, end_date=end_date.date(), reason=reason, actor=cli_actor()
        )
        console.print(f"post {post.id} ended on {post.end_date}")


@app.command()
def handover(
    post_type: str = typer.Option(..., "--type"),
    territory: str = typer.Option(...),
    resident: str = typer.Option(..., help="The successor's resident id."),
    on_date: dt.datetime = typer.Option(_today, "--date", formats=["%Y-%m-%d"]),
    reason: str = typer.Option("handover"),
) -> None:
    """End the current holder's post and start the successor's on one date."""
    with transaction() as session:
        ended, started = actions.check_hand_over(
            session,
            post_type=post_type,
            territory_code=territory,
            resident_id=resident,
            on_date=on_date.date(),
            reason=reason,
            actor=cli_actor(),
        )
        previous = f"post {ended.id} ended, " if ended else ""
        console.print(f"{previous}post {started.id} started")
