"""`gridgov partition plan / apply / rollback / history / show`."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from gridgov.cli.main import app
from tests.partition.plan_helpers import appoint_grid_leaders, located_village

runner = CliRunner()


def test_plan_apply_history_show_and_rollback(session, cli_bound, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("GRIDGOV_DATA_DIR", str(tmp_path))
    village = located_village(session, households=60)
    appoint_grid_leaders(session, village)
    session.commit()
    code = village.village.code

    planned = runner.invoke(app, ["partition", "plan", "--village", code, "--grid-size", "25-45"])
    assert planned.exit_code == 0, planned.output
    assert "households moved" in planned.output and "posts on nodes" in planned.output
    plan_id = planned.output.split()[1]
    assert (tmp_path / "plans" / f"{plan_id}.png").read_bytes().startswith(b"\x89PNG")
    assert f"{plan_id}.png" in planned.output.replace("\n", "")

    as_json = runner.invoke(app, ["partition", "plan", "--village", code, "--json"])
    assert as_json.exit_code == 0, as_json.output
    second = json.loads(as_json.output)
    assert second["summary"]["grids"] == 2 and second["preview"].endswith(".png")

    applied = runner.invoke(app, ["partition", "apply", plan_id])
    assert applied.exit_code == 0, applied.output
    assert "posts ended: reassign them" in applied.output

    history = json.loads(runner.invoke(app, ["partition", "history", "--json"]).output)
    assert {(item["id"], item["status"]) for item in history} == {
        (plan_id, "applied"),
        (second["id"], "superseded"),
    }
    assert runner.invoke(app, ["partition", "history", "--territory", code]).exit_code == 0
    shown = runner.invoke(app, ["partition", "show", plan_id])
    assert shown.exit_code == 0 and "households moved" in shown.output

    rolled = runner.invoke(app, ["partition", "rollback", plan_id, "--json"])
    assert rolled.exit_code == 0, rolled.output
    reappoint = json.loads(rolled.output)["effects"]["rollback"]["to_reappoint"]
    # the leaders of the grids the plan retired (an old grid with a successor keeps its code)
    affected = {post["territory_code"] for post in second["summary"]["posts_affected"]}
    assert affected and {row["territory_code"] for row in reappoint} == affected


def test_errors_are_one_line(session, cli_bound, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("GRIDGOV_DATA_DIR", str(tmp_path))
    village = located_village(session, households=30, grids=1)
    session.commit()
    both = runner.invoke(
        app, ["partition", "plan", "--village", village.village.code, "--town", "350305108"]
    )
    assert both.exit_code == 1 and "exactly one of --village and --town" in both.output
    bad = runner.invoke(
        app, ["partition", "plan", "--village", village.village.code, "--unit-size", "8-4"]
    )
    assert bad.exit_code == 1 and "unit_size" in bad.output
    missing = runner.invoke(app, ["partition", "apply", "nope"])
    assert missing.exit_code == 1 and "no partition plan has id nope" in missing.output


def test_demo_prints_its_division_and_a_town_plan_keeps_it(
    session, cli_bound, tmp_path, monkeypatch
) -> None:
    monkeypatch.setenv("GRIDGOV_DATA_DIR", str(tmp_path))
    demo = runner.invoke(app, ["demo", "--seed", "7", "--scale", "0.03"])
    assert demo.exit_code == 0, demo.output
    assert "grid division" in demo.stdout  # its exceptions, or that there are none
    planned = runner.invoke(app, ["partition", "plan", "--town", "350305108", "--json"])
    assert planned.exit_code == 0, planned.output
    summary = json.loads(planned.output)["summary"]
    # the demo was divided by the same engine: a plan over it keeps every grid and unit
    assert summary["households_moved"] == {"grid": 0, "unit": 0}
    assert summary["nodes"]["retire"] == summary["nodes"]["grids_new"] == 0
