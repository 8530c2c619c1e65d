"""Fan-out of one event to many WebSocket clients of ``/api/v1/events``: delivery latency.

Starts real uvicorn servers (child processes of this script, on loopback), connects
``--clients`` WebSocket clients (the ``websockets`` library, all in this process, split
evenly over the servers), then ``--rounds`` times publishes one event through an HTTP
request to the first server (``POST /bench/publish``: the request's transaction publishes
and commits, as a group message's route will) and records, for every client, the time
from just before that request to the moment the client has the event. Each delivery is one
sample: p50/p99/max in milliseconds, with the baseline of the same run (one client, same
server set-up) and the ratio to it.

Every client listens on the same stream (one user's ``user:<id>`` stream, one token: the
hub's fan-out cost is per subscriber of a stream, whoever they are). The servers run with
``gridgov serve``'s WebSocket options (no permessage-deflate). The clients' own receiving
(2,000 coroutines in one Python process, on the same 2 cores) is part of the time.

    python bench/groups_fanout.py                       # 2,000 clients, SQLite + PostgreSQL x2
    python bench/groups_fanout.py --clients 200 --rounds 3

The lead's ``bench/groups.py`` calls :func:`fanout_results` and :func:`fanout_table`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import statistics
import sys
import time
import urllib.error
import urllib.request
from contextlib import AbstractContextManager, ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

os.environ.setdefault("GRIDGOV_SECRET_KEY", "bench-fanout-secret-key-" + "f" * 32)
os.environ.setdefault(
    "GRIDGOV_ENCRYPTION_KEYS", "bench:YmVuY2hiZW5jaGJlbmNoYmVuY2hiZW5jaGJlbmNoYmU="
)

from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine

import http_load  # bench/http_load.py: the shared HTTP load harness
import scratch  # bench/scratch.py: the scratch databases
from gridgov.accounts import tokens
from gridgov.accounts.actions import check_create_user
from gridgov.database.sessions import session_factory
from http_load import Server, machine_load

CONNECTS_AT_ONCE = 64
ROUND_TIMEOUT = 60.0
console = Console(width=None if sys.stdout.isatty() else 150)


@dataclass
class Fanout:
    """One measured configuration: every delivery's latency in seconds."""

    label: str
    clients: int
    processes: int
    latencies: list[float] = field(default_factory=list)
    missing: int = 0  # deliveries that did not arrive within ROUND_TIMEOUT
    connect_seconds: float = 0.0
    # CPU seconds used per round (from the publish to the last delivery): by the server
    # processes together, and by this process's clients. Unlike the latencies, these barely
    # depend on how busy the shared machine is.
    server_cpu: list[float] = field(default_factory=list)
    client_cpu: list[float] = field(default_factory=list)

    def percentile_ms(self, q: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return 1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    @property
    def p50_ms(self) -> float:
        return 1000 * statistics.median(self.latencies) if self.latencies else float("nan")


# --- the servers ---------------------------------------------------------------------------


publish_route = http_load.publish_route("message")  # one event, committed by the request


def serve(database_url: str, port: int, data_dir: str) -> None:
    """A child process: the gridgov app plus the publishing route, under uvicorn."""
    from gridgov.api.events.socket import UVICORN_OPTIONS

    http_load.serve(
        database_url,
        port,
        data_dir,
        [http_load.Route("/bench/publish", publish_route)],
        pages=True,
        backlog=4096,
        **UVICORN_OPTIONS,  # as `gridgov serve` runs it
    )


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def server(database_url: str) -> AbstractContextManager[Server]:
    """A child server process: its base URL and pid."""
    return http_load.server(database_url, __file__, "bench-fanout-data-")


def post_publish(base: str, stream: str, payload: dict[str, Any]) -> None:
    request = urllib.request.Request(
        f"{base}/bench/publish",
        data=json.dumps({"stream": stream, "payload": payload}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        answer.read()


# --- the databases -------------------------------------------------------------------------


def database(backend: str) -> AbstractContextManager[tuple[Engine, str]]:
    """A migrated scratch database: a SQLite file, or a PostgreSQL schema."""
    if backend == "sqlite":
        return scratch.sqlite_file("bench-fanout-")
    return scratch.postgres_schema("bench_fanout")


def seed_user(engine: Engine) -> tuple[str, str]:
    """One user and a token: (user id, token)."""
    with session_factory(engine)() as session, session.begin():
        user = check_create_user(
            session, username="bench_fanout", password=secrets.token_urlsafe(18), actor="bench"
        )
        token, _ = tokens.issue_token(session, user, ttl_seconds=24 * 3600)
        return user.id, token


# --- the clients ---------------------------------------------------------------------------


async def next_event_time(client: Any, round_number: int) -> float | None:
    """When this client had the event of ``round_number`` (None: not in time)."""
    try:
        while True:
            frame = json.loads(await asyncio.wait_for(client.recv(), timeout=ROUND_TIMEOUT))
            if frame["type"] == "event" and frame["payload"]["round"] == round_number:
                return time.perf_counter()
    except TimeoutError:
        return None


async def run_rounds(
    servers: list[Server], token: str, stream: str, result: Fanout, rounds: int
) -> None:
    gate = asyncio.Semaphore(CONNECTS_AT_ONCE)
    urls = [s.base.replace("http://", "ws://") + "/api/v1/events" for s in servers]
    started = time.perf_counter()
    clients = await asyncio.gather(
        *(http_load.events_socket(urls[n % len(urls)], token, gate) for n in range(result.clients))
    )
    result.connect_seconds = time.perf_counter() - started
    try:
        for round_number in range(rounds):
            await asyncio.sleep(0.5)  # let the servers settle between rounds
            waits = [asyncio.create_task(next_event_time(c, round_number)) for c in clients]
            server_cpu = sum(cpu_seconds(s.pid) for s in servers)
            client_cpu = time.process_time()
            sent = time.perf_counter()
            await asyncio.to_thread(post_publish, servers[0].base, stream, {"round": round_number})
            arrivals = await asyncio.gather(*waits)
            result.client_cpu.append(time.process_time() - client_cpu)
            result.server_cpu.append(sum(cpu_seconds(s.pid) for s in servers) - server_cpu)
            for arrived in arrivals:
                if arrived is None:
                    result.missing += 1
                else:
                    result.latencies.append(arrived - sent)
    finally:
        await asyncio.gather(*(client.close() for client in clients), return_exceptions=True)


def measure(backend: str, *, clients: int, processes: int, rounds: int, label: str) -> Fanout:
    """Fan-out on a fresh database of ``backend`` through ``processes`` servers."""
    result = Fanout(label=label, clients=clients, processes=processes)
    with database(backend) as (engine, url), ExitStack() as servers:
        user_id, token = seed_user(engine)
        started = [servers.enter_context(server(url)) for _ in range(processes)]
        asyncio.run(run_rounds(started, token, f"user:{user_id}", result, rounds))
    return result


def fanout_results(clients: int = 2000, rounds: int = 5) -> list[Fanout]:
    """Baseline and fan-out on SQLite (one process) and PostgreSQL (two processes)."""
    plan = [
        ("sqlite", 1, 1, "SQLite, 1 server, 1 client (base)"),
        ("sqlite", clients, 1, f"SQLite, 1 server, {clients:,} clients"),
        ("postgresql", 1, 2, "PostgreSQL, 2 servers, 1 client (base)"),
        ("postgresql", clients, 2, f"PostgreSQL, 2 servers, {clients:,} clients"),
    ]
    return [
        measure(backend, clients=count, processes=processes, rounds=rounds, label=label)
        for backend, count, processes, label in plan
    ]


def fanout_table(results: list[Fanout]) -> Table:
    """The results as a table; each fan-out row's ratio is to the baseline above it."""
    table = Table(title="Events socket fan-out: publish (HTTP request, commit) to delivery")
    columns = ("configuration", "deliveries", "missing", "p50 ms", "p99 ms", "max ms")
    columns += ("p99/base", "server CPU ms", "client CPU ms", "connect s")
    for column in columns:
        table.add_column(column, justify="left" if column == "configuration" else "right")
    baseline: Fanout | None = None
    for result in results:
        if result.clients == 1:
            baseline = result
        ratio = "-"
        if baseline is not None and result is not baseline:
            ratio = f"{result.percentile_ms(0.99) / baseline.percentile_ms(0.99):.1f}x"
        table.add_row(
            result.label,
            f"{len(result.latencies):,}",
            str(result.missing),
            f"{result.p50_ms:.0f}",
            f"{result.percentile_ms(0.99):.0f}",
            f"{result.percentile_ms(1.0):.0f}",
            ratio,
            f"{1000 * statistics.median(result.server_cpu):.0f}",
            f"{1000 * statistics.median(result.client_cpu):.0f}",
            f"{result.connect_seconds:.1f}",
        )
    table.caption = (
        "aim: p99 < 1000 ms at 2,000 clients. CPU: median per event (ms, in 10 ms ticks), "
        f"the servers together and this process's clients.\nLoad after: {machine_load()}"
    )
    return table


def main() -> None:
    if (child := http_load.serve_arguments(sys.argv[1:])) is not None:
        serve(*child)
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    console.print(f"before: {machine_load()}")
    results = fanout_results(clients=args.clients, rounds=args.rounds)
    console.print(fanout_table(results))


if __name__ == "__main__":
    main()
