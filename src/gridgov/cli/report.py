"""`gridgov report resolution`: the resolution measures of a subtree over a period."""

from __future__ import annotations

import datetime as dt
import json

import typer
from rich import box
from rich.table import Table

from gridgov import clock
from gridgov.cli.common import console, new_typer, transaction
from gridgov.reports.resolution import Measures, local_period, resolution_report
from gridgov.reports.schemas import ResolutionReportOut

app = new_typer("Reports: the measures leaders look at.")

DATE = ["%Y-%m-%d"]
# Cases, closed, where closed (shares), on-time, median hours, reopened, satisfied, overdue.
HEADINGS = ("cases", "closed", "unit", "grid", "vill.", "town+", "on time", "med. h", "reop.",
            "sat.", "overdue")  # fmt: skip


@app.command("resolution")
def resolution(
    territory: str = typer.Option(..., "--territory", help="That node and everything under it."),
    from_day: dt.datetime = typer.Option(..., "--from", formats=DATE, help="First local day."),
    to_day: dt.datetime = typer.Option(
        ..., "--to", formats=DATE, help="Last local day (inclusive)."
    ),
    as_json: bool = typer.Option(False, "--json", help="The API's JSON answer."),
) -> None:
    """Cases CREATED in the period under a node: where and how fast they were solved, and
    the same per child node (villages of a town, grids of a village)."""
    first, last = from_day.date(), to_day.date()
    start, end = local_period(first, last)
    with transaction() as session:
        report = resolution_report(
            session, territory_code=territory, start=start, end=end, now=clock.now()
        )
    out = ResolutionReportOut.of(report, from_date=first, to_date=last)
    if as_json:
        typer.echo(json.dumps(out.model_dump(mode="json", by_alias=True), ensure_ascii=False))
        return
    as_of = clock.local_iso(report.generated_at.replace(microsecond=0))
    title = f"Cases created {first} to {last} under {territory}, as of {as_of}"
    rows = [report.territory, *report.children]
    if report.at_node is not None:
        rows.append(report.at_node)
    table = Table(title=title, box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("node", no_wrap=True, min_width=12)
    for heading in HEADINGS:
        table.add_column(heading, justify="right")
    for measures in rows:
        label = "(at node)" if measures is report.at_node else measures.code
        table.add_row(label, *_cells(measures))
    console.print(table)


def _cells(measures: Measures) -> list[str]:
    shares = measures.closed_at
    median = measures.median_hours_to_close
    return [
        str(measures.total),
        str(measures.closed),
        *(_percent(shares[key]) for key in ("unit", "grid", "village", "town_and_above")),
        _percent(measures.on_time_rate),
        "-" if median is None else f"{median:.1f}",
        _percent(measures.reopen_rate),
        _percent(measures.satisfaction_rate),
        str(measures.overdue_now),
    ]


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"
