from __future__ import annotations

import json

from typer.testing import CliRunner

from gridgov.cli.main import app
from tests.factories.registry import make_household, make_resident
from tests.factories.territory import make_tree

runner = CliRunner()


def test_start_list_and_refuse_second_leader(session, cli_bound) -> None:
    tree = make_tree(session, villages=1, grids_per_village=1, units_per_grid=1)
    household = make_household(session, unit=tree.all_units()[0])
    first, second = (make_resident(session, household=household) for _ in range(2))
    session.commit()
    grid = tree.all_grids()[0].code
    args = ["posts", "start", "--type", "grid_leader", "--territory", grid, "--start", "2026-01-05"]
    assert runner.invoke(app, [*args, "--resident", first.id]).exit_code == 0
    refused = runner.invoke(app, [*args, "--resident", second.id])
    assert refused.exit_code == 1
    assert "hand the post over" in refused.output
    listed = json.loads(runner.invoke(app, ["posts", "list", "--json"]).output)
    assert [post["resident_id"] for post in listed] == [first.id]
    assert listed[0]["created_by"].startswith("cli:")
