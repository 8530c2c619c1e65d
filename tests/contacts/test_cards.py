"""Contact cards: read back with pypdf, the Chinese text is there and the font is embedded."""

import io
import re
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader

from gridgov.contacts.cards import (
    CardFontMissing,
    ContactCard,
    Person,
    find_card_font,
    render_cards,
)

ISSUED = date(2026, 12, 7)


def _card(number: str = "3503051080010012", **changes) -> ContactCard:
    fields = {
        "household_number": number,
        "address": "海滨路12号",
        "territory": "东岛村 第3网格 第2单元",
        "member": Person("陈美玲", "13800138000"),
        "unit_leader": Person("林志强", "13900139000"),
        "grid_leader": Person("黄秀英", "13700137000"),
        "group_name": "东岛村村民群",
        "group_join": "扫码入群，或请网格长拉您入群",
        "group_join_url": "https://gridgov.example/groups/join/abc",
        "issued": ISSUED,
        "head": "张*",
    }
    return ContactCard(**(fields | changes))


def _read(pdf: bytes) -> PdfReader:
    assert pdf.startswith(b"%PDF-")
    return PdfReader(io.BytesIO(pdf))


def test_each_household_gets_an_a6_page_with_its_members_name_in_chinese():
    cards = [_card("1"), _card("2", member=Person("郑国华", "13600136000")), _card("3")]
    reader = _read(render_cards(cards, title="东岛村 第3网格"))
    assert len(reader.pages) == 3
    width, height = (float(v) for v in reader.pages[0].mediabox.upper_right)
    assert (round(width / 72 * 25.4), round(height / 72 * 25.4)) == (105, 148)  # A6 in mm
    second = reader.pages[1].extract_text()
    for text in ("党员联系卡", "郑国华", "13600136000", "林志强", "黄秀英", "东岛村村民群", "张*"):
        assert text in second
    assert "陈美玲" in reader.pages[0].extract_text()
    assert "陈美玲" not in second
    assert reader.metadata.title == "东岛村 第3网格"


def test_the_chinese_font_is_embedded_as_a_subset_and_is_the_only_font():
    reader = _read(render_cards([_card()], title="t"))
    fonts = [font.get_object() for font in reader.pages[0]["/Resources"]["/Font"].values()]
    assert len(fonts) == 1
    font = fonts[0]
    assert font["/Subtype"] == "/TrueType"
    assert re.fullmatch(r"/[A-Z]{6}\+WenQuanYi.*", font["/BaseFont"])  # the subset's tag
    descriptor = font["/FontDescriptor"].get_object()
    program = descriptor["/FontFile2"].get_object().get_data()
    # only the glyphs used: far smaller than the 16 MB collection it comes from
    assert 0 < len(program) < 200_000
    assert "/ToUnicode" in font  # so the text can be searched and copied


def test_a_household_without_a_member_or_group_says_so():
    card = _card(member=None, grid_leader=None, group_name=None, group_join_url=None)
    text = _read(render_cards([card], title="t")).pages[0].extract_text()
    assert "待分配" in text and "暂无" in text
    assert "东岛村村民群" not in text


def test_text_is_printed_as_given_not_as_markup():
    card = _card(address="<b>海滨路</b> & 12号")
    text = _read(render_cards([card], title="t")).pages[0].extract_text()
    assert "<b>海滨路</b> & 12号" in text


def test_the_same_cards_give_the_same_bytes():
    assert render_cards([_card()], title="t") == render_cards([_card()], title="t")


def test_english_cards_for_an_english_reader():
    text = _read(render_cards([_card()], title="t", language="en")).pages[0].extract_text()
    assert "Party member contact card" in text and "陈美玲" in text


def test_a_missing_font_names_the_debian_package(tmp_path: Path):
    with pytest.raises(CardFontMissing, match="fonts-wqy-zenhei"):
        find_card_font((tmp_path,))


def test_the_font_is_found_in_a_font_folder(tmp_path: Path):
    installed = find_card_font()
    nested = tmp_path / "truetype" / "wqy"
    nested.mkdir(parents=True)
    (nested / installed.path.name).symlink_to(installed.path)
    found = find_card_font((tmp_path / "missing", tmp_path))
    assert found.path == nested / installed.path.name
    assert found.package == installed.package


def test_a_grid_without_households_gets_one_page_saying_so():
    reader = _read(render_cards([], title="t"))
    assert len(reader.pages) == 1
    assert "没有住户" in reader.pages[0].extract_text()
