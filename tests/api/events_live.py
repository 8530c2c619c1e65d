"""A live server for the events socket tests (uvicorn on loopback, in a thread or as its own
processes) and a small client on the ``websockets`` library, with timeouts everywhere so a
failing test fails instead of hanging."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import uvicorn
from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker
from websockets.asyncio.client import ClientConnection, connect

from gridgov.accounts import tokens
from gridgov.accounts.web_sessions import do_start_web_session
from gridgov.database.sessions import session_factory
from gridgov.http.sessions import SessionDep
from gridgov.notify.realtime import publish
from gridgov.server import create_app
from gridgov.settings import Settings
from tests.factories.access import make_user
from tests.web.browser.harness import free_port

ROOT = Path(__file__).resolve().parents[2]
Result = TypeVar("Result")


def run_client(scenario: Coroutine[Any, Any, Result]) -> Result:
    """``asyncio.run(scenario)``, also when this thread already runs an event loop (after a
    browser test, Playwright's sync API keeps one running in the main thread, and
    asyncio.run refuses to start from there): the scenario then runs on a loop of its own
    in a thread of its own, and its result or exception comes back here."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(scenario)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="socket-client") as pool:
        return pool.submit(asyncio.run, scenario).result()


WAIT = 10.0  # seconds any single expected frame may take on this busy machine
# The opening handshake once took over 10 s in CI's faketime pass (the server thread shares the
# GIL with a test process 3,000 tests old): a handshake gets longer, a failing one still fails.
OPEN_WAIT = 30.0


@dataclass
class Caller:
    user_id: str
    token: str
    cookie: str  # a live web session's secret


# The test's clock stands still while a server process of its own runs on the real (or
# faketime's) clock: its tokens must outlive the gap.
LONG_TTL = 20 * 365 * 24 * 3600


def make_caller(maker: sessionmaker[Session], username: str | None = None) -> Caller:
    with maker() as session:
        user = make_user(session, username=username)
        token, _ = tokens.issue_token(session, user, ttl_seconds=LONG_TTL)
        secret, _ = do_start_web_session(session, user, ttl=dt.timedelta(hours=1))
        session.commit()
        return Caller(user.id, token, secret)


def publish_now(maker: sessionmaker[Session], stream: str, kind: str = "tick", **payload: Any):
    with maker() as session:
        publish(session, stream=stream, kind=kind, payload=payload)
        session.commit()


def app_with_publish_route(**settings: Any) -> FastAPI:
    """The real app plus ``POST /test-publish``: a request handled by this process that
    publishes in its own transaction (the two-process test's "message through process A";
    a capability's route does the same through its action)."""
    app = create_app(settings=Settings(**settings)) if settings else create_app()

    @app.post("/test-publish")
    def test_publish(body: dict[str, Any], session: SessionDep) -> dict[str, str]:
        publish(session, stream=body["stream"], kind="message", payload=body["payload"])
        return {"status": "ok"}

    return app


class ThreadServer:
    """The app on a database, served by uvicorn in a thread of this process, with its
    lifespan (so the events hub stops with the server)."""

    def __init__(self, database: Any, tmp_path: Path, **settings: Any) -> None:
        self.maker = session_factory(database.engine)
        config = Settings(data_dir=tmp_path, environment="test", **settings)
        app = create_app(settings=config, engine=database.engine)
        port = free_port()
        self.server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the events test server did not start")
            time.sleep(0.05)
        self.http_url = f"http://127.0.0.1:{port}"
        self.url = f"ws://127.0.0.1:{port}/api/v1/events"
        wait_until_serving(self.http_url, deadline)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)


def wait_until_serving(
    http_url: str, deadline: float, gone: Callable[[], bool] = lambda: False
) -> None:
    """Until ``/healthz`` answers 200: a listening socket is not yet a serving loop."""
    while time.monotonic() < deadline and not gone():
        try:
            with urllib.request.urlopen(http_url + "/healthz", timeout=2) as answer:
                if answer.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    raise RuntimeError(f"the server at {http_url} did not answer /healthz")


