"""Which cases an applied plan moves, and where: the cases of the households it moves
follow them; a case located on a node it dissolves goes to the new unit under the case's
point, else to its village. The writing is the cases package's relocation."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import shapely
from shapely.geometry import Point, shape
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from gridgov.cases.models import Case
from gridgov.cases.relocation import do_relocate_cases

CHUNK = 900  # ids per IN list (well under SQLite's bound-parameter limit)


def _chunks(values: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


def _cases(session: Session, moves: Mapping[str, str], retired: set[str]) -> dict[str, Any]:
    """Cases of the moved households, and cases located or handled on a retired node."""
    table = Case.__table__
    columns = (
        table.c.id,
        table.c.household_id,
        table.c.territory_code,
        table.c.handler_code,
        table.c.lon,
        table.c.lat,
    )
    found: dict[str, Any] = {}
    for chunk in _chunks(sorted(moves)):
        query = select(*columns).where(table.c.household_id.in_(chunk))
        found.update({row.id: row for row in session.execute(query)})
    for chunk in _chunks(sorted(retired)):
        query = select(*columns).where(
            or_(table.c.territory_code.in_(chunk), table.c.handler_code.in_(chunk))
        )
        found.update({row.id: row for row in session.execute(query)})
    return found


class _UnitLocator:
    """The plan's unit under a point (the first by code when polygons touch), built on
    first use: most plans move no case located by its point alone."""

    def __init__(self, units: list[dict[str, Any]]) -> None:
        self._units = [unit for unit in units if unit["boundary"]]
        self._tree: shapely.STRtree | None = None

    def unit_at(self, point: Point, village_code: str) -> str | None:
        if self._tree is None:
            self._tree = shapely.STRtree([shape(unit["boundary"]) for unit in self._units])
        hits = self._tree.query(point, predicate="covered_by")
        codes = sorted(self._units[int(i)]["code"] for i in hits)
        return next((code for code in codes if code.startswith(village_code)), None)


def move_cases(
    session: Session,
    moves: Mapping[str, str],
    retired: set[str],
    units: list[dict[str, Any]],
    *,
    actor: str,
) -> dict[str, list[str]]:
    """Move the cases an applied plan moves (``moves``: household id -> new code; the
    nodes it retires; its units). Answers the places before of the cases moved."""
    locator = _UnitLocator(units)
    targets = {}
    for case in _cases(session, moves, retired).values():
        if case.household_id in moves:
            targets[case.id] = moves[case.household_id]
        elif case.territory_code in retired or case.handler_code in retired:
            village_code = case.territory_code[:12]
            unit = None
            if case.lon is not None and case.lat is not None:
                unit = locator.unit_at(Point(case.lon, case.lat), village_code)
            targets[case.id] = unit or village_code
    return do_relocate_cases(session, targets, actor=actor)
