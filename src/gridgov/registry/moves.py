"""Moving households to other places, with their residents: the one registry write for it.

A move by hand (:func:`gridgov.registry.actions.check_change_unit`) is a batch of one;
applying or rolling back a division plan moves thousands at once. Either way each
household and its residents take the new ``territory_code`` (residents mirror their
household's place, so that scoping them is one prefix filter), each row's version moves
by one, one ``unit_changed`` RegistryEvent is written per household, and the audit log
gets the entries its flush listener would write for the same changes made row by row.
All of it is written set-based (executemany), in the caller's transaction.

Checks (the unit exists, is active, is under the household's village) belong to the
caller: a hand move checks its fields, a plan creates its units first.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov import clock
from gridgov.audit.recorder import RowChange, record_bulk
from gridgov.errors import Conflict, NotFound
from gridgov.i18n import Message
from gridgov.ids import new_id
from gridgov.registry.events import LifeEvent, publish, publish_households_changed
from gridgov.registry.models import Household, RegistryEvent, Resident
from gridgov.storage.bulk import expire_loaded, insert_rows, table_of, update_rows

CHUNK = 900  # ids per IN list (well under SQLite's bound-parameter limit)


class HouseholdMove(NamedTuple):
    """One household to ``territory_code``: one of its village's units, or the village
    itself (unplaced). ``version``, when given, is the version the mover read: a household
    changed since is a 409."""

    household_id: str
    territory_code: str
    version: int | None = None


@dataclass
class HouseholdsMoved:
    """Where the moved rows were before: household id -> code, resident id -> code."""

    households: dict[str, str] = field(default_factory=dict)
    residents: dict[str, str] = field(default_factory=dict)


def unit_of(code: str) -> str | None:
    """The unit a place code names, or None for a village (an unplaced household)."""
    return code if len(code) == 17 else None


def do_move_households(
    session: Session,
    moves: Iterable[HouseholdMove | tuple[str, str]],
    *,
    occurred_on: dt.date,
    details: Mapping[str, Any] | None = None,
    actor: str,
) -> HouseholdsMoved:
    """Move each household, and its residents, to its new place; record ``unit_changed``
    (dated ``occurred_on``, with ``details`` added to each event's) and audit every row.

    A household already at its new place is left alone. Answers the places before.
    """
    wanted = {move[0]: HouseholdMove(*move) for move in moves}
    session.flush()  # pending ORM writes first: the statements below read and write rows
    households = _current_households(session, sorted(wanted))
    moving = {
        household_id: move
        for household_id, move in wanted.items()
        if move.territory_code != households[household_id][0]
    }
    moved = HouseholdsMoved(households={h: households[h][0] for h in moving})
    if not moving:
        return moved
    residents = _current_residents(session, sorted(moving))
    moved.residents = {resident_id: code for resident_id, (_, code, _) in residents.items()}
    now = clock.now()
    _update_households(session, moving, households, now=now, actor=actor)
    _update_residents(session, moving, residents, now=now, actor=actor)
    _record_events(session, moving, moved.households, occurred_on, details, now, actor)
    _audit(session, moving, moved, residents, actor=actor)
    _expire_loaded(session, moving, residents)
    publish_households_changed(session, moving)
    return moved


def _chunks(values: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


def _current_households(session: Session, ids: Sequence[str]) -> dict[str, tuple[str, int]]:
    """Household id -> (territory code, version), as the database holds them now."""
    found: dict[str, tuple[str, int]] = {}
    for chunk in _chunks(ids):
        query = select(Household.id, Household.territory_code, Household.version).where(
            Household.id.in_(chunk)
        )
        found.update({row.id: (row.territory_code, row.version) for row in session.execute(query)})
    missing = [household_id for household_id in ids if household_id not in found]
    if missing:
        raise NotFound(Message("no household has id %(missing)s", missing=missing[0]))
    return found


def _current_residents(
    session: Session, household_ids: Sequence[str]
) -> dict[str, tuple[str, str, int]]:
    """Resident id -> (household id, territory code, version) of the moving households."""
    found: dict[str, tuple[str, str, int]] = {}
    for chunk in _chunks(household_ids):
        query = select(
            Resident.id, Resident.household_id, Resident.territory_code, Resident.version
        ).where(Resident.household_id.in_(chunk))
        found.update(
            {
                row.id: (row.household_id, row.territory_code, row.version)
                for row in session.execute(query)
            }
        )
    return found


def _update(
    session: Session, model: Any, rows: list[dict[str, Any]], *, now: dt.datetime, actor: str
) -> None:
    """``territory_code`` of each row (by id, at the version read), bumping its version, in
    one statement; a row changed meanwhile is a 409, as the ORM's version check."""
    matched = update_rows(
        session.connection(),
        table_of(model),
        rows,
        match=("id", "version"),
        constants={"updated_by": actor, "updated_at": now},
        bump_version=True,
    )
    if matched not in (-1, len(rows)):
        raise Conflict(
            Message("changed by someone else meanwhile"), fields={"version": Message("stale")}
        )


def _update_households(
    session: Session,
    moving: Mapping[str, HouseholdMove],
    current: Mapping[str, tuple[str, int]],
    *,
    now: dt.datetime,
    actor: str,
) -> None:
    rows = []
    for household_id, move in moving.items():
        version = current[household_id][1]
        if move.version is not None and move.version != version:
            raise Conflict(
                Message(
                    "household %(household_id)s changed since version %(version)s "
                    "(now %(version2)s)",
                    household_id=household_id,
                    version=move.version,
                    version2=version,
                ),
                fields={"version": Message("stale: read it again and retry")},
            )
        rows.append({"id": household_id, "version": version, "territory_code": move.territory_code})
    _update(session, Household, rows, now=now, actor=actor)


def _update_residents(
    session: Session,
    moving: Mapping[str, HouseholdMove],
    residents: Mapping[str, tuple[str, str, int]],
    *,
    now: dt.datetime,
    actor: str,
) -> None:
    rows = [
        {
            "id": resident_id,
            "version": version,
            "territory_code": moving[household_id].territory_code,
        }
        for resident_id, (household_id, _, version) in residents.items()
    ]
    if rows:
        _update(session, Resident, rows, now=now, actor=actor)


def _record_events(
    session: Session,
    moving: Mapping[str, HouseholdMove],
    before: Mapping[str, str],
    occurred_on: dt.date,
    details: Mapping[str, Any] | None,
    now: dt.datetime,
    actor: str,
) -> None:
    """One ``unit_changed`` event per household, with its units before and after; the
    packages above hear of each move first (registry.events), as for any life event."""
    events = []
    for household_id, move in moving.items():
        heard = LifeEvent(
            "unit_changed", occurred_on, household_id, None, move.territory_code, actor
        )
        events.append(
            {
                "id": new_id(),
                "kind": "unit_changed",
                "occurred_on": occurred_on,
                "household_id": household_id,
                "resident_id": None,
                "territory_code": move.territory_code,
                "details": {
                    "unit_code": [unit_of(before[household_id]), unit_of(move.territory_code)],
                    **(details or {}),
                    **publish(session, heard),
                },
                "actor": actor,
                "recorded_at": now,
            }
        )
    insert_rows(session.connection(), table_of(RegistryEvent), events)


def _audit(
    session: Session,
    moving: Mapping[str, HouseholdMove],
    moved: HouseholdsMoved,
    residents: Mapping[str, tuple[str, str, int]],
    *,
    actor: str,
) -> None:
    def change(row_id: str, before: str, after: str) -> RowChange:
        return {"id": row_id, "territory_code": before}, {"territory_code": after}

    record_bulk(
        session,
        Household.__table__,
        (
            change(household_id, moved.households[household_id], move.territory_code)
            for household_id, move in moving.items()
        ),
        actor=actor,
    )
    record_bulk(
        session,
        Resident.__table__,
        (
            change(resident_id, before, moving[household_id].territory_code)
            for resident_id, (household_id, before, _) in residents.items()
        ),
        actor=actor,
    )


def _expire_loaded(session: Session, moving: Iterable[str], residents: Iterable[str]) -> None:
    """Rows this session had loaded read their new place and version on next access."""
    expire_loaded(session, Household, moving)
    expire_loaded(session, Resident, residents)
