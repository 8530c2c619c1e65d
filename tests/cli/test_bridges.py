"""`gridgov groups bridge add|test|list` against a fake WeCom robot on loopback."""

from __future__ import annotations

import json
from typing import Any

import pytest
from typer.testing import CliRunner

from gridgov.cli.main import app
from gridgov.groups.queries import village_group
from tests.factories.territory import make_tree
from tests.notify.bridges.fakes import Received, http_server, wecom_ok

pytestmark = pytest.mark.usefixtures("cli_bound")
runner = CliRunner()


def _a_group(session) -> str:
    """A real village group (a village comes with its groups), committed for the CLI."""
    village = make_tree(session, villages=1, grids_per_village=1, units_per_grid=1).villages[0]
    group = village_group(session, village.code)
    assert group is not None
    session.commit()
    return group.id


def _add(url: str, group: str) -> str:
    added = runner.invoke(
        app, ["groups", "bridge", "add", "--group", group, "--key", "robot-key-0001", "--url", url]
    )
    assert added.exit_code == 0, added.output
    return added.stdout.split()[2]  # "bridge route <id> added: ..."


def test_add_then_test_sends_a_message_and_prints_sent(session) -> None:
    with http_server(wecom_ok) as fake:
        route_id = _add(fake.url, _a_group(session))
        tested = runner.invoke(app, ["groups", "bridge", "test", route_id, "--text", "你好，测试"])
    assert tested.exit_code == 0, tested.output
    assert tested.stdout.strip() == f"bridge route {route_id}: sent"
    (got,) = fake.received
    assert got.query["key"] == ["robot-key-0001"]
    assert got.json() == {"msgtype": "text", "text": {"content": "你好，测试"}}
    listed = runner.invoke(app, ["groups", "bridge", "list", "--json"])
    (row,) = json.loads(listed.stdout)
    assert row["id"] == route_id and "robot-key-0001" not in listed.stdout


def test_a_refusing_robot_exits_1_with_the_reason(session) -> None:
    def refuse(_got: Received) -> tuple[int, Any]:
        return 200, {"errcode": 93000, "errmsg": "invalid webhook url"}

    with http_server(refuse) as fake:
        route_id = _add(fake.url, _a_group(session))
        tested = runner.invoke(app, ["groups", "bridge", "test", route_id])
    assert tested.exit_code == 1
    assert "not sent: errcode 93000: invalid webhook url" in tested.output


def test_bad_options_are_named(session) -> None:
    refused = runner.invoke(
        app, ["groups", "bridge", "add", "--group", "g", "--key", "short", "--url", "ftp://x"]
    )
    assert refused.exit_code == 1
    assert "key" in refused.output and "base_url" in refused.output
    no_group = runner.invoke(
        app, ["groups", "bridge", "add", "--group", "no-such-group", "--key", "robot-key-0001"]
    )
    assert no_group.exit_code == 1 and "group_id: no active group has this id" in no_group.output
    unknown = runner.invoke(app, ["groups", "bridge", "test", "no-such-route"])
    assert unknown.exit_code == 1 and "no bridge route has id no-such-route" in unknown.output
