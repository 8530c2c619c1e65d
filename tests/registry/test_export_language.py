"""Exports' headers in the reader's language, and the importer reading either: a Chinese
export re-imports to the same register as an English one (CSV and XLSX)."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from gridgov.errors import ValidationFailed
from gridgov.registry.columns import COLUMN_NAMES, column_code, header_of
from gridgov.registry.exporting import export_table
from gridgov.registry.importing import (
    HOUSEHOLD_COLUMNS,
    RESIDENT_COLUMNS,
    ImportRejected,
    import_households,
    import_residents,
    read_table_bytes,
)
from gridgov.registry.models import Resident
from tests.factories.territory import make_tree
from tests.registry.import_rows import household_rows, resident_rows, to_csv

ACTOR = "test:exporter"
ZH_HOUSEHOLD_HEADER = ("村代码", "户号", "地址", "单元代码", "经度", "纬度")
ZH_RESIDENT_HEADER = (
    "村代码",
    "户号",
    "姓名",
    "性别",
    "出生日期",
    "身份证号",
    "手机号",
    "与户主关系",
    "居住状态",
    "重点人群",
)


@pytest.fixture
def tree(session):
    return make_tree(session, villages=1, grids_per_village=2, units_per_grid=2)


def export(session, kind: str, territory: str, language: str, file_format: str) -> bytes:
    out = io.BytesIO()
    export_table(
        session,
        kind,
        out,
        territory=territory,
        file_format=file_format,
        reveal=True,
        language=language,
    )
    return out.getvalue()


def test_the_headers_of_each_language() -> None:
    assert header_of(HOUSEHOLD_COLUMNS, "en") == HOUSEHOLD_COLUMNS
    assert header_of(HOUSEHOLD_COLUMNS, "zh-CN") == ZH_HOUSEHOLD_HEADER
    assert header_of(RESIDENT_COLUMNS, "zh-CN") == ZH_RESIDENT_HEADER
    assert set(COLUMN_NAMES) == set(HOUSEHOLD_COLUMNS) | set(RESIDENT_COLUMNS)
    for spelling in ("户号", "household_no", "Household number", " HOUSEHOLD NUMBER "):
        assert column_code(spelling) == "household_no"
    assert column_code("colour") == "colour"


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
@pytest.mark.parametrize("language", ["zh-CN", "en"])
def test_an_export_in_either_language_reimports_to_the_same_register(
    session, tree, language: str, file_format: str
) -> None:
    households = household_rows(tree, 8)
    residents = resident_rows(households, per_household=2)
    town = tree.town.code
    name = f"export.{file_format}"
    with session.begin_nested() as first_load:
        import_households(session, read_table_bytes(to_csv(households), "h.csv"), actor=ACTOR)
        import_residents(session, read_table_bytes(to_csv(residents), "r.csv"), actor=ACTOR)
        exported = {
            kind: export(session, kind, town, language, file_format)
            for kind in ("households", "residents")
        }
        english = {kind: export(session, kind, town, "en", "csv") for kind in exported}
        first_load.rollback()
    assert session.scalar(select(func.count()).select_from(Resident)) == 0
    header = read_table_bytes(exported["households"], name).columns
    assert header == (ZH_HOUSEHOLD_HEADER if language == "zh-CN" else HOUSEHOLD_COLUMNS)

    import_households(session, read_table_bytes(exported["households"], name), actor=ACTOR)
    report = import_residents(session, read_table_bytes(exported["residents"], name), actor=ACTOR)

    assert report.rows == 16
    again = {kind: export(session, kind, town, "en", "csv") for kind in exported}
    assert again == english


def test_a_header_naming_one_column_twice_is_refused(session, tree) -> None:
    village = tree.villages[0].code
    data = f"村代码,户号,household_no,地址\n{village},H1,H1,路1号\n".encode()
    with pytest.raises(ValidationFailed) as refused:
        import_households(session, read_table_bytes(data, "h.csv"), actor=ACTOR)
    assert refused.value.fields == {"household_no": "this column appears twice in the header"}


def test_an_unknown_chinese_column_is_reported_as_it_is_written(session, tree) -> None:
    village = tree.villages[0].code
    data = f"村代码,户号,地址,颜色\n{village},H1,路1号,红\n".encode()
    with pytest.raises(ImportRejected) as rejected:
        import_households(session, read_table_bytes(data, "h.csv"), actor=ACTOR)
    assert [(error.line, error.field) for error in rejected.value.errors] == [(1, "颜色")]
