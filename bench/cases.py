"""Cases: intake over HTTP, the escalation sweep, the resolution report; each with a baseline.

In one run, each measured against a baseline of the same run:

(a) intake over HTTP: ``POST /api/v1/cases`` (located by point against the unit polygons,
    idempotency key, timeline event, deadlines from the working calendar) by 16
    concurrent clients (threads, keep-alive httpx) against a real uvicorn server started
    by this script in a child process on a free port, on PostgreSQL (a throwaway schema)
    and on SQLite (a temp file); baseline: ``POST /bench/minimal``, mounted on the same
    app with the same authentication (bearer token -> Principal), doing one plain INSERT.
    Aim: intake/minimal throughput >= 0.3 on PostgreSQL.
(b) the escalation sweep on PostgreSQL: 1,000,000 open cases (COPY), 10,000 of them
    overdue; ``jobs.escalation.run_escalation_step`` in a loop, one transaction per step,
    until it finds no work. Baseline: one set-based UPDATE of the same rows plus an INSERT
    of their events (rolled back). Aim: < 5 s.
(c) ``reports.resolution.resolution_report`` on PostgreSQL over 1,000,000 closed cases
    (COPY; 20 towns, one year): the district for the year, a town for the year, a village
    for a month, served by the covering index ``ix_cases_report`` (migration 0007, see
    bench/README.md). Baseline: ``count(*)`` of the same rows.
    Aim: < 200 ms.

    python bench/cases.py                  # the full run
    python bench/cases.py --quick          # a small run (20,000 cases, 400 requests)
    python bench/cases.py --parts report   # only some parts: intake,sweep,report
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import secrets
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

os.environ.setdefault("GRIDGOV_SECRET_KEY", "bench-cases-secret-key-" + "c" * 32)
os.environ.setdefault(
    "GRIDGOV_ENCRYPTION_KEYS", "bench:YmVuY2hiZW5jaGJlbmNoYmVuY2hiZW5jaGJlbmNoYmU="
)

from pydantic import BaseModel
from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine, select, text

import http_load  # bench/http_load.py: the shared HTTP load harness
import scratch  # bench/scratch.py: the scratch databases
from gridgov import clock
from gridgov.accounts import tokens
from gridgov.accounts.actions import check_assign_role, check_create_user
from gridgov.cases.calendar import seed_calendar
from gridgov.cases.categories import seed_categories
from gridgov.cases.models import CaseCategory
from gridgov.database.sessions import session_factory
from gridgov.deployment import install
from gridgov.ids import new_id
from gridgov.settings import Settings
from gridgov.territory.actions import check_create_territory
from gridgov.territory.codes import child_code
from http_load import Client, Load, Post, bearer, server
from scratch import copy_rows, vacuum  # also imported from here by bench/contacts_ledger.py

ACTOR = "bench:cases"
DISTRICT = "350305"
CLIENTS = 16
SHANGHAI = dt.timezone(dt.timedelta(hours=8))
console = Console(width=None if sys.stdout.isatty() else 150)


@dataclass
class Row:
    part: str
    measure: str
    value: str
    baseline: str = "-"
    ratio: str = "-"
    aim: str = "-"


ROWS: list[Row] = []


# --- databases -----------------------------------------------------------------------------


def postgres_schema(label: str, keep: bool = False) -> AbstractContextManager[tuple[Engine, str]]:
    """A migrated throwaway schema ``bench_cases_<label>_...`` (bench/contacts_ledger.py
    uses it too)."""
    return scratch.postgres_schema(f"bench_cases_{label}", keep)


def sqlite_file() -> AbstractContextManager[tuple[Engine, str]]:
    return scratch.sqlite_file("bench-cases-")


def seed(engine: Engine) -> dict[str, Any]:
    """Categories and the working calendar, through the real seeds."""
    with session_factory(engine)() as session, session.begin():
        session.info["actor"] = ACTOR
        seed_categories(session, actor=ACTOR)
        seed_calendar(session, actor=ACTOR)
        category = session.scalars(
            select(CaseCategory).where(CaseCategory.default_level == "unit").limit(1)
        ).one()
        return {"code": category.code, "deadlines": dict(category.deadlines)}


# --- (a) intake over HTTP ------------------------------------------------------------------

TOWN = f"{DISTRICT}101"
ORIGIN = (119.0, 25.0)
UNIT_SIZE = 0.002


def square(lon: float, lat: float, size: float) -> dict[str, Any]:
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


def small_town(engine: Engine) -> tuple[list[tuple[float, float]], str]:
    """A town of 4 villages x 4 grids x 4 units with polygons (real actions), a village
    secretary and a bearer token. Returns the centres of the units and the token."""
    centres: list[tuple[float, float]] = []
    with session_factory(engine)() as session, session.begin():
        session.info["actor"] = ACTOR

        def node(code: str, level: str, parent: str | None, box: dict | None) -> None:
            check_create_territory(
                session,
                code=code,
                level=level,
                parent_code=parent,
                name_zh=f"{level} {code}",
                boundary=box,
                actor=ACTOR,
            )

        node(DISTRICT, "district", None, None)
        node(TOWN, "town", DISTRICT, None)
        for v in range(4):
            village = child_code(TOWN, "village", v + 1)
            v_lon = ORIGIN[0] + v * 4 * UNIT_SIZE * 2
            node(village, "village", TOWN, square(v_lon, ORIGIN[1], UNIT_SIZE * 8))
            for g in range(4):
                grid = child_code(village, "grid", g + 1)
                g_lon, g_lat = v_lon + (g % 2) * UNIT_SIZE * 4, ORIGIN[1] + (g // 2) * UNIT_SIZE * 4
                node(grid, "grid", village, square(g_lon, g_lat, UNIT_SIZE * 4))
                for u in range(4):
                    u_lon = g_lon + (u % 2) * UNIT_SIZE * 2
                    u_lat = g_lat + (u // 2) * UNIT_SIZE * 2
                    unit = child_code(grid, "unit", u + 1)
                    node(unit, "unit", grid, square(u_lon, u_lat, UNIT_SIZE * 2))
                    centres.append((u_lon + UNIT_SIZE, u_lat + UNIT_SIZE))
        user = check_create_user(
            session, username="bench.reporter", password=secrets.token_urlsafe(18), actor=ACTOR
        )
        check_assign_role(
            session,
            user_id=user.id,
            role="village_secretary",
            territory_code=child_code(TOWN, "village", 1),
            start_date=clock.today(),
            actor=ACTOR,
        )
        token, _row = tokens.issue_token(session, user, ttl_seconds=3600)
    return centres, token


class MinimalIn(BaseModel):
    category_code: str
    description: str
    lon: float
    lat: float


minimal_route = http_load.minimal_route(MinimalIn, "description")


def serve(database_url: str, port: int, data_dir: str) -> None:
    """The child process: the gridgov API plus the minimal endpoint, under uvicorn."""
    http_load.serve(
        database_url, port, data_dir, [http_load.Route("/bench/minimal", minimal_route, 201)]
    )


def hammer(base: str, path: str, token: str, centres: list, requests: int, label: str) -> Load:
    """``requests`` POSTs spread over CLIENTS threads, each with its own keep-alive client."""

    def posts(number: int) -> Iterator[Post]:
        rng = random.Random(number)
        for i in range(requests // CLIENTS):
            lon, lat = rng.choice(centres)
            body = {
                "category_code": CATEGORY_CODE[0],
                "lon": lon,
                "lat": lat,
                "description": f"路灯坏了 {number}-{i}",
            }
            key = {"Idempotency-Key": f"{label}-{number}-{i}-{secrets.token_hex(4)}"}
            yield Post(path, body, key)

    clients = [Client(bearer(token), posts(n)) for n in range(CLIENTS)]
    return http_load.hammer(base, clients, label)


CATEGORY_CODE: list[str] = []


def intake_part(backend: str, requests: int) -> None:
    opened = postgres_schema("intake") if backend == "postgresql" else sqlite_file()
    with opened as (engine, url):
        category = seed(engine)
        CATEGORY_CODE[:] = [category["code"]]
        with session_factory(engine)() as session, session.begin():
            http_load.MINIMAL.create_all(session.connection())
        centres, token = small_town(engine)
        with server(url, __file__, "bench-cases-data-") as running:
            base = running.base
            # Warm both paths (imports, the polygon index, connection pools).
            hammer(base, "/bench/minimal", token, centres, CLIENTS * 2, "warm")
            hammer(base, "/api/v1/cases", token, centres, CLIENTS * 2, "warm")
            minimal = hammer(base, "/bench/minimal", token, centres, requests, "minimal")
            intake = hammer(base, "/api/v1/cases", token, centres, requests, "intake")
    for load in (minimal, intake):
        if load.failures:
            console.log(f"[red]{backend} {load.label}: {load.failures} failed requests[/]")
    ratio = intake.throughput / minimal.throughput
    aim = ">= 0.3" if backend == "postgresql" else "-"
    part = f"(a) intake, {backend}, {CLIENTS} clients"
    ROWS.append(
        Row(
            part,
            "throughput req/s",
            f"{intake.throughput:.0f}",
            f"{minimal.throughput:.0f}",
            f"{ratio:.2f}",
            aim,
        )
    )
    failed = f"{intake.failures} of {requests}", f"{minimal.failures} of {requests}"
    ROWS.append(Row(part, "failed requests (not in the times)", *failed))
    for q, name in ((0.5, "p50"), (0.99, "p99")):
        mine, base_ms = intake.percentile(q), minimal.percentile(q)
        ROWS.append(
            Row(part, f"{name} ms", f"{mine:.1f}", f"{base_ms:.1f}", f"{mine / base_ms:.2f}")
        )


# --- bulk loading --------------------------------------------------------------------------

CASE_COLUMNS = (
    "id",
    "category_code",
    "title",
    "description",
    "address",
    "territory_code",
    "located_by",
    "level",
    "handler_code",
    "state",
    "channel",
    "reporter_name",
    "deadlines",
    "level_started_at",
    "due_at",
    "warn_at",
    "feedback_due_at",
    "escalations",
    "reopens",
    "dissatisfactions",
    "overdue_ever",
    "resolved_at",
    "resolved_level",
    "closed_at",
    "rating",
    "created_by",
    "created_at",
    "updated_at",
    "version",
)
EVENT_COLUMNS = (
    "id",
    "case_id",
    "seq",
    "action",
    "from_state",
    "to_state",
    "from_level",
    "to_level",
    "actor",
    "note",
    "details",
    "at",
)
TERRITORY_COLUMNS = (
    "id",
    "code",
    "level",
    "parent_code",
    "name_zh",
    "name_en",
    "status",
    "created_at",
    "updated_at",
    "updated_by",
    "version",
)
LEVEL_CODE_LENGTH = {"unit": 17, "grid": 15, "village": 12, "town": 9}


def county_units(towns: int) -> list[str]:
    """20 towns x 10 villages x 10 grids x 5 units (fewer towns in a quick run)."""
    return [
        child_code(child_code(child_code(town, "village", v), "grid", g), "unit", u)
        for town in (child_code(DISTRICT, "town", 101 + t) for t in range(towns))
        for v in range(1, 11)
        for g in range(1, 11)
        for u in range(1, 6)
    ]


def territory_rows(units: list[str], stamp: dt.datetime) -> Iterator[tuple]:
    seen: set[str] = set()

    def row(code: str, level: str, parent: str | None) -> tuple:
        name = f"{level} {code}"
        return (new_id(), code, level, parent, name, name, "active", stamp, stamp, ACTOR, 1)

    yield row(DISTRICT, "district", None)
    for unit in units:
        for level, length, parent_length in (("town", 9, 6), ("village", 12, 9), ("grid", 15, 12)):
            code = unit[:length]
            if code not in seen:
                seen.add(code)
                yield row(code, level, unit[:parent_length])
        yield row(unit, "unit", unit[:15])


def case_row(unit: str, category: dict[str, Any], created: dt.datetime, **fields: Any) -> tuple:
    level = fields.get("level", "unit")
    values = {
        "id": new_id(),
        "category_code": category["code"],
        "title": "路灯坏了",
        "description": "村口路灯不亮，晚上看不见路",
        "address": "",
        "territory_code": unit,
        "located_by": "point",
        "level": level,
        "handler_code": unit[: LEVEL_CODE_LENGTH[level]],
        "state": "reported",
        "channel": "api",
        "reporter_name": "",
        "deadlines": category["json"],
        "level_started_at": created,
        "due_at": None,
        "warn_at": None,
        "feedback_due_at": None,
        "escalations": 0,
        "reopens": 0,
        "dissatisfactions": 0,
        "overdue_ever": False,
        "resolved_at": None,
        "resolved_level": None,
        "closed_at": None,
        "rating": None,
        "created_by": ACTOR,
        "created_at": created,
        "updated_at": created,
        "version": 1,
    }
    values.update(fields)
    return tuple(values[column] for column in CASE_COLUMNS)


def report_event(case: tuple, at: dt.datetime) -> tuple:
    state = case[CASE_COLUMNS.index("state")]
    level = case[CASE_COLUMNS.index("level")]
    return (new_id(), case[0], 1, "report", None, state, None, level, ACTOR, "", "{}", at)


def load_county(engine: Engine, units: list[str]) -> None:
    stamp = clock.now()
    nodes = copy_rows(engine, "territories", TERRITORY_COLUMNS, territory_rows(units, stamp))
    console.log(f"{nodes:,} territory nodes")


# --- (b) the escalation sweep --------------------------------------------------------------


def open_cases(
    units: list[str], category: dict, total: int, overdue: int, now: dt.datetime, rng: random.Random
) -> Iterator[tuple]:
    for index in range(total):
        created = now - dt.timedelta(hours=rng.uniform(1, 72))
        if index % (total // overdue) == 0 and index // (total // overdue) < overdue:
            due = now - dt.timedelta(minutes=rng.uniform(1, 600))
        else:
            due = now + dt.timedelta(hours=rng.uniform(1, 200))
        yield case_row(rng.choice(units), category, created, due_at=due)


def sweep_part(total: int, overdue: int, keep: bool) -> None:
    rng = random.Random(20260315)
    now = clock.now()
    with postgres_schema("sweep", keep) as (engine, _url):
        category = seed(engine)
        category["json"] = json.dumps(category["deadlines"])
        units = county_units(20 if total >= 200_000 else 2)
        load_county(engine, units)
        start = time.perf_counter()
        rows = list(open_cases(units, category, total, overdue, now, rng))
        copy_rows(engine, "cases", CASE_COLUMNS, rows)
        copy_rows(engine, "case_events", EVENT_COLUMNS, (report_event(r, now) for r in rows))
        del rows
        vacuum(engine, "cases", "case_events", "territories")
        console.log(f"{total:,} open cases loaded in {time.perf_counter() - start:.1f} s")
        baseline = set_based_escalation(engine, now)
        steps = escalated = 0
        start = time.perf_counter()
        while True:
            with session_factory(engine)() as session, session.begin():
                done = run_escalation_step_of()(session, now=now)
            steps += 1
            escalated += done
            if done == 0:
                break
        seconds = time.perf_counter() - start
        with engine.connect() as connection:
            left = connection.scalar(
                text("SELECT count(*) FROM cases WHERE due_at <= :now AND state = 'reported'"),
                {"now": now},
            )
            grid = connection.scalar(text("SELECT count(*) FROM cases WHERE level = 'grid'"))
    assert left == 0 and grid == overdue == escalated, (left, grid, escalated)
    part = f"(b) sweep, postgresql, {total:,} open / {overdue:,} overdue"
    ROWS.append(
        Row(
            part,
            f"seconds to escalate all ({steps} steps)",
            f"{seconds:.2f}",
            f"{baseline:.2f}",
            f"{seconds / baseline:.1f}",
            "< 5 s",
        )
    )
    ROWS.append(Row(part, "cases escalated per s", f"{escalated / seconds:,.0f}"))


def run_escalation_step_of() -> Callable[..., int]:
    from gridgov.jobs.escalation import run_escalation_step

    return run_escalation_step


def set_based_escalation(engine: Engine, now: dt.datetime) -> float:
    """The floor: one UPDATE of the overdue rows and one INSERT of their events, rolled back."""
    start = time.perf_counter()
    with engine.connect() as connection, connection.begin() as transaction:
        connection.execute(
            text(
                "WITH moved AS (UPDATE cases SET level = 'grid', handler_code = "
                "substr(territory_code, 1, 15), overdue_ever = true, escalations = 1, "
                "due_at = :later, level_started_at = :now, version = version + 1 "
                "WHERE due_at <= :now AND state IN ('reported','accepted','in_progress',"
                "'returned') RETURNING id) "
                "INSERT INTO case_events (id, case_id, seq, action, from_state, to_state, "
                "from_level, to_level, actor, note, details, at) SELECT md5(id || 'e'), id, 2, "
                "'auto_escalate', 'reported', 'reported', 'unit', 'grid', 'system', '', '{}', :now "
                "FROM moved"
            ),
            {"now": now, "later": now + dt.timedelta(days=2)},
        )
        seconds = time.perf_counter() - start
        transaction.rollback()
    return seconds


# --- (c) the resolution report -------------------------------------------------------------

RESOLVED_AT = ("unit",) * 60 + ("grid",) * 20 + ("village",) * 12 + ("town",) * 8


def closed_cases(
    units: list[str], category: dict, total: int, year_start: dt.datetime, rng: random.Random
) -> Iterator[tuple]:
    for _ in range(total):
        created = year_start + dt.timedelta(seconds=rng.uniform(0, 365 * 86400))
        closed = created + dt.timedelta(hours=rng.lognormvariate(3, 1))
        level = rng.choice(RESOLVED_AT)
        rated = rng.random() < 0.7
        yield case_row(
            rng.choice(units),
            category,
            created,
            state="closed",
            level=level,
            resolved_level=level,
            resolved_at=closed,
            closed_at=closed,
            overdue_ever=rng.random() < 0.1,
            reopens=1 if rng.random() < 0.05 else 0,
            rating=rng.choice((5, 5, 5, 4, 4, 3, 2, 1)) if rated else None,
        )


def report_part(total: int, repeat: int, keep: bool, show_plans: bool = False) -> None:
    from gridgov.reports.resolution import resolution_report

    rng = random.Random(20260316)
    year_start = dt.datetime(2025, 1, 1, tzinfo=SHANGHAI)
    year_end = dt.datetime(2026, 1, 1, tzinfo=SHANGHAI)
    with postgres_schema("report", keep) as (engine, _url):
        category = seed(engine)
        category["json"] = json.dumps(category["deadlines"])
        units = county_units(20 if total >= 200_000 else 2)
        load_county(engine, units)
        start = time.perf_counter()
        copy_rows(
            engine, "cases", CASE_COLUMNS, closed_cases(units, category, total, year_start, rng)
        )
        vacuum(engine, "cases", "territories")
        console.log(f"{total:,} closed cases loaded in {time.perf_counter() - start:.1f} s")
        town, village = units[0][:9], units[0][:12]
        march = (dt.datetime(2025, 3, 1, tzinfo=SHANGHAI), dt.datetime(2025, 4, 1, tzinfo=SHANGHAI))
        shapes = [
            (f"district {DISTRICT}, the year", DISTRICT, year_start, year_end),
            (f"town {town}, the year", town, year_start, year_end),
            (f"village {village}, March", village, *march),
        ]
        now = clock.now()

        def run_report(code: str, begin: dt.datetime, end: dt.datetime) -> int:
            with session_factory(engine)() as session, session.begin():
                report = resolution_report(
                    session, territory_code=code, start=begin, end=end, now=now
                )
            return report.territory.total

        def run_count(code: str, begin: dt.datetime, end: dt.datetime) -> int:
            with engine.connect() as connection:
                return connection.scalar(
                    text(
                        "SELECT count(*) FROM cases WHERE territory_code LIKE :code "
                        "AND created_at >= :begin AND created_at < :end"
                    ),
                    {"code": f"{code}%", "begin": begin, "end": end},
                )

        for index_label in ("ix_cases_report (migration 0007)",):
            vacuum(engine, "cases")
            for label, code, begin, end in shapes:
                report_ms, count_ms = [], []
                rows = run_report(code, begin, end)
                assert rows == run_count(code, begin, end)
                for _ in range(repeat):
                    report_ms.append(timed_ms(lambda c=code, b=begin, e=end: run_report(c, b, e)))
                    count_ms.append(timed_ms(lambda c=code, b=begin, e=end: run_count(c, b, e)))
                mine, base = statistics.median(report_ms), statistics.median(count_ms)
                if show_plans:
                    explain(engine, lambda c=code, b=begin, e=end: run_report(c, b, e), label)
                ROWS.append(
                    Row(
                        f"(c) report, postgresql, {total:,} closed, {index_label}",
                        f"{label}: {rows:,} cases, p50 ms",
                        f"{mine:.0f}",
                        f"{base:.0f}",
                        f"{mine / base:.1f}",
                        "< 200 ms",
                    )
                )


def explain(engine: Engine, work: Callable[[], Any], label: str) -> None:
    """EXPLAIN (ANALYZE, BUFFERS) of every SELECT that one call of ``work`` sends."""
    from sqlalchemy import event

    statements: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        work()
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    with engine.connect() as connection:
        for statement, parameters in statements:
            console.rule(label)
            console.print(" ".join(statement.split()), markup=False, highlight=False)
            plan = connection.exec_driver_sql(
                f"EXPLAIN (ANALYZE, BUFFERS) {statement}", parameters
            ).scalars()
            console.print("\n".join(plan), markup=False, highlight=False)


def timed_ms(work: Callable[[], Any]) -> float:
    start = time.perf_counter()
    work()
    return (time.perf_counter() - start) * 1000


# --- the run -------------------------------------------------------------------------------


def print_table(title: str) -> None:
    table = Table(title=title)
    for heading in ("part", "measure", "value", "baseline", "ratio", "aim"):
        table.add_column(heading, justify="left" if heading in ("part", "measure") else "right")
    for row in ROWS:
        table.add_row(row.part, row.measure, row.value, row.baseline, row.ratio, row.aim)
    console.print(table)
    console.print(
        "baselines: (a) POST /bench/minimal (same auth, one INSERT); (b) one set-based "
        "UPDATE + INSERT of the same rows; (c) count(*) of the same rows"
    )


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if (child := http_load.serve_arguments(argv)) is not None:
        serve(*child)
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a small run")
    parser.add_argument("--parts", default="intake,sweep,report")
    parser.add_argument("--requests", type=int, help="per endpoint and backend")
    parser.add_argument("--cases", type=int, help="cases for the sweep and the report")
    parser.add_argument("--repeat", type=int, default=5, help="timed reports per shape")
    parser.add_argument("--keep", action="store_true", help="do not drop the schemas")
    parser.add_argument("--explain", action="store_true", help="plans of the report's queries")
    args = parser.parse_args(argv)
    install(Settings())  # this script is the adapter: timezone, key ring, working hours
    cases = args.cases or (20_000 if args.quick else 1_000_000)
    requests = args.requests or (400 if args.quick else 3200)
    parts = set(args.parts.split(","))
    if "intake" in parts:
        for backend in ("postgresql", "sqlite"):
            intake_part(backend, requests)
    if "sweep" in parts:
        sweep_part(cases, max(1, cases // 100), args.keep)
    if "report" in parts:
        report_part(cases, args.repeat, args.keep, args.explain)
    print_table(f"bench/cases.py ({'quick' if args.quick else 'full'}): {cases:,} cases")
    return 0


if __name__ == "__main__":
    sys.exit(main())
