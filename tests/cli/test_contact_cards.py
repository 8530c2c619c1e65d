"""`gridgov contacts cards`: a grid's contact cards as a PDF file, one page a household."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pypdf import PdfReader
from typer.testing import CliRunner

from gridgov.cli.main import app
from gridgov.contacts.assigning import check_pin_assignment
from gridgov.contacts.members import check_mark_member
from tests.factories.registry import make_household, make_resident
from tests.factories.territory import make_tree

runner = CliRunner()


def test_the_cards_of_a_grid(session, cli_bound, tmp_path: Path) -> None:
    tree = make_tree(session, villages=1, grids_per_village=1, units_per_grid=2)
    households = [make_household(session, unit=unit) for unit in tree.all_units()]
    residents = [make_resident(session, household=h) for h in households]
    member = check_mark_member(
        session,
        resident_id=residents[1].id,
        branch="第一支部",
        joined_on=dt.date(2001, 7, 1),
        actor="test",
    )
    check_pin_assignment(session, households[0], member_id=member.id, actor="test")
    session.commit()
    out = tmp_path / "cards.pdf"
    grid = tree.all_grids()[0].code
    answer = runner.invoke(app, ["contacts", "cards", "--territory", grid, "--out", str(out)])
    assert answer.exit_code == 0, answer.output
    reader = PdfReader(out)
    assert len(reader.pages) == 2
    first = reader.pages[0].extract_text()
    assert residents[1].name in first and "党员联系卡" in first
    assert "待分配" in reader.pages[1].extract_text()  # the member's own household: none yet
    refused = runner.invoke(app, ["contacts", "cards", "--territory", grid, "--out", "x.txt"])
    assert refused.exit_code != 0 and "--out" in refused.output
