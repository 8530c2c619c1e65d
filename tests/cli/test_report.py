"""`gridgov report resolution` and `gridgov export cases`."""

from __future__ import annotations

import json

from openpyxl import load_workbook
from typer.testing import CliRunner

from gridgov import clock
from gridgov.cli.main import app
from tests.reports.test_resolution import NOW, build_cases

runner = CliRunner()


def test_report_resolution_json_and_table(session, cli_bound) -> None:
    island = build_cases(session)
    session.commit()
    town = island.tree.town.code
    args = [
        "report",
        "resolution",
        "--territory",
        town,
        "--from",
        "2026-03-01",
        "--to",
        "2026-03-31",
    ]
    with clock.frozen(NOW):
        as_json = runner.invoke(app, [*args, "--json"])
    assert as_json.exit_code == 0, as_json.output
    body = json.loads(as_json.output)
    assert (body["from"], body["to"], body["period_basis"]) == (
        "2026-03-01",
        "2026-03-31",
        "created",
    )
    assert body["territory"]["total"] == 9
    assert body["territory"]["on_time_rate"] == 0.6
    assert body["territory"]["overdue_now"] == 1
    assert [child["code"] for child in body["children"]] == [island.village_1, island.village_2]
    with clock.frozen(NOW):
        table = runner.invoke(app, args)
    assert table.exit_code == 0, table.output
    assert "60%" in table.output  # the town's on-time rate
    assert island.village_2 in table.output


def test_report_resolution_refuses_bad_input(session, cli_bound) -> None:
    island = build_cases(session)
    session.commit()
    base = ["report", "resolution", "--territory"]
    backwards = runner.invoke(
        app, [*base, island.village_1, "--from", "2026-03-02", "--to", "2026-03-01"]
    )
    assert backwards.exit_code == 1
    assert "to: 2026-03-01 is before from" in backwards.output
    missing = runner.invoke(
        app, [*base, "350305108999", "--from", "2026-03-01", "--to", "2026-03-31"]
    )
    assert missing.exit_code == 1
    assert "no territory has code 350305108999" in missing.output


def test_export_cases(session, cli_bound, tmp_path) -> None:
    island = build_cases(session)
    session.commit()
    out = tmp_path / "cases.xlsx"
    args = ["export", "cases", "--territory", island.village_1, "--output", str(out)]
    result = runner.invoke(app, [*args, "--from", "2026-03-01", "--to", "2026-03-31"])
    assert result.exit_code == 0, result.output
    assert f"exported 5 cases under {island.village_1}" in result.output
    assert "masked" in result.output
    rows = list(load_workbook(out).active.iter_rows(values_only=True))
    assert len(rows) == 6
    assert rows[0][0] == "id"
    everything = runner.invoke(app, [*args, "--reveal"])
    assert everything.exit_code == 0, everything.output
    assert "exported 6 cases" in everything.output
    assert "masked" not in everything.output
    refused = runner.invoke(app, ["export", "cases", "--territory", "350305108999", "--output",
                                  str(tmp_path / "none.xlsx")])  # fmt: skip
    assert refused.exit_code == 1
    assert not (tmp_path / "none.xlsx").exists()
