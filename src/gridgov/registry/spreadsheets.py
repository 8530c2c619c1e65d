"""The platform's spreadsheets: CSV or XLSX files read and written (no database here).

A table is a header row naming the columns, then one row per record. Rows come out as
``(line, {column: text})`` with ``line`` counted as the user sees the file (header = 1),
so every error can point at the row to fix. A file we cannot read is an
:class:`UnreadableFile` (422), whatever broke inside it.

Every export's text passes through :func:`safe_text` (CSV) or :func:`xlsx_cell` (XLSX), so
no cell reaches a spreadsheet program as a formula (OWASP's CSV-injection advice): text
beginning with ``= + - @``, a tab or a line break gets a leading apostrophe, and the
characters an XLSX file cannot hold are removed. Reading strips that apostrophe again
(:func:`unquoted`), so a revealed export re-imports to the same register.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any

from gridgov.errors import ValidationFailed
from gridgov.i18n import Message

FORMATS = ("csv", "xlsx")
# A data row with more cells than the header has columns gets this extra key.
EXTRA_CELLS = "(extra cells)"
# What a spreadsheet program reads as the start of a formula (OWASP, "CSV Injection"), and a
# line feed: what a carriage return becomes in an XLSX (see xlsx_cell).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")
QUOTE = "'"
# Characters XML 1.0, hence XLSX, cannot hold: the C0 controls but tab, line feed and
# carriage return; lone surrogates; U+FFFE and U+FFFF. A superset of openpyxl's
# ILLEGAL_CHARACTERS_RE (the tests check it), spelled here so this module loads no openpyxl.
UNSTORABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


class UnreadableFile(ValidationFailed):
    """The file is not a table we can read (wrong type, not text, broken XLSX)."""

    def __init__(self, why: str) -> None:
        super().__init__(f"file: {why}", fields={"file": why})


class TableRows(Iterator[tuple[int, dict[str, str]]]):
    """The data rows of a table, with its header (``columns``) read up front."""

    def __init__(
        self,
        columns: Sequence[str],
        rows: Iterator[tuple[int, dict[str, str]]],
        size_hint: int | None = None,
    ) -> None:
        self.columns = tuple(columns)
        self.size_hint = size_hint  # about how many data rows; for progress bars
        self._rows = rows

    def __next__(self) -> tuple[int, dict[str, str]]:
        return next(self._rows)


def format_of(filename: str) -> str:
    suffix = Path(filename).suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        raise UnreadableFile(Message("%(filename)r: give a .csv or .xlsx file", filename=filename))
    return suffix


def read_table(path: Path) -> TableRows:
    """The rows of a .csv or .xlsx file."""
    if format_of(path.name) == "csv":
        return _csv_rows(_decode(path.read_bytes()))
    return _xlsx_rows(path)


def read_table_bytes(data: bytes, filename: str) -> TableRows:
    """The rows of an uploaded file; its name's suffix says whether it is CSV or XLSX."""
    if format_of(filename) == "csv":
        return _csv_rows(_decode(data))
    return _xlsx_rows(io.BytesIO(data))


def _decode(data: bytes) -> str:
    # Excel saves "CSV UTF-8" with a BOM, and plain "CSV" in GB18030 on Chinese systems.
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnreadableFile(Message("the CSV file is not UTF-8 (save it as 'CSV UTF-8')"))


def _header(cells: Sequence[str]) -> tuple[str, ...]:
    columns = tuple(cell.strip() for cell in cells)
    seen: set[str] = set()
    for column in columns:
        if column in seen and column:
            raise ValidationFailed.field(column, Message("this column appears twice in the header"))
        seen.add(column)
    return columns


def _row_dict(columns: tuple[str, ...], cells: Sequence[str]) -> dict[str, str]:
    # Short rows (trailing empty cells dropped, by Excel or by hand) read as empty cells.
    padding = [""] * (len(columns) - len(cells))
    texts = [unquoted(cell.strip()) for cell in cells]
    row = dict(zip(columns, [*texts, *padding], strict=False))
    if len(cells) > len(columns) and any(cell.strip() for cell in cells[len(columns) :]):
        row[EXTRA_CELLS] = "yes"
    row.pop("", None)  # an unnamed column (a trailing separator) carries nothing
    return row


def _csv_rows(text: str) -> TableRows:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        first = next(reader, None)
    except csv.Error as exc:
        raise UnreadableFile(Message("line 1: %(exc)s", exc=exc)) from exc
    if first is None:
        raise UnreadableFile(Message("the file is empty (the first line names the columns)"))
    columns = _header(first)

    def rows() -> Iterator[tuple[int, dict[str, str]]]:
        line = reader.line_num + 1
        try:
            for cells in reader:
                # A quoted cell may span lines: a row starts on the line after the last one.
                if any(cell.strip() for cell in cells):
                    yield line, _row_dict(columns, cells)
                line = reader.line_num + 1
        except csv.Error as exc:  # e.g. a cell over the csv module's limit of 128 KiB
            raise UnreadableFile(Message("line %(line)s: %(exc)s", line=line, exc=exc)) from exc

    return TableRows(columns, rows(), size_hint=max(text.count("\n") - 1, 0))


