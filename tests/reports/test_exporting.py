"""The case register workbook: columns, local times, masking, the frozen header."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from gridgov import crypto
from gridgov.cases.exporting import COLUMNS, export_cases, mask_contact
from gridgov.errors import NotFound
from tests.factories.cases import make_case as report_case
from tests.factories.territory import make_tree
from tests.reports.factory import CATEGORY, make_case

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


@pytest.mark.parametrize(
    ("contact", "masked"),
    [
        ("13812345678", "138****5678"),
        ("+86 138-1234-5678", "861******5678"),
        ("lin@example.cn", "l***@example.cn"),
        ("WeChat lin_88", "W***********8"),
        ("ab", "**"),
        (None, None),
        (crypto.UNDECRYPTABLE, crypto.UNDECRYPTABLE),  # shown as such, not masked
    ],
)
def test_mask_contact(contact: str | None, masked: str | None) -> None:
    assert mask_contact(contact) == masked


def _workbook(session: Session, territory: str, **kwargs) -> tuple[list[tuple], object]:
    buffer = io.BytesIO()
    count = export_cases(session, buffer, territory=territory, **kwargs)
    sheet = load_workbook(buffer).active
    rows = list(sheet.iter_rows(values_only=True))
    assert count == len(rows) - 1
    return rows, sheet


def test_register_columns_and_masking(session: Session) -> None:
    tree = make_tree(session, villages=1, grids_per_village=1, units_per_grid=1)
    unit = tree.all_units()[0].code
    created = dt.datetime(2026, 3, 2, 9, 30, tzinfo=SHANGHAI)
    closed = make_case(
        session, territory_code=unit, created_at=created, state="closed", level="grid",
        hours_to_close=5.5, overdue_ever=True, reopens=1, rating=4,
        reporter_name="林阿姨", reporter_contact="13812345678",
    )  # fmt: skip
    closed.reporter_email = "lin@example.cn"
    session.flush()
    due = dt.datetime(2026, 3, 4, 17, 30, tzinfo=SHANGHAI)
    make_case(session, territory_code=unit, created_at=created + dt.timedelta(hours=1),
              due_at=due)  # fmt: skip
    rows, sheet = _workbook(session, tree.town.code)
    assert rows[0] == tuple(heading.format(zone="Asia/Shanghai") for heading, _ in COLUMNS)
    assert rows[1] == (
        closed.id, CATEGORY, "测试类别", dt.datetime(2026, 3, 2, 9, 30), unit, "grid", "grid",
        "closed", None, dt.datetime(2026, 3, 2, 15, 0), True, 4, 1, "林阿姨", "138****5678",
        "l***@example.cn",
    )  # fmt: skip
    assert rows[2][7:10] == ("reported", dt.datetime(2026, 3, 4, 17, 30), None)
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["A"].width == COLUMNS[0][1]
    revealed, _ = _workbook(session, tree.town.code, reveal=True)
    assert revealed[1][-2:] == ("13812345678", "lin@example.cn")


def test_period_and_missing_node(session: Session) -> None:
    tree = make_tree(session, villages=1, grids_per_village=1, units_per_grid=1)
    unit = tree.all_units()[0].code
    for day in (1, 2, 3):
        make_case(session, territory_code=unit,
                  created_at=dt.datetime(2026, 3, day, 12, tzinfo=SHANGHAI))  # fmt: skip
    start = dt.datetime(2026, 3, 2, tzinfo=SHANGHAI)
    rows, _ = _workbook(session, unit, start=start, end=start + dt.timedelta(days=1))
    assert [row[3].day for row in rows[1:]] == [2]
    with pytest.raises(NotFound):
        export_cases(session, io.BytesIO(), territory="350305108777")


def test_hostile_reporter_fields_are_text_and_control_characters_are_removed(
    session: Session,
) -> None:
    """Reported through intake as Open311 carries them; a control character (refused at the
    edge now) is written over the stored name, as a case reported before the rule holds it."""
    tree = make_tree(session, villages=1, grids_per_village=1, units_per_grid=1)
    unit = tree.all_units()[0]
    names = ["=1+1", "-x", "+1", "@a", "#DIV/0!", "Li\x01Si"]
    for name in names:
        case = report_case(
            session, unit=unit, reporter_name="x" if "\x01" in name else name,
            reporter_email="=cmd@example.cn", reporter_contact="13812345678",
        )  # fmt: skip
        case.reporter_name = name
    session.flush()
    rows, sheet = _workbook(session, tree.town.code, reveal=True)
    cells = [cell for row in sheet.iter_rows(min_row=2) for cell in row]
    assert [cell for cell in cells if cell.data_type in ("f", "e")] == []
    assert [row[-3] for row in rows[1:]] == ["'=1+1", "'-x", "'+1", "'@a", "#DIV/0!", "LiSi"]
    assert {row[-1] for row in rows[1:]} == {"'=cmd@example.cn"}
    assert {cell.quotePrefix for cell in sheet["N"][1:]} == {True, False}
    assert all(isinstance(row[3], dt.datetime) and isinstance(row[12], int) for row in rows[1:])
    masked, _ = _workbook(session, tree.town.code)
    assert {row[-1] for row in masked[1:]} == {"'=***@example.cn"}


def test_the_register_header_in_chinese(session: Session) -> None:
    from gridgov.cases.exporting import HEADING_NAMES

    tree = make_tree(session, villages=1, grids_per_village=1, units_per_grid=1)
    created = dt.datetime(2026, 3, 2, 9, 30, tzinfo=SHANGHAI)
    make_case(session, territory_code=tree.all_units()[0].code, created_at=created)
    rows, _sheet = _workbook(session, tree.town.code, language="zh-CN")
    assert set(HEADING_NAMES) == {heading for heading, _ in COLUMNS}
    assert rows[0][:4] == ("事件编号", "类别代码", "类别", "上报时间（Asia/Shanghai）")
    assert rows[0][-3:] == ("上报人", "上报人电话", "上报人邮箱")
    english, _sheet = _workbook(session, tree.town.code)
    assert rows[1:] == english[1:]  # only the header changes
