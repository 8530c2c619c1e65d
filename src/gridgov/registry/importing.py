"""Bulk import of households and residents from spreadsheets (CSV/XLSX), all or nothing.

The whole file is checked first: each row's fields in plain Python, then every reference
(villages, units, households, ID numbers already registered) against the database in a
few set-based queries. Any bad row means nothing is written, and :class:`ImportRejected`
lists every bad row with its line, field and reason. A good file is inserted with
chunked bulk INSERTs in the caller's transaction (flushed, never committed).

Bulk import writes no RegistryEvent per row: a file of 40,000 residents is one act of
registration, and its rows carry ``updated_by`` and ``created_at`` of the import.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov import clock
from gridgov.access.policy import allows
from gridgov.access.principal import Principal
from gridgov.audit.actions import do_record
from gridgov.errors import ValidationFailed
from gridgov.ids import new_id
from gridgov.registry import import_rules as rules
from gridgov.registry.bulk_insert import Progress, bulk_insert
from gridgov.registry.columns import with_column_codes
from gridgov.registry.events import publish_households_changed
from gridgov.registry.models import Household, KeyGroup, Resident, ResidentKeyGroup, personal_hash
from gridgov.registry.spreadsheets import EXTRA_CELLS, TableRows, read_table, read_table_bytes
from gridgov.territory.codes import common_ancestor
from gridgov.territory.models import Territory

# A row outside the importer's territory: the same words whether its node exists or not.
OUTSIDE = "outside your territory"

__all__ = [
    "HOUSEHOLD_COLUMNS",
    "RESIDENT_COLUMNS",
    "ImportRejected",
    "ImportReport",
    "RowError",
    "import_households",
    "import_residents",
    "read_table",
    "read_table_bytes",
]

HOUSEHOLD_COLUMNS = ("village_code", "household_no", "address", "unit_code", "lon", "lat")
HOUSEHOLD_REQUIRED = frozenset({"village_code", "household_no", "address"})
RESIDENT_COLUMNS = (
    "village_code",
    "household_no",
    "name",
    "sex",
    "birth_date",
    "id_number",
    "phone",
    "relation_to_head",
    "residence_status",
    "key_groups",
)
RESIDENT_REQUIRED = frozenset(
    {"village_code", "household_no", "name", "sex", "birth_date", "relation_to_head"}
)
QUERY_CHUNK = 900  # values per IN (...) lookup
# progress() is told how many row-steps were just done: each row is checked, then inserted.
PROGRESS_STEPS_PER_ROW = 2


@dataclass(frozen=True)
class RowError:
    line: int  # as the user sees the file: the header is line 1
    field: str
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}, {self.field}: {self.reason}"


class ImportRejected(ValidationFailed):
    """At least one row is bad, so nothing was imported; ``errors`` lists every bad row."""

    def __init__(self, errors: list[RowError]) -> None:
        self.errors = sorted(errors, key=lambda error: error.line)
        bad_lines = len({error.line for error in self.errors})
        summary = f"{bad_lines} bad row(s); nothing was imported"
        first = f": {self.errors[0]}" if self.errors else ""
        more = f" (and {len(self.errors) - 1} more)" if len(self.errors) > 1 else ""
        super().__init__(summary + first + more, fields={"file": summary})

    def extra_body(self) -> dict[str, object]:
        return {
            "rows": [{"line": e.line, "field": e.field, "reason": e.reason} for e in self.errors]
        }


@dataclass
class ImportReport:
    kind: str  # "households" | "residents"
    rows: int


class _Problems(list[RowError]):
    def add(self, line: int, field: str, reason: str) -> None:
        self.append(RowError(line, field, reason))


# --- columns -------------------------------------------------------------------------


def _unknown_columns(columns: Iterable[str], known: Sequence[str], line: int) -> list[RowError]:
    return [
        RowError(line, column, f"unknown column; the columns are {', '.join(known)}")
        for column in columns
        if column not in known and column not in (EXTRA_CELLS, "")
    ]


class _ColumnCheck:
    """A file's header is checked once: unknown and missing columns, both on line 1.

    Rows made by code rather than read from a file are checked for unknown keys (once
    per distinct key set); a key they leave out is that row's problem ("required").
    """

    def __init__(self, rows: object, known: Sequence[str], required: frozenset[str]) -> None:
        self.known = known
        self.from_file = isinstance(rows, TableRows)
        self.missing: set[str] = set()
        self.errors: list[RowError] = []
        self._seen: set[frozenset[str]] = set()
        if isinstance(rows, TableRows):
            self.errors = _unknown_columns(rows.columns, known, 1)
            self.missing = {name for name in required if name not in rows.columns}
            self.errors += [
                RowError(1, name, "missing column") for name in known if name in self.missing
            ]

    def row(self, line: int, row: Mapping[str, Any]) -> None:
        if self.from_file:
            return
        keys = frozenset(row)
        if keys not in self._seen:
            self._seen.add(keys)
            self.errors += _unknown_columns(sorted(keys), self.known, line)


def _checked_rows(
    rows: Iterable[tuple[int, Mapping[str, str | None]]],
    columns: _ColumnCheck,
    problems: _Problems,
    progress: Progress | None,
) -> Iterator[tuple[int, rules.RowReader]]:
    """Each row with a reader that records its problems; extra cells are a problem too."""
    done = 0
    for line, row in rows:
        columns.row(line, row)
        if EXTRA_CELLS in row:
            problems.add(line, "row", "this row has more cells than the header has columns")
        yield line, rules.RowReader(line, row, problems, columns.missing)
        done += 1
        if progress is not None and done % 1000 == 0:
            progress(1000)
    if progress is not None and done % 1000:
        progress(done % 1000)


def _reject_if_any(problems: _Problems, columns: _ColumnCheck) -> None:
    errors = columns.errors + list(problems)
    if errors:
        raise ImportRejected(errors)


# --- set-based lookups -----------------------------------------------------------------


def _chunks(values: Sequence[Any], size: int = QUERY_CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _territories(session: Session, codes: set[str]) -> dict[str, tuple[str, str]]:
    """code -> (level, status) for the given codes that exist."""
    found: dict[str, tuple[str, str]] = {}
    for chunk in _chunks(sorted(codes)):
        query = select(Territory.code, Territory.level, Territory.status).where(
            Territory.code.in_(chunk)
        )
        found.update({code: (level, status) for code, level, status in session.execute(query)})
    return found


def _village_problem(code: str, territories: Mapping[str, tuple[str, str]]) -> str | None:
    level, status = territories.get(code, (None, None))
    if level is None:
        return f"no territory has code {code}"
    if level != "village":
        return f"{code} is a {level}, not a village"
    if status != "active":
        return f"village {code} is retired"
    return None


def _unit_problem(
    code: str, village_code: str, territories: Mapping[str, tuple[str, str]]
) -> str | None:
    level, status = territories.get(code, (None, None))
    if level is None:
        return f"no territory has code {code}"
    if level != "unit":
        return f"{code} is a {level}, not a unit"
    if not code.startswith(village_code):
        return f"unit {code} is not in village {village_code}"
    if status != "active":
        return f"unit {code} is retired"
    return None


# --- households ------------------------------------------------------------------------


def import_households(
    session: Session,
    rows: Iterable[tuple[int, Mapping[str, str | None]]],
    *,
    actor: str,
    progress: Progress | None = None,
    principal: Principal | None = None,
) -> ImportReport:
    """Check every row, then insert them all; or raise ImportRejected and insert none.
    Given a ``principal``, a row outside the territory they may import into is a bad row.

    ``rows`` are ``(line, {column: text})``, as :func:`read_table` gives them. ``progress``
    is told how many row-steps were just done (PROGRESS_STEPS_PER_ROW per row).
    """
    problems = _Problems()
    if isinstance(rows, TableRows):
        rows = with_column_codes(rows)
    columns = _ColumnCheck(rows, HOUSEHOLD_COLUMNS, HOUSEHOLD_REQUIRED)
    parsed = [
        rules.household_fields(reader)
        for _, reader in _checked_rows(rows, columns, problems, progress)
    ]
    if principal is not None:
        parsed = _households_in_reach(parsed, principal, problems)
    _check_household_references(session, parsed, problems)
    _reject_if_any(problems, columns)
    now = clock.now()
    records = (
        {
            "id": new_id(),
            "village_code": row.village_code,
            "territory_code": row.unit_code or row.village_code,
            "household_no": row.household_no,
            "address": row.address,
            "lon": row.lon,
            "lat": row.lat,
            "status": "active",
            "created_at": now,
            "updated_at": now,
            "updated_by": actor,
            "version": 1,
        }
        for row in parsed
    )
    bulk_insert(session, Household.__table__, records, progress)
    # Rows reaching here passed the checks: each has its (required) village code.
    _audit_import(session, "households", [r.village_code for r in parsed if r.village_code], actor)
    return ImportReport(kind="households", rows=len(parsed))


def _audit_import(session: Session, kind: str, village_codes: list[str], actor: str) -> None:
    """One audit entry per import (not one per row), on the smallest node covering it."""
    do_record(
        session,
        action="import",
        object_type=kind,
        territory_code=common_ancestor(village_codes),
        changes={"rows": len(village_codes), "villages": sorted(set(village_codes))[:50]},
        actor=actor,
    )


def _households_in_reach(
    parsed: list[rules.HouseholdFields], principal: Principal, problems: _Problems
) -> list[rules.HouseholdFields]:
    """Rows the principal may import; the others become row errors and are not looked up
    (so nothing is learnt of villages and household numbers outside)."""
    kept = []
    for row in parsed:
        target, field = (
            (row.unit_code, "unit_code") if row.unit_code else (row.village_code, "village_code")
        )
        if target and not allows(principal, "create", "import_export", target):
            problems.add(row.line, field, OUTSIDE)
        else:
            kept.append(row)
    return kept


def _check_household_references(
    session: Session, parsed: list[rules.HouseholdFields], problems: _Problems
) -> None:
    villages = {row.village_code for row in parsed if row.village_code}
    units = {row.unit_code for row in parsed if row.unit_code}
    territories = _territories(session, villages | units)
    existing = _existing_household_nos(session, villages)
    first_line: dict[tuple[str, str], int] = {}
    for row in parsed:
        if row.village_code:
            village_problem = _village_problem(row.village_code, territories)
            if village_problem:
                problems.add(row.line, "village_code", village_problem)
            elif row.unit_code:
                unit_problem = _unit_problem(row.unit_code, row.village_code, territories)
                if unit_problem:
                    problems.add(row.line, "unit_code", unit_problem)
        if row.village_code and row.household_no:
            key = (row.village_code, row.household_no)
            if key in existing:
                problems.add(row.line, "household_no", "this village already has this household")
            elif key in first_line:
                problems.add(row.line, "household_no", f"also on line {first_line[key]}")
            else:
                first_line[key] = row.line


def _existing_household_nos(session: Session, villages: set[str]) -> set[tuple[str, str]]:
    existing: set[tuple[str, str]] = set()
    for chunk in _chunks(sorted(villages)):
        query = select(Household.village_code, Household.household_no).where(
            Household.village_code.in_(chunk)
        )
        existing.update((village, number) for village, number in session.execute(query))
    return existing


# --- residents -------------------------------------------------------------------------


def import_residents(
    session: Session,
    rows: Iterable[tuple[int, Mapping[str, str | None]]],
    *,
    actor: str,
    progress: Progress | None = None,
    principal: Principal | None = None,
) -> ImportReport:
    """Check every row, then insert them all (with their key groups), or raise
    ImportRejected and insert none. Each row names an existing household by
    ``village_code`` + ``household_no``; the resident hangs where the household does.
    Given a ``principal``, a row outside the territory they may import into is a bad row.
    """
    problems = _Problems()
    if isinstance(rows, TableRows):
        rows = with_column_codes(rows)
    columns = _ColumnCheck(rows, RESIDENT_COLUMNS, RESIDENT_REQUIRED)
    key_groups = set(session.scalars(select(KeyGroup.code).where(KeyGroup.active.is_(True))))
    today = clock.today()
    parsed = [
        rules.resident_fields(reader, key_groups=key_groups, today=today)
        for _, reader in _checked_rows(rows, columns, problems, progress)
    ]
    if principal is not None:
        parsed = _residents_in_reach(parsed, principal, problems)
    households = _check_resident_references(session, parsed, problems)
    if principal is not None:
        _households_outside(parsed, households, principal, problems)
    _reject_if_any(problems, columns)
    _insert_residents(session, parsed, households, actor=actor, progress=progress)
    # Rows reaching here passed the checks: each has its (required) village code.
    _audit_import(session, "residents", [r.village_code for r in parsed if r.village_code], actor)
    return ImportReport(kind="residents", rows=len(parsed))


HouseholdKey = tuple[str, str]  # (village_code, household_no)


def _residents_in_reach(
    parsed: list[rules.ResidentFields], principal: Principal, problems: _Problems
) -> list[rules.ResidentFields]:
    """Rows whose village the principal may import into; the others become row errors."""
    kept = []
    for row in parsed:
        if row.village_code and not allows(principal, "create", "import_export", row.village_code):
            problems.add(row.line, "village_code", OUTSIDE)
        else:
            kept.append(row)
    return kept


def _households_outside(
    parsed: list[rules.ResidentFields],
    households: Mapping[HouseholdKey, tuple[str, str]],
    principal: Principal,
    problems: _Problems,
) -> None:
    """A household placed outside the principal's reach reads as one that is not there."""
    for row in parsed:
        if not (row.village_code and row.household_no):
            continue  # a missing field is a problem recorded already
        found = households.get((row.village_code, row.household_no))
        if found and not allows(principal, "create", "import_export", found[1]):
            problems.add(row.line, "household_no", "no such household in this village")