def cell_text(value: Any) -> str:
    """An XLSX cell as the text a CSV would hold."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))  # numbers typed into Excel: household numbers, phones
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


# A damaged workbook makes openpyxl (and the zipfile, zlib and XML parsers under it) raise
# almost anything: KeyError, ValueError, TypeError, ParseError, BadZipFile, EOFError... None
# of it is our fault, so any exception while opening or reading one is an UnreadableFile.
_UNREADABLE_XLSX = "not a readable .xlsx workbook"


def _xlsx_rows(source: Path | IO[bytes]) -> TableRows:
    # openpyxl loads numpy when it can: imported where a workbook is read or written, so
    # that the API and the CLI start without it.
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(source, read_only=True, data_only=True)
    except Exception as exc:  # see _UNREADABLE_XLSX
        raise UnreadableFile(_UNREADABLE_XLSX) from exc
    try:
        values, columns, size = _first_sheet(workbook)
    except BaseException:
        workbook.close()
        raise

    def rows() -> Iterator[tuple[int, dict[str, str]]]:
        line = 2
        try:
            for line, cells in enumerate(values, start=2):
                texts = [cell_text(value) for value in cells]
                if any(texts):
                    yield line, _row_dict(columns, texts)
        except Exception as exc:  # see _UNREADABLE_XLSX
            raise UnreadableFile(
                Message(
                    "line %(line)s: %(UNREADABLE_XLSX)s",
                    line=line,
                    UNREADABLE_XLSX=_UNREADABLE_XLSX,
                )
            ) from exc
        finally:
            workbook.close()

    return TableRows(columns, rows(), size_hint=size)


def _first_sheet(workbook: Any) -> tuple[Iterator[tuple[Any, ...]], tuple[str, ...], int | None]:
    """The first sheet's rows after the header, its columns, and about how many rows."""
    try:
        sheet = workbook.worksheets[0]
        values = sheet.iter_rows(values_only=True)
        first = next(values, None)
        size = (sheet.max_row - 1) if sheet.max_row else None
    except Exception as exc:  # see _UNREADABLE_XLSX
        raise UnreadableFile(_UNREADABLE_XLSX) from exc
    if first is None:
        raise UnreadableFile(Message("the first sheet is empty (its first row names the columns)"))
    return values, _header([cell_text(value) for value in first]), size


# --- writing: every export's cells pass through here --------------------------------------


# What safe_text may have to change begins with one of these or is not printable (every
# character XLSX cannot hold is a control, a surrogate or a non-character: not printable).
_CAREFUL_STARTS = frozenset((QUOTE, *FORMULA_STARTS))
# openpyxl types text itself: as a formula when it begins with "=", as an error value when it
# is one of Excel's error codes (they begin with "#"), else as a string.
_TYPED_WRONG_STARTS = ("=", "#")


def _looks_quoted(text: str) -> bool:
    """Apostrophes, then a formula start: what :func:`safe_text` makes of a formula start."""
    return text.startswith(QUOTE) and text.lstrip(QUOTE).startswith(FORMULA_STARTS)


def safe_text(text: str) -> str:
    """``text`` as a spreadsheet cell can hold it and will not run it: the characters an
    XLSX cannot hold removed, and a leading apostrophe if it begins like a formula.

    Text that already begins with apostrophes and then a formula start (``'=1``, as typed
    by someone) gets one more, so that :func:`unquoted` gives every text back unchanged.
    """
    if text.isprintable() and text[:1] not in _CAREFUL_STARTS:  # nearly every cell, quickly
        return text
    text = UNSTORABLE.sub("", text)
    if text.startswith(FORMULA_STARTS) or _looks_quoted(text):
        return QUOTE + text
    return text


def unquoted(text: str) -> str:
    """A cell's text without the apostrophe :func:`safe_text` put before a formula start
    (any other apostrophe stays)."""
    return text[1:] if _looks_quoted(text) else text


def xlsx_cell(sheet: Any, value: Any) -> Any:
    """A value as the cell to append to the write-only ``sheet``: text always a string cell
    (never a formula, nor an error value like ``#N/A``) holding :func:`safe_text`, marked
    quote-prefixed when escaped so Excel keeps it text even when someone edits it; any other
    value (numbers, dates, booleans) as it is, a typed cell."""
    if not isinstance(value, str):
        return value
    if "\r" in value:  # XML reads a carriage return as a line feed: write one, the escape holds
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    text = safe_text(value)
    escaped = _looks_quoted(text)
    if not escaped and not text.startswith(_TYPED_WRONG_STARTS):
        return text  # openpyxl types it as a string itself
    from openpyxl.cell import WriteOnlyCell  # see _xlsx_rows

    cell = WriteOnlyCell(sheet, value=text)
    cell.data_type = "s"  # not the formula or error value openpyxl may have guessed
    cell.quotePrefix = escaped
    return cell


Cell = str | float | None


def write_csv(columns: Sequence[str], rows: Iterable[Sequence[Cell]], out: IO[bytes]) -> int:
    """Write a CSV (UTF-8 with a BOM, so that Excel shows Chinese right); returns the row count.
    Text goes through :func:`safe_text`; numbers are written as numbers."""
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="", write_through=True)
    writer = csv.writer(text)
    writer.writerow([safe_text(column) for column in columns])
    count = 0
    for row in rows:
        writer.writerow(
            [
                "" if cell is None else safe_text(cell) if isinstance(cell, str) else cell
                for cell in row
            ]
        )
        count += 1
    text.flush()
    text.detach()  # leave ``out`` open for the caller
    return count


def write_xlsx(
    columns: Sequence[str], rows: Iterable[Sequence[Cell]], out: IO[bytes], *, sheet: str
) -> int:
    """Write an XLSX workbook of one sheet, row by row (write-only mode keeps memory flat);
    every cell through :func:`xlsx_cell`."""
    from openpyxl import Workbook  # see _xlsx_rows

    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(sheet)
    worksheet.append([xlsx_cell(worksheet, column) for column in columns])
    count = 0
    for row in rows:
        worksheet.append([xlsx_cell(worksheet, cell) for cell in row])
        count += 1
    workbook.save(out)
    return count


WRITERS: dict[str, Callable[..., int]] = {"csv": write_csv, "xlsx": write_xlsx}
