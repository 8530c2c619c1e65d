"""Cases moved to other nodes because the territory was redrawn (a division plan applied or
rolled back), many at once.

A case located at a unit that is dissolved, or raised by a household that moved, follows
to its new node: it keeps its level unless the new node is higher than that level (a case
now located at a village is handled there at least), and its handler is the new node's
ancestor at that level. Nothing else of the case changes (state, deadlines, timeline).
Rows are written set-based: one UPDATE per batch at the version read (a case changed
meanwhile is a 409), each row audited as the ORM listener would.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov import clock
from gridgov.audit.recorder import record_bulk
from gridgov.cases.levels import handler_code_for, lowest_level_of, rank
from gridgov.cases.models import Case
from gridgov.errors import Conflict, NotFound
from gridgov.storage.bulk import expire_loaded, table_of, update_rows

CHUNK = 900  # ids per IN list (well under SQLite's bound-parameter limit)
Place = tuple[str, str, str]  # (territory code, level, handler code)
_table = table_of(Case)


def place_at(level: str, code: str) -> Place:
    """Where a case of ``level`` moved to ``code`` stands: no lower than that node."""
    if rank(level) < rank(lowest_level_of(code)):
        level = lowest_level_of(code)
    return code, level, handler_code_for(code, level)


def current_places(session: Session, case_ids: Sequence[str]) -> dict[str, Any]:
    """Case id -> row (id, territory_code, level, handler_code, version), as stored now."""
    found: dict[str, Any] = {}
    ordered = sorted(set(case_ids))
    for start in range(0, len(ordered), CHUNK):
        query = select(
            _table.c.id,
            _table.c.territory_code,
            _table.c.level,
            _table.c.handler_code,
            _table.c.version,
        ).where(_table.c.id.in_(ordered[start : start + CHUNK]))
        found.update({row.id: row for row in session.execute(query)})
    missing = [case_id for case_id in ordered if case_id not in found]
    if missing:
        raise NotFound(f"no case has id {missing[0]}")
    return found


def do_relocate_cases(
    session: Session, targets: Mapping[str, str], *, actor: str
) -> dict[str, list[str]]:
    """Move each case (id -> the code of its new node) as the module says; a case already
    in that place is left alone. Answers the places before of the cases moved, as
    ``[territory code, level, handler code]`` (what :func:`do_restore_case_places` takes)."""
    current = current_places(session, list(targets))
    places = {}
    for case_id, code in targets.items():
        row = current[case_id]
        place = place_at(row.level, code)
        if place != (row.territory_code, row.level, row.handler_code):
            places[case_id] = place
    _write(session, current, places, actor=actor)
    return {
        case_id: [
            current[case_id].territory_code,
            current[case_id].level,
            current[case_id].handler_code,
        ]
        for case_id in places
    }


def do_restore_case_places(
    session: Session, places: Mapping[str, Sequence[str]], *, actor: str
) -> None:
    """Put cases back in the places a relocation answered (a rollback)."""
    current = current_places(session, list(places))
    restored = {case_id: (place[0], place[1], place[2]) for case_id, place in places.items()}
    _write(session, current, restored, actor=actor)


def _write(
    session: Session, current: Mapping[str, Any], places: Mapping[str, Place], *, actor: str
) -> None:
    if not places:
        return
    session.flush()  # pending ORM writes first: the statement below writes rows
    rows = [
        {
            "id": case_id,
            "version": current[case_id].version,
            "territory_code": place[0],
            "level": place[1],
            "handler_code": place[2],
        }
        for case_id, place in places.items()
    ]
    matched = update_rows(
        session.connection(),
        _table,
        rows,
        match=("id", "version"),
        constants={"updated_at": clock.now()},
        bump_version=True,
    )
    if matched not in (-1, len(rows)):
        raise Conflict("a case changed meanwhile", fields={"version": "stale"})
    record_bulk(
        session,
        _table,
        (
            (
                current[case_id]._asdict(),
                {"territory_code": place[0], "level": place[1], "handler_code": place[2]},
            )
            for case_id, place in places.items()
        ),
        actor=actor,
    )
    expire_loaded(session, Case, places)
