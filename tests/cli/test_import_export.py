"""`gridgov import` and `gridgov export`: all or nothing, every bad row printed, masking."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from gridgov.cli.main import app
from gridgov.registry.models import Household, Resident
from tests.factories.territory import make_tree
from tests.registry.import_rows import household_rows, resident_rows, to_csv, to_xlsx

runner = CliRunner()


@pytest.fixture
def tree(session, cli_bound):
    return make_tree(session, villages=2, grids_per_village=2, units_per_grid=2)


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def write(tmp_path, name: str, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_import_with_three_bad_rows_in_a_thousand_prints_them_and_imports_nothing(
    session, tree, tmp_path
):
    rows = household_rows(tree, 1000)
    rows[99]["lon"] = "east"
    rows[499]["address"] = ""
    rows[899]["village_code"] = "350305108299"
    path = write(tmp_path, "households.csv", to_csv(rows))

    result = runner.invoke(app, ["import", "households", str(path)])

    assert result.exit_code == 1
    assert "line 101, lon: not a number" in result.output
    assert "line 501, address: required" in result.output
    assert "line 901, village_code: no territory has code 350305108299" in result.output
    assert "3 bad row(s); nothing was imported" in result.output
    assert count(session, Household) == 0


def test_import_households_then_residents_from_xlsx(session, tree, tmp_path):
    households = household_rows(tree, 40)
    residents = resident_rows(households, per_household=2)

    first = runner.invoke(
        app, ["import", "households", str(write(tmp_path, "h.xlsx", to_xlsx(households)))]
    )
    second = runner.invoke(
        app, ["import", "residents", str(write(tmp_path, "r.xlsx", to_xlsx(residents)))]
    )

    assert first.exit_code == 0, first.output
    assert "imported 40 households" in first.output
    assert second.exit_code == 0, second.output
    assert "imported 80 residents" in second.output
    assert (count(session, Household), count(session, Resident)) == (40, 80)


def test_json_output_for_success_and_for_rejection(session, tree, tmp_path):
    rows = household_rows(tree, 3)
    good = runner.invoke(
        app, ["import", "households", str(write(tmp_path, "h.csv", to_csv(rows))), "--json"]
    )
    again = runner.invoke(
        app, ["import", "households", str(write(tmp_path, "h.csv", to_csv(rows))), "--json"]
    )

    assert good.exit_code == 0
    assert json.loads(good.stdout) == {"kind": "households", "rows": 3}
    assert again.exit_code == 1
    error = json.loads(again.stdout)["error"]
    assert error["code"] == "validation_failed"
    assert [row["line"] for row in error["rows"]] == [2, 3, 4]
    assert {row["field"] for row in error["rows"]} == {"household_no"}
    assert count(session, Household) == 3


def test_import_of_a_file_of_another_type_fails_with_one_line(tree, tmp_path):
    result = runner.invoke(app, ["import", "households", str(write(tmp_path, "h.txt", b"x"))])
    assert result.exit_code == 1
    assert "give a .csv or .xlsx file" in result.output


def test_export_masks_personal_fields_unless_revealed(session, tree, tmp_path):
    households = household_rows(tree, 2)
    residents = resident_rows(households, per_household=2)
    runner.invoke(app, ["import", "households", str(write(tmp_path, "h.csv", to_csv(households)))])
    runner.invoke(app, ["import", "residents", str(write(tmp_path, "r.csv", to_csv(residents)))])
    masked, revealed = tmp_path / "masked.csv", tmp_path / "revealed.xlsx"
    town = tree.town.code

    plain = runner.invoke(app, ["export", "residents", "--territory", town, "--out", str(masked)])
    shown = runner.invoke(
        app,
        ["export", "residents", "--territory", town, "--out", str(revealed), "--reveal"],
    )

    assert plain.exit_code == 0, plain.output
    assert "exported 4 residents" in plain.output
    assert shown.exit_code == 0, shown.output
    id_number, phone = residents[1]["id_number"], residents[1]["phone"]
    masked_text = masked.read_text(encoding="utf-8-sig")
    assert id_number not in masked_text and phone not in masked_text
    assert f"{id_number[:6]}********{id_number[-4:]}" in masked_text
    assert f"{phone[:3]}****{phone[-4:]}" in masked_text
    assert revealed.read_bytes()[:2] == b"PK"  # a real XLSX (zip)


def test_exported_households_reimport_through_the_cli(session, tree, tmp_path):
    households = household_rows(tree, 6)
    runner.invoke(app, ["import", "households", str(write(tmp_path, "h.csv", to_csv(households)))])
    exported = tmp_path / "out.csv"
    runner.invoke(
        app,
        ["export", "households", "--territory", tree.town.code, "--out", str(exported)],
    )

    again = runner.invoke(app, ["import", "households", str(exported)])

    # Same village and household numbers: every row is refused as already registered.
    assert again.exit_code == 1
    assert again.output.count("this village already has this household") == 6


def test_export_of_an_unknown_territory_exits_non_zero(tree, tmp_path):
    out = tmp_path / "x.csv"
    result = runner.invoke(
        app, ["export", "households", "--territory", "350305108299", "--out", str(out)]
    )
    assert result.exit_code == 1
    assert "no territory has code 350305108299" in result.output
    assert not out.exists()
