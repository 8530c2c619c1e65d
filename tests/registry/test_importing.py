"""Bulk import: the whole file is checked first; any bad row means nothing is written."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from sqlalchemy import func, select

from gridgov import clock
from gridgov.registry import import_rules
from gridgov.registry.importing import (
    PROGRESS_STEPS_PER_ROW,
    ImportRejected,
    RowError,
    import_households,
    import_residents,
    read_table_bytes,
)
from gridgov.registry.models import Household, Resident, ResidentKeyGroup
from gridgov.registry.validation import clean_id_number, clean_mobile_phone
from gridgov.territory.actions import check_retire_territory
from gridgov.validation import FieldProblem
from tests.factories.territory import make_tree
from tests.registry.import_rows import (
    household_rows,
    id_number,
    resident_rows,
    to_csv,
    to_xlsx,
)

ACTOR = "test:importer"


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def import_household_file(session, rows, *, name="households.csv"):
    data = to_csv(rows) if name.endswith(".csv") else to_xlsx(rows)
    return import_households(session, read_table_bytes(data, name), actor=ACTOR)


def import_resident_file(session, rows, *, name="residents.csv"):
    data = to_csv(rows) if name.endswith(".csv") else to_xlsx(rows)
    return import_residents(session, read_table_bytes(data, name), actor=ACTOR)


@pytest.fixture
def tree(session):
    return make_tree(session, villages=2, grids_per_village=2, units_per_grid=3)


def test_thousand_households_with_three_bad_rows_imports_nothing(session, tree):
    rows = household_rows(tree, 1000)
    rows[99]["lon"] = "east"  # line 101
    rows[499]["household_no"] = rows[10]["household_no"]  # line 501, same village as line 12
    rows[499]["village_code"] = rows[10]["village_code"]
    rows[899]["unit_code"] = "35030510820199901"  # line 901: no such unit

    with pytest.raises(ImportRejected) as caught:
        import_household_file(session, rows)

    assert caught.value.errors == [
        RowError(101, "lon", "not a number"),
        RowError(501, "household_no", "also on line 12"),
        RowError(901, "unit_code", "no territory has code 35030510820199901"),
    ]
    assert caught.value.status == 422
    assert count(session, Household) == 0


def test_good_households_file_is_inserted_with_its_territory(session, tree):
    rows = household_rows(tree, 30)
    at = dt.datetime(2026, 3, 1, 8, 30, tzinfo=dt.UTC)

    with clock.frozen(at):
        report = import_household_file(session, rows)
    session.expire_all()

    assert (report.kind, report.rows) == ("households", 30)
    stored = {h.household_no: h for h in session.scalars(select(Household))}
    assert len(stored) == 30
    placed, unplaced = stored["H00002"], stored["H00001"]
    assert placed.territory_code == rows[1]["unit_code"]
    assert placed.lon == pytest.approx(float(rows[1]["lon"]))
    assert unplaced.territory_code == rows[0]["village_code"]  # no unit: hangs on its village
    assert unplaced.lon is None and unplaced.lat is None
    assert {(h.updated_by, h.version, h.status) for h in stored.values()} == {(ACTOR, 1, "active")}


def test_xlsx_households_bad_rows_are_reported_and_good_file_imports(session, tree):
    rows = household_rows(tree, 50)
    rows[4]["address"] = ""
    rows[7]["lat"] = ""  # lon given alone
    with pytest.raises(ImportRejected) as caught:
        import_household_file(session, rows, name="households.xlsx")
    assert [(e.line, e.field) for e in caught.value.errors] == [(6, "address"), (9, "lat")]
    assert count(session, Household) == 0

    report = import_household_file(session, household_rows(tree, 50), name="households.xlsx")
    assert report.rows == 50
    assert count(session, Household) == 50


def test_households_duplicated_against_the_database_and_bad_territories(session, tree):
    import_household_file(session, household_rows(tree, 3))
    village, other_village = tree.villages
    grid = tree.grids[village.code][0]
    retired_unit = tree.units[tree.grids[village.code][1].code][2]
    check_retire_territory(session, retired_unit, actor=ACTOR)
    foreign_unit = tree.units[tree.grids[other_village.code][0].code][0]

    def row(village_code, household_no, unit_code=""):
        cells = {"village_code": village_code, "household_no": household_no}
        return cells | {"address": "a", "unit_code": unit_code}

    rows = [
        row(village.code, "H00001"),
        row(grid.code, "X1"),
        row(village.code, "X2", foreign_unit.code),
        row(village.code, "X3", retired_unit.code),
        row(village.code, "X4", grid.code),
    ]

    with pytest.raises(ImportRejected) as caught:
        import_household_file(session, rows)

    assert [(e.line, e.field, e.reason) for e in caught.value.errors] == [
        (2, "household_no", "this village already has this household"),
        (3, "village_code", f"{grid.code} is a grid, not a village"),
        (4, "unit_code", f"unit {foreign_unit.code} is not in village {village.code}"),
        (5, "unit_code", f"unit {retired_unit.code} is retired"),
        (6, "unit_code", f"{grid.code} is a grid, not a unit"),
    ]
    assert count(session, Household) == 3


def test_unknown_and_missing_columns_are_reported_on_the_header_line(session, tree):
    data = b"village_code,household_no,colour\n350305108201,H1,red\n"

    with pytest.raises(ImportRejected) as caught:
        import_households(session, read_table_bytes(data, "h.csv"), actor=ACTOR)

    assert [(e.line, e.field) for e in caught.value.errors] == [(1, "colour"), (1, "address")]
    assert caught.value.errors[1].reason == "missing column"


def test_a_row_with_more_cells_than_the_header_is_bad(session, tree):
    data = b"village_code,household_no,address\n350305108201,H1,Road,extra\n"
    with pytest.raises(ImportRejected) as caught:
        import_households(session, read_table_bytes(data, "h.csv"), actor=ACTOR)
    assert [(e.line, e.field) for e in caught.value.errors] == [(2, "row")]


def test_progress_counts_each_row_checked_then_inserted(session, tree):
    steps: list[int] = []
    rows = read_table_bytes(to_csv(household_rows(tree, 2500)), "h.csv")
    import_households(session, rows, actor=ACTOR, progress=steps.append)
    assert sum(steps) == 2500 * PROGRESS_STEPS_PER_ROW


def test_residents_import_with_key_groups_and_household_territory(session, tree):
    households = household_rows(tree, 20)
    import_household_file(session, households)
    rows = resident_rows(households, per_household=3)

    report = import_resident_file(session, rows, name="residents.xlsx")

    assert (report.kind, report.rows) == ("residents", 60)
    first = session.scalar(select(Resident).where(Resident.name == "居民0"))
    household = session.scalar(select(Household).where(Household.household_no == "H00001"))
    assert first.household_id == household.id
    assert first.territory_code == household.territory_code
    assert first.residence_status == "working_away"
    assert first.id_number is None and first.phone is None
    tags = set(
        session.scalars(
            select(ResidentKeyGroup.key_group_code).where(ResidentKeyGroup.resident_id == first.id)
        )
    )
    assert tags == {"veteran", "disabled"}
    second = session.scalar(select(Resident).where(Resident.name == "居民1"))
    assert second.residence_status == "living_here"  # the default
    assert second.id_number == rows[1]["id_number"]
    assert second.phone == "13800000001"


def test_every_bad_resident_row_is_reported_and_nothing_is_written(session, tree):
    households = household_rows(tree, 10)
    import_household_file(session, households)
    import_resident_file(session, resident_rows(households[:1], per_household=2))
    registered = resident_rows(households[:1], per_household=2)[1]
    rows = resident_rows(households[1:], per_household=2)
    valid = rows[1]["id_number"]
    rows[1]["id_number"] = valid[:-1] + ("0" if valid[-1] != "0" else "1")  # line 3
    rows[2]["birth_date"] = "1960-02-30"  # line 4
    rows[3]["sex"] = "male"  # line 5: the ID number says female
    rows[4]["phone"] = "02112345678"  # line 6
    rows[5]["household_no"] = "H99999"  # line 7
    rows[6]["village_code"] = "350305108299"  # line 8
    rows[7]["key_groups"] = "veteran;pirate"  # line 9
    for index, same_person in ((9, rows[5]), (10, registered)):  # lines 11 and 12
        for field in ("id_number", "birth_date", "sex"):
            rows[index][field] = same_person[field]
    rows[11]["relation_to_head"] = ""  # line 13
    rows[12]["birth_date"] = "01/02/1990"  # line 14

    with pytest.raises(ImportRejected) as caught:
        import_resident_file(session, rows)

    reported = {(e.line, e.field) for e in caught.value.errors}
    assert reported == {
        (3, "id_number"),
        (4, "birth_date"),
        (5, "sex"),
        (6, "phone"),
        (7, "household_no"),
        (8, "village_code"),
        (9, "key_groups"),
        (11, "id_number"),
        (12, "id_number"),
        (13, "relation_to_head"),
        (14, "birth_date"),
    }
    reasons = {(e.line, e.field): e.reason for e in caught.value.errors}
    assert reasons[(3, "id_number")] == "the check digit is wrong (mistyped?)"
    assert reasons[(5, "sex")] == "the ID number says female"
    assert reasons[(11, "id_number")] == "also on line 7"
    assert reasons[(12, "id_number")] == "a resident with this ID number is registered"
    assert reasons[(9, "key_groups")] == "unknown key group pirate"
    assert count(session, Resident) == 2
    assert count(session, ResidentKeyGroup) == 2  # the first file's resident 0 only


def test_residents_of_an_unknown_household_are_refused(session, tree):
    rows = resident_rows(
        [{"village_code": tree.villages[0].code, "household_no": "NOPE"}], per_household=1
    )
    with pytest.raises(ImportRejected) as caught:
        import_resident_file(session, rows)
    assert caught.value.errors == [RowError(2, "household_no", "no such household in this village")]


def test_remembered_id_verdicts_agree_with_the_rule():
    generator = random.Random(7)
    samples = []
    for serial in range(3000):
        birth = dt.date(1900, 1, 1) + dt.timedelta(days=generator.randrange(45000))
        valid = id_number(birth, "male", serial)
        samples.append(valid)
        samples.append(valid[:6] + f"{generator.randrange(10**11):011d}" + valid[-1])
        region = generator.choice(["350305", "350321", "352326", "110101", "999999"])
        body = region + valid[6:17]
        samples.append(body + import_rules.ric.calc_check_digit(body + "0"))
    for sample in samples:
        assert _verdict(import_rules.clean_id_number_fast, sample) == _verdict(
            clean_id_number, sample
        ), sample


def test_remembered_phone_verdicts_agree_with_the_rule():
    generator = random.Random(11)
    samples = [f"1{generator.randrange(10**10):010d}" for _ in range(5000)]
    samples += ["+86 138 1234 5678", "138-1234-5678", "12345", "１３８１２３４５６７８"]
    for sample in samples:
        fast = _verdict(import_rules.clean_mobile_phone_fast, sample)
        assert fast == _verdict(clean_mobile_phone, sample), sample


def _verdict(clean, value: str) -> str:
    try:
        return "ok:" + clean(value)
    except FieldProblem as exc:
        return "bad:" + str(exc)


def test_trailing_separators_and_blank_lines_are_ignored(session, tree):
    village = tree.villages[0].code
    data = (
        f"village_code,household_no,address,\r\n{village},H1,Road,\r\n,,,\r\n{village},H2,Lane,\r\n"
    )

    report = import_households(session, read_table_bytes(data.encode(), "h.csv"), actor=ACTOR)

    assert report.rows == 2
    assert count(session, Household) == 2


def test_gb18030_csv_from_a_chinese_excel_is_read(session, tree):
    village = tree.villages[0].code
    data = f"village_code,household_no,address\n{village},H1,宫下村1号\n".encode("gb18030")

    import_households(session, read_table_bytes(data, "h.csv"), actor=ACTOR)

    assert session.scalar(select(Household.address)) == "宫下村1号"


def test_rows_from_code_may_leave_out_optional_columns(session, tree):
    village = tree.villages[0].code
    rows = [
        (2, {"village_code": village, "household_no": "H1", "address": "Road"}),
        (3, {"village_code": village, "household_no": "H2", "address": "Lane", "lon": None}),
        (4, {"village_code": village, "household_no": "H3"}),
    ]

    with pytest.raises(ImportRejected) as caught:
        import_households(session, iter(rows), actor=ACTOR)

    assert caught.value.errors == [RowError(4, "address", "required")]
    report = import_households(session, iter(rows[:2]), actor=ACTOR)
    assert report.rows == 2
