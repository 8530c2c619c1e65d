"""All-clear, return, close and the report's times; the roster is a safe workbook."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov import clock
from gridgov.emergency.closing import check_all_clear, check_close
from gridgov.emergency.confirm import check_confirm
from gridgov.emergency.roster import export_roster, sheet_names
from gridgov.emergency.times import minutes_to_share
from gridgov.errors import Conflict, NotFound, ValidationFailed
from gridgov.i18n import Message
from gridgov.notify.models import OutboxMessage
from gridgov.territory.models import Territory
from tests.emergency.rollcall_world import Island, kept_counts, make_island, minutes, recount, start
from tests.emergency.test_confirm import confirm, row_of
from tests.factories.registry import make_household


@pytest.fixture
def island(session: Session) -> Island:
    return make_island(session)


def test_minutes_to_share() -> None:
    t0 = clock.now()
    whens = [t0 + minutes(m) for m in (10, 20, 30)] + [None]
    assert minutes_to_share(t0, whens, 50) == 20.0
    assert minutes_to_share(t0, whens, 90) is None
    assert minutes_to_share(t0, whens[:3], 100) == 30.0
    assert minutes_to_share(t0, [], 50) is None


def test_all_clear_then_return_then_close_with_report(session: Session, island: Island) -> None:
    roll_call = start(session, island, territory=island.village, by="secretary", evacuation=True)
    t0 = roll_call.started_at
    plan = [  # household, who, minute, status
        ("plain", "unit_leader", 10, "moved_shelter"),
        ("elderly", "unit_leader", 5, "moved_relatives"),
        ("pregnant", "grid_leader", 20, "safe_at_home"),
        ("dangerous", "grid_leader", 40, "moved_shelter"),
        ("away_member", "unit_leader", 30, "away"),
    ]
    for household, who, minute, status in plan:
        with clock.frozen(t0 + minutes(minute)):
            extra = {"shelter_id": island.shelter.id} if status == "moved_shelter" else {}
            confirm(session, island, roll_call, who, household, status=status, **extra)
    with pytest.raises(ValidationFailed):  # no return before the all-clear
        confirm(session, island, roll_call, "unit_leader", "plain", status="returned")
    with pytest.raises(NotFound):  # a grid leader did not start it and may not end it
        check_all_clear(
            session, roll_call, principal=island.principal(session, "grid_leader"), actor="x"
        )
    with clock.frozen(t0 + minutes(120)):
        check_all_clear(
            session, roll_call, principal=island.principal(session, "secretary"), actor="s"
        )
    assert roll_call.state == "all_clear"
    asks = list(
        session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "rollcall_all_clear"))
    )
    by_node = {m.payload["node"]: m.payload["household_nos"] for m in asks}
    assert by_node == {island.unit: ["A001", "A002"], island.leaderless_unit: ["A004"]}
    # Each ask says which unit, by its name.
    leaderless = session.scalars(
        select(Territory).where(Territory.code == island.leaderless_unit)
    ).one()
    (ask,) = [m for m in asks if m.payload["node"] == island.leaderless_unit]
    body = Message.from_json(ask.payload["body_message"])
    assert body is not None
    assert body.render("zh-CN") == f"{leaderless.name_zh} 1 户已转移，请确认返回"
    with clock.frozen(t0 + minutes(150)):
        confirm(session, island, roll_call, "resident", "plain", status="returned")
    row = row_of(session, roll_call, island.households["plain"].id)
    assert row.status == "returned" and row.returned_at == t0 + minutes(150)
    session.expire_all()
    assert kept_counts(session, roll_call) == recount(session, roll_call)
    with pytest.raises(Conflict):
        check_all_clear(session, roll_call, principal=None, actor="again")
    with clock.frozen(t0 + minutes(180)):
        check_close(session, roll_call, principal=island.principal(session, "secretary"), actor="s")
    report = roll_call.report
    assert report["households"] == 6
    # Six households, first confirmed at 5, 10, 20, 30, 40 minutes; B001 never.
    assert report["overall"] == {"50": 20.0, "90": None, "100": None}
    # Grid 1: A001-A005 at 10, 5, 20, 40, 30: the 3rd of 5 at 20, the 5th at 40.
    assert report["grids"][island.grid] == {"50": 20.0, "90": 40.0, "100": 40.0}
    assert report["villages"][island.village]["50"] == 20.0
    # Priority: A002 (5), A003 (20), A004 (40).
    assert report["priority"]["households"] == 3
    assert report["priority"]["overall"] == {"50": 20.0, "90": 40.0, "100": 40.0}
    assert report["statuses"]["returned"] == 1
    with pytest.raises(Conflict):
        check_close(session, roll_call, principal=None, actor="again")


def test_the_report_lists_help_cases_and_how_they_ended(session: Session, island: Island) -> None:
    roll_call = start(session, island)
    done = confirm(
        session, island, roll_call, "unit_leader", "elderly", status="needs_help", help="x"
    )
    check_close(session, roll_call, principal=None, actor="cli:test")
    (case,) = roll_call.report["help_cases"]
    assert case["case_id"] == done.help_case_id
    assert case["household_no"] == "A002"
    assert case["state"] == "reported" and case["level"] == "grid"


def test_roster_one_sheet_per_unit_phones_masked_no_formula(
    session: Session, island: Island
) -> None:
    hostile = make_household(
        session,
        unit=session.get(Territory, island.tree.units[island.grid][0].id),
        household_no="A010",
        address='=HYPERLINK("http://x")',
    )
    roll_call = start(session, island, territory=island.village, by="secretary", drill=True)
    confirm(
        session,
        island,
        roll_call,
        "unit_leader",
        "plain",
        status="moved_shelter",
        shelter_id=island.shelter.id,
        people=2,
    )
    content = export_roster(
        session, roll_call, island.principal(session, "unit_leader"), language="en"
    )
    book = load_workbook(io.BytesIO(content))
    # The unit leader's lines only, on a sheet named after the unit.
    unit = session.get(Territory, island.tree.units[island.grid][0].id)
    assert book.sheetnames == [(unit.name_en or unit.name_zh)[:31]]
    rows = list(book.active.values)
    assert rows[0] == ("DRILL",) or rows[0][0] == "DRILL"
    header = rows[1]
    assert header[:4] == ("Household no.", "Household head", "Address", "Phone")
    assert [row[0] for row in rows[2:]] == ["A002", "A001", "A005", "A010"]  # priority first
    first = rows[3]
    assert "*" in first[3]  # masked
    assert first[6] == 2 and first[7] == "村小学"
    assert first[8] == "Moved to a shelter" and first[9].startswith("Unit leader")
    assert rows[5][2] == "'" + hostile.address  # kept as text, never a formula
    assert all(not (isinstance(c, str) and c.startswith("=")) for row in rows for c in row)


def test_returned_only_for_a_household_that_moved(session: Session, island: Island) -> None:
    """Issue #15: after the all-clear, a household safe at home (or never confirmed) that
    never moved cannot be confirmed ``returned``; a moved one can."""
    roll_call = start(session, island, territory=island.village, by="secretary", evacuation=True)
    confirm(session, island, roll_call, "unit_leader", "plain", status="safe_at_home")
    extra = {"shelter_id": island.shelter.id}
    confirm(session, island, roll_call, "unit_leader", "elderly", status="moved_shelter", **extra)
    check_all_clear(session, roll_call, principal=None, actor="s")
    for household in ("plain", "away_member"):  # safe at home; unconfirmed
        with pytest.raises(ValidationFailed) as refused:
            confirm(session, island, roll_call, "unit_leader", household, status="returned")
        assert set(refused.value.fields) == {"status"}
        assert "moved" in str(refused.value.fields["status"])
    assert row_of(session, roll_call, island.households["plain"].id).status == "safe_at_home"
    confirm(session, island, roll_call, "unit_leader", "elderly", status="returned")
    assert row_of(session, roll_call, island.households["elderly"].id).status == "returned"


def test_an_evacuation_closes_only_after_its_all_clear(session: Session, island: Island) -> None:
    roll_call = start(session, island, territory=island.village, by="secretary", evacuation=True)
    with pytest.raises(Conflict) as refused:
        check_close(session, roll_call, principal=None, actor="s")
    assert "all-clear first" in str(refused.value.message)
    assert roll_call.state == "open" and roll_call.report is None
    check_all_clear(session, roll_call, principal=None, actor="s")
    check_close(session, roll_call, principal=None, actor="s")
    assert roll_call.state == "closed"


def test_only_an_evacuation_has_an_all_clear(session: Session, island: Island) -> None:
    roll_call = start(session, island, territory=island.village, by="secretary")
    with pytest.raises(Conflict) as refused:
        check_all_clear(session, roll_call, principal=None, actor="s")
    assert "evacuation" in refused.value.fields
    assert roll_call.state == "open" and roll_call.all_clear_at is None
    check_close(session, roll_call, principal=None, actor="s")  # closed without one
    assert roll_call.state == "closed"


def _roster_rows(session: Session, island: Island, roll_call, language: str = "zh-CN") -> dict:
    content = export_roster(session, roll_call, None, language=language)
    book = load_workbook(io.BytesIO(content))
    return {row[0]: row for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)}


def test_roster_writes_words_not_codes(session: Session, island: Island) -> None:
    roll_call = start(session, island, territory=island.village, by="secretary", evacuation=True)
    leader = island.users["unit_leader"]
    leader.display_name = "王单元"
    t0 = roll_call.started_at
    steps = [  # household, who, status, extra
        ("plain", "unit_leader", "moved_shelter", {"shelter_id": island.shelter.id, "people": 2}),
        ("elderly", "grid_leader", "moved_relatives", {}),
        ("pregnant", "cli", "moved_off_island", {}),
        ("away_member", "unit_leader", "needs_help", {"help_needed": "药"}),
        ("dangerous", "grid_leader", "safe_at_home", {}),
    ]
    for minute, (household, who, status, extra) in enumerate(steps, start=1):
        principal = None if who == "cli" else island.principal(session, who)
        with clock.frozen(t0 + minutes(minute)):
            check_confirm(
                session,
                roll_call,
                household_id=island.households[household].id,
                principal=principal,
                actor="cli" if principal is None else principal.actor,
                status=status,
                **extra,
            )
    rows = _roster_rows(session, island, roll_call)
    # 位置 / 状态 / 确认人
    assert rows["A001"][7:10] == ("村小学", "已转移到安置点", "单元长 王单元")
    assert rows["A002"][7:9] == ("亲友家", "已投亲靠友")
    assert rows["A002"][9].startswith("网格长")
    assert rows["A003"][7:10] == ("离岛", "已转移出岛", "系统（命令行）")  # confirmed from the CLI
    assert rows["A005"][7:9] == (None, "需要帮助")  # an empty cell
    assert rows["A004"][8] == "在家安全"
    assert rows["户号"][7:10] == ("位置", "状态", "确认人")
    # Nothing in the cells is a raw code any more.
    codes = {"safe_at_home", "moved_shelter", "moved_relatives", "moved_off_island", "cli"}
    assert not codes & {c for row in rows.values() for c in row if isinstance(c, str)}
    assert not any(
        isinstance(c, str) and c.startswith("user:") for row in rows.values() for c in row
    )

    with clock.frozen(t0 + minutes(60)):
        check_all_clear(session, roll_call, principal=None, actor="cli")
    with clock.frozen(t0 + minutes(90)):
        confirm(session, island, roll_call, "unit_leader", "plain", status="returned")
        confirm(session, island, roll_call, "unit_leader", "elderly", status="returned")
    rows = _roster_rows(session, island, roll_call)
    # Returned: the last move stays (people moved, where), next to 已返回.
    assert rows["A001"][6:9] == (2, "村小学", "已返回家中")
    assert rows["A002"][6] == 1 and rows["A002"][7:9] == ("亲友家", "已返回家中")
    assert rows["A002"][11] is not None


def test_roster_sheet_names_are_unit_names_excel_safe(session: Session, island: Island) -> None:
    first, second = island.tree.units[island.grid]
    first_unit = session.get(Territory, first.id)
    second_unit = session.get(Territory, second.id)
    first_unit.name_zh = "一单元[东]:*?/\\ 很长很长很长很长很长很长很长很长很长很长很长很长很长"
    second_unit.name_zh = ""
    session.flush()
    names = sheet_names(session, [first_unit.code, second_unit.code], "zh-CN")
    assert names[second_unit.code] == second_unit.code[-31:]  # no name: the code
    sheet = names[first_unit.code]
    assert len(sheet) <= 31 and sheet.startswith("一单元_东_")
    assert not set("[]:*?/\\") & set(sheet)
    # Two units of one name get two sheets.
    second_unit.name_zh = first_unit.name_zh
    session.flush()
    names = sheet_names(session, [first_unit.code, second_unit.code], "zh-CN")
    assert len(set(names.values())) == 2 and all(len(n) <= 31 for n in names.values())
