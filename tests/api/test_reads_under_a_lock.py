"""A read never fails on another connection's write lock (issue 10, finding 1).

A GET used to write inside its read transaction (a token's last use, a reveal's audit
entry); on SQLite that write failed at once with "database is locked" while another
connection held the write lock. Real commits, a database of the test's own; on PostgreSQL
the holder is an ordinary open transaction with an insert, and the same reads succeed."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import insert, select

from gridgov.accounts.models import ApiToken
from gridgov.api.app import create_app
from gridgov.audit.models import AuditEntry
from gridgov.database.sessions import session_factory
from gridgov.registry.models import KeyGroup
from gridgov.settings import Settings
from gridgov.storage.engine import WRITE_OPTION
from tests.factories.access import bearer, make_user
from tests.factories.registry import make_household, make_resident
from tests.factories.territory import make_tree

HOLD_SECONDS = 1.0


@pytest.fixture
def served(fresh_database, tmp_path) -> Iterator[tuple[TestClient, dict]]:
    engine = fresh_database.migrate().engine
    maker = session_factory(engine)
    with maker() as setup, setup.begin():
        tree = make_tree(setup, villages=1, grids_per_village=1, units_per_grid=1)
        resident = make_resident(setup, household=make_household(setup, unit=tree.all_units()[0]))
        leader = make_user(setup, role="grid_leader", territory_code=tree.all_grids()[0].code)
        world = {
            "resident": resident,
            "me": bearer(setup, leader),
            "reveal": bearer(setup, leader),
            "village": tree.villages[0].code,
        }
    app = create_app(settings=Settings(data_dir=tmp_path, environment="test"), engine=engine)
    with TestClient(app) as client:
        yield client, world | {"engine": engine, "backend": fresh_database.backend}


def _hold_the_write_lock(engine, backend: str, held: threading.Event) -> None:
    """Another connection: BEGIN IMMEDIATE (SQLite's write lock) and an insert, for a second."""
    with engine.connect() as holder:
        # The engine's begin hook emits BEGIN IMMEDIATE on SQLite for a writer, BEGIN else.
        holder.execution_options(**{WRITE_OPTION: True})
        with holder.begin():
            if backend == "sqlite":
                assert holder.connection.dbapi_connection.in_transaction
            holder.execute(
                insert(KeyGroup).values(code="lock_test", name_zh="锁", name_en="lock test")
            )
            held.set()
            time.sleep(HOLD_SECONDS)


def _while_locked(served_world: dict, request):
    held = threading.Event()
    holder = threading.Thread(
        target=_hold_the_write_lock,
        args=(served_world["engine"], served_world["backend"], held),
    )
    holder.start()
    assert held.wait(10)
    try:
        return request()
    finally:
        holder.join(30)


def test_a_fresh_tokens_first_read_waits_for_the_lock_and_succeeds(served) -> None:
    client, world = served
    response = _while_locked(world, lambda: client.get("/api/v1/users/me", headers=world["me"]))
    assert response.status_code == 200, response.text
    maker = session_factory(world["engine"])
    with maker() as check:
        used = check.scalars(select(ApiToken.last_used_at)).all()
    assert any(at is not None for at in used)  # the last use was written, after the lock


def test_a_reveal_waits_for_the_lock_and_is_audited(served) -> None:
    client, world = served
    resident = world["resident"]
    response = _while_locked(
        world,
        lambda: client.get(
            f"/api/v1/residents/{resident.id}",
            params={"reveal": "id_number", "reason": "checking a subsidy claim"},
            headers=world["reveal"],
        ),
    )
    assert response.status_code == 200, response.text
    assert response.json()["id_number"] == resident.id_number
    with session_factory(world["engine"])() as check:
        reveals = check.scalars(select(AuditEntry).where(AuditEntry.action == "reveal")).all()
    assert [(entry.object_id, entry.changes["fields"]) for entry in reveals] == [
        (resident.id, ["id_number"])
    ]
