"""Moving households: a move by hand and a batch write the same rows, set-based."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gridgov import clock
from gridgov.audit.models import AuditEntry
from gridgov.errors import Conflict
from gridgov.registry.actions import check_change_unit
from gridgov.registry.models import Household, RegistryEvent, Resident
from gridgov.registry.moves import HouseholdMove, do_move_households
from tests.factories.registry import ACTOR, make_household, make_resident
from tests.factories.territory import make_tree

# Columns that differ between two runs of the same write only by being generated anew.
GENERATED = {"id", "at", "recorded_at", "created_at", "updated_at"}


def _row(row: Any) -> dict[str, Any]:
    return {
        column.key: getattr(row, column.key)
        for column in row.__table__.columns
        if column.key not in GENERATED
    }


def _rows_written(session: Session, household: Household, move: Callable[[], None]) -> dict:
    """Run ``move`` in a savepoint; answer the rows it left, then undo it."""
    known_events = set(session.scalars(select(RegistryEvent.id)))
    known_entries = set(session.scalars(select(AuditEntry.id)))
    savepoint = session.begin_nested()
    try:
        move()
        session.expire_all()
        residents = select(Resident).where(Resident.household_id == household.id)
        events = session.scalars(select(RegistryEvent).where(RegistryEvent.id.not_in(known_events)))
        entries = session.scalars(select(AuditEntry).where(AuditEntry.id.not_in(known_entries)))
        return {
            "household": _row(session.get(Household, household.id)),
            "residents": sorted((_row(r) for r in session.scalars(residents)), key=str),
            "events": sorted((_row(e) for e in events), key=str),
            "audit": sorted((_row(e) for e in entries), key=str),
        }
    finally:
        savepoint.rollback()
        session.expire_all()


def test_a_move_by_hand_writes_what_a_batch_of_one_writes(session) -> None:
    tree = make_tree(session, villages=1)
    first_unit, second_unit = tree.all_units()[:2]
    household = make_household(session, unit=first_unit)
    for _ in range(3):
        make_resident(session, household=household)
    by_hand = _rows_written(
        session,
        household,
        lambda: check_change_unit(session, household, unit_code=second_unit.code, actor=ACTOR),
    )
    batch = _rows_written(
        session,
        household,
        lambda: do_move_households(
            session, [(household.id, second_unit.code)], occurred_on=clock.today(), actor=ACTOR
        ),
    )
    assert by_hand == batch
    assert by_hand["household"]["territory_code"] == second_unit.code
    assert by_hand["household"]["version"] == 2 and by_hand["household"]["updated_by"] == ACTOR
    assert {r["territory_code"] for r in by_hand["residents"]} == {second_unit.code}
    assert [e["kind"] for e in by_hand["events"]] == ["unit_changed"]
    assert by_hand["events"][0]["details"] == {"unit_code": [first_unit.code, second_unit.code]}
    # one audit entry per row written, as the flush listener records an ORM update
    assert sorted((e["object_type"], e["action"]) for e in by_hand["audit"]) == [
        ("households", "update"),
        *[("residents", "update")] * 3,
    ]
    for entry in by_hand["audit"]:
        assert entry["changes"] == {"territory_code": [first_unit.code, second_unit.code]}
        assert (entry["actor"], entry["territory_code"]) == (ACTOR, second_unit.code)


def test_the_audit_entry_of_a_move_is_the_one_an_orm_write_records(session) -> None:
    tree = make_tree(session, villages=1)
    first_unit, second_unit = tree.all_units()[:2]
    household = make_household(session, unit=first_unit)
    session.info["actor"] = ACTOR
    orm = _rows_written(
        session, household, lambda: _set_place_through_the_orm(session, household, second_unit.code)
    )
    moved = _rows_written(
        session,
        household,
        lambda: do_move_households(
            session, [(household.id, second_unit.code)], occurred_on=clock.today(), actor=ACTOR
        ),
    )
    assert moved["audit"] == orm["audit"] and len(orm["audit"]) == 1
    assert moved["household"] == orm["household"]


def _set_place_through_the_orm(session: Session, household: Household, code: str) -> None:
    household.territory_code, household.updated_by = code, ACTOR
    session.flush()


def test_a_batch_moves_each_household_with_its_residents(session) -> None:
    tree = make_tree(session, villages=1)
    units = tree.all_units()
    households = [make_household(session, unit=units[0]) for _ in range(3)]
    members = {h.id: [make_resident(session, household=h) for _ in range(2)] for h in households}
    village = tree.villages[0].code
    moves = [
        HouseholdMove(households[0].id, units[1].code),
        HouseholdMove(households[1].id, village),  # unplaced: back to its village
        HouseholdMove(households[2].id, units[0].code),  # already there: left alone
    ]
    entries = session.scalar(select(func.count()).select_from(AuditEntry))
    moved = do_move_households(
        session, moves, occurred_on=dt.date(2026, 11, 1), details={"plan": "p1"}, actor=ACTOR
    )
    assert moved.households == {households[0].id: units[0].code, households[1].id: units[0].code}
    assert set(moved.residents) == {r.id for h in households[:2] for r in members[h.id]}
    assert [h.territory_code for h in households] == [units[1].code, village, units[0].code]
    assert [h.version for h in households] == [2, 2, 1]
    for household in households:
        assert {r.territory_code for r in members[household.id]} == {household.territory_code}
    events = session.scalars(
        select(RegistryEvent).where(RegistryEvent.kind == "unit_changed")
    ).all()
    assert sorted((e.household_id, e.occurred_on, e.territory_code) for e in events) == sorted(
        [
            (households[0].id, dt.date(2026, 11, 1), units[1].code),
            (households[1].id, dt.date(2026, 11, 1), village),
        ]
    )
    unplaced = next(e for e in events if e.household_id == households[1].id)
    assert unplaced.details == {"unit_code": [units[0].code, None], "plan": "p1"}
    assert session.scalar(select(func.count()).select_from(AuditEntry)) == entries + 2 + 4


def test_a_move_from_a_stale_version_is_a_conflict_and_moves_nothing(session) -> None:
    tree = make_tree(session, villages=1)
    first_unit, second_unit = tree.all_units()[:2]
    household = make_household(session, unit=first_unit)
    stale = HouseholdMove(household.id, second_unit.code, version=household.version + 1)
    with pytest.raises(Conflict) as refused:
        do_move_households(session, [stale], occurred_on=clock.today(), actor=ACTOR)
    assert set(refused.value.fields) == {"version"}
    session.expire_all()
    assert household.territory_code == first_unit.code
