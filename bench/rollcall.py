"""Roll-call benchmark on PostgreSQL: a town of 100,000 households (10 villages x 20 grids x
10 units x 50 households, ~2.5 residents each, 4% of them in a priority key group, 1% of
households flagged as dangerous houses, a grid leader per grid), loaded with COPY into a
scratch schema.

(a) start: ``check_start_roll_call`` over the town, commit included (the INSERT ... SELECT
    of the household lines with their priority, the 2,000 unit lists in the outbox, the
    notice). Baseline: ``CREATE TEMP TABLE ... AS SELECT`` of the same households' ids,
    codes and numbers (the copy alone, no priority, no lists). Aim: < 3 s.
(b) confirmations over HTTP: ``POST /api/v1/roll-calls/{id}/confirmations`` from 16
    concurrent clients (threads, keep-alive) against a real uvicorn server (child process),
    as the town official, every request a different household. Baseline: ``POST
    /bench/minimal`` on the same server (same authentication, one INSERT).
(c) live counts while confirmations arrive: ``GET /api/v1/roll-calls/{id}`` (the town's
    counts and its 10 villages, one grouped query) from one more client while (b) runs:
    p50/p99. Baseline: ``GET /api/v1/users/me`` under the same load. Aim: p99 < 100 ms.

The machine's load (``uptime``) is printed next to the table: it is shared and busy.

    python bench/rollcall.py              # the full run
    python bench/rollcall.py --quick      # 10,000 households, 800 requests
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

os.environ.setdefault("GRIDGOV_SECRET_KEY", "bench-rollcall-secret-key-" + "r" * 32)
os.environ.setdefault(
    "GRIDGOV_ENCRYPTION_KEYS", "bench:YmVuY2hiZW5jaGJlbmNoYmVuY2hiZW5jaGJlbmNoYmU="
)

from argon2 import PasswordHasher
from pydantic import BaseModel
from rich.console import Console
from rich.table import Table
from sqlalchemy import Column, DateTime, Engine, MetaData, String, Text, insert, select, text
from sqlalchemy import Table as SqlTable

from gridgov import clock
from gridgov.accounts import passwords, tokens
from gridgov.accounts.actions import check_assign_role, check_create_user
from gridgov.api.deps import SessionDep
from gridgov.api.principal import PrincipalDep
from gridgov.database.migrate import upgrade
from gridgov.database.sessions import session_factory
from gridgov.emergency.models import RollCallHousehold
from gridgov.emergency.start import check_start_roll_call
from gridgov.ids import new_id
from gridgov.settings import Settings
from gridgov.storage.engine import create_engine_for
from gridgov.territory.codes import child_code

POSTGRES_URL = os.environ.get(
    "GRIDGOV_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
ACTOR = "bench:rollcall"
DISTRICT = "350305"
TOWN = f"{DISTRICT}108"
CLIENTS = 16
KEY_GROUPS = ("elderly_alone", "disabled", "serious_illness", "left_behind_child", "pregnant")
console = Console()


@dataclass
class Row:
    part: str
    measure: str
    value: str
    baseline: str = "-"
    ratio: str = "-"
    aim: str = "-"


ROWS: list[Row] = []


# --- the town ------------------------------------------------------------------------------


@contextmanager
def postgres_schema() -> Iterator[tuple[Engine, str]]:
    schema = f"bench_rollcall_{os.getpid()}_{secrets.token_hex(3)}"
    admin = create_engine_for(POSTGRES_URL)
    with admin.begin() as connection:
        connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    url = f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    engine = create_engine_for(url)
    try:
        upgrade(engine)
        yield engine, url
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


def copy_rows(engine: Engine, table: str, columns: tuple[str, ...], rows: Any) -> int:
    raw = engine.raw_connection()
    loaded = 0
    try:
        connection = raw.driver_connection
        statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
        with (
            connection.transaction(),
            connection.cursor() as cursor,
            cursor.copy(statement) as stream,
        ):
            for one in rows:
                stream.write_row(one)
                loaded += 1
    finally:
        raw.close()
    return loaded


def units_of(villages: int, grids: int, units: int) -> list[str]:
    return [
        child_code(child_code(child_code(TOWN, "village", v), "grid", g), "unit", u)
        for v in range(1, villages + 1)
        for g in range(1, grids + 1)
        for u in range(1, units + 1)
    ]


def territory_rows(units: list[str], stamp: dt.datetime) -> Iterator[tuple]:
    seen: set[str] = set()

    def row(code: str, level: str, parent: str | None) -> tuple:
        name = f"{level} {code}"
        return (new_id(), code, level, parent, name, name, "active", stamp, stamp, ACTOR, 1)

    yield row(DISTRICT, "district", None)
    yield row(TOWN, "town", DISTRICT)
    for unit in units:
        for level, length, parent_length in (("village", 12, 9), ("grid", 15, 12)):
            code = unit[:length]
            if code not in seen:
                seen.add(code)
                yield row(code, level, unit[:parent_length])
        yield row(unit, "unit", unit[:15])


def load_town(engine: Engine, units: list[str], per_unit: int) -> int:
    """Territories, households and residents (with key groups) by COPY."""
    stamp = clock.now()
    rng = random.Random(15)
    copy_rows(
        engine,
        "territories",
        (
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
        ),
        territory_rows(units, stamp),
    )
    households: list[tuple] = []
    residents: list[tuple] = []
    tags: list[tuple] = []
    for unit in units:
        for n in range(per_unit):
            household_id = new_id()
            dangerous = stamp.date() if rng.random() < 0.01 else None
            households.append(
                (
                    household_id,
                    unit[:12],
                    unit,
                    f"{unit[12:]}-{n:03d}",
                    f"湄洲路{n}号",
                    119.1 + rng.random() / 10,
                    25.0 + rng.random() / 10,
                    "active",
                    dangerous,
                    "危房" if dangerous else None,
                    stamp,
                    stamp,
                    ACTOR,
                    1,
                )
            )
            for m in range(rng.choice((1, 2, 2, 3, 3, 4))):
                resident_id = new_id()
                residents.append(
                    (
                        resident_id,
                        household_id,
                        unit,
                        f"居民{n}-{m}",
                        "male" if m % 2 else "female",
                        dt.date(1950 + rng.randrange(60), 1, 1),
                        "head" if m == 0 else "other_relative",
                        "living_here" if rng.random() < 0.9 else "working_away",
                        stamp,
                        stamp,
                        ACTOR,
                        1,
                    )
                )
                if rng.random() < 0.04:
                    tags.append((resident_id, rng.choice(KEY_GROUPS)))
    copy_rows(
        engine,
        "households",
        (
            "id",
            "village_code",
            "territory_code",
            "household_no",
            "address",
            "lon",
            "lat",
            "status",
            "dangerous_since",
            "dangerous_reason",
            "created_at",
            "updated_at",
            "updated_by",
            "version",
        ),
        households,
    )
    copy_rows(
        engine,
        "residents",
        (
            "id",
            "household_id",
            "territory_code",
            "name",
            "sex",
            "birth_date",
            "relation_to_head",
            "residence_status",
            "created_at",
            "updated_at",
            "updated_by",
            "version",
        ),
        residents,
    )
    copy_rows(engine, "resident_key_groups", ("resident_id", "key_group_code"), tags)
    raw = engine.raw_connection()
    try:
        raw.driver_connection.autocommit = True
        raw.driver_connection.execute("VACUUM ANALYZE households, residents, resident_key_groups")
    finally:
        raw.close()
    return len(households)


def leaders(engine: Engine, units: list[str]) -> str:
    """A grid leader per grid (argon2 at its lowest cost: they never sign in) and a town
    official; the official's bearer token."""
    passwords._hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    with session_factory(engine)() as session, session.begin():
        session.info["actor"] = ACTOR

        def user(name: str, role: str, code: str) -> Any:
            made = check_create_user(
                session, username=name, password=secrets.token_urlsafe(18), actor=ACTOR
            )
            check_assign_role(
                session,
                user_id=made.id,
                role=role,
                territory_code=code,
                start_date=clock.today(),
                actor=ACTOR,
            )
            return made

        for grid in sorted({unit[:15] for unit in units}):
            user(f"grid.{grid}", "grid_leader", grid)
        official = user("town.official", "town_official", TOWN)
        token, _row = tokens.issue_token(session, official, ttl_seconds=7200)
    return token


