"""The HTTP load harness the benches share (their scratch databases: bench/scratch.py): a real
uvicorn server in a child process on a free loopback port, the ``POST /bench/minimal``
baseline (same bearer authentication, one plain INSERT), concurrent keep-alive clients and
their timings.

A bench uses it so:

* its ``main`` answers ``--serve URL PORT DATA_DIR`` by calling :func:`serve` with its own
  routes (the child process runs the bench's own script, so the routes are its own);
* :func:`server` starts that child (``script=__file__``) and yields its :class:`Server`;
* :func:`hammer` sends each client's :class:`Post` requests from its own thread and
  keep-alive client, all released at once (each request as soon as the previous one is
  answered, or at its ``due`` time: an open loop at a set rate), and returns a :class:`Load`;
* :func:`events_socket` opens one authenticated client of the events WebSocket.

Imported by the benches as ``http_load`` (``bench/`` is the script's folder, first on
``sys.path``); not a module of the package.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from rich.console import Console
from sqlalchemy import Column, DateTime, MetaData, String, Text, insert
from sqlalchemy import Table as SqlTable

from gridgov import clock
from gridgov.api.deps import SessionDep
from gridgov.api.principal import PrincipalDep
from gridgov.ids import new_id
from gridgov.notify.realtime import publish
from gridgov.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
console = Console(width=None if sys.stdout.isatty() else 150)


# --- the baseline routes --------------------------------------------------------------------

MINIMAL = MetaData()
MINIMAL_TABLE = SqlTable(
    "bench_minimal",
    MINIMAL,
    Column("id", String(32), primary_key=True),
    Column("body", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)


def minimal_route(body_model: type[BaseModel], text_field: str) -> Callable[..., dict[str, str]]:
    """The baseline endpoint for ``POST /bench/minimal``: the request body read as
    ``body_model`` (the measured route's shape), the same authentication (bearer token ->
    Principal), one INSERT of ``text_field``'s value into ``bench_minimal``."""

    def route(body: BaseModel, session: SessionDep, principal: PrincipalDep) -> dict[str, str]:
        """The baseline: the same authentication (bearer token -> Principal), one INSERT."""
        row_id = new_id()
        value = getattr(body, text_field)
        session.execute(insert(MINIMAL_TABLE).values(id=row_id, body=value, created_at=clock.now()))
        return {"id": row_id, "by": principal.user_id}

    route.__annotations__["body"] = body_model  # FastAPI reads the body's model from here
    return route


def publish_route(kind: str) -> Callable[..., dict[str, str]]:
    """An endpoint for ``POST /bench/publish``: one event of ``kind`` on the body's
    ``stream`` with its ``payload``, published in the request's transaction (committed by
    the request)."""

    def route(body: dict[str, Any], session: SessionDep) -> dict[str, str]:
        publish(session, stream=body["stream"], kind=kind, payload=body["payload"])
        return {"status": "ok"}

    return route


# --- the server ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    path: str
    endpoint: Callable[..., Any]
    status_code: int | None = None


def serve(
    database_url: str,
    port: int,
    data_dir: str,
    routes: Sequence[Route],
    *,
    pages: bool = False,
    settings: dict[str, Any] | None = None,
    **uvicorn_options: Any,
) -> None:
    """The child process: the gridgov app (with the web pages when ``pages``, as ``gridgov
    serve`` runs it; the API alone otherwise) plus the bench's POST ``routes``, under
    uvicorn on loopback. ``settings`` add to the Settings (the embedded worker is off)."""
    import uvicorn

    if pages:
        from gridgov.server import create_app
    else:
        from gridgov.api.app import create_app

    configured = Settings(
        database_url=database_url,
        data_dir=Path(data_dir),
        embedded_worker=False,
        **(settings or {}),
    )
    app = create_app(settings=configured)
    for route in routes:
        extra = {} if route.status_code is None else {"status_code": route.status_code}
        app.add_api_route(route.path, route.endpoint, methods=["POST"], **extra)
    uvicorn.run(
        app, host="127.0.0.1", port=port, log_level="warning", access_log=False, **uvicorn_options
    )


