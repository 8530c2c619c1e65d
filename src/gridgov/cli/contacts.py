"""`gridgov contacts`: run the assignment, list due contacts, the coverage report, the
ledger as a file."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import typer
from rich import box
from rich.table import Table
from sqlalchemy import select

from gridgov import clock
from gridgov.cli.common import cli_actor, console, new_typer, transaction
from gridgov.contacts.assigning import DEFAULT_CAPACITY, check_run_assignment
from gridgov.contacts.due import due_list, member_names
from gridgov.contacts.exporting import ledger_file
from gridgov.contacts.report import contact_report
from gridgov.errors import GridgovError
from gridgov.registry.models import Household
from gridgov.territory.models import Territory

# Why a household is due, in the due table (the API and --json keep the codes).
REASONS = {
    "rhythm": "regular contact",
    "death": "a death in the household",
    "birth": "a birth in the household",
    "dispute_followup": "follow-up of a dispute",
    "key_group": "entered a key group",
    "hospital": "stay in hospital",
}

app = new_typer("Party members' contact households: assignment, due contacts, coverage.")
DATE = ["%Y-%m-%d"]


@app.command("assign")
def assign(
    village: str = typer.Option(None, "--village", help="A village code."),
    town: str = typer.Option(None, "--town", help="A town code: each of its villages."),
    capacity: int = typer.Option(DEFAULT_CAPACITY, "--capacity", help="Households per member."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Compute and report, write nothing."),
    as_json: bool = typer.Option(False, "--json", help="The API's JSON answer."),
) -> None:
    """Give every household of a village (or of each village of a town) a party member;
    links that still follow the rules and pinned links are kept."""
    from gridgov.contacts.schemas import RunOut  # the API's shapes load case intake (shapely)

    if (village is None) == (town is None):
        raise typer.BadParameter("give --village or --town (one of them)")
    option, code = ("--village", village) if village is not None else ("--town", town)
    with transaction() as session:
        level = session.scalar(select(Territory.level).where(Territory.code == code))
        wanted = option.removeprefix("--")
        if level is None:
            raise typer.BadParameter(f"no territory has code {code}", param_hint=option)
        if level != wanted:
            raise typer.BadParameter(f"{code} is a {level}, not a {wanted}", param_hint=option)
        result = check_run_assignment(
            session,
            territory_code=village or town,
            capacity=capacity,
            dry_run=dry_run,
            actor=cli_actor(),
        )
        out = RunOut.of(result)
    if as_json:
        typer.echo(json.dumps(out.model_dump(mode="json"), ensure_ascii=False))
        return
    dry = " (dry run: nothing written)" if dry_run else ""
    console.print(
        f"{out.territory_code}: {out.households} households, {out.members} members; "
        f"kept {out.kept}, moved {out.moved}, added {out.added}, removed {out.removed}, "
        f"changed {out.changed}; without a member {len(out.unassigned)}{dry}"
    )
    for item in out.unassigned[:50]:
        suggested = ", ".join(item.suggested_member_ids) or "-"
        console.print(f"  {item.household_id}: nearest members with room {suggested}")


@app.command("due")
def due(
    territory: str = typer.Option(..., "--territory", help="That node and everything under it."),
    limit: int = typer.Option(50, "--limit", min=1, max=1000),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Households due a visit (rhythm or a "must visit" moment) and overdue, as of today."""
    with transaction() as session:
        if session.scalar(select(Territory.id).where(Territory.code == territory)) is None:
            raise GridgovError(f"--territory: no territory has code {territory}")
        found = due_list(
            session, territory=territory, day=clock.today(), principal=None, limit=limit, offset=0
        )
        by_id = {
            h.id: h
            for h in session.scalars(
                select(Household).where(
                    Household.id.in_([item.household_id for item in found.items])
                )
            )
        }
        households = [by_id.get(item.household_id) for item in found.items]
        names = member_names(session, [i.member_id for i in found.items if i.member_id])
        members = [names.get(item.member_id or "", "-") for item in found.items]
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "total": found.total,
                    "items": [
                        {**vars(item), "due_on": item.due_on.isoformat()} for item in found.items
                    ],
                    "by_village": found.by_village,
                    "by_grid": found.by_grid,
                    "by_member": found.by_member,
                },
                ensure_ascii=False,
            )
        )
        return
    table = Table(title=f"Due contacts under {territory}: {found.total}", box=box.SIMPLE_HEAD)
    for heading in ("household", "address", "member", "reason", "due on", "overdue"):
        table.add_column(heading)
    for item, household, member in zip(found.items, households, members, strict=True):
        table.add_row(
            household.household_no if household else item.household_id,
            household.address if household else "",
            member,
            REASONS.get(item.reason, item.reason),
            item.due_on.isoformat(),
            "yes" if item.overdue else "",
        )
    console.print(table)


