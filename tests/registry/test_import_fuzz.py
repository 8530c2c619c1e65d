"""The import under hypothesis: whatever a file holds, the answer is the importer's own
rejection (ImportRejected, UnreadableFile: a 422 listing the bad rows) or a clean import,
never another exception (a 500), on SQLite and PostgreSQL."""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gridgov.errors import ValidationFailed
from gridgov.registry import import_rules as rules
from gridgov.registry.importing import (
    HOUSEHOLD_COLUMNS,
    RESIDENT_COLUMNS,
    ImportRejected,
    import_households,
    import_residents,
    read_table_bytes,
)
from tests.factories.registry import make_household
from tests.factories.territory import make_tree
from tests.registry.import_rows import household_rows, to_csv

ACTOR = "test:fuzz"
TODAY = dt.date(2026, 11, 30)
KEY_GROUPS = frozenset({"disabled", "veteran"})
REFUSED = "holds a control or text-direction character"


class Collected(list[tuple[int, str, str]]):
    def add(self, line: int, field: str, reason: str) -> None:
        self.append((line, field, reason))


# Cells: anything at all, or text near what the rules expect (so rows get past the first check).
_NEAR = st.sampled_from(
    ["", "350305108201", "350305108201001001", "H00001", "head", "male", "女", "1990-02-30",
     "1990-01-01", "13800000000", "+8613800000000", "11010519491231002X", "disabled;veteran",
     "119.1", "-91", "nan", "inf", "1e400", "=1+2", "'=1+2", "'-x", "\x00", "a\u202eb"]
)  # fmt: skip
CELL = st.one_of(st.text(max_size=40), _NEAR)


def _row(columns: tuple[str, ...]) -> st.SearchStrategy[dict[str, str]]:
    extra = st.dictionaries(st.text(max_size=8), st.text(max_size=8), max_size=2)
    known = st.fixed_dictionaries(dict.fromkeys(columns, CELL))
    return st.tuples(known, extra).map(lambda pair: {**pair[1], **pair[0]})


@settings(max_examples=300, deadline=None)
@given(_row(HOUSEHOLD_COLUMNS))
def test_household_rules_record_problems_and_never_raise(row: dict[str, str]) -> None:
    problems = Collected()
    fields = rules.household_fields(rules.RowReader(2, row, problems, frozenset()))
    assert {field for _line, field, _why in problems} <= set(HOUSEHOLD_COLUMNS)
    for column in ("household_no", "address"):
        value = getattr(fields, column)
        assert value is None or "\x00" not in value


@settings(max_examples=300, deadline=None)
@given(_row(RESIDENT_COLUMNS))
def test_resident_rules_record_problems_and_never_raise(row: dict[str, str]) -> None:
    problems = Collected()
    reader = rules.RowReader(2, row, problems, frozenset())
    rules.resident_fields(reader, key_groups=KEY_GROUPS, today=TODAY)
    assert {field for _line, field, _why in problems} <= set(RESIDENT_COLUMNS)


@pytest.mark.parametrize(
    ("column", "value", "reason"),
    [
        ("household_no", "H\x000001", f"{REFUSED} (U+0000), not allowed"),
        ("household_no", "H\t1", "one line only: holds a tab or line break (U+0009)"),
        ("address", "1 Harbour Road\x01", f"{REFUSED} (U+0001), not allowed"),
        ("address", "1 Harbour\u202e Road", f"{REFUSED} (U+202E), not allowed"),
        ("address", "1 Harbour\u2066 Road", f"{REFUSED} (U+2066), not allowed"),
        ("address", "1 Harbour Road\n2nd floor\tback", None),
        ("village_code", "\x00", f"{REFUSED} (U+0000), not allowed"),
        ("lon", "119.1\x00", f"{REFUSED} (U+0000), not allowed"),
    ],
)
def test_control_characters_in_a_cell_are_a_row_error(column, value, reason) -> None:
    row = {"village_code": "350305108201", "household_no": "H1", "address": "1 Harbour Road"}
    row[column] = value
    problems = Collected()
    rules.household_fields(rules.RowReader(2, row, problems, frozenset()))
    expected = [(2, column, reason)] if reason else []
    assert [problem for problem in problems if problem[1] == column] == expected


# --- the whole importer, on both databases ------------------------------------------------


@pytest.fixture
def tree(session):
    tree = make_tree(session, villages=1, grids_per_village=1, units_per_grid=2)
    make_household(session, unit=tree.all_units()[0], household_no="H00001")
    return tree


def _raw_csv(columns: tuple[str, ...], rows: list[dict[str, str]]) -> bytes:
    """A CSV holding the cells exactly (no escaping: what a hostile file would hold)."""
    text = io.StringIO(newline="")
    writer = csv.writer(text)
    writer.writerow(columns)
    writer.writerows([row.get(column, "") for column in columns] for row in rows)
    return text.getvalue().encode("utf-8", "surrogatepass")


def _import(session, kind: str, data: bytes, name: str) -> None:
    run = import_households if kind == "households" else import_residents
    with session.begin_nested() as savepoint:
        # ImportRejected, UnreadableFile: the importer's own 422; anything else fails the test.
        with contextlib.suppress(ValidationFailed):
            run(session, read_table_bytes(data, name), actor=ACTOR)
        savepoint.rollback()


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.sampled_from(["households", "residents"]),
    st.data(),
)
def test_arbitrary_cells_are_imported_or_rejected(session, tree, kind: str, data) -> None:
    columns = HOUSEHOLD_COLUMNS if kind == "households" else RESIDENT_COLUMNS
    rows = data.draw(st.lists(_row(columns), min_size=1, max_size=4))
    _import(session, kind, _raw_csv(columns, rows), f"{kind}.csv")


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.binary(max_size=600), st.sampled_from(["households.csv", "residents.xlsx"]))
def test_arbitrary_bytes_are_imported_or_rejected(session, tree, data: bytes, name: str) -> None:
    _import(session, name.split(".", maxsplit=1)[0], data, name)


def test_a_nul_in_a_cell_is_a_row_error_on_both_databases(session, tree) -> None:
    rows = household_rows(tree, 2)
    for index, row in enumerate(rows):
        row["household_no"] = f"N{index}"
    rows[0]["village_code"] = "350305108201\x00"
    rows[1]["address"] = "2 Harbour\x00 Road"
    with pytest.raises(ImportRejected) as caught:
        import_households(session, read_table_bytes(_raw_csv(HOUSEHOLD_COLUMNS, rows), "h.csv"),
                          actor=ACTOR)  # fmt: skip
    assert [(e.line, e.field, e.reason) for e in caught.value.errors] == [
        (2, "village_code", f"{REFUSED} (U+0000), not allowed"),
        (3, "address", f"{REFUSED} (U+0000), not allowed"),
    ]
    # The same rows, written by the exporter's writer, lose the NUL and import.
    assert import_households(session, read_table_bytes(to_csv(rows), "h.csv"), actor=ACTOR).rows
