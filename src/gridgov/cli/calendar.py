"""`gridgov calendar ...`: the working calendar's holidays and swapped working days."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import typer
from rich.table import Table

from gridgov.cases.calendar import calendar_days, check_set_calendar_day, seed_calendar
from gridgov.cli.common import cli_actor, console, new_typer, transaction
from gridgov.errors import ValidationFailed
from gridgov.i18n import Message

app = new_typer("The working calendar: public holidays and weekend days worked around them.")


@app.command("seed")
def seed(
    years: list[int] = typer.Option(
        None, "--year", help="Year to seed (repeatable; default: this year and next)."
    ),
) -> None:
    """Fill the calendar from China's published holiday schedule (days people edited stay)."""
    with transaction() as session:
        written = seed_calendar(session, years or None, actor=cli_actor())
    console.print(f"calendar seeded: {written} day(s) added or refreshed")


@app.command("list")
def list_days(
    year: int = typer.Option(None, help="Only this year."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """List the days that differ from the plain week (Monday to Friday)."""
    with transaction() as session:
        rows: list[dict[str, Any]] = [
            {
                "day": row.day.isoformat(),
                "weekday": row.day.strftime("%a"),
                "is_workday": row.is_workday,
                "name": row.name,
                "updated_by": row.updated_by,
            }
            for row in calendar_days(session, year=year)
        ]
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False))
        return
    table = Table("day", "", "working", "name", "by")
    for row in rows:
        table.add_row(
            row["day"],
            row["weekday"],
            "yes" if row["is_workday"] else "no",
            row["name"],
            row["updated_by"],
        )
    console.print(table)


@app.command("set")
def set_day(
    day: str = typer.Argument(..., help="The date, YYYY-MM-DD."),
    workday: bool = typer.Option(
        None, "--workday/--holiday", help="A working day, or a day off.", show_default=False
    ),
    name: str = typer.Option(..., "--name", help='What it is, e.g. "National Day".'),
) -> None:
    """Make DATE a working day (--workday) or a day off (--holiday)."""
    if workday is None:
        raise ValidationFailed.field("workday", Message("say --workday or --holiday"))
    try:
        date = dt.date.fromisoformat(day)
    except ValueError as exc:
        raise ValidationFailed.field(
            "day", Message("%(day)r is not a date like 2026-10-01", day=day)
        ) from exc
    with transaction() as session:
        row = check_set_calendar_day(
            session, date, is_workday=workday, name=name, actor=cli_actor()
        )
        kind = "a working day" if row.is_workday else "a day off"
    console.print(f"{date.isoformat()} is now {kind}: {name}")
