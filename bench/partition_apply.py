"""Applying and rolling back a town's division plan: set-based against node by node.

Loads the demo island (seed 7, about 10,500 households) into a scratch database (an SQLite
file, a PostgreSQL schema), computes a plan of the whole town with grids of 30-50
households (target 40) and units of 5-9 (target 7), and times, in the same run:

(a) the baseline: the node-by-node path the set-based one replaced (kept as the test
    oracle, tests/partition/node_by_node.py): apply, commit; rollback, commit;
(b) gridgov's set-based path (gridgov.partition.apply) on a plan computed again from the
    same state (the same division; its new nodes take fresh codes, the baseline's are
    retired): apply, commit; rollback, commit.

Each time is one transaction as the CLI runs it (`gridgov partition apply|rollback`),
commit included. "cpu" is the CPU time spent on it: this process's (SQLite runs in it),
plus, for a PostgreSQL server on this machine, its backend's (read from /proc): on a
shared, loaded machine the wall time grows with the load average (printed with the
table), the CPU time much less.

    python bench/partition_apply.py                   # the town plan, both databases
    python bench/partition_apply.py --quick           # one village of a quarter-size island
    python bench/partition_apply.py --backends sqlite
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

os.environ.setdefault("GRIDGOV_SECRET_KEY", "bench-apply-secret-key-" + "a" * 32)
os.environ.setdefault(
    "GRIDGOV_ENCRYPTION_KEYS", "bench:YmVuY2hiZW5jaGJlbmNoYmVuY2hiZW5jaGJlbmNoYmU="
)

from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine, select, text

import scratch  # bench/scratch.py: the scratch databases
from gridgov.accounts.demo import create_demo_accounts
from gridgov.database.migrate import upgrade
from gridgov.database.sessions import session_factory
from gridgov.demo.generate import TOWN_CODE, DemoIsland, build_demo_island
from gridgov.demo.load import load_demo_island
from gridgov.deployment import install
from gridgov.partition import apply as set_based
from gridgov.partition.constraints import Bounds
from gridgov.partition.models import PartitionPlan
from gridgov.partition.plans import check_create_plan
from gridgov.settings import Settings
from gridgov.storage.engine import create_engine_for

GRID_BOUNDS, UNIT_BOUNDS = Bounds(30, 50, 40), Bounds(5, 9, 7)
ACTOR = "bench:partition-apply"
QUICK_SCALE, QUICK_VILLAGE = 0.25, TOWN_CODE + "201"
console = Console(width=160)


def node_by_node() -> ModuleType:
    """The oracle lives with the tests (it is nothing the platform runs)."""
    root = str(Path(__file__).resolve().parents[1])
    if root not in sys.path:
        sys.path.insert(0, root)
    return importlib.import_module("tests.partition.node_by_node")


@dataclass
class Timing:
    backend: str
    path: str
    apply_seconds: float
    apply_cpu: float
    rollback_seconds: float
    rollback_cpu: float
    effects: dict[str, Any]


# --- scratch databases ------------------------------------------------------------------


@contextmanager
def sqlite_database(work: Path) -> Iterator[Engine]:
    engine = create_engine_for(f"sqlite:///{work / 'island.sqlite3'}")
    try:
        upgrade(engine)
        yield engine
    finally:
        engine.dispose()


@contextmanager
def postgres_database(_work: Path) -> Iterator[Engine]:
    with scratch.postgres_schema("bench_apply") as (engine, _url):
        yield engine


# --- the work ---------------------------------------------------------------------------


def load(engine: Engine, island: DemoIsland) -> None:
    with session_factory(engine)() as session, session.begin():
        session.info["actor"] = ACTOR
        load_demo_island(session, island, actor=ACTOR)
        create_demo_accounts(session, actor=ACTOR)  # role assignments on grids


def make_plan(engine: Engine, scope: str) -> str:
    with session_factory(engine)() as session, session.begin():
        session.info["actor"] = ACTOR
        plan = check_create_plan(
            session, scope_code=scope, grid_bounds=GRID_BOUNDS, unit_bounds=UNIT_BOUNDS, actor=ACTOR
        )
        return plan.id


def server_cpu(session: Any) -> Callable[[], float]:
    """PostgreSQL on this machine: the CPU seconds its backend serving ``session`` has used
    so far, read from /proc (a figure the load average does not inflate); 0 elsewhere."""
    if session.get_bind().dialect.name != "postgresql":
        return lambda: 0.0
    pid = session.execute(text("SELECT pg_backend_pid()")).scalar_one()
    stat = Path(f"/proc/{pid}/stat")
    if not stat.exists():  # a server on another machine
        return lambda: 0.0
    ticks = os.sysconf("SC_CLK_TCK")

    def used() -> float:
        fields = stat.read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / ticks  # utime + stime

    return used


def timed_step(
    engine: Engine, plan_id: str, step: Callable[..., PartitionPlan]
) -> tuple[float, float]:
    """One CLI-like transaction: load the plan, run the step, commit. (wall seconds, CPU
    seconds of this process and of the database server's backend)."""
    with session_factory(engine)() as session:
        session.info["actor"] = ACTOR
        used = server_cpu(session)
        session.commit()
        server_before = used()
        wall, cpu = time.perf_counter(), time.process_time()
        with session.begin():
            plan = session.scalar(select(PartitionPlan).where(PartitionPlan.id == plan_id))
            assert plan is not None
            step(session, plan, actor=ACTOR)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        return wall, cpu + used() - server_before


def effects_of(engine: Engine, plan_id: str) -> dict[str, Any]:
    with session_factory(engine)() as session:
        plan = session.get(PartitionPlan, plan_id)
        assert plan is not None and plan.effects is not None and plan.status == "rolled_back"
        return plan.effects


def bench_backend(backend: str, work: Path, island: DemoIsland, scope: str) -> list[Timing]:
    database = sqlite_database if backend == "sqlite" else postgres_database
    timings = []
    with database(work) as engine:
        console.log(f"{backend}: loading the island")
        load(engine, island)
        for name, module in (("node by node", node_by_node()), ("set-based", set_based)):
            console.log(f"{backend}: planning {scope}, then {name} apply and rollback")
            plan_id = make_plan(engine, scope)
            apply_wall, apply_cpu = timed_step(engine, plan_id, module.check_apply_plan)
            back_wall, back_cpu = timed_step(engine, plan_id, module.check_rollback_plan)
            timings.append(
                Timing(
                    backend,
                    name,
                    apply_wall,
                    apply_cpu,
                    back_wall,
                    back_cpu,
                    effects_of(engine, plan_id),
                )
            )
    return timings


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f} on {os.cpu_count()} CPUs"