def _check_resident_references(
    session: Session, parsed: list[rules.ResidentFields], problems: _Problems
) -> dict[HouseholdKey, tuple[str, str]]:
    """Households by key -> (id, territory_code); problems for every unresolved reference."""
    villages = {row.village_code for row in parsed if row.village_code}
    households = _households_of(session, villages)
    territories = _territories(session, villages)
    registered = _registered_id_numbers(session, [r.id_number for r in parsed if r.id_number])
    first_line: dict[str, int] = {}
    for row in parsed:
        if row.village_code and row.household_no:
            found = households.get((row.village_code, row.household_no))
            if found is None:
                village_problem = _village_problem(row.village_code, territories)
                if village_problem:
                    problems.add(row.line, "village_code", village_problem)
                else:
                    problems.add(row.line, "household_no", "no such household in this village")
            elif found[2] != "active":
                problems.add(row.line, "household_no", f"the household is {found[2]}")
        if row.id_number:
            if row.id_number in registered:
                problems.add(row.line, "id_number", "a resident with this ID number is registered")
            elif row.id_number in first_line:
                problems.add(row.line, "id_number", f"also on line {first_line[row.id_number]}")
            else:
                first_line[row.id_number] = row.line
    return {key: (found[0], found[1]) for key, found in households.items()}


