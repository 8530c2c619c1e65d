"""`gridgov rollcall ...`: emergency roll-calls from the command line (start, status,
confirm, all-clear, close, export). Writes are recorded as ``cli:<user>``; the CLI acts as
a leader (no territory check, like every CLI command)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import typer
from rich import box
from rich.markup import escape
from rich.table import Table

from gridgov.cli.common import cli_actor, console, new_typer, transaction
from gridgov.emergency import closing, queries
from gridgov.emergency.confirm import check_confirm
from gridgov.emergency.schemas import ConfirmationOut, LivePictureOut, RollCallOut
from gridgov.emergency.start import check_start_roll_call
from gridgov.errors import ValidationFailed

app = new_typer(
    "Emergency roll-calls: every household confirmed safe or moved, the vulnerable first."
)


def _echo_json(value: Any) -> None:
    typer.echo(json.dumps(value, ensure_ascii=False, default=str))


@app.command()
def start(
    territory: str = typer.Option(..., help="The town, village or grid's code."),
    kind: str = typer.Option("typhoon", help="typhoon, flood, fire or other."),
    title: str = typer.Option(..., help="What it is about (the notice's title)."),
    message: str = typer.Option("", help="The urgent notice's text."),
    evacuation: bool = typer.Option(False, "--evacuation", help="It orders evacuation."),
    drill: bool = typer.Option(False, "--drill", help="A drill: nothing through any bridge."),
    grid_after: int = typer.Option(60, help="Unconfirmed minutes before the grid leader sees it."),
    village_after: int = typer.Option(30, help="Then minutes before the village secretary."),
    help_minutes: int = typer.Option(30, help="A needs_help case's deadline in minutes."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Start a roll-call over a node: a line per current household, the notice, the lists."""
    with transaction() as session:
        roll_call = check_start_roll_call(
            session,
            territory_code=territory,
            kind=kind,
            title=title,
            message=message,
            evacuation=evacuation,
            drill=drill,
            grid_after_minutes=grid_after,
            village_after_minutes=village_after,
            help_minutes=help_minutes,
            principal=None,
            actor=cli_actor(),
        )
        out = RollCallOut.of(roll_call)
    if as_json:
        _echo_json(out.model_dump(mode="json"))
        return
    label = " (DRILL)" if out.drill else ""
    console.print(f"roll-call {out.id}{label}: {out.household_count} households")


@app.command()
def status(
    roll_call_id: str,
    territory: str = typer.Option(None, help="Counts of this node inside the roll-call."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """The live counts, with a row per child node."""
    with transaction() as session:
        roll_call = queries.access_roll_call(session, roll_call_id, None)
        node = queries.node_within(roll_call, territory)
        out = LivePictureOut.of_picture(
            queries.live_picture(session, roll_call, node=node),
            queries.help_cases(session, roll_call, None),
        )
    if as_json:
        _echo_json(out.model_dump(mode="json"))
        return
    console.print(_status_table(out))


# Short two-line headings: a town's table fits 80 columns with its codes whole.
_STATUS_COLUMNS = (
    ("households", "house-\nholds"),
    ("confirmed", "con-\nfirmed"),
    ("unconfirmed", "uncon-\nfirmed"),
    ("moved", "moved"),
    ("needs_help", "needs\nhelp"),
    ("priority_unconfirmed", "prio.\nuncon."),
)


def _status_table(out: LivePictureOut) -> Table:
    """The counts per child node: a code is never cut (no_wrap, its full width), a long
    name wraps in its own column, numbers stay on one line; text is escaped (no markup)."""
    title = f"{out.title} [{out.state}]" + (" DRILL" if out.drill else "")
    table = Table(
        title=escape(title),
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        collapse_padding=True,
        padding=(0, 1),
    )
    longest = max([len(row.code) for row in out.children] + [len("total")])
    table.add_column("node", no_wrap=True, min_width=longest)
    table.add_column("name", overflow="fold", ratio=1, min_width=8)
    for _, heading in _STATUS_COLUMNS:
        table.add_column(heading, justify="right", no_wrap=True)
    for row in out.children:
        table.add_row(
            row.code, escape(row.name), *(str(getattr(row, name)) for name, _ in _STATUS_COLUMNS)
        )
    table.add_row("total", "", *(str(getattr(out, name)) for name, _ in _STATUS_COLUMNS))
    return table


def _when(value: str | None) -> dt.datetime | None:
    if value is None:
        return None
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        raise ValidationFailed.field(
            "--confirmed-at", "not an ISO 8601 time with its offset"
        ) from None


@app.command()
def confirm(
    roll_call_id: str,
    household: str = typer.Option(..., help="The household's id."),
    status_code: str = typer.Option(..., "--status", help="safe_at_home, moved_shelter, ..."),
    method: str = typer.Option("phone", help="in_person, phone or message."),
    confirmed_at: str = typer.Option(None, help="When it was seen (ISO 8601 with offset)."),
    people: int = typer.Option(None),
    help_needed: str = typer.Option(None, "--help-needed", help="What help (needs_help)."),
    shelter: str = typer.Option(None, help="The shelter's id (moved_shelter)."),
    note: str = typer.Option(None),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Record a confirmation of one household."""
    with transaction() as session:
        roll_call = queries.access_roll_call(session, roll_call_id, None)
        done = check_confirm(
            session,
            roll_call,
            household_id=household,
            status=status_code,
            method=method,
            confirmed_at=_when(confirmed_at),
            people=people,
            help_needed=help_needed,
            shelter_id=shelter,
            note=note,
            principal=None,
            actor=cli_actor(),
            channel="cli",
        )
        out = ConfirmationOut.of_confirmed(done)
    if as_json:
        _echo_json(out.model_dump(mode="json"))
        return
    stands = "stands" if out.stands else "kept in the history (a later one stands)"
    case = f"; help case {out.help_case_id}" if out.help_case_id else ""
    console.print(f"{out.status}: {stands}{case}")


@app.command("all-clear")
def all_clear(roll_call_id: str) -> None:
    """End the danger: moved households are asked to confirm their return."""
    with transaction() as session:
        roll_call = queries.access_roll_call(session, roll_call_id, None)
        closing.check_all_clear(session, roll_call, principal=None, actor=cli_actor())
    console.print(f"roll-call {roll_call_id}: all clear")


@app.command()
def close(roll_call_id: str, as_json: bool = typer.Option(False, "--json")) -> None:
    """Close the roll-call and print its report."""
    with transaction() as session:
        roll_call = queries.access_roll_call(session, roll_call_id, None)
        closing.check_close(session, roll_call, principal=None, actor=cli_actor())
        report = roll_call.report or {}
    if as_json:
        _echo_json(report)
        return
    console.print(f"roll-call {roll_call_id} closed: {report.get('households')} households")
    console.print(f"times to 50/90/100% confirmed (minutes): {report.get('overall')}")
    console.print(f"priority households: {report.get('priority', {}).get('overall')}")
    console.print(f"help cases: {len(report.get('help_cases', []))}")


@app.command()
def export(
    roll_call_id: str,
    output: Path = typer.Option(..., "--output", "-o", help="The .xlsx file to write."),
    language: str = typer.Option("zh-CN", help="The headings' language (en or zh-CN)."),
) -> None:
    """The roster per unit as XLSX (phones masked)."""
    from gridgov.emergency.roster import export_roster  # openpyxl loads numpy: only when asked

    with transaction() as session:
        roll_call = queries.access_roll_call(session, roll_call_id, None)
        content = export_roster(session, roll_call, None, language=language)
    output.write_bytes(content)
    console.print(f"wrote {output}")
