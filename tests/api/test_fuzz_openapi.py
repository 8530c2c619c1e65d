"""Schemathesis over every operation of the served OpenAPI, in-process, on both databases.

Every operation of ``/openapi.json`` (the platform API under /api/v1 and Open311 under
/open311/v2) gets generated requests (schemathesis' example, coverage and fuzzing phases,
valid and invalid data) and each answer must be no 5xx (``not_a_server_error``), carry a
status code the schema documents for the operation (``status_code_conformance``), in a
documented media type (``content_type_conformance``) and match the documented schema
(``response_schema_conformance``).

The requests come from real callers with real ids (``fuzz_world``): each generated case is
sent as one of the administrator, the grid leader of the first grid, a unit leader of the
other village or nobody, and most path and query parameters that name an object are
replaced by one of the world's real ids (in and out of the leaders' scopes), so the fuzz
reaches the 200s, the 403s and the 404s and not only a 404 at once. Which caller and which
ids is a function of the generated case, so a failure replays exactly.

Each request runs in a savepoint that is rolled back after it: nothing one example writes
is seen by the next, and the world's transaction is rolled back when the fuzz is done. The
clock is the suite's frozen one.

Examples: deterministic (``derandomize``) and bounded so the step stays within a few
minutes on both databases; ``GRIDGOV_FUZZ_EXAMPLES=N`` runs a bigger campaign locally (N
fuzzing examples per operation on each database).
"""

from __future__ import annotations

import json
import os
import tempfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import Connection
from sqlalchemy.orm import sessionmaker

from gridgov.api.app import create_app
from gridgov.database.sessions import session_factory
from gridgov.settings import Settings
from tests.api.fuzz_world import FuzzWorld, build_world
from tests.conftest import Database

# Fuzzing-phase examples per operation and database (the example and coverage phases add
# their own, bounded by the schema). PostgreSQL gets as many as SQLite: it is where the
# NUL-byte and bigint bugs were.
EXAMPLES = int(os.environ.get("GRIDGOV_FUZZ_EXAMPLES", "10"))
# GRIDGOV_FUZZ_TALLY=FILE: record every example (operation, database, status, failures) as
# a JSON line in FILE and go on past failures, for the closing note's figures.
TALLY = os.environ.get("GRIDGOV_FUZZ_TALLY")
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# Weighted: the administrator reaches the most 2xx; a few anonymous cases are enough.
ROLES = ("administrator",) * 3 + ("grid_leader",) * 2 + ("unit_leader",) * 2 + ("anonymous",)
# How often (out of 8) a parameter naming an object gets a real id instead of a generated
# value: mostly, so the answers go past the 404.
REAL_ID_SHARE = 6


class Fuzzing:
    """The world, its app and the connection each example's savepoint lives on."""

    def __init__(self, backend: str, connection: Connection, world: FuzzWorld, app: Any) -> None:
        self.backend = backend
        self.connection = connection
        self.world = world
        self.app = app


@pytest.fixture(scope="module")
def fuzzing(database: Database, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fuzzing]:
    data_dir: Path = tmp_path_factory.mktemp("fuzz")
    with database.engine.connect() as connection:
        outer = connection.begin()
        maker = session_factory(connection, join_transaction_mode="create_savepoint")
        with maker() as session:
            world = build_world(session, data_dir=data_dir)
            session.commit()
        app = create_app(
            settings=Settings(data_dir=data_dir, environment="test"), session_maker=maker
        )
        yield Fuzzing(database.backend, connection, world, app)
        outer.rollback()


def _served_schema() -> Any:
    """The OpenAPI the app serves (its routes do not depend on the database; the requests
    go to each database's own app, ``Fuzzing.app``)."""
    settings_ = Settings(
        data_dir=Path(tempfile.mkdtemp(prefix="gridgov-fuzz-")), environment="test"
    )
    app = create_app(settings=settings_, session_maker=sessionmaker())
    config = SchemathesisConfig.from_dict(
        {
            "seed": 20261130,
            "generation": {"max-examples": EXAMPLES, "deterministic": True},
        }
    )
    return schemathesis.openapi.from_asgi("/openapi.json", app, config=config)


schema = _served_schema()


def _pick(case: Any, salt: str, choices: int) -> int:
    """A choice that is a function of the generated case (so a failure replays)."""
    parts = (case.operation.label, case.path_parameters, case.query, case.headers, case.body)
    seed = repr((*parts, case.media_type, salt))
    return zlib.crc32(seed.encode()) % choices


def _real_value(world: FuzzWorld, path: str, name: str) -> list[Any]:
    if name == "code" and path.startswith("/api/v1/case-categories"):
        return world.ids["category_code"]
    if name == "fmt":
        return ["json", "xml"]
    return world.ids.get(name, [])


def _aim(case: Any, world: FuzzWorld) -> None:
    """Point the case's parameters and body fields that name objects at real ones (keeping
    the generated value's type: a form field or a query parameter stays text)."""
    path = case.operation.path
    body = case.body if isinstance(case.body, dict) and "file" not in case.body else None
    for container in (case.path_parameters, case.query, body):
        for name in list(container or ()):
            values = _real_value(world, path, name)
            if values and _pick(case, name, 8) < REAL_ID_SHARE:
                value = values[_pick(case, name + "#", len(values))]
                container[name] = str(value) if isinstance(container[name], str) else value


def _callers(case: Any) -> list[str]:
    """Who sends the case: one caller picked by the case (the administrator most often), or
    every caller when the operation takes nothing a case could vary."""
    if not (case.path_parameters or case.query or case.body or case.operation.body):
        return list(ROLES)
    return [ROLES[_pick(case, "caller", len(ROLES))]]


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_fuzz_openapi(case: Any, fuzzing: Fuzzing) -> None:
    _aim(case, fuzzing.world)
    for role in _callers(case):
        headers = fuzzing.world.callers[role]
        example = fuzzing.connection.begin_nested()
        try:
            response = case.call(headers=headers, app=fuzzing.app)
        finally:
            example.rollback()
        failures: list[str] = []
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except FailureGroup as group:
            failures = [f"{type(exc).__name__}: {exc.title}" for exc in group.exceptions]
            if TALLY is None:
                raise
        finally:
            if TALLY is not None:
                _tally(case, fuzzing.backend, role, response, failures)


def _tally(case: Any, backend: str, role: str, response: Any, failures: list[str]) -> None:
    line = {
        "operation": case.operation.label,
        "database": backend,
        "status": response.status_code,
        "phase": str(case.meta.phase.name) if case.meta else "",
        "mode": str(case.meta.generation.mode) if case.meta else "",
        "role": role,
        "answer": response.text[:300] if failures or response.status_code >= 300 else "",
        "request": case.as_curl_command() if response.status_code == 400 else "",
    }
    with Path(TALLY or "").open("a", encoding="utf-8") as out:
        out.write(json.dumps({**line, "failures": failures}) + "\n")
