"""The one input rule (gridgov.validation), as plain functions, in the domain actions (a
caller that bypasses the API is refused too) and at the CLI's door, on both databases."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import Field, ValidationError
from sqlalchemy import func, select
from typer.testing import CliRunner

from gridgov.cases.calendar import check_set_calendar_day
from gridgov.cli.main import app
from gridgov.errors import ValidationFailed
from gridgov.posts.actions import check_start_post
from gridgov.registry.actions import check_create_household
from gridgov.territory.actions import check_create_territory
from gridgov.territory.models import Territory
from gridgov.validation import Day, Input, MultiLine, clean_chars, text_problem
from tests.factories.cases import make_case
from tests.factories.territory import TOWN, make_tree

NEVER = [chr(c) for c in (*range(0x00, 0x09), *range(0x0B, 0x20), *range(0x7F, 0xA0))]
NEVER += ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"]


@pytest.mark.parametrize("char", NEVER, ids=lambda c: f"U+{ord(c):04X}")
def test_never_in_any_field(char: str) -> None:
    assert f"U+{ord(char):04X}" in (text_problem(f"a{char}b") or "")
    assert f"U+{ord(char):04X}" in (text_problem(f"a{char}b", multi_line=True) or "")


def test_tab_newline_and_crlf_only_in_multi_line_text() -> None:
    for char in ("\t", "\n", "\r\n"):
        assert text_problem(f"a{char}b") is not None
        assert text_problem(f"a{char}b", multi_line=True) is None
    assert text_problem("a\rb", multi_line=True) is not None  # a lone CR is refused
    assert clean_chars("a\r\nb", multi_line=True) == "a\nb"
    # Direction marks reorder nothing; text in any script passes.
    assert text_problem("שלום\u200f 你好 Grüße") is None


def test_the_pydantic_types_and_input_carry_the_rule() -> None:
    class Body(Input):
        name: str
        note: MultiLine | None = None
        tags: list[str] = Field(default_factory=list)
        day: Day | None = None
        size: int = 0

    assert Body(name="x", note="a\r\nb").note == "a\nb"
    for fields, bad in (
        ({"name": "a\nb"}, "name"),
        ({"name": "x", "note": "a\x00"}, "note"),
        ({"name": "x", "tags": ["\u202e"]}, "tags"),
        ({"name": "x", "day": "0001-01-01"}, "day"),
        ({"name": "x", "size": 2**63}, "size"),
    ):
        with pytest.raises(ValidationError) as caught:
            Body.model_validate(fields)
        assert caught.value.errors()[0]["loc"] == (bad,)


def test_domain_actions_refuse_what_the_api_refuses(session) -> None:
    """A caller that bypasses the API (the CLI, a job, the importer) hits the same rule,
    before any value reaches SQL (PostgreSQL answered a NUL with an error)."""
    tree = make_tree(session, villages=1, grids_per_village=1, units_per_grid=1)
    village = tree.villages[0].code
    with pytest.raises(ValidationFailed) as caught:
        check_create_household(
            session, village_code=village, household_no="H\x001", address="路", actor="test"
        )
    assert set(caught.value.fields) == {"household_no"}
    household = check_create_household(
        session, village_code=village, household_no="H-ML", address="一路\r\n二楼", actor="test"
    )
    assert household.address == "一路\n二楼"
    with pytest.raises(ValidationFailed) as caught:
        check_create_territory(
            session,
            code=f"{village}009",
            level="grid",
            parent_code=village,
            name_zh="网格",
            name_en="Grid\u202e",
            actor="test",
        )
    assert set(caught.value.fields) == {"name_en"}
    with pytest.raises(ValidationFailed) as caught:
        make_case(session, household=household, description="ok", reporter_name="a\x00")
    assert set(caught.value.fields) == {"reporter_name"}
    with pytest.raises(ValidationFailed) as caught:
        check_start_post(
            session,
            resident_id="\x00",
            post_type="grid_leader",
            territory_code=tree.grids[village][0].code,
            start_date=dt.date(2026, 1, 1),
            actor="test",
        )
    assert set(caught.value.fields) == {"resident_id"}
    with pytest.raises(ValidationFailed) as caught:
        check_set_calendar_day(
            session, dt.date(9999, 12, 31), is_workday=False, name="x", actor="test"
        )
    assert set(caught.value.fields) == {"day"}


@pytest.mark.usefixtures("cli_bound")
def test_the_cli_refuses_a_control_character_in_any_argument(session) -> None:
    make_tree(session, villages=1, grids_per_village=1, units_per_grid=1)
    before = session.scalar(select(func.count()).select_from(Territory))
    runner = CliRunner()
    for bad in ("测试\x00村", "测试\u202e村", "测试\x1b[31m村"):
        result = runner.invoke(
            app,
            [
                "territory",
                "create",
                "--code",
                f"{TOWN}209",
                "--level",
                "village",
                "--parent",
                TOWN,
                "--name-zh",
                bad,
            ],
        )
        assert result.exit_code != 0
        assert "not allowed" in result.output
    # A newline passes the door; the action refuses it for a one-line name.
    result = runner.invoke(
        app,
        [
            "territory",
            "create",
            "--code",
            f"{TOWN}209",
            "--level",
            "village",
            "--parent",
            TOWN,
            "--name-zh",
            "测试\n村",
        ],
    )
    assert result.exit_code == 1 and "name_zh" in result.output
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Territory)) == before