def _households_of(session: Session, villages: set[str]) -> dict[HouseholdKey, tuple[str, ...]]:
    found: dict[HouseholdKey, tuple[str, ...]] = {}
    for chunk in _chunks(sorted(villages)):
        query = select(
            Household.village_code,
            Household.household_no,
            Household.id,
            Household.territory_code,
            Household.status,
        ).where(Household.village_code.in_(chunk))
        for village, number, household_id, territory, status in session.execute(query):
            found[(village, number)] = (household_id, territory, status)
    return found


def _registered_id_numbers(session: Session, id_numbers: list[str]) -> set[str]:
    registered: set[str] = set()
    by_hash = {personal_hash(number): number for number in set(id_numbers)}
    for chunk in _chunks(sorted(by_hash)):
        query = select(Resident.id_number_hash).where(Resident.id_number_hash.in_(chunk))
        registered.update(by_hash[found] for found in session.scalars(query))
    return registered


def _insert_residents(
    session: Session,
    parsed: list[rules.ResidentFields],
    households: Mapping[HouseholdKey, tuple[str, str]],
    *,
    actor: str,
    progress: Progress | None,
) -> None:
    now = clock.now()
    tags: list[dict[str, str]] = []
    touched: set[str] = set()  # households with new residents: their contact state

    def records() -> Iterator[dict[str, Any]]:
        for row in parsed:
            village_code, household_no = row.village_code, row.household_no
            assert village_code is not None and household_no is not None  # else rejected
            household_id, territory_code = households[(village_code, household_no)]
            touched.add(household_id)
            resident_id = new_id()
            tags.extend({"resident_id": resident_id, "key_group_code": c} for c in row.key_groups)
            yield {
                "id": resident_id,
                "household_id": household_id,
                "territory_code": territory_code,
                "name": row.name,
                "sex": row.sex,
                "birth_date": row.birth_date,
                "id_number": row.id_number,
                "id_number_hash": personal_hash(row.id_number),
                "phone": row.phone,
                "phone_hash": personal_hash(row.phone),
                "relation_to_head": row.relation_to_head,
                "residence_status": row.residence_status,
                "created_at": now,
                "updated_at": now,
                "updated_by": actor,
                "version": 1,
            }

    bulk_insert(session, Resident.__table__, records(), progress)
    bulk_insert(session, ResidentKeyGroup.__table__, iter(tags), None)
    publish_households_changed(session, touched)