# --- (a) start -----------------------------------------------------------------------------


def timed(work: Callable[[], Any]) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def start_part(engine: Engine, household_count: int) -> str:
    maker = session_factory(engine)
    started: dict[str, str] = {}

    def start() -> None:
        with maker() as session, session.begin():
            session.info["actor"] = ACTOR
            roll_call = check_start_roll_call(
                session,
                territory_code=TOWN,
                kind="typhoon",
                title="bench",
                principal=None,
                actor=ACTOR,
            )
            started["id"] = roll_call.id

    def baseline() -> None:
        with engine.begin() as connection:
            connection.execute(
                text(
                    "CREATE TEMP TABLE bench_copy ON COMMIT DROP AS SELECT id, territory_code,"
                    " household_no FROM households WHERE territory_code LIKE :town"
                    " AND status = 'active'"
                ),
                {"town": f"{TOWN}%"},
            )

    base = timed(baseline)
    mine = timed(start)
    with maker() as session:
        lines = session.scalar(select(text("count(*)")).select_from(RollCallHousehold.__table__))
        priority = session.scalar(
            select(text("count(*)"))
            .select_from(RollCallHousehold.__table__)
            .where(RollCallHousehold.priority.is_(True))
        )
    assert lines == household_count, (lines, household_count)
    ROWS.append(
        Row(
            "(a) start",
            f"start over {household_count:,} households ({priority:,} priority), s",
            f"{mine:.2f}",
            f"{base:.2f}",
            f"{mine / base:.1f}x",
            "< 3 s",
        )
    )
    return started["id"]


