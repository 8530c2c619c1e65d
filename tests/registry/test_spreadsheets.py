"""Spreadsheets: cells safe for Excel on the way out, the escape undone on the way in, and the
readers (CSV and XLSX, bytes and paths) rejecting any damaged file as UnreadableFile (422)."""

from __future__ import annotations

import io
import string
import tempfile
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from gridgov.errors import ValidationFailed
from gridgov.registry.spreadsheets import (
    FORMULA_STARTS,
    UNSTORABLE,
    UnreadableFile,
    read_table,
    read_table_bytes,
    safe_text,
    unquoted,
    write_csv,
    write_xlsx,
)

HOSTILE = ("=1+2", "+8613800000000", "-x", "@a", "\t=1", "\r=1", "#N/A", "=", "'=1", "''@x")


def xlsx_bytes(columns, rows) -> bytes:
    out = io.BytesIO()
    write_xlsx(columns, rows, out, sheet="data")
    return out.getvalue()


def csv_bytes(columns, rows) -> bytes:
    out = io.BytesIO()
    write_csv(columns, rows, out)
    return out.getvalue()


def test_what_xlsx_cannot_hold_is_a_superset_of_openpyxls_rule() -> None:
    for code in [*range(0x3000), 0xFFFE, 0xFFFF, 0x10000, 0x10FFFF]:
        char = chr(code)
        if ILLEGAL_CHARACTERS_RE.match(char):
            assert UNSTORABLE.match(char), hex(code)
    assert UNSTORABLE.findall("a\tb\nc\rd\x7fe中") == []


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ("=1+2", "'=1+2"),
        ("+86 138", "'+86 138"),
        ("-x", "'-x"),
        ("@a", "'@a"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("\n=1", "'\n=1"),
        ("Li\x01Si", "LiSi"),
        ("\x00", ""),
        ("\x1f=1+2", "'=1+2"),  # the control character goes first, then the escape
        ("a\ufffeb\uffff", "ab"),
        ("'=1", "''=1"),  # typed with an apostrophe: kept, and escaped so it comes back
        ("'quoted'", "'quoted'"),
        ("1990-01-01", "1990-01-01"),
        ("林阿姨", "林阿姨"),
        ("", ""),
    ],
)
def test_safe_text_and_back(text: str, written: str) -> None:
    assert safe_text(text) == written
    assert unquoted(written) == UNSTORABLE.sub("", text)


def test_only_the_exporters_apostrophe_is_stripped() -> None:
    assert unquoted("'=1") == "=1"
    assert unquoted("'abc") == "'abc"
    assert unquoted("'") == "'"
    assert unquoted("''") == "''"
    assert unquoted("'' =1") == "'' =1"


@given(st.text())
def test_unquoted_undoes_safe_text(text: str) -> None:
    written = safe_text(text)
    assert not written.startswith(FORMULA_STARTS)
    assert UNSTORABLE.search(written) is None
    assert unquoted(written) == UNSTORABLE.sub("", text)


def test_xlsx_text_is_never_a_formula_and_numbers_stay_numbers() -> None:
    rows = [[text, -118.5, None] for text in HOSTILE] + [["Li\x01Si", 0, -3]]
    sheet = load_workbook(io.BytesIO(xlsx_bytes(["text", "number", "other"], rows))).active
    cells = list(sheet.iter_rows(min_row=2))
    assert [cell.data_type for row in cells for cell in row if cell.value is not None] == [
        "s" if isinstance(value, str) else "n" for row in rows for value in row if value is not None
    ]
    # A carriage return is written as the line feed XML would read it as.
    assert [row[0].value for row in cells] == [
        "'=1+2", "'+8613800000000", "'-x", "'@a", "'\t=1", "'\n=1", "#N/A", "'=", "''=1",
        "'''@x", "LiSi",
    ]  # fmt: skip
    assert [row[0].quotePrefix for row in cells] == [True] * 6 + [False] + [True] * 3 + [False]
    assert cells[0][1].value == -118.5 and cells[-1][2].value == -3


def test_csv_escapes_text_but_not_numbers() -> None:
    written = csv_bytes(["text", "number"], [["-x", -118.5], ["=1+2", None], ["ok", 3]])
    assert written.decode("utf-8-sig").splitlines() == [
        "text,number",
        "'-x,-118.5",
        "'=1+2,",
        "ok,3",
    ]


