"""Export in the import's columns: masked by default, re-importable when revealed."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from gridgov.errors import NotFound
from gridgov.registry.exporting import export_table
from gridgov.registry.importing import (
    HOUSEHOLD_COLUMNS,
    RESIDENT_COLUMNS,
    import_households,
    import_residents,
    read_table_bytes,
)
from gridgov.registry.models import Resident
from tests.factories.territory import make_tree
from tests.registry.import_rows import household_rows, resident_rows, to_csv

ACTOR = "test:exporter"


@pytest.fixture
def tree(session):
    return make_tree(session, villages=2, grids_per_village=2, units_per_grid=2)


def load(session, households, residents) -> None:
    import_households(session, read_table_bytes(to_csv(households), "h.csv"), actor=ACTOR)
    import_residents(session, read_table_bytes(to_csv(residents), "r.csv"), actor=ACTOR)


def export(session, kind, territory, *, file_format="csv", reveal=False) -> bytes:
    out = io.BytesIO()
    export_table(session, kind, out, territory=territory, file_format=file_format, reveal=reveal)
    return out.getvalue()


def table(data: bytes, name: str = "export.csv") -> list[dict[str, str]]:
    return [row for _, row in read_table_bytes(data, name)]


def test_revealed_export_reimports_to_the_same_register(session, tree):
    households = household_rows(tree, 12)
    residents = resident_rows(households, per_household=3)
    town = tree.town.code
    with session.begin_nested() as first_load:
        load(session, households, residents)
        exported = {
            kind: export(session, kind, town, reveal=True) for kind in ("households", "residents")
        }
        first_load.rollback()
    assert session.scalar(select(func.count()).select_from(Resident)) == 0

    import_households(session, read_table_bytes(exported["households"], "h.csv"), actor=ACTOR)
    import_residents(session, read_table_bytes(exported["residents"], "r.csv"), actor=ACTOR)

    again = {kind: export(session, kind, town, reveal=True) for kind in exported}
    assert again == exported
    rows = table(exported["residents"])
    assert len(rows) == 36
    assert rows[0] == {**residents[0], "residence_status": "working_away"}
    assert rows[1]["residence_status"] == "living_here"  # the default, written out
    assert tuple(table(exported["households"])[0]) == HOUSEHOLD_COLUMNS


def test_personal_fields_are_masked_unless_revealed(session, tree):
    households = household_rows(tree, 2)
    residents = resident_rows(households, per_household=2)
    load(session, households, residents)

    masked = table(export(session, "residents", tree.town.code))
    revealed = table(export(session, "residents", tree.town.code, reveal=True))

    original = residents[1]
    assert revealed[1]["id_number"] == original["id_number"]
    assert revealed[1]["phone"] == original["phone"]
    assert (
        masked[1]["id_number"]
        == original["id_number"][:6] + "********" + original["id_number"][-4:]
    )
    assert masked[1]["phone"] == original["phone"][:3] + "****" + original["phone"][-4:]
    assert all(re.fullmatch(r"(\d{6}\*{8}\d{3}[\dX])?", row["id_number"]) for row in masked)
    assert [row["name"] for row in masked] == [row["name"] for row in revealed]


def test_xlsx_export_holds_the_same_rows_as_csv(session, tree):
    households = household_rows(tree, 5)
    load(session, households, resident_rows(households, per_household=2))
    for kind, columns in (("households", HOUSEHOLD_COLUMNS), ("residents", RESIDENT_COLUMNS)):
        as_xlsx = read_table_bytes(
            export(session, kind, tree.town.code, file_format="xlsx"), "x.xlsx"
        )
        assert as_xlsx.columns == columns
        assert [row for _, row in as_xlsx] == table(export(session, kind, tree.town.code))


def test_export_is_limited_to_the_territory(session, tree):
    households = household_rows(tree, 16)
    load(session, households, resident_rows(households, per_household=1))
    grid = tree.all_grids()[0]

    rows = table(export(session, "households", grid.code))
    residents = table(export(session, "residents", grid.code))

    expected = {h["household_no"] for h in households if h["unit_code"].startswith(grid.code)}
    assert {row["household_no"] for row in rows} == expected
    assert {row["household_no"] for row in residents} == expected
    assert all(row["unit_code"].startswith(grid.code) for row in rows)


def test_export_of_an_unknown_territory_is_not_found(session, tree):
    with pytest.raises(NotFound):
        export(session, "households", "350305108299")


# Values a spreadsheet program would run as formulas: written as text, read back unchanged.
DANGEROUS_ADDRESSES = ["=1+2", "+86 138 0000 0000 号", "-x", "@a", "'=1", "1\tHarbour\tRoad"]
DANGEROUS_NAMES = ["=1+1", "-x", "+8613800000000", "@SUM(A1)", "#N/A", "'-x"]


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_dangerous_values_round_trip_and_hold_no_formula(session, tree, file_format):
    households = household_rows(tree, len(DANGEROUS_ADDRESSES))
    for household, address in zip(households, DANGEROUS_ADDRESSES, strict=True):
        household["address"] = address
    households[0]["household_no"] = "-1"
    households[1]["household_no"] = "@H2"
    residents = resident_rows(households, per_household=1)
    for resident, name in zip(residents, DANGEROUS_NAMES, strict=True):
        resident["name"] = name
    town, name = tree.town.code, f"export.{file_format}"
    with session.begin_nested() as first_load:
        load(session, households, residents)
        exported = {
            kind: export(session, kind, town, file_format=file_format, reveal=True)
            for kind in ("households", "residents")
        }
        first_load.rollback()

    import_households(session, read_table_bytes(exported["households"], name), actor=ACTOR)
    import_residents(session, read_table_bytes(exported["residents"], name), actor=ACTOR)

    again = {
        kind: export(session, kind, town, file_format=file_format, reveal=True) for kind in exported
    }
    for kind, data in exported.items():
        assert table(again[kind], name) == table(data, name)
    if file_format == "csv":  # a CSV is written the same byte for byte
        assert again == exported
        lines = exported["households"].decode("utf-8-sig").splitlines()
        assert any(line.startswith(f"{tree.villages[0].code},'-1,'=1+2,") for line in lines)
    else:
        for data in exported.values():
            sheet = load_workbook(io.BytesIO(data)).active
            assert [
                cell for row in sheet.iter_rows() for cell in row if cell.data_type == "f"
            ] == []
    addresses = {row["household_no"]: row["address"] for row in table(again["households"], name)}
    assert [addresses[household["household_no"]] for household in households] == (
        DANGEROUS_ADDRESSES
    )
    assert sorted(row["name"] for row in table(again["residents"], name)) == sorted(DANGEROUS_NAMES)
