"""Grid groups: messages accepted over HTTP, fan-out to connected sockets, search; one table.

In one run, each measured against a baseline of the same run:

(a) posting over HTTP: ``POST /api/v1/groups/{id}/messages`` (``{"text": ...}``: access
    check, mentions, the per-group seq taken under the group row's lock, the message row,
    the realtime event numbered at commit) by 16 concurrent clients (threads, keep-alive
    httpx), each a leader posting to their village's group (4 villages, so 4 clients per
    group contend for its row), against a real uvicorn server started by this script in a
    child process on a free port (the embedded worker off), on SQLite (a temp file) and on
    PostgreSQL (a throwaway schema). Baseline: ``POST /bench/minimal`` mounted on the same
    app with the same authentication (bearer token -> Principal), one plain INSERT.
    Aim: messages/minimal throughput >= 0.5. The per-member rate limit is raised for the
    run (``group_messages_per_minute``): the bench measures what the server accepts, not
    the limit.
(b) fan-out of one notice to 2,000 sockets (p50/p99 delivery), one and two server
    processes: ``bench/groups_fanout.py`` (the realtime branch), when present.
(c) search p99 over 1,000,000 messages, 2- and 3-character Chinese queries:
    ``bench/groups_search.py`` (the notices branch), when present.
(b) and (c) are imported from their files and called (``fanout_results``,
``search_rows``); their rows join the table. The machine's load (``uptime``) is printed
with it: the machine is shared.

    python bench/groups.py                 # the full run
    python bench/groups.py --quick         # 800 messages per endpoint and backend
    python bench/groups.py --parts post --backends sqlite
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import secrets
import sys
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

os.environ.setdefault("GRIDGOV_SECRET_KEY", "bench-groups-secret-key-" + "g" * 32)
os.environ.setdefault(
    "GRIDGOV_ENCRYPTION_KEYS", "bench:YmVuY2hiZW5jaGJlbmNoYmVuY2hiZW5jaGJlbmNoYmU="
)

from pydantic import BaseModel
from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine

import http_load  # bench/http_load.py: the shared HTTP load harness
import scratch  # bench/scratch.py: the scratch databases
from gridgov import clock
from gridgov.accounts import tokens
from gridgov.accounts.actions import check_assign_role, check_create_user
from gridgov.database.sessions import session_factory
from gridgov.deployment import install
from gridgov.groups.queries import village_group
from gridgov.settings import Settings
from gridgov.territory.actions import check_create_territory
from gridgov.territory.codes import child_code
from http_load import Client, Load, Post, bearer, machine_load, server

HERE = Path(__file__).resolve().parent
ACTOR = "bench:groups"
DISTRICT = "350305"
TOWN = f"{DISTRICT}101"
VILLAGES = 4
CLIENTS = 16
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


def postgres_schema() -> AbstractContextManager[tuple[Engine, str]]:
    return scratch.postgres_schema("bench_groups")


def sqlite_file() -> AbstractContextManager[tuple[Engine, str]]:
    return scratch.sqlite_file("bench-groups-")


# --- the island: 4 villages (their groups made with them), 16 leaders ----------------------


@dataclass(frozen=True)
class Poster:
    token: str
    group_id: str


def small_town(engine: Engine) -> list[Poster]:
    """A town of 4 villages x 2 grids x 2 units (real actions: each village gets its group)
    and 16 village secretaries, 4 per village, each with a bearer token."""
    posters: list[Poster] = []
    with session_factory(engine)() as session, session.begin():
        session.info["actor"] = ACTOR

        def node(code: str, level: str, parent: str | None) -> None:
            name = f"{level} {code[-3:]}"
            check_create_territory(
                session, code=code, level=level, parent_code=parent, name_zh=name, actor=ACTOR
            )

        node(DISTRICT, "district", None)
        node(TOWN, "town", DISTRICT)
        villages = [child_code(TOWN, "village", v + 1) for v in range(VILLAGES)]
        for village in villages:
            node(village, "village", TOWN)
            for g in range(2):
                grid = child_code(village, "grid", g + 1)
                node(grid, "grid", village)
                for u in range(2):
                    node(child_code(grid, "unit", u + 1), "unit", grid)
        for number in range(CLIENTS):
            village = villages[number % VILLAGES]
            user = check_create_user(
                session,
                username=f"bench.poster{number}",
                password=secrets.token_urlsafe(18),
                display_name=f"书记{number}",
                actor=ACTOR,
            )
            check_assign_role(
                session,
                user_id=user.id,
                role="village_secretary",
                territory_code=village,
                start_date=clock.today(),
                actor=ACTOR,
            )
            token, _row = tokens.issue_token(session, user, ttl_seconds=3600)
            group = village_group(session, village)
            assert group is not None, f"{village} has no group"
            posters.append(Poster(token, group.id))
    return posters


# --- the server ----------------------------------------------------------------------------


class MinimalIn(BaseModel):
    text: str


minimal_route = http_load.minimal_route(MinimalIn, "text")


def serve(database_url: str, port: int, data_dir: str) -> None:
    """The child process: the gridgov app plus the minimal endpoint, under uvicorn."""
    http_load.serve(
        database_url,
        port,
        data_dir,
        [http_load.Route("/bench/minimal", minimal_route, 201)],
        pages=True,
        settings={"group_messages_per_minute": 100_000},
    )


# --- (a) posting over HTTP -----------------------------------------------------------------


def hammer(base: str, posters: list[Poster], requests: int, label: str, minimal: bool) -> Load:
    """``requests`` POSTs spread over the 16 posters' threads (keep-alive clients)."""

    def posts(number: int, poster: Poster) -> Iterator[Post]:
        path = "/bench/minimal" if minimal else f"/api/v1/groups/{poster.group_id}/messages"
        for i in range(requests // CLIENTS):
            yield Post(path, {"text": f"明早八点村委会开会，请各户派代表参加 {number}-{i}"})

    clients = [Client(bearer(p.token), posts(n, p)) for n, p in enumerate(posters)]
    return http_load.hammer(base, clients, label)


def post_part(backend: str, requests: int) -> None:
    opened = postgres_schema() if backend == "postgresql" else sqlite_file()
    with opened as (engine, url):
        with session_factory(engine)() as session, session.begin():
            http_load.MINIMAL.create_all(session.connection())
        posters = small_town(engine)
        with server(url, __file__, "bench-groups-data-") as running:
            base = running.base
            # Warm both paths (imports, templates of the errors, connection pools).
            hammer(base, posters, CLIENTS * 2, "warm", minimal=True)
            hammer(base, posters, CLIENTS * 2, "warm", minimal=False)
            minimal = hammer(base, posters, requests, "minimal", minimal=True)
            posted = hammer(base, posters, requests, "messages", minimal=False)
    for load in (minimal, posted):
        if load.failures:
            console.log(f"[red]{backend} {load.label}: {load.failures} failed requests[/]")
    ratio = posted.throughput / minimal.throughput if minimal.throughput else 0.0
    part = f"(a) messages over HTTP, {backend}, {CLIENTS} clients"
    ROWS.append(
        Row(
            part,
            "accepted messages/s",
            f"{posted.throughput:.0f}",
            f"{minimal.throughput:.0f}",
            f"{ratio:.2f}",
            ">= 0.5",
        )
    )
    failed = f"{posted.failures} of {requests}", f"{minimal.failures} of {requests}"
    ROWS.append(Row(part, "failed requests (not in the times)", *failed))
    for q, name in ((0.5, "p50"), (0.99, "p99")):
        mine, base_ms = posted.percentile(q), minimal.percentile(q)
        ratio_text = f"{mine / base_ms:.2f}" if base_ms else "-"
        ROWS.append(Row(part, f"{name} ms", f"{mine:.1f}", f"{base_ms:.1f}", ratio_text))


# --- (b) and (c): the other branches' benchmarks ---------------------------------------------


def sibling(name: str) -> Any | None:
    """``bench/<name>.py`` imported as a module, or None when this tree has none."""
    path = HERE / f"{name}.py"
    if not path.exists():
        return None
    spec = importlib.util.spec_from_file_location(f"bench_{name}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def fanout_part(quick: bool, clients: int | None = None) -> None:
    """(b): ``bench/groups_fanout.py``'s ``fanout_results``, each configuration a row (its
    ratio: p99 against the one-client baseline of the same set-up, measured in the run)."""
    module = sibling("groups_fanout")
    if module is None:
        ROWS.append(Row("(b) fan-out", "bench/groups_fanout.py is not in this tree", "not run"))
        return
    clients = clients or (200 if quick else 2000)
    results = module.fanout_results(clients=clients, rounds=3 if quick else 5)
    baseline = None
    for result in results:
        if result.clients == 1:
            baseline = result
            continue
        p99 = result.percentile_ms(0.99)
        base = baseline.percentile_ms(0.99) if baseline is not None else 0.0
        part = f"(b) fan-out, {result.label}"
        ratio = f"{p99 / base:.1f}" if base else "-"
        ROWS.append(
            Row(part, "p99 ms publish to delivery", f"{p99:.0f}", f"{base:.0f}", ratio, "< 1000")
        )
        ROWS.append(Row(part, "p50 ms", f"{result.p50_ms:.0f}"))
        ROWS.append(Row(part, "missing deliveries", str(result.missing), "-", "-", "0"))


def search_part(quick: bool, messages: int | None = None) -> None:
    """(c): ``bench/groups_search.py``'s ``search_rows`` (p99 of the bigram index against a
    ``LIKE`` scan of the same member's groups, measured in the same run)."""
    module = sibling("groups_search")
    if module is None or not hasattr(module, "search_rows"):
        ROWS.append(Row("(c) search", "bench/groups_search.py is not in this tree", "not run"))
        return
    sizes = {"messages": 100_000, "sqlite_messages": 20_000} if quick else {}
    if messages:
        sizes = {"messages": messages, "sqlite_messages": messages // 10}
    for found in module.search_rows(**sizes):
        part = f"(c) search, {found.backend}"
        ROWS.append(
            Row(
                part,
                f"{found.measure}: p99 ms (p50 {found.index_p50:.1f}, {found.hits} hits)",
                f"{found.index_p99:.1f}",
                f"{found.baseline_p99:.1f}",
                f"{found.index_p99 / found.baseline_p99:.2f}" if found.baseline_p99 else "-",
                "< 100" if "postgresql" in found.backend else "-",
            )
        )


# --- the run -------------------------------------------------------------------------------


def print_table(title: str, load_before: str) -> None:
    table = Table(title=title)
    for heading in ("part", "measure", "value", "baseline", "ratio", "aim"):
        table.add_column(heading, justify="left" if heading in ("part", "measure") else "right")
    for row in ROWS:
        table.add_row(row.part, row.measure, row.value, row.baseline, row.ratio, row.aim)
    console.print(table)
    console.print("baseline of (a): POST /bench/minimal (same bearer authentication, one INSERT)")
    console.print(f"load before: {load_before}")
    console.print(f"load after:  {machine_load()}")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if (child := http_load.serve_arguments(argv)) is not None:
        serve(*child)
        return 0
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a small run")
    parser.add_argument("--parts", default="post,fanout,search")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--requests", type=int, help="messages per endpoint and backend")
    parser.add_argument("--fanout-clients", type=int, help="sockets of (b) (default 2000)")
    parser.add_argument("--search-messages", type=int, help="messages of (c) (default 1M)")
    args = parser.parse_args(argv)
    install(Settings())  # this script is the adapter: timezone, key ring
    load_before = machine_load()
    requests = args.requests or (800 if args.quick else 3200)
    parts = set(args.parts.split(","))
    if "post" in parts:
        for backend in args.backends.split(","):
            post_part(backend, requests)
    if "fanout" in parts:
        fanout_part(args.quick, args.fanout_clients)
    if "search" in parts:
        search_part(args.quick, args.search_messages)
    print_table(f"bench/groups.py ({'quick' if args.quick else 'full'})", load_before)
    return 0


if __name__ == "__main__":
    sys.exit(main())
