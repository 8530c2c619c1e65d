"""`gridgov partition ...`: compute a division plan, apply it, roll it back, see the history."""

from __future__ import annotations

import json
from typing import Any

import typer
from rich.table import Column, Table

from gridgov.cli.common import cli_actor, console, new_typer, settings, transaction
from gridgov.clock import local_iso
from gridgov.errors import ValidationFailed
from gridgov.i18n import Message
from gridgov.partition import queries
from gridgov.partition.constraints import check_bounds, parse_range
from gridgov.partition.models import PartitionPlan
from gridgov.partition.schemas import PlanListItem, PlanOut

app = new_typer("Grid division plans: compute, look, apply, roll back.")
# The engine's modules (plans, apply, preview) load numpy, scipy, shapely and matplotlib:
# the commands that run it import them, so that every other command starts without them.


def _summary_table(plan: PartitionPlan) -> Table:
    s = plan.summary
    table = Table("measure", "value", title=f"plan {plan.id} · {plan.scope_code} · {plan.status}")

    def sizes(key: str) -> str:
        return f"{s[key]['min']} / {s[key]['median']:g} / {s[key]['max']}"

    rows: list[tuple[str, Any]] = [
        ("villages", s["villages"]),
        ("households (without a location)", f"{s['households']} ({s['households_without_point']})"),
        (
            "grids (kept / new)",
            f"{s['grids']} ({s['nodes']['grids_kept']} / {s['nodes']['grids_new']})",
        ),
        (
            "units (kept / new)",
            f"{s['units']} ({s['nodes']['units_kept']} / {s['nodes']['units_new']})",
        ),
        ("nodes to retire", s["nodes"]["retire"]),
        ("grid size min / median / max", sizes("grid_sizes")),
        ("unit size min / median / max", sizes("unit_sizes")),
        (
            "households outside bounds (grid / unit)",
            f"{s['households_outside_bounds']['grid']} / {s['households_outside_bounds']['unit']}",
        ),
        (
            "contiguous (grids / units)",
            f"{s['contiguity']['grids']:.0%} / {s['contiguity']['units']:.0%}",
        ),
        ("compactness (mean Polsby-Popper)", f"{s['compactness']:.3f}"),
        (
            "households moved (grid / unit)",
            f"{s['households_moved']['grid']} / {s['households_moved']['unit']}",
        ),
        ("exceptions", len(s["exceptions"])),
        ("posts affected", len(s["posts_affected"])),
        ("computed in", f"{s.get('seconds', 0):.2f} s"),
    ]
    for name, value in rows:
        table.add_row(name, str(value))
    return table


def _details(plan: PartitionPlan) -> None:
    s = plan.summary
    if s["exceptions"]:
        table = Table("level", "where", "households", "reason", title="exceptions")
        for e in s["exceptions"]:
            where = (
                e.get("unit_code")
                or e.get("grid_code")
                or e.get("household_id")
                or e["village_code"]
            )
            table.add_row(e["level"], where, str(e["households"]), e["reason"])
        console.print(table)
    if s["posts_affected"]:
        table = Table("post", "node", "holder", title="posts on nodes that would be dissolved")
        for post in s["posts_affected"]:
            table.add_row(post["post_type"], post["territory_code"], post["name"])
        console.print(table)


def _effects(plan: PartitionPlan) -> None:
    effects = plan.effects or {}
    counts = {k: v for k, v in effects.items() if isinstance(v, int)}
    console.print(", ".join(f"{k.replace('_', ' ')}: {v}" for k, v in counts.items()))
    rollback = effects.get("rollback")
    posts = rollback["to_reappoint"] if rollback else effects.get("posts_ended", [])
    if posts:
        title = "posts to reappoint" if rollback else "posts ended: reassign them"
        table = Table("post", "node", "holder", title=title)
        for post in posts:
            table.add_row(post["post_type"], post["territory_code"], post["name"])
        console.print(table)