# --- (b), (c) over HTTP --------------------------------------------------------------------

MINIMAL = MetaData()
MINIMAL_TABLE = SqlTable(
    "bench_minimal",
    MINIMAL,
    Column("id", String(32), primary_key=True),
    Column("body", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)


class MinimalIn(BaseModel):
    household_id: str
    status: str


def minimal_route(body: MinimalIn, session: SessionDep, principal: PrincipalDep) -> dict[str, str]:
    """The baseline: the same authentication (bearer token -> Principal), one INSERT."""
    row_id = new_id()
    session.execute(
        insert(MINIMAL_TABLE).values(id=row_id, body=body.household_id, created_at=clock.now())
    )
    return {"id": row_id, "by": principal.user_id}


def serve(database_url: str, port: int, data_dir: str) -> None:
    import uvicorn

    from gridgov.api.app import create_app

    settings = Settings(database_url=database_url, data_dir=Path(data_dir), embedded_worker=False)
    app = create_app(settings=settings)
    app.add_api_route("/bench/minimal", minimal_route, methods=["POST"], status_code=201)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def server(database_url: str) -> Iterator[str]:
    import httpx2 as httpx

    port = free_port()
    with tempfile.TemporaryDirectory(prefix="bench-rollcall-data-") as data_dir:
        child = subprocess.Popen(  # our own interpreter and script
            [sys.executable, __file__, "--serve", database_url, str(port), data_dir],
            env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")},
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline or child.poll() is not None:
                    raise RuntimeError("the bench server did not start")
                time.sleep(0.2)
            yield base
        finally:
            child.terminate()
            child.wait(timeout=30)


@dataclass
class Load:
    label: str
    seconds: list[float] = field(default_factory=list)
    wall: float = 0.0
    failures: int = 0

    @property
    def throughput(self) -> float:
        return len(self.seconds) / self.wall if self.wall else 0.0

    def percentile(self, q: float) -> float:
        ordered = sorted(self.seconds)
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] * 1000


def hammer(base: str, path: str, token: str, households: list[str], label: str) -> Load:
    """One POST per household, spread over CLIENTS threads with keep-alive clients."""
    import httpx2 as httpx

    load = Load(label)
    lock = threading.Lock()
    go = threading.Barrier(CLIENTS + 1)
    shares = [households[n::CLIENTS] for n in range(CLIENTS)]

    def client(number: int) -> None:
        rng = random.Random(number)
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=base, headers=headers, timeout=60) as http:
            go.wait()
            for household_id in shares[number]:
                body = {
                    "household_id": household_id,
                    "status": rng.choice(("safe_at_home", "away", "moved_relatives")),
                    "method": "phone",
                }
                start = time.perf_counter()
                try:
                    answer = http.post(path, json=body)
                    problem = None if answer.status_code == 201 else answer.text[:300]
                except httpx.HTTPError as exc:
                    problem = f"{type(exc).__name__}: {exc}"
                elapsed = time.perf_counter() - start
                with lock:
                    if problem is None:
                        load.seconds.append(elapsed)
                    else:
                        load.failures += 1
                        if load.failures <= 3:
                            console.log(f"{label}: {problem}")

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    go.wait()
    start = time.perf_counter()
    for thread in threads:
        thread.join()
    load.wall = time.perf_counter() - start
    return load


