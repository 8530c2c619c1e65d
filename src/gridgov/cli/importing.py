"""`gridgov import households|residents FILE`: all or nothing, with a progress bar."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from gridgov.cli.common import cli_actor, err_console, new_typer, transaction
from gridgov.registry.importing import (
    PROGRESS_STEPS_PER_ROW,
    ImportRejected,
    ImportReport,
    import_households,
    import_residents,
    read_table,
)

app = new_typer("Import households and residents from CSV or XLSX files (all or nothing).")

FileArgument = Annotated[
    Path,
    typer.Argument(exists=True, dir_okay=False, readable=True, help="a .csv or .xlsx file"),
]
JsonOption = Annotated[bool, typer.Option("--json", help="print the result as JSON")]


@app.command("households")
def households(file: FileArgument, as_json: JsonOption = False) -> None:
    """Import households: village_code, household_no, address, unit_code, lon, lat."""
    _run("households", file, as_json=as_json)


@app.command("residents")
def residents(file: FileArgument, as_json: JsonOption = False) -> None:
    """Import residents of existing households (named by village_code + household_no)."""
    _run("residents", file, as_json=as_json)


def _run(kind: str, file: Path, *, as_json: bool) -> None:
    importer = import_households if kind == "households" else import_residents
    rows = read_table(file)
    total = rows.size_hint * PROGRESS_STEPS_PER_ROW if rows.size_hint is not None else None
    progress = Progress(
        TextColumn(f"importing {kind}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
        disable=as_json,
    )
    try:
        with progress, transaction() as session:
            task = progress.add_task(kind, total=total)
            report = importer(
                session, rows, actor=cli_actor(), progress=lambda n: progress.advance(task, n)
            )
    except ImportRejected as rejected:
        _print_rejected(rejected, as_json=as_json)
        raise typer.Exit(1) from None
    _print_report(report, file, as_json=as_json)


def _print_rejected(rejected: ImportRejected, *, as_json: bool) -> None:
    if as_json:
        rows = [{"line": e.line, "field": e.field, "reason": e.reason} for e in rejected.errors]
        body = {"error": {"code": rejected.code, "message": rejected.message, "rows": rows}}
        typer.echo(json.dumps(body, ensure_ascii=False))
        return
    for error in rejected.errors:
        typer.echo(str(error), err=True)  # plain echo: reasons are not Rich markup
    typer.echo(rejected.message.split(": ", 1)[0], err=True)


def _print_report(report: ImportReport, file: Path, *, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps({"kind": report.kind, "rows": report.rows}))
    else:
        typer.echo(f"imported {report.rows} {report.kind} from {file}")