@pytest.mark.parametrize("write", [csv_bytes, xlsx_bytes], ids=["csv", "xlsx"])
def test_hostile_text_reads_back_as_written(write) -> None:
    name = "t.csv" if write is csv_bytes else "t.xlsx"
    # The reader strips cells (as before): a value's leading tab survives inside the escape.
    rows = [[text, str(index)] for index, text in enumerate(HOSTILE)]
    back = [row for _, row in read_table_bytes(write(["a", "b"], rows), name)]
    if name == "t.xlsx":  # an XLSX holds no carriage return: XML reads it as a line feed
        rows = [[text.replace("\r", "\n"), index] for text, index in rows]
    assert back == [{"a": text, "b": index} for text, index in rows]


# --- the readers under hypothesis: nothing but UnreadableFile / ValidationFailed -----------


def _read_all(data: bytes, name: str) -> None:
    try:
        for _line, row in read_table_bytes(data, name):
            assert all(isinstance(value, str) for value in row.values())
    except ValidationFailed:  # UnreadableFile, or a column named twice: a 422 either way
        pass


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=2000), st.sampled_from(["t.csv", "t.xlsx", "T.CSV"]))
def test_arbitrary_bytes_are_read_or_rejected(data: bytes, name: str) -> None:
    _read_all(data, name)


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=500))
def test_arbitrary_csv_text_is_read_or_rejected(text: str) -> None:
    _read_all(text.encode("utf-8", "surrogatepass"), "t.csv")


_GOOD_XLSX = xlsx_bytes(["village_code", "household_no"], [["350305108201", "H1"]])
_MEMBERS = zipfile.ZipFile(io.BytesIO(_GOOD_XLSX)).namelist()


def _rezipped(member: str, mutate) -> bytes:
    """The good workbook with one member's bytes changed (still a valid zip)."""
    source = zipfile.ZipFile(io.BytesIO(_GOOD_XLSX))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for name in source.namelist():
            data = source.read(name)
            target.writestr(name, mutate(data) if name == member else data)
    return out.getvalue()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(_MEMBERS),
    st.integers(min_value=0),
    st.integers(min_value=0, max_value=40),
    st.binary(max_size=40),
)
def test_damaged_workbooks_are_rejected(member: str, at: int, cut: int, insert: bytes) -> None:
    def mutate(data: bytes) -> bytes:
        position = at % (len(data) + 1)
        return data[:position] + insert + data[position + cut :]

    _read_all(_rezipped(member, mutate), "t.xlsx")


def test_an_emptied_sheet_or_an_overlong_csv_cell_is_unreadable() -> None:
    for member in _MEMBERS:
        _read_all(_rezipped(member, lambda data: b""), "t.xlsx")
    with pytest.raises(UnreadableFile):
        list(read_table_bytes(_rezipped("xl/worksheets/sheet1.xml", lambda data: b""), "t.xlsx"))
    with pytest.raises(UnreadableFile, match="line 2"):
        list(read_table_bytes(b"a,b\n" + b'"' + b"x" * 200_000 + b'"\n', "t.csv"))


@settings(max_examples=40, deadline=None)
@given(st.binary(max_size=500), st.sampled_from([".csv", ".xlsx"]))
def test_files_on_disk_are_read_or_rejected(data: bytes, suffix: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"upload{suffix}"
        path.write_bytes(data)
        try:
            for _line, _row in read_table(path):
                pass
        except ValidationFailed:
            pass


# --- a generated valid table round-trips through both formats -----------------------------

_CELL = st.text(
    alphabet=st.characters(
        codec="utf-8",
        exclude_categories=("Cs", "Cc", "Zl", "Zp"),
        include_characters="=+-@'\t",
    ),
    max_size=30,
).map(str.strip)
_COLUMN = st.text(alphabet=string.ascii_lowercase + "_", min_size=1, max_size=12)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(_COLUMN, min_size=1, max_size=5, unique=True).flatmap(
        lambda columns: st.tuples(
            st.just(columns),
            st.lists(
                st.lists(_CELL, min_size=len(columns), max_size=len(columns)).filter(any),
                max_size=8,
            ),
        )
    ),
    st.sampled_from(["csv", "xlsx"]),
)
def test_a_generated_table_round_trips(table, file_format: str) -> None:
    columns, rows = table
    data = (csv_bytes if file_format == "csv" else xlsx_bytes)(columns, rows)
    read = read_table_bytes(data, f"t.{file_format}")
    assert read.columns == tuple(columns)
    assert [row for _, row in read] == [dict(zip(columns, row, strict=True)) for row in rows]
