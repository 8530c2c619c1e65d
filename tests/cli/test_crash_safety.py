"""Crash safety: a real `gridgov serve` process under concurrent writes is killed with SIGKILL
mid-load and restarted; the clients retry what went unanswered (case reports with the same
Idempotency-Key). Then, on SQLite and PostgreSQL: every acknowledged request is stored, the
retries made no duplicate, no case is stuck (cases.consistency) and the escalation timers
still fire (`gridgov worker --once --now` past every deadline).

A backup taken mid-load (`gridgov backup` while the server writes) restores at the end with
every table's rows and checksum as its manifest says.

Bounded: 3 seconds of load before the kill (longer, up to 30, until 40 requests were
acknowledged), two server starts; well under a minute per database. The server runs on the
real clock (its own process): users' roles start in 2000 and their tokens last 50 years, so
the test does not depend on the day it runs.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from gridgov.accounts import tokens
from gridgov.cases.categories import seed_categories
from gridgov.cases.consistency import stuck_cases
from gridgov.cases.models import Case, CaseEvent
from gridgov.cases.states import OPEN_STATES
from gridgov.cli.main import app
from gridgov.database.sessions import session_factory
from gridgov.registry.models import Household
from tests.cases.case_world import quick_password_hashing
from tests.cli.test_backup import wipe
from tests.conftest import Database
from tests.factories.access import make_user
from tests.factories.registry import make_household
from tests.factories.territory import make_tree

CLIENTS = 4
LOAD_SECONDS = 3.0  # at least; longer (up to MAX_LOAD_SECONDS) until MIN_ACKNOWLEDGED
MAX_LOAD_SECONDS = 30.0
MIN_ACKNOWLEDGED = 40
FIFTY_YEARS = 50 * 365 * 24 * 3600
SERVER = [sys.executable, "-c", "from gridgov.cli.main import app; app()", "serve"]
UNANSWERED = 0  # the status recorded for a request that got no answer


@dataclass
class Sent:
    kind: str  # report, transition, household
    method: str
    path: str
    body: dict[str, Any]
    headers: dict[str, str]
    status: int = UNANSWERED
    answer: dict[str, Any] = field(default_factory=dict)
    retry_status: int | None = None


@dataclass
class Client:
    """One user of the load: their token, the household they report about, what they sent."""

    user_id: str
    token: str
    household_id: str
    village_code: str
    unit_code: str
    sent: list[Sent] = field(default_factory=list)
    # Acknowledged cases: id -> (version, next action), walked accept -> start -> resolve.
    cases: dict[str, tuple[int, str]] = field(default_factory=dict)


def _send(port: int, request: Sent, token: str) -> tuple[int, dict[str, Any]]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    try:
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        connection.request(
            request.method,
            request.path,
            body=json.dumps(request.body),
            headers={**headers, **request.headers},
        )
        response = connection.getresponse()
        payload = response.read()
        return response.status, json.loads(payload) if payload else {}
    except (OSError, http.client.HTTPException):
        return UNANSWERED, {}
    finally:
        connection.close()


NEXT_ACTION = {"accept": "start", "start": "resolve", "resolve": ""}


def _next_request(client: Client, index: int, step: int) -> Sent:
    if step % 3 == 1 and client.cases:
        case_id, (version, action) = next(iter(client.cases.items()))
        body: dict[str, Any] = {"action": action, "version": version}
        if action == "resolve":
            body["note"] = "fixed"
        return Sent("transition", "POST", f"/api/v1/cases/{case_id}/transitions", body, {})
    if step % 3 == 2:
        body = {
            "village_code": client.village_code,
            "unit_code": client.unit_code,
            "household_no": f"C{index}-{step:05d}",
            "address": f"crash road {index}-{step}",
        }
        return Sent("household", "POST", "/api/v1/households", body, {})
    body = {
        "category_code": "dispute.noise",
        "description": f"crash test report {index}-{step}",
        "household_id": client.household_id,
    }
    key = {"Idempotency-Key": f"crash-{index}-{step}"}
    return Sent("report", "POST", "/api/v1/cases", body, key)


def _note_answer(client: Client, request: Sent) -> None:
    if not 200 <= request.status < 300:
        return
    if request.kind == "report":
        client.cases[request.answer["id"]] = (request.answer["version"], "accept")
    elif request.kind == "transition":
        case_id = request.answer["id"]
        action = NEXT_ACTION[request.body["action"]]
        if action:
            client.cases[case_id] = (request.answer["version"], action)
        else:
            client.cases.pop(case_id, None)


def _load(client: Client, index: int, port: int, stop: threading.Event) -> None:
    step = 0
    while not stop.is_set():
        request = _next_request(client, index, step)
        request.status, request.answer = _send(port, request, client.token)
        client.sent.append(request)
        if request.kind == "transition" and not 200 <= request.status < 300:
            # Unanswered (its fate is the retry's) or refused: walk this case no further.
            client.cases.pop(request.path.split("/")[4], None)
        _note_answer(client, request)
        step += 1
        if request.status == UNANSWERED:
            time.sleep(0.05)  # the server is down: do not spin


def _acknowledged(clients: list[Client]) -> int:
    return sum(200 <= r.status < 300 for client in clients for r in list(client.sent))


def _wait_for_load(clients: list[Client], *, seconds: float, acknowledged: int) -> None:
    """At least ``seconds`` of load, and on until ``acknowledged`` requests were answered
    (a slow machine, or CI's faketime run, answers fewer per second), within a bound."""
    started = time.monotonic()
    time.sleep(seconds)
    while _acknowledged(clients) < acknowledged:
        if time.monotonic() - started > MAX_LOAD_SECONDS / 2:
            return  # the final assertion says how little was answered
        time.sleep(0.1)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _healthy(port: int) -> bool:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        connection.request("GET", "/healthz")
        response = connection.getresponse()
        response.read()
        return response.status == 200
    except (OSError, http.client.HTTPException):
        return False
    finally:
        connection.close()


@contextlib.contextmanager
def _server(env: dict[str, str]) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    port = _free_port()
    process = subprocess.Popen(
        [*SERVER, "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail(f"gridgov serve exited: {process.stderr.read().decode()[-2000:]}")
            if _healthy(port):
                break
            time.sleep(0.2)
        else:
            pytest.fail("gridgov serve did not answer /healthz within 60 s")
        yield process, port
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=30)
        process.stderr.close()


def _setup(database: Database) -> list[Client]:
    clients = []
    with session_factory(database.engine)() as session, session.begin(), quick_password_hashing():
        seed_categories(session, actor="test")
        tree = make_tree(session, villages=1, grids_per_village=1, units_per_grid=2)
        for index in range(CLIENTS):
            unit = tree.all_units()[index % 2]
            user = make_user(session, role="administrator", start_date=dt.date(2000, 1, 1))
            token, _row = tokens.issue_token(session, user, ttl_seconds=FIFTY_YEARS)
            household = make_household(session, unit=unit)
            clients.append(Client(user.id, token, household.id, unit.code[:12], unit.code))
    return clients


def _retry(clients: list[Client], port: int) -> None:
    for client in clients:
        for request in client.sent:
            if request.status == UNANSWERED:
                request.retry_status, _answer = _send(port, request, client.token)


def _check_stored(database: Database, clients: list[Client]) -> dict[str, int]:
    figures = {"acknowledged": 0, "stored": 0, "duplicated": 0, "unanswered": 0}
    # Unanswered requests whose retry found them done already (committed, answer lost).
    figures["done_before_answer"] = sum(
        r.retry_status in (200, 409) and r.kind != "transition"
        for client in clients
        for r in client.sent
    )
    with session_factory(database.engine)() as session:
        for client in clients:
            for request in client.sent:
                acked = 200 <= request.status < 300
                figures["acknowledged"] += acked
                figures["unanswered"] += request.status == UNANSWERED
                copies = _copies(session, client, request)
                if acked:
                    figures["stored"] += copies >= 1
                figures["duplicated"] += max(0, copies - 1)
    return figures


def _copies(session: Any, client: Client, request: Sent) -> int:
    """How many times the request's write is in the database."""
    if request.kind == "report":
        return session.scalar(
            select(func.count()).where(Case.description == request.body["description"])
        )
    if request.kind == "household":
        return session.scalar(
            select(func.count()).where(Household.household_no == request.body["household_no"])
        )
    case_id = request.path.split("/")[4]
    events = select(func.count()).where(CaseEvent.case_id == case_id)
    return session.scalar(events.where(CaseEvent.action == request.body["action"]))


def _escalate_past_every_deadline(database: Database, env: dict[str, str]) -> None:
    with session_factory(database.engine)() as session:
        timed = session.execute(
            select(Case.id, Case.level, Case.due_at).where(
                Case.state.in_(OPEN_STATES), Case.due_at.is_not(None)
            )
        ).all()
    assert timed, "the load left no open case with a deadline"
    later = max(due for _id, _level, due in timed) + dt.timedelta(minutes=1)
    answer = CliRunner().invoke(
        app, ["worker", "--once", "--json", "--now", later.isoformat()], env=env
    )
    assert answer.exit_code == 0, answer.output
    assert json.loads(answer.output)["counts"]["escalation"] >= len(timed)
    with session_factory(database.engine)() as session:
        for case_id, level, _due in timed:
            case = session.get(Case, case_id)
            assert case.level != level or case.overdue_ever, case_id
        assert stuck_cases(session) == []


@pytest.mark.crash
def test_a_killed_server_loses_no_acknowledged_write(fresh_database, tmp_path: Path) -> None:
    database = fresh_database.migrate()
    clients = _setup(database)
    env = {
        **os.environ,
        "GRIDGOV_DATABASE_URL": database.url,
        "GRIDGOV_DATA_DIR": str(tmp_path / "data"),
    }
    stop = threading.Event()
    with _server(env) as (process, port):
        threads = [
            threading.Thread(target=_load, args=(client, index, port, stop))
            for index, client in enumerate(clients)
        ]
        for thread in threads:
            thread.start()
        _wait_for_load(clients, seconds=LOAD_SECONDS / 2, acknowledged=MIN_ACKNOWLEDGED // 2)
        # A backup taken while the server writes (restored and verified at the end).
        backup = CliRunner().invoke(app, ["backup", str(tmp_path / "mid-load.tar")], env=env)
        assert backup.exit_code == 0, backup.output
        _wait_for_load(clients, seconds=LOAD_SECONDS / 2, acknowledged=MIN_ACKNOWLEDGED)
        process.send_signal(signal.SIGKILL)  # mid-load: requests are in flight
        process.wait(timeout=30)
        time.sleep(0.3)
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
    sent = [request for client in clients for request in client.sent]
    assert not [r for r in sent if r.status >= 500], "a request answered 5xx under load"
    with _server(env) as (_process, port):
        _retry(clients, port)
    retried = [r for r in sent if r.retry_status is not None]
    # A retried report is answered 201 (never stored) or 200 (stored before the kill); a
    # household 201 or 409 (stored); a transition 200, or 409/422 if it had gone through.
    assert all(r.retry_status in (200, 201, 409, 422) for r in retried), [
        (r.kind, r.retry_status) for r in retried
    ]
    assert all(r.retry_status in (200, 201) for r in retried if r.kind == "report")
    figures = _check_stored(database, clients)
    with session_factory(database.engine)() as session:
        stuck = stuck_cases(session)
    print(f"\ncrash safety on {database.backend}: {figures}, stuck: {len(stuck)}")
    assert figures["acknowledged"] >= MIN_ACKNOWLEDGED, figures  # there was load
    assert figures["stored"] == figures["acknowledged"], figures
    assert figures["duplicated"] == 0, figures
    assert stuck == []
    _escalate_past_every_deadline(database, env)

    wipe(database)
    restored = CliRunner().invoke(app, ["restore", str(tmp_path / "mid-load.tar")], env=env)
    assert restored.exit_code == 0, restored.output
    assert "row counts and checksums verified" in restored.output