class ProcessServer:
    """``app_with_publish_route`` served by uvicorn in a process of its own."""

    def __init__(self, database_url: str, data_dir: Path) -> None:
        self.port = free_port()
        env = dict(os.environ)
        env.update(
            GRIDGOV_DATABASE_URL=database_url,
            GRIDGOV_DATA_DIR=str(data_dir),
            GRIDGOV_ENVIRONMENT="test",
            # No fallback poll within a test's time: only NOTIFY can wake the other process.
            GRIDGOV_EVENTS_POLL_SECONDS="3600",
            PYTHONPATH=os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
        )
        factory = "tests.api.events_live:app_with_publish_route"
        command = [sys.executable, "-m", "uvicorn", "--factory", factory, "--host", "127.0.0.1"]
        command += ["--port", str(self.port), "--log-level", "warning"]
        self.process = subprocess.Popen(command, env=env, cwd=ROOT)
        self.http_url = f"http://127.0.0.1:{self.port}"
        self.url = f"ws://127.0.0.1:{self.port}/api/v1/events"
        self._wait_until_up()

    def _wait_until_up(self) -> None:
        def exited() -> bool:
            if self.process.poll() is not None:
                raise RuntimeError(f"server on port {self.port} exited: {self.process.returncode}")
            return False

        wait_until_serving(self.http_url, time.monotonic() + 60, gone=exited)

    def post(self, path: str, body: dict[str, Any]) -> int:
        request = urllib.request.Request(
            self.http_url + path,
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=WAIT) as answer:
            return int(answer.status)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)


async def open_socket(
    url: str,
    *,
    token: str | None = None,
    cookie: str | None = None,
    origin: str | None = None,
    after: int | str | None = "skip",
    max_queue: int | None = 16,
    compression: str | None = "deflate",
) -> tuple[ClientConnection, dict[str, Any]]:
    """Connect, authenticate (token frame and/or cookie), check the welcome, then send
    ``resume`` unless ``after`` is "skip". Returns the socket and the welcome."""
    headers = {"Cookie": f"gridgov_session={cookie}"} if cookie else None
    socket = await connect(
        url,
        additional_headers=headers,
        origin=origin,  # type: ignore[arg-type]
        max_queue=max_queue,
        compression=compression,
        open_timeout=OPEN_WAIT,
        proxy=None,  # loopback only, whatever the environment says
    )
    if token is not None:
        await socket.send(json.dumps({"type": "auth", "token": token}))
    welcome = await receive(socket)
    assert welcome["type"] == "welcome", welcome
    if after != "skip":
        await socket.send(json.dumps({"type": "resume", "after": after}))
    return socket, welcome


async def receive(socket: ClientConnection, timeout: float = WAIT) -> dict[str, Any]:
    frame: dict[str, Any] = json.loads(await asyncio.wait_for(socket.recv(), timeout=timeout))
    return frame


async def receive_events(
    socket: ClientConnection, count: int, *, timeout: float = WAIT
) -> list[dict[str, Any]]:
    """The next ``count`` event frames (heartbeats and caught_up skipped)."""
    events: list[dict[str, Any]] = []
    while len(events) < count:
        frame = await receive(socket, timeout)
        if frame["type"] == "event":
            events.append(frame)
    return events


async def until_caught_up(socket: ClientConnection) -> list[dict[str, Any]]:
    """The backlog's events, up to the caught_up frame."""
    events = []
    while (frame := await receive(socket))["type"] != "caught_up":
        assert frame["type"] in {"event", "reset"}, frame
        if frame["type"] == "event":
            events.append(frame)
    return events


async def close_code(socket: ClientConnection, timeout: float = WAIT) -> tuple[int, str]:
    """Wait for the server to close the socket (frames before it are read and dropped)."""
    deadline = asyncio.get_running_loop().time() + timeout
    try:
        while True:
            left = deadline - asyncio.get_running_loop().time()
            await asyncio.wait_for(socket.recv(), timeout=max(left, 0.01))
    except Exception:  # ConnectionClosed, or the timeout (then the code is None)
        pass
    code, reason = socket.close_code, socket.close_reason or ""
    await socket.close()  # (closed already, unless the assertion below fails)
    assert code is not None, "the server did not close the socket"
    return code, reason
