"""`gridgov demo`'s work: generate the demo island, load it, print what was loaded."""

from __future__ import annotations

import datetime as dt
import time

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from gridgov import clock
from gridgov.accounts.demo import GRID as DEMO_GRID
from gridgov.accounts.demo import UNIT as DEMO_UNIT
from gridgov.accounts.demo import create_demo_accounts
from gridgov.cli.common import cli_actor, console, err_console, transaction
from gridgov.demo.generate import build_demo_island
from gridgov.demo.load import (
    Advance,
    LoadSummary,
    demo_contact_pair,
    demo_party_member,
    has_territories,
    load_demo_island,
    resync_leaders_groups,
)
from gridgov.errors import Conflict
from gridgov.partition.constraints import DivisionException


def build_and_load(*, seed: int, if_empty: bool, scale: float) -> None:
    """Generate the island from ``seed`` at ``scale``, load it, print what was loaded."""
    started = time.monotonic()
    progress = Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    )
    with progress, transaction() as session:
        if has_territories(session):
            if if_empty:
                console.print("the database already has territories: demo island not loaded")
                return
            raise Conflict(
                "the database already has territories; the demo island goes into an empty "
                "database (use --if-empty to skip quietly, or point GRIDGOV_DATABASE_URL "
                "at a new one)"
            )
        generating = progress.add_task("generating the island", total=None)
        island = build_demo_island(seed, scale=scale, as_of=_as_of())
        progress.update(generating, total=1, completed=1)

        def stage(description: str, total: int) -> Advance:
            task = progress.add_task(f"loading {description}", total=total)
            return lambda steps: progress.advance(task, steps)

        summary = load_demo_island(session, island, actor=cli_actor(), progress=stage)
        pair = demo_contact_pair(session, DEMO_GRID, DEMO_UNIT)
        if pair is not None:  # the resident's household is the party member's to visit
            chosen = {"demo_party": pair[0], "demo_resident": pair[1]}
        else:
            party = demo_party_member(session, DEMO_GRID)
            chosen = {"demo_party": party} if party else {}
        accounts = create_demo_accounts(session, actor=cli_actor(), residents=chosen or None)
        resync_leaders_groups(session)
    _print_summary(summary, seed=seed, seconds=time.monotonic() - started)
    _print_division_exceptions(island.division_exceptions)
    _print_accounts(accounts)


def _as_of() -> dt.date:
    # Ages are as of the 1st of January: the same seed gives the same people all year.
    return clock.today().replace(month=1, day=1)


def _print_summary(summary: LoadSummary, *, seed: int, seconds: float) -> None:
    table = Table(title=f"demo island loaded (seed {seed})", show_header=False)
    for label, value in (
        ("villages", summary.villages),
        ("grids", summary.grids),
        ("units", summary.units),
        ("households", summary.households),
        ("residents", summary.residents),
        ("posts", summary.posts),
        ("party members", summary.party_members),
        ("contact households", summary.contact_households),
    ):
        table.add_row(label, f"{value:,}")
    table.add_row("seconds", f"{seconds:.1f}")
    console.print(table)


def _print_division_exceptions(exceptions: list[DivisionException]) -> None:
    """What the grid-division engine could not fit in its bounds, with its reason."""
    if not exceptions:
        console.print("grid division: every grid and unit within bounds and contiguous")
        return
    table = Table("level", "village", "grid", "unit", "households", "reason")
    table.title = f"grid division exceptions ({len(exceptions)})"
    for e in exceptions:
        table.add_row(
            e.level,
            str(e.village),
            "" if e.grid_serial is None else str(e.grid_serial),
            "" if e.unit_serial is None else str(e.unit_serial),
            str(e.households),
            e.reason,
        )
    console.print(table)


def _print_accounts(accounts: list[tuple[str, str, str, str]]) -> None:
    # Passwords are drawn at random on each install and shown only here.
    table = Table(
        "username", "role", "territory", "password", title="demo accounts (passwords shown once)"
    )
    for username, role, territory, password in accounts:
        table.add_row(username, role, territory, password)
    console.print(table)


def run_demo_drill(*, seed: int) -> None:
    """A typhoon drill over the island's town with simulated confirmations (demo.drill)."""
    from sqlalchemy import select

    from gridgov.demo.drill import run_drill
    from gridgov.territory.models import Territory

    with transaction() as session:
        town = session.scalar(
            select(Territory.code).where(Territory.level == "town").order_by(Territory.code)
        )
        if town is None:
            raise Conflict("no town to run a drill on: load the demo island first")
        summary = run_drill(session, territory_code=town, seed=seed, actor=cli_actor())
        roll_call = summary.roll_call
        console.print(
            f"drill roll-call {roll_call.id} over {town}: {roll_call.household_count} households, "
            f"{summary.confirmed} confirmed ({dict(summary.by_confirmer)}), "
            f"{summary.escalated} escalated; see `gridgov rollcall status {roll_call.id}`"
        )