def serve_arguments(argv: Sequence[str]) -> tuple[str, int, str] | None:
    """``--serve URL PORT DATA_DIR`` (how :func:`server` starts the child), else None."""
    if len(argv) == 4 and argv[0] == "--serve":
        return argv[1], int(argv[2]), argv[3]
    return None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class Server:
    base: str
    pid: int


@contextmanager
def server(database_url: str, script: str | Path, prefix: str) -> Iterator[Server]:
    """``script --serve URL PORT DATA_DIR`` in a child process (our own interpreter, the
    sources of this tree), up once ``/healthz`` answers; stopped at the end."""
    port = free_port()
    with tempfile.TemporaryDirectory(prefix=prefix) as data_dir:
        child = subprocess.Popen(  # our own interpreter and script
            [sys.executable, str(script), "--serve", database_url, str(port), data_dir],
            env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
        )
        base = f"http://127.0.0.1:{port}"
        try:
            wait_until_up(base, child)
            yield Server(base, child.pid)
        finally:
            child.terminate()
            child.wait(timeout=30)


def wait_until_up(base: str, child: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if child.poll() is not None:
            raise RuntimeError("the bench server exited")
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=1) as answer:
                if answer.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError):
            pass
        time.sleep(0.2)
    raise RuntimeError("the bench server did not start")


# --- the load ------------------------------------------------------------------------------


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
        """Milliseconds; 0.0 when nothing succeeded."""
        ordered = sorted(self.seconds) or [0.0]
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] * 1000


@dataclass(frozen=True)
class Post:
    """One request; ``due``: seconds after the clients' release at which it is sent (open
    loop: a late one goes at once), None for as soon as the client's previous one is done."""

    path: str
    body: dict[str, Any]
    headers: dict[str, str] | None = None
    due: float | None = None


@dataclass(frozen=True)
class Client:
    """One client thread: its headers (the bearer token) and the requests it sends, made
    one at a time as it goes."""

    headers: dict[str, str]
    posts: Iterable[Post]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def hammer(base: str, clients: Sequence[Client], label: str, expect: int = 201) -> Load:
    """Each client's POSTs from its own thread and keep-alive client, all threads released
    together; an answer other than ``expect`` (or a transport error) is a failure, kept out
    of the times (the first three are logged). A :class:`Post` with a ``due`` time waits for
    it (the time measured starts when it is sent)."""
    import httpx2 as httpx

    load = Load(label)
    lock = threading.Lock()
    released: list[float] = []  # when the clients are released: the posts' due times count from it
    go = threading.Barrier(len(clients) + 1, action=lambda: released.append(time.perf_counter()))

    def run(client: Client) -> None:
        with httpx.Client(base_url=base, headers=client.headers, timeout=60) as http:
            go.wait()
            for post in client.posts:
                wait = 0.0 if post.due is None else released[0] + post.due - time.perf_counter()
                if wait > 0:
                    time.sleep(wait)
                start = time.perf_counter()
                try:
                    answer = http.post(post.path, json=post.body, headers=post.headers)
                    problem = None if answer.status_code == expect else answer.text[:300]
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

    threads = [threading.Thread(target=run, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    go.wait()
    start = time.perf_counter()
    for thread in threads:
        thread.join()
    load.wall = time.perf_counter() - start
    return load


# --- the events WebSocket ------------------------------------------------------------------


async def events_socket(url: str, token: str, gate: asyncio.Semaphore) -> Any:
    """A client of the events WebSocket at ``url`` (``ws://.../api/v1/events``, the
    ``websockets`` library), authenticated with ``token`` and resumed from now on
    (docs/events.md); at most ``gate``'s count connecting at once."""
    from websockets.asyncio.client import connect

    async with gate:
        client = await connect(url, open_timeout=60, proxy=None, ping_interval=None)
        await client.send(json.dumps({"type": "auth", "token": token}))
        assert json.loads(await client.recv())["type"] == "welcome"
        await client.send(json.dumps({"type": "resume", "after": None}))
        while json.loads(await client.recv())["type"] != "caught_up":
            pass
        return client


def machine_load() -> str:
    """``uptime``'s line: the machine is shared, its load goes next to every figure."""
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "uptime unavailable"
