"""`gridgov contacts` as a careless operator types it: a wrong code or a folder that is not
there gives a message naming the option (never a traceback); the due list names the
household, its member and the reason in words."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from typer.testing import CliRunner

from gridgov import clock
from gridgov.cli.common import console
from gridgov.cli.main import app
from gridgov.contacts.moments import do_add_moments
from tests.contacts.world import ACTOR, link, make_world

runner = CliRunner()


def _refused(answer, *words: str) -> None:
    assert answer.exit_code != 0
    assert not isinstance(answer.exception, Exception) or isinstance(
        answer.exception, SystemExit
    ), answer.exception
    for word in words:
        assert word in answer.output, answer.output


def test_assign_names_the_option_of_a_wrong_code(session, cli_bound) -> None:
    world = make_world(session)
    session.commit()
    grid = world.households[0].territory_code[:15]
    _refused(
        runner.invoke(app, ["contacts", "assign", "--village", grid, "--dry-run"]),
        "--village",
        "is a grid, not a village",
    )
    _refused(
        runner.invoke(app, ["contacts", "assign", "--town", world.village, "--dry-run"]),
        "--town",
        "is a village, not a town",
    )
    unknown = world.village[:9] + "999"
    _refused(
        runner.invoke(app, ["contacts", "assign", "--village", unknown, "--dry-run"]),
        "--village",
        f"no territory has code {unknown}",
    )
    done = runner.invoke(app, ["contacts", "assign", "--village", world.village, "--dry-run"])
    assert done.exit_code == 0, done.output
    assert "dry run" in done.output


def test_files_that_cannot_be_written_name_out(session, cli_bound, tmp_path: Path) -> None:
    world = make_world(session)
    session.commit()
    missing = tmp_path / "no-such-folder"
    for command, name in (("cards", "cards.pdf"), ("export", "ledger.csv")):
        out = missing / name
        answer = runner.invoke(
            app, ["contacts", command, "--territory", world.village, "--out", str(out)]
        )
        _refused(answer, "--out", "cannot write")
        assert not out.exists()


def test_due_names_the_household_the_member_and_the_reason(session, cli_bound, monkeypatch) -> None:
    monkeypatch.setattr(console, "width", 200)  # one line a row
    world = make_world(session)
    link(session, world, 0, 1)
    household = world.households[0]
    do_add_moments(
        session, household, reason="death", on=clock.today() - dt.timedelta(days=1), actor=ACTOR
    )
    session.commit()
    answer = runner.invoke(app, ["contacts", "due", "--territory", world.village])
    assert answer.exit_code == 0, answer.output
    assert household.household_no in answer.output
    assert world.heads[5].name in answer.output  # member 1 is the head of household 5
    assert "a death in the household" in answer.output
    assert household.id not in answer.output  # no raw ids for an operator to decode
    unknown = world.village[:9] + "999"
    _refused(
        runner.invoke(app, ["contacts", "due", "--territory", unknown]),
        "--territory",
        f"no territory has code {unknown}",
    )


def test_report_names_to_when_the_period_ends_before_it_starts(session, cli_bound) -> None:
    world = make_world(session)
    session.commit()
    period = ["--from", "2026-12-07", "--to", "2026-11-01"]
    answer = runner.invoke(app, ["contacts", "report", "--territory", world.village, *period])
    _refused(answer, "--to", "is before --from")
