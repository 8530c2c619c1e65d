from __future__ import annotations

import json

from typer.testing import CliRunner

from gridgov.cli.main import app
from tests.factories.cases import centre, draw_polygons
from tests.factories.registry import make_household
from tests.factories.territory import make_tree

runner = CliRunner()


def _ok(args: list[str]) -> str:
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return result.output


def test_seed_report_list_and_show(session, cli_bound) -> None:
    tree = make_tree(session, villages=1, grids_per_village=1, units_per_grid=2)
    draw_polygons(session, tree)
    first, second = tree.all_units()
    household = make_household(session, unit=first)
    session.commit()
    assert "seed categories added" in _ok(["cases", "categories", "--seed"])
    listed = json.loads(_ok(["cases", "categories", "--json"]))
    assert {"sanitation", "safety.fire"} <= {category["code"] for category in listed}

    base = ["cases", "report", "--category", "sanitation.garbage", "--description", "垃圾"]
    by_household = json.loads(_ok([*base, "--household", household.id, "--json"]))
    assert (by_household["territory_code"], by_household["channel"]) == (first.code, "cli")
    lon, lat = centre(second)
    point = [*base, "--lon", str(lon), "--lat", str(lat), "--reporter-contact", "13800138000"]
    keyed = [*point, "--idempotency-key", "visit-7"]
    assert "reported" in _ok(keyed)
    assert "already reported" in _ok(keyed)

    cases = json.loads(_ok(["cases", "list", "--json"]))
    assert len(cases) == 2
    assert {case["territory_code"] for case in cases} == {first.code, second.code}
    only = json.loads(_ok(["cases", "list", "--territory", second.code, "--json"]))
    assert len(only) == 1 and only[0]["reporter_contact"] == "138****8000"
    assert json.loads(_ok(["cases", "list", "--overdue", "--json"])) == []
    assert "1 of 1" in _ok(["cases", "list", "--territory", second.code])

    shown = json.loads(_ok(["cases", "show", only[0]["id"], "--json"]))
    assert [event["action"] for event in shown["timeline"]] == ["report"]
    assert shown["timeline"][0]["actor"].startswith("cli:")
    assert "report" in _ok(["cases", "show", only[0]["id"]])


def test_errors_are_one_line(session, cli_bound) -> None:
    make_tree(session, villages=1)
    session.commit()
    _ok(["cases", "categories", "--seed"])
    outside = runner.invoke(
        app,
        [
            "cases",
            "report",
            "--category",
            "other",
            "--description",
            "x",
            "--lon",
            "100",
            "--lat",
            "10",
        ],
    )
    assert outside.exit_code == 1 and "outside the territory" in outside.output
    missing = runner.invoke(app, ["cases", "show", "nope"])
    assert missing.exit_code == 1 and "no case has id nope" in missing.output