def poll(base: str, path: str, token: str, stop: threading.Event, label: str) -> Load:
    """GET ``path`` back to back until ``stop`` (one client)."""
    import httpx2 as httpx

    load = Load(label)
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}) as http:
        began = time.perf_counter()
        while not stop.is_set():
            start = time.perf_counter()
            answer = http.get(path)
            if answer.status_code == 200:
                load.seconds.append(time.perf_counter() - start)
            else:
                load.failures += 1
        load.wall = time.perf_counter() - began
    return load


def while_hammering(
    base: str, token: str, post_path: str, households: list[str], label: str, get_path: str
) -> tuple[Load, Load]:
    stop = threading.Event()
    polled: dict[str, Load] = {}
    poller = threading.Thread(
        target=lambda: polled.setdefault("load", poll(base, get_path, token, stop, label))
    )
    poller.start()
    posted = hammer(base, post_path, token, households, label)
    stop.set()
    poller.join()
    return posted, polled["load"]


def http_part(engine: Engine, url: str, token: str, roll_call_id: str, requests: int) -> None:
    MINIMAL.create_all(engine)
    with engine.connect() as connection:
        ids = list(
            connection.execute(
                select(RollCallHousehold.household_id).where(
                    RollCallHousehold.roll_call_id == roll_call_id
                )
            ).scalars()
        )
    random.Random(3).shuffle(ids)
    warm, chosen = ids[: CLIENTS * 2], ids[CLIENTS * 2 : CLIENTS * 2 + requests]
    confirm_path = f"/api/v1/roll-calls/{roll_call_id}/confirmations"
    counts_path = f"/api/v1/roll-calls/{roll_call_id}"
    with server(url) as base:
        hammer(base, confirm_path, token, warm, "warm")
        idle = poll_for(base, counts_path, token, 1.0)
        minimal, me = while_hammering(
            base, token, "/bench/minimal", chosen, "minimal", "/api/v1/users/me"
        )
        confirmed, counts = while_hammering(
            base, token, confirm_path, chosen, "confirm", counts_path
        )
    ROWS.append(
        Row(
            "(b) confirm",
            f"confirmations/s, {CLIENTS} clients ({confirmed.failures} failed)",
            f"{confirmed.throughput:.0f}",
            f"{minimal.throughput:.0f}",
            f"{confirmed.throughput / minimal.throughput:.2f}",
        )
    )
    for q in (0.5, 0.99):
        ROWS.append(
            Row(
                "(b) confirm",
                f"confirmation p{round(q * 100)} ms",
                f"{confirmed.percentile(q):.0f}",
                f"{minimal.percentile(q):.0f}",
                f"{confirmed.percentile(q) / minimal.percentile(q):.1f}x",
            )
        )
    for q in (0.5, 0.99):
        ROWS.append(
            Row(
                "(c) live counts",
                f"GET roll-call p{round(q * 100)} ms under load ({len(counts.seconds)} reads)",
                f"{counts.percentile(q):.0f}",
                f"{me.percentile(q):.0f}",
                f"{counts.percentile(q) / me.percentile(q):.1f}x",
                "p99 < 100 ms" if q == 0.99 else "-",
            )
        )
    ROWS.append(
        Row(
            "(c) live counts",
            "GET roll-call p99 ms, idle",
            f"{idle.percentile(0.99):.0f}",
        )
    )


def poll_for(base: str, path: str, token: str, seconds: float) -> Load:
    stop = threading.Event()
    timer = threading.Timer(seconds, stop.set)
    timer.start()
    return poll(base, path, token, stop, "idle")


def print_table(load: str) -> None:
    table = Table(title=f"roll-calls on PostgreSQL (load average: {load})")
    for name in ("part", "measure", "value", "baseline", "ratio", "aim"):
        table.add_column(name)
    for row in ROWS:
        table.add_row(row.part, row.measure, row.value, row.baseline, row.ratio, row.aim)
    console.print(table)
    console.print(
        "baselines: (a) CREATE TEMP TABLE AS SELECT of the same households (no priority, no "
        "lists); (b) POST /bench/minimal (same auth, one INSERT); (c) GET /api/v1/users/me "
        "under the same load"
    )


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10,000 households, 800 requests")
    parser.add_argument("--serve", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        serve(args.serve[0], int(args.serve[1]), args.serve[2])
        return 0
    grids, requests = (2, 800) if args.quick else (20, 3200)
    units = units_of(10, grids, 10)
    before = uptime()
    with postgres_schema() as (engine, url):
        households = load_town(engine, units, 50)
        token = leaders(engine, units)
        roll_call_id = start_part(engine, households)
        http_part(engine, url, token, roll_call_id, requests)
    print_table(f"before: {before} / after: {uptime()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
