"""The recorder's bulk entry point (record_bulk) writes the entries its ORM listener writes
for the same changes: created, updated (instants, masked personal values) and deleted rows."""

from __future__ import annotations

import datetime as dt
import gc
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gridgov import clock
from gridgov.audit.models import AuditEntry
from gridgov.audit.recorder import record_bulk
from gridgov.cases.models import Case
from gridgov.database.sessions import session_factory
from gridgov.registry.models import Resident
from gridgov.territory.models import Territory
from tests.cases.case_world import MONDAY_9AM, make_world, report
from tests.factories.registry import make_household, make_resident
from tests.factories.territory import make_tree


def _entries(session: Session, object_id: str, action: str) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(AuditEntry)
        .where(AuditEntry.object_id == object_id, AuditEntry.action == action)
        .order_by(AuditEntry.at, AuditEntry.actor)
    )
    return [
        {c.key: getattr(row, c.key) for c in AuditEntry.__table__.columns if c.key != "id"}
        for row in rows
    ]


def _row(obj: Any) -> dict[str, Any]:
    return {c.key: getattr(obj, c.key) for c in obj.__table__.columns}


def test_a_bulk_create_and_delete_are_the_listeners_entries(session: Session) -> None:
    session.info["actor"] = "test:clerk"
    tree = make_tree(session, villages=1, grids_per_village=1, units_per_grid=2)
    resident = make_resident(session, household=make_household(session, unit=tree.all_units()[0]))
    (by_listener,) = _entries(session, resident.id, "create")
    with clock.frozen(by_listener["at"]):
        assert record_bulk(session, Resident.__table__, [(None, _row(resident))]) == 1
    assert _entries(session, resident.id, "create") == [by_listener, by_listener]
    assert resident.id_number not in repr(by_listener["changes"])  # masked, both ways
    unit = tree.all_units()[1]
    row = _row(unit)
    with clock.frozen(MONDAY_9AM):
        record_bulk(session, Territory.__table__, [(row, None)], actor="test:other")
        session.delete(unit)
        session.flush()
    by_listener, by_bulk = _entries(session, unit.id, "delete")  # test:clerk, test:other
    assert by_bulk == {**by_listener, "actor": "test:other"}
    assert (by_listener["actor"], by_listener["territory_code"]) == ("test:clerk", unit.code)


def test_a_bulk_update_is_the_listeners_entry(session: Session) -> None:
    session.info["actor"] = "test:clerk"
    with clock.frozen(MONDAY_9AM):
        case = report(session, make_world(session))
    before = _row(case)
    later = MONDAY_9AM + dt.timedelta(hours=2)
    with clock.frozen(later):
        case.state, case.due_at, case.warn_at = "accepted", later, None
        case.overdue_ever = case.overdue_ever  # set to an equal value: no change
        session.flush()
        after = {"state": "accepted", "due_at": later, "warn_at": None, "overdue_ever": False}
        written = record_bulk(session, Case.__table__, [(before, after), (before, before)])
    assert written == 1  # the second changes nothing: no entry
    by_listener, by_bulk = _entries(session, case.id, "update")
    assert by_bulk == by_listener
    assert by_bulk["changes"] == {
        "state": ["reported", "accepted"],
        "due_at": [before["due_at"].isoformat(), later.isoformat()],
        "warn_at": [before["warn_at"].isoformat(), None],
    }


def test_every_new_sessionmaker_is_audited_even_when_an_old_ones_id_is_reused(
    connection,
) -> None:
    """SQLAlchemy's event registry knows a target by id(): before the fix, a sessionmaker
    built after another was freed often reused its id, was taken for audited, and wrote no
    audit entry (tests/database/test_sessions.py failed now and then)."""
    # gc.collect() on a whole suite's heap takes seconds: freeze what exists, so each
    # collection below walks only what the loop made. (Before the fix about half of the
    # makers went unaudited: 29/60 and 34/60 seen.)
    gc.freeze()
    try:
        unaudited = _unaudited_makers(connection, attempts=40)
    finally:
        gc.unfreeze()
    assert unaudited == 0


def _unaudited_makers(connection, *, attempts: int) -> int:
    unaudited = 0
    for attempt in range(attempts):
        maker = session_factory(connection, join_transaction_mode="create_savepoint")
        with maker() as session:
            code = f"3503{attempt:02d}"
            session.add(Territory(code=code, level="district", name_zh="区", name_en="D"))
            session.flush()
            entries = session.scalar(
                select(func.count())
                .select_from(AuditEntry)
                .where(AuditEntry.object_type == "territories", AuditEntry.territory_code == code)
            )
            unaudited += entries != 1
            session.rollback()
        del maker, session
        gc.collect()  # free the sessionmaker's class now, so the next may take its id
    return unaudited
