"""Fixtures: every database test runs on SQLite and on the real PostgreSQL.

Each test runs inside a transaction that is rolled back at its end (the API and the CLI
are bound to that same connection, their commits only release savepoints). Tests that
need real commits ask for ``fresh_database``: an empty database of their own.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import select
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, text
from sqlalchemy.orm import Session, sessionmaker

from gridgov import clock
from gridgov.cli import common as cli_common
from gridgov.database.migrate import upgrade
from gridgov.database.sessions import session_factory
from gridgov.deployment import install
from gridgov.server import create_app
from gridgov.settings import Settings
from gridgov.storage.engine import create_engine_for

# Fixed test keys, so no test writes a secrets file and every process agrees.
os.environ.setdefault("GRIDGOV_SECRET_KEY", "test-secret-key-" + "x" * 32)
os.environ.setdefault(
    "GRIDGOV_ENCRYPTION_KEYS",
    "test2:MjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjI=,"
    "test1:MTExMTExMTExMTExMTExMTExMTExMTExMTExMTExMTE=",
)

# Every test runs on this clock unless it freezes another: Monday 30 November 2026, 09:00 in
# Asia/Shanghai. Fixtures and factories date their rows from it, so no test depends on the
# day it runs (CI runs the suite a second time under faketime, years ahead).
TEST_NOW = dt.datetime(2026, 11, 30, 1, 0, tzinfo=dt.UTC)

if "libfaketime" in os.environ.get("LD_PRELOAD", ""):
    # Under Debian's libfaketime 0.9.10 with FAKETIME_DONT_FAKE_MONOTONIC=1 (needed, or every
    # timed lock or Event wait hangs), Python's time.sleep fails with EINVAL: libfaketime
    # rejects clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME). select() sleeps the same.
    def _sleep(seconds: float) -> None:
        select.select([], [], [], seconds)

    time.sleep = _sleep

POSTGRES_URL = os.environ.get(
    "GRIDGOV_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REQUIRE_POSTGRES = os.environ.get("GRIDGOV_REQUIRE_POSTGRES") == "1"
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)]


def _postgres_problem() -> str | None:
    try:
        engine = create_engine_for(POSTGRES_URL)
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:
        return f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
    return None


def _require_postgres() -> None:
    problem = _postgres_problem()
    if problem is None:
        return
    message = f"PostgreSQL at {POSTGRES_URL} unreachable ({problem})"
    if REQUIRE_POSTGRES:
        pytest.fail(message + " and GRIDGOV_REQUIRE_POSTGRES=1", pytrace=False)
    pytest.skip(message + ": PostgreSQL tests skipped")


class Database:
    """An empty database on one backend (a file, or a schema), dropped when done."""

    def __init__(self, backend: str, tmp_dir: str) -> None:
        self.backend = backend
        self.schema: str | None = None
        if backend == "sqlite":
            self.url = f"sqlite:///{tmp_dir}/gridgov-{secrets.token_hex(4)}.sqlite3"
            self.engine = create_engine_for(self.url)
        else:
            _require_postgres()
            self.schema = f"gridgov_test_{os.getpid()}_{secrets.token_hex(4)}"
            admin = create_engine_for(POSTGRES_URL)
            with admin.begin() as connection:
                connection.exec_driver_sql(f'CREATE SCHEMA "{self.schema}"')
            admin.dispose()
            # The schema rides in the URL so that the CLI's own engine finds it too.
            self.url = f"{POSTGRES_URL}?options=-csearch_path%3D{self.schema}"
            self.engine = create_engine_for(self.url)

    def migrate(self) -> Database:
        upgrade(self.engine)
        return self

    def drop(self) -> None:
        self.engine.dispose()
        if self.schema:
            admin = create_engine_for(POSTGRES_URL)
            with admin.begin() as connection:
                connection.exec_driver_sql(f'DROP SCHEMA "{self.schema}" CASCADE')
            admin.dispose()


@pytest.fixture(scope="session", autouse=True)
def frozen_clock() -> Iterator[None]:
    with clock.frozen(TEST_NOW):
        yield


def _test_settings() -> Settings:
    # The keys come from the environment set above; timezone and working hours are the defaults.
    return Settings(environment="test")


@pytest.fixture(scope="session", autouse=True)
def deployment() -> None:
    """The process's timezone, key ring and working hours, as an adapter installs them
    (before the session's databases are migrated: a migration may encrypt)."""
    install(_test_settings())


@pytest.fixture(autouse=True)
def _restore_deployment() -> Iterator[None]:
    """A test whose app, CLI command or worker installed other settings leaves the process
    as it found it."""
    yield
    cli_common.state.settings = None
    install(_test_settings())


@pytest.fixture(scope="session", params=BACKENDS)
def database(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    db = Database(request.param, str(tmp_path_factory.mktemp("db"))).migrate()
    yield db
    db.drop()


@pytest.fixture(scope="session")
def engine(database: Database) -> Engine:
    return database.engine


@pytest.fixture
def backend(database: Database) -> str:
    return database.backend


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    with engine.connect() as conn:
        outer = conn.begin()
        yield conn
        outer.rollback()


@pytest.fixture
def session_maker(connection: Connection) -> sessionmaker[Session]:
    return session_factory(connection, join_transaction_mode="create_savepoint")


@pytest.fixture
def session(session_maker: sessionmaker[Session]) -> Iterator[Session]:
    with session_maker() as s:
        yield s


@pytest.fixture
def client(session_maker: sessionmaker[Session], tmp_path) -> Iterator[TestClient]:
    settings = Settings(data_dir=tmp_path, environment="test")
    app = create_app(settings=settings, session_maker=session_maker)
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def cli_bound(session_maker: sessionmaker[Session]) -> Iterator[None]:
    """Run CLI commands inside the test's rolled-back transaction."""
    cli_common.state.session_maker = session_maker
    yield
    cli_common.state.session_maker = None


@pytest.fixture(params=BACKENDS)
def fresh_database(request: pytest.FixtureRequest, tmp_path) -> Iterator[Database]:
    """An empty, un-migrated database of this test's own, for real commits."""
    db = Database(request.param, str(tmp_path))
    yield db
    db.drop()


@pytest.fixture
def as_administrator(client: TestClient, session: Session) -> TestClient:
    """The ``client``, carrying the token of an administrator of the whole platform."""
    from tests.factories.access import bearer, make_user

    admin = make_user(session, role="administrator", username="test.admin")
    client.headers.update(bearer(session, admin))
    return client
