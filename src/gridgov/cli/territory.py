"""`gridgov territory ...`: list, show, create and retire nodes; GeoJSON import and export."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from gridgov.cli.common import cli_actor, console, err_console, new_typer, transaction
from gridgov.errors import GridgovError
from gridgov.territory import queries
from gridgov.territory.actions import check_create_territory, check_retire_territory
from gridgov.territory.models import Territory
from gridgov.territory.schemas import TerritoryDetail, TerritoryListItem
from gridgov.territory.scope import clean_territory_filter

app = new_typer("The territory tree: district > town > village > grid > unit.")


def _print_json(value: Any) -> None:
    # Plain stdout, not Rich: a script reads this, so no wrapping or colour.
    typer.echo(json.dumps(value, ensure_ascii=False, indent=2))


def _say(text: str, *, error: bool = False) -> None:
    """A line of data: no markup (paths and codes may hold brackets), no wrapping."""
    (err_console if error else console).print(text, markup=False, highlight=False, soft_wrap=True)


def _table(nodes: list[Territory]) -> Table:
    table = Table("code", "level", "name_zh", "name_en", "parent", "status", "boundary")
    for node in nodes:
        table.add_row(
            node.code,
            node.level,
            node.name_zh,
            node.name_en,
            node.parent_code or "-",
            node.status,
            "yes" if node.boundary is not None else "no",
        )
    return table


@app.command("list")
def list_command(
    territory: str = typer.Option(None, help="Only this node and everything under it."),
    level: str = typer.Option(None, help="district, town, village, grid or unit."),
    include_retired: bool = typer.Option(False, "--include-retired", help="Show retired too."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON for scripts."),
) -> None:
    """List nodes in code order."""
    with transaction() as session:
        nodes, total = queries.list_territories(
            session,
            territory=territory,
            level=level,
            status=None if include_retired else "active",
            limit=None,
        )
        if as_json:
            _print_json([TerritoryListItem.from_node(n).model_dump(mode="json") for n in nodes])
            return
        console.print(_table(list(nodes)))
        console.print(f"{total} node(s)")


@app.command()
def show(
    code: str = typer.Argument(..., help="The node's code."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON for scripts."),
) -> None:
    """Show one node, active or retired."""
    with transaction() as session:
        node = queries.get_territory(session, clean_territory_filter(code, field="code"))
        detail = TerritoryDetail.from_node(node).model_dump(mode="json")
        if as_json:
            _print_json(detail)
            return
        table = Table("field", "value", show_header=False)
        if detail["boundary"] is not None:
            detail["boundary"] = detail["boundary"]["type"]  # the polygon itself is too long
        for name, value in detail.items():
            table.add_row(name, "-" if value is None else str(value))
        console.print(table)


@app.command()
def create(
    code: str = typer.Option(..., help="The new node's code (its parent's code + a serial)."),
    level: str = typer.Option(..., help="district, town, village, grid or unit."),
    parent: str = typer.Option(None, help="The parent's code (every level but district)."),
    name_zh: str = typer.Option(..., help="Chinese name."),
    name_en: str = typer.Option("", help="English or pinyin name."),
) -> None:
    """Create a node under its parent."""
    with transaction() as session:
        node = check_create_territory(
            session,
            code=code,
            level=level,
            parent_code=parent,
            name_zh=name_zh,
            name_en=name_en,
            actor=cli_actor(),
        )
        _say(f"created {node.level} {node.code} {node.name_zh}")


@app.command()
def retire(code: str = typer.Argument(..., help="The node's code.")) -> None:
    """Retire a node nothing active hangs on (its code is never given again)."""
    with transaction() as session:
        node = queries.get_territory(session, clean_territory_filter(code, field="code"))
        check_retire_territory(session, node, actor=cli_actor())
        _say(f"retired {node.level} {node.code} {node.name_zh}")


def _read_geojson(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise GridgovError(f"{path}: cannot read it ({exc.strerror or exc})") from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise GridgovError(f"{path}: not a JSON file ({exc})") from exc


@app.command("import-geojson")
def import_geojson(
    file: Path = typer.Argument(..., help="A GeoJSON FeatureCollection of territory nodes."),
) -> None:
    """Create and update nodes from a GeoJSON file: all of it, or nothing if a feature is bad."""
    # GeoJSON needs shapely (and numpy): imported by the commands that read or write it.
    from gridgov.territory.geojson import GeoJSONImportFailed, import_feature_collection

    data = _read_geojson(file)
    try:
        with transaction() as session:
            summary = import_feature_collection(session, data, actor=cli_actor())
    except GeoJSONImportFailed as exc:
        bad_features = len({problem.index for problem in exc.problems})
        _say(f"{file}: {bad_features} bad feature(s), nothing was imported:", error=True)
        for problem in exc.problems:
            where = f" (code {problem.code})" if problem.code else ""
            _say(f"  {problem.key}{where}: {problem.reason}", error=True)
        raise typer.Exit(1) from exc
    _say(
        f"imported {file}: {summary.created} created, {summary.updated} updated, "
        f"{summary.unchanged} unchanged"
    )


@app.command("export-geojson")
def export_geojson(
    territory: str = typer.Option(..., help="Root of the exported subtree."),
    level: str = typer.Option(None, help="Only nodes of this level."),
    out: Path = typer.Option(None, help="Write here instead of standard output."),
) -> None:
    """Export a subtree as a GeoJSON FeatureCollection (boundaries as geometries)."""
    from gridgov.territory.geojson import export_feature_collection  # see import_geojson

    with transaction() as session:
        collection = export_feature_collection(session, territory=territory, level=level)
    text = json.dumps(collection, ensure_ascii=False)
    if out is None:
        typer.echo(text)
        return
    try:
        out.write_text(text + "\n", encoding="utf-8")
    except OSError as exc:
        raise GridgovError(f"{out}: cannot write it ({exc.strerror or exc})") from exc
    _say(f"wrote {len(collection['features'])} feature(s) to {out}")
