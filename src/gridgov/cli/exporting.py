"""`gridgov export households|residents --territory CODE --format csv|xlsx --out FILE
[--lang en|zh-CN]`,
and `gridgov export cases --territory CODE [--from --to] --output FILE.xlsx`."""

from __future__ import annotations

import datetime as dt
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


class Language(StrEnum):
    en = "en"
    zh_cn = "zh-CN"


LangOption = Annotated[
    Language,
    typer.Option(
        "--lang",
        help="the header's language: en (the columns' codes) or zh-CN (their Chinese names); "
        "`gridgov import` reads either",
        case_sensitive=False,
    ),
]


@app.command("households")
def households(
    territory: TerritoryOption,
    out: OutOption,
    file_format: FormatOption = None,
    reveal: RevealOption = False,
    lang: LangOption = Language.en,
) -> None:
    """Export households (the columns `gridgov import households` reads)."""
    _run(
        "households",
        territory=territory,
        out=out,
        file_format=file_format,
        reveal=reveal,
        language=lang.value,
    )


@app.command("residents")
def residents(
    territory: TerritoryOption,
    out: OutOption,
    file_format: FormatOption = None,
    reveal: RevealOption = False,
    lang: LangOption = Language.en,
) -> None:
    """Export residents (the columns `gridgov import residents` reads)."""
    _run(
        "residents",
        territory=territory,
        out=out,
        file_format=file_format,
        reveal=reveal,
        language=lang.value,
    )


@app.command("cases")
def cases(
    territory: TerritoryOption,
    output: Annotated[
        Path, typer.Option("--output", "--out", dir_okay=False, help="the .xlsx file to write")
    ],
    from_day: Annotated[
        dt.datetime | None,
        typer.Option("--from", formats=["%Y-%m-%d"], help="first local day of creation"),
    ] = None,
    to_day: Annotated[
        dt.datetime | None,
        typer.Option("--to", formats=["%Y-%m-%d"], help="last local day of creation (inclusive)"),
    ] = None,
    reveal: Annotated[
        bool, typer.Option("--reveal", help="write reporters' contacts unmasked")
    ] = False,
    lang: LangOption = Language.en,
) -> None:
    """Export the case register as XLSX: one row per case located under the node."""
    from gridgov.cases.exporting import export_cases
    from gridgov.reports.resolution import local_period

    start = end = None
    if from_day is not None or to_day is not None:
        first = from_day.date() if from_day else dt.date(1970, 1, 1)
        last = to_day.date() if to_day else dt.date(9998, 12, 31)
        start, end = local_period(first, last)
    partial = output.with_name(f".{output.name}.partial")
    try:
        with transaction() as session, partial.open("wb") as stream:
            count = export_cases(
                session,
                stream,
                territory=territory,
                start=start,
                end=end,
                reveal=reveal,
                language=lang.value,
            )
        partial.replace(output)
    finally:
        partial.unlink(missing_ok=True)
    masked = "" if reveal else " (reporters' contacts masked)"
    typer.echo(f"exported {count} cases under {territory} to {output}{masked}")


def _run(
    kind: str,
    *,
    territory: str,
    out: Path,
    file_format: FileFormat | None,
    reveal: bool,
    language: str = "en",
) -> None:
    chosen = file_format.value if file_format else _format_from_suffix(out)
    # Written beside the target, then renamed: a failed export leaves no half file.
    partial = out.with_name(f".{out.name}.partial")
    try:
        with transaction() as session, partial.open("wb") as stream:
            count = export_table(
                session,
                kind,
                stream,
                territory=territory,
                file_format=chosen,
                reveal=reveal,
                language=language,
            )
        partial.replace(out)
    finally:
        partial.unlink(missing_ok=True)
    masked = "" if reveal or kind == "households" else " (ID numbers and phones masked)"
    typer.echo(f"exported {count} {kind} under {territory} to {out}{masked}")


def _format_from_suffix(out: Path) -> str:
    suffix = out.suffix.lower().lstrip(".")
    return suffix if suffix in ("csv", "xlsx") else "csv"