@app.command("report")
def report(
    territory: str = typer.Option(..., "--territory"),
    from_day: dt.datetime = typer.Option(None, "--from", formats=DATE),
    to_day: dt.datetime = typer.Option(None, "--to", formats=DATE),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Contact coverage under a node, and per child node."""
    from gridgov.contacts.schemas import ContactReportOut  # see assign

    end = to_day.date() if to_day else clock.today()
    start = from_day.date() if from_day else end - dt.timedelta(days=89)
    if start > end:
        raise typer.BadParameter(f"{end} is before --from {start}", param_hint="--to")
    with transaction() as session:
        out = ContactReportOut.of_report(
            contact_report(session, territory_code=territory, start=start, end=end)
        )
    if as_json:
        typer.echo(json.dumps(out.model_dump(mode="json"), ensure_ascii=False))
        return
    table = Table(title=f"Contacts under {territory}, {start} to {end}", box=box.SIMPLE_HEAD)
    headings = ("households", "assigned", "contacted_30d", "contacted_90d", "due_now", "overdue")
    table.add_column("node")
    for heading in (*headings, "visit rate"):
        table.add_column(heading, justify="right")
    for row in (out, *out.children):
        rate = "-" if row.visit_rate is None else f"{row.visit_rate:.0%}"
        table.add_row(row.code, *(str(getattr(row, name)) for name in headings), rate)
    console.print(table)
    share = "-" if out.confirmed_share is None else f"{out.confirmed_share:.0%}"
    console.print(
        f"visits {out.visits}, confirmed {share}; must-visit met in time "
        f"{out.must_visit_met_in_time}/{out.must_visit_due}"
    )


@app.command("export")
def export(
    territory: str = typer.Option(..., "--territory"),
    out: Path = typer.Option(..., "--out", help="A .csv or .xlsx file."),
    from_day: dt.datetime = typer.Option(None, "--from", formats=DATE),
    to_day: dt.datetime = typer.Option(None, "--to", formats=DATE),
) -> None:
    """The contact ledger under a node as CSV or XLSX (by the file's suffix)."""
    file_format = out.suffix.lower().lstrip(".")
    if file_format not in ("csv", "xlsx"):
        raise typer.BadParameter("--out must end in .csv or .xlsx")
    with transaction() as session:
        content = ledger_file(
            session,
            file_format,
            territory=territory,
            start=from_day.date() if from_day else None,
            end=to_day.date() if to_day else None,
            principal=None,
        )
    _write(out, content)
    console.print(f"wrote {out}")


@app.command("cards")
def cards(
    territory: str = typer.Option(
        ..., "--territory", help="A grid (one PDF per grid) or any node."
    ),
    out: Path = typer.Option(..., "--out", help="The PDF to write."),
    language: str = typer.Option("zh-CN", "--lang", help="The cards' language."),
) -> None:
    """The printable contact cards (A6, one page a household) of the households under a node."""
    from gridgov.contacts.card_data import contact_cards  # reportlab loads for this only
    from gridgov.contacts.cards import render_cards

    if out.suffix.lower() != ".pdf":
        raise typer.BadParameter("--out must end in .pdf")
    with transaction() as session:
        found = contact_cards(
            session, territory_code=territory, principal=None, issued=clock.today()
        )
        pdf = render_cards(found, title=territory, language=language)
    _write(out, pdf)
    console.print(f"wrote {out}: {len(found)} cards")


def _write(out: Path, content: bytes) -> None:
    """``content`` into ``out``, or an error naming --out (a missing folder, no right)."""
    try:
        out.write_bytes(content)
    except OSError as exc:
        raise GridgovError(f"--out: cannot write {out} ({exc.strerror or exc})") from exc
