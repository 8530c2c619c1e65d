from __future__ import annotations

import json

from typer.testing import CliRunner

from gridgov.cli.main import app
from tests.factories.groups import group_of, make_world

runner = CliRunner()


def test_list_and_post_as_the_platform_and_as_a_member(session, cli_bound) -> None:
    world = make_world(session, villages=1, grids=1, units=1)
    village = world.village().code
    group = group_of(session, "village", village)
    villager = world.villagers[world.tree.all_units()[0].code][0]
    session.commit()
    listed = json.loads(
        runner.invoke(app, ["groups", "list", "--territory", village, "--json"]).output
    )
    assert {(row["kind"], row["members"]) for row in listed} == {("village", 4), ("leaders", 2)}
    system = runner.invoke(app, ["groups", "post", group.id, "停水通知", "--json"])
    assert system.exit_code == 0, system.output
    assert json.loads(system.output)["kind"] == "system"
    mine = runner.invoke(
        app, ["groups", "post", group.id, "收到", "--as", villager.username, "--json"]
    )
    assert mine.exit_code == 0, mine.output
    assert json.loads(mine.output)["seq"] == 2
    too_long = runner.invoke(app, ["groups", "post", group.id, "长" * 4001])
    assert too_long.exit_code == 1 and "4000" in too_long.output
    missing = runner.invoke(app, ["groups", "post", "nope", "x"])
    assert missing.exit_code == 1
