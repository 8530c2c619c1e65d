"""`gridgov rollcall ...` and the demo drill, inside the test's transaction."""

from __future__ import annotations

import json

from sqlalchemy import select
from typer.testing import CliRunner

from gridgov.cli.main import app
from gridgov.demo.drill import run_drill
from gridgov.emergency.models import RollCallConfirmation
from tests.emergency.rollcall_world import make_island

runner = CliRunner()


def test_start_status_confirm_all_clear_close_export(session, cli_bound, tmp_path) -> None:
    island = make_island(session)
    started = runner.invoke(
        app,
        [
            "rollcall",
            "start",
            "--territory",
            island.village,
            "--title",
            "台风",
            "--evacuation",
            "--drill",
            "--json",
        ],
    )
    assert started.exit_code == 0, started.output
    rid = json.loads(started.output)["id"]
    confirmed = runner.invoke(
        app,
        [
            "rollcall",
            "confirm",
            rid,
            "--household",
            island.households["plain"].id,
            "--status",
            "moved_relatives",
            "--people",
            "2",
            "--json",
        ],
    )
    assert confirmed.exit_code == 0, confirmed.output
    assert json.loads(confirmed.output)["confirmer"] == "system"
    bad = runner.invoke(
        app,
        [
            "rollcall",
            "confirm",
            rid,
            "--household",
            island.households["plain"].id,
            "--status",
            "lost",
        ],
    )
    assert bad.exit_code != 0 and "status" in bad.output
    status = json.loads(runner.invoke(app, ["rollcall", "status", rid, "--json"]).output)
    assert (status["households"], status["confirmed"], status["moved"]) == (6, 1, 1)
    table = runner.invoke(app, ["rollcall", "status", rid])
    assert "DRILL" in table.output
    assert runner.invoke(app, ["rollcall", "all-clear", rid]).exit_code == 0
    out = tmp_path / "roster.xlsx"
    exported = runner.invoke(app, ["rollcall", "export", rid, "-o", str(out)])
    assert exported.exit_code == 0 and out.read_bytes()[:2] == b"PK"
    closed = runner.invoke(app, ["rollcall", "close", rid, "--json"])
    assert closed.exit_code == 0 and json.loads(closed.output)["households"] == 6
    again = runner.invoke(app, ["rollcall", "close", rid])
    assert again.exit_code != 0


def test_the_demo_drill_confirms_through_several_roles(session) -> None:
    island = make_island(session)
    summary = run_drill(session, territory_code=island.town, seed=3, share=0.9, actor="cli:test")
    assert summary.roll_call.drill and summary.confirmed == 6  # 90% of 7
    assert sum(summary.by_confirmer.values()) == 6
    assert len(summary.by_confirmer) >= 2  # unit and grid leaders, leaders, households
    rows = session.scalars(select(RollCallConfirmation)).all()
    assert len(rows) == 6
    assert summary.escalated == 1  # the one left unconfirmed, 120 minutes on


def test_status_fits_80_columns_with_codes_whole(session, cli_bound, monkeypatch) -> None:
    """Unit codes (17 characters) were cut at 80 columns: now never, the table fits."""
    from rich.cells import cell_len

    from gridgov.cli import common
    from tests.emergency.rollcall_world import start

    monkeypatch.setattr(common.console, "width", 80)
    island = make_island(session)
    roll_call = start(session, island, territory=island.village, by="secretary")
    shown = runner.invoke(app, ["rollcall", "status", roll_call.id, "--territory", island.grid])
    assert shown.exit_code == 0, shown.output
    for unit in island.tree.units[island.grid]:
        assert unit.code in shown.output, shown.output
    assert max(cell_len(line) for line in shown.output.splitlines()) <= 80
    assert "[open]" in shown.output  # the state, not eaten as markup
    as_json = runner.invoke(app, ["rollcall", "status", roll_call.id, "--json"])
    assert json.loads(as_json.output)["households"] == 6
