from __future__ import annotations

import json

from sqlalchemy import select
from typer.testing import CliRunner

from gridgov.cli.main import app
from gridgov.groups.notice_models import Notice
from tests.factories.territory import make_tree

runner = CliRunner()


def test_a_notice_to_a_village_from_the_command_line(session, cli_bound) -> None:
    tree = make_tree(session, villages=1, grids_per_village=1, units_per_grid=1)
    session.commit()
    village = tree.villages[0].code
    args = ["groups", "notice", "--title", "停电通知", "--body", "周三停电", "--json"]
    posted = runner.invoke(app, [*args, "--territory", village, "--priority", "important"])
    assert posted.exit_code == 0, posted.output
    out = json.loads(posted.output)
    assert (out["territory_code"], out["priority"]) == (village, "important")
    notice = session.scalar(select(Notice).where(Notice.id == out["id"]))
    assert notice is not None and notice.created_by.startswith("cli:")
    refused = runner.invoke(app, [*args, "--territory", village, "--priority", "loud"])
    assert refused.exit_code == 1 and "priority" in refused.output
    missing = runner.invoke(app, [*args, "--group", "nope"])
    assert missing.exit_code == 1 and "--group" in missing.output