def print_table(timings: list[Timing], scope: str, loads: list[str]) -> None:
    table = Table(title=f"partition apply / rollback of {scope} (wall seconds, commit included)")
    for heading in (
        "backend",
        "path",
        "apply s",
        "apply cpu s",
        "rollback s",
        "rollback cpu s",
        "apply old/new",
        "rollback old/new",
        "cpu old/new",
        "created",
        "redrawn",
        "retired",
        "households",
        "residents",
    ):
        table.add_column(heading, justify="left" if heading in ("backend", "path") else "right")
    baseline = {t.backend: t for t in timings if t.path == "node by node"}
    for t in timings:
        old = baseline[t.backend]
        e = t.effects
        table.add_row(
            t.backend,
            t.path,
            f"{t.apply_seconds:.2f}",
            f"{t.apply_cpu:.2f}",
            f"{t.rollback_seconds:.2f}",
            f"{t.rollback_cpu:.2f}",
            f"{old.apply_seconds / t.apply_seconds:.1f}x",
            f"{old.rollback_seconds / t.rollback_seconds:.1f}x",
            f"{old.apply_cpu / t.apply_cpu:.1f}x / {old.rollback_cpu / t.rollback_cpu:.1f}x",
            *(
                f"{e[key]:,}"
                for key in (
                    "nodes_created",
                    "nodes_reshaped",
                    "nodes_retired",
                    "households_moved",
                    "residents_moved",
                )
            ),
        )
    console.print(table)
    for line in loads:
        console.print(line)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one village, quarter-size island")
    parser.add_argument(
        "--backends", nargs="+", choices=("sqlite", "postgresql"), default=["sqlite", "postgresql"]
    )
    args = parser.parse_args(argv)
    install(Settings())  # this script is the adapter: timezone, key ring, working hours
    scale, scope = (QUICK_SCALE, QUICK_VILLAGE) if args.quick else (1.0, TOWN_CODE)
    loads = [f"before: {load_average()}"]
    console.log(f"generating the demo island (scale {scale})")
    island = build_demo_island(7, scale=scale)
    timings: list[Timing] = []
    with tempfile.TemporaryDirectory(prefix="gridgov-bench-") as tmp:
        for backend in args.backends:
            if backend == "postgresql" and not scratch.postgres_reachable():
                continue
            timings += bench_backend(backend, Path(tmp), island, scope)
            loads.append(f"after {backend}: {load_average()}")
    print_table(timings, scope, loads)
    return 0


if __name__ == "__main__":
    sys.exit(main())
