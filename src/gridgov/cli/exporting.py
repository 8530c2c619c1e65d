"""`gridgov export households|residents --territory CODE --format csv|xlsx --out FILE`."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from gridgov.cli.common import new_typer, transaction
from gridgov.registry.exporting import export_table

app = new_typer("Export households and residents as CSV or XLSX (personal fields masked).")


class FileFormat(StrEnum):
    csv = "csv"
    xlsx = "xlsx"


TerritoryOption = Annotated[
    str, typer.Option("--territory", help="export this node and everything under it")
]
FormatOption = Annotated[
    FileFormat | None, typer.Option("--format", help="csv or xlsx (default: from --out)")
]
OutOption = Annotated[Path, typer.Option("--out", dir_okay=False, help="the file to write")]
RevealOption = Annotated[
    bool, typer.Option("--reveal", help="write ID numbers and phones unmasked")
]


@app.command("households")
def households(
    territory: TerritoryOption,
    out: OutOption,
    file_format: FormatOption = None,
    reveal: RevealOption = False,
) -> None:
    """Export households (the columns `gridgov import households` reads)."""
    _run("households", territory=territory, out=out, file_format=file_format, reveal=reveal)


@app.command("residents")
def residents(
    territory: TerritoryOption,
    out: OutOption,
    file_format: FormatOption = None,
    reveal: RevealOption = False,
) -> None:
    """Export residents (the columns `gridgov import residents` reads)."""
    _run("residents", territory=territory, out=out, file_format=file_format, reveal=reveal)


def _run(
    kind: str, *, territory: str, out: Path, file_format: FileFormat | None, reveal: bool
) -> None:
    chosen = file_format.value if file_format else _format_from_suffix(out)
    # Written beside the target, then renamed: a failed export leaves no half file.
    partial = out.with_name(f".{out.name}.partial")
    try:
        with transaction() as session, partial.open("wb") as stream:
            count = export_table(
                session, kind, stream, territory=territory, file_format=chosen, reveal=reveal
            )
        partial.replace(out)
    finally:
        partial.unlink(missing_ok=True)
    masked = "" if reveal or kind == "households" else " (ID numbers and phones masked)"
    typer.echo(f"exported {count} {kind} under {territory} to {out}{masked}")


def _format_from_suffix(out: Path) -> str:
    suffix = out.suffix.lower().lstrip(".")
    return suffix if suffix in ("csv", "xlsx") else "csv"