@app.command()
def plan(
    village: str = typer.Option(None, help="Divide this village."),
    town: str = typer.Option(None, help="Divide every village of this town."),
    grid_size: str = typer.Option("25-45", help="Households per grid, MIN-MAX."),
    grid_target: float = typer.Option(36),
    unit_size: str = typer.Option("4-8", help="Households per unit, MIN-MAX."),
    unit_target: float = typer.Option(6),
    lock: list[str] = typer.Option([], help="A grid code that must not change (repeatable)."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Compute a plan, store it, print its report and write its PNG map."""
    from gridgov.partition.plans import check_create_plan
    from gridgov.partition.preview import write_preview

    if (village is None) == (town is None):
        raise ValidationFailed.field(
            "scope_code", Message("give exactly one of --village and --town")
        )
    grid_bounds = check_bounds(
        *parse_range(grid_size, field="grid_size"), grid_target, field="grid_size"
    )
    unit_bounds = check_bounds(
        *parse_range(unit_size, field="unit_size"), unit_target, field="unit_size"
    )
    with transaction() as session:
        made = check_create_plan(
            session,
            scope_code=village or town,
            grid_bounds=grid_bounds,
            unit_bounds=unit_bounds,
            locks=lock,
            actor=cli_actor(),
        )
        path = write_preview(session, made, data_dir=settings().data_dir)
        out = PlanOut.of(made)
    if as_json:
        typer.echo(
            json.dumps({**out.model_dump(mode="json"), "preview": str(path)}, ensure_ascii=False)
        )
        return
    console.print(f"plan {made.id}")
    console.print(_summary_table(made))
    _details(made)
    console.print(f"map: {path}")


@app.command()
def apply(plan_id: str, as_json: bool = typer.Option(False, "--json")) -> None:
    """Apply a plan in one transaction."""
    from gridgov.partition.apply import check_apply_plan

    with transaction() as session:
        applied = check_apply_plan(session, queries.get_plan(session, plan_id), actor=cli_actor())
        out = PlanOut.of(applied)
    if as_json:
        typer.echo(out.model_dump_json())
        return
    console.print(f"applied plan {applied.id}")
    _effects(applied)


@app.command()
def rollback(plan_id: str, as_json: bool = typer.Option(False, "--json")) -> None:
    """Restore the division a plan replaced (the latest applied plan of its scope only)."""
    from gridgov.partition.apply import check_rollback_plan

    with transaction() as session:
        rolled = check_rollback_plan(session, queries.get_plan(session, plan_id), actor=cli_actor())
        out = PlanOut.of(rolled)
    if as_json:
        typer.echo(out.model_dump_json())
        return
    console.print(f"rolled back plan {rolled.id}")
    _effects(rolled)


@app.command()
def history(
    territory: str = typer.Option(None, help="Plans of this node, under it or covering it."),
    limit: int = typer.Option(50, max=1000),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """List plans, newest first, with their effects."""
    with transaction() as session:
        plans, total = queries.list_plans(session, territory=territory, limit=limit)
        items = [PlanListItem.of(p) for p in plans]
    if as_json:
        typer.echo(json.dumps([i.model_dump(mode="json") for i in items], ensure_ascii=False))
        return
    table = Table(
        Column("id", overflow="fold"),
        Column("scope", overflow="fold"),
        "status",
        "grids",
        "units",
        "moved",
        "posts",
        Column("created", overflow="fold"),
        Column("by", overflow="fold"),
    )
    for item in items:
        table.add_row(
            item.id,
            item.scope_code,
            item.status,
            str(item.grids),
            str(item.units),
            str(item.households_moved_grid),
            str(item.posts_affected),
            local_iso(item.created_at)[:16],
            item.created_by,
        )
    console.print(table)
    console.print(f"{len(items)} of {total}")


@app.command()
def show(plan_id: str, as_json: bool = typer.Option(False, "--json")) -> None:
    """A plan's report and, once applied or rolled back, its effects."""
    with transaction() as session:
        found = queries.get_plan(session, plan_id)
        out = PlanOut.of(found)
        if not as_json:
            console.print(_summary_table(found))
            _details(found)
            if found.effects:
                _effects(found)
    if as_json:
        typer.echo(out.model_dump_json())
