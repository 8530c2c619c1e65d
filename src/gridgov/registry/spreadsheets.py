"""The registry's spreadsheets: CSV or XLSX files read and written (no database here).

A table is a header row naming the columns, then one row per record. Rows come out as
``(line, {column: text})`` with ``line`` counted as the user sees the file (header = 1),
so every error can point at the row to fix.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any

from gridgov.errors import ValidationFailed

FORMATS = ("csv", "xlsx")
# A data row with more cells than the header has columns gets this extra key.
EXTRA_CELLS = "(extra cells)"


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
        raise UnreadableFile(f"{filename!r}: give a .csv or .xlsx file")
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
    raise UnreadableFile("the CSV file is not UTF-8 (save it as 'CSV UTF-8')")


def _header(cells: Sequence[str]) -> tuple[str, ...]:
    columns = tuple(cell.strip() for cell in cells)
    seen: set[str] = set()
    for column in columns:
        if column in seen and column:
            raise ValidationFailed.field(column, "this column appears twice in the header")
        seen.add(column)
    return columns


def _row_dict(columns: tuple[str, ...], cells: Sequence[str]) -> dict[str, str]:
    # Short rows (trailing empty cells dropped, by Excel or by hand) read as empty cells.
    padding = [""] * (len(columns) - len(cells))
    row = dict(zip(columns, [*(cell.strip() for cell in cells), *padding], strict=False))
    if len(cells) > len(columns) and any(cell.strip() for cell in cells[len(columns) :]):
        row[EXTRA_CELLS] = "yes"
    row.pop("", None)  # an unnamed column (a trailing separator) carries nothing
    return row


def _csv_rows(text: str) -> TableRows:
    reader = csv.reader(io.StringIO(text, newline=""))
    first = next(reader, None)
    if first is None:
        raise UnreadableFile("the file is empty (the first line names the columns)")
    columns = _header(first)

    def rows() -> Iterator[tuple[int, dict[str, str]]]:
        line = reader.line_num + 1
        for cells in reader:
            # A quoted cell may span lines: a row starts on the line after the last one.
            if any(cell.strip() for cell in cells):
                yield line, _row_dict(columns, cells)
            line = reader.line_num + 1

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


def _xlsx_rows(source: Path | IO[bytes]) -> TableRows:
    # openpyxl loads numpy when it can: imported where a workbook is read or written, so
    # that the API and the CLI start without it.
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(source, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError) as exc:
        raise UnreadableFile("not a readable .xlsx workbook") from exc
    sheet = workbook.worksheets[0]
    values = sheet.iter_rows(values_only=True)
    first = next(values, None)
    if first is None:
        workbook.close()
        raise UnreadableFile("the first sheet is empty (its first row names the columns)")
    columns = _header([cell_text(value) for value in first])

    def rows() -> Iterator[tuple[int, dict[str, str]]]:
        try:
            for line, cells in enumerate(values, start=2):
                texts = [cell_text(value) for value in cells]
                if any(texts):
                    yield line, _row_dict(columns, texts)
        finally:
            workbook.close()

    size = (sheet.max_row - 1) if sheet.max_row else None
    return TableRows(columns, rows(), size_hint=size)


Cell = str | float | None


def write_csv(columns: Sequence[str], rows: Iterable[Sequence[Cell]], out: IO[bytes]) -> int:
    """Write a CSV (UTF-8 with a BOM, so that Excel shows Chinese right); returns the row count."""
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="", write_through=True)
    writer = csv.writer(text)
    writer.writerow(columns)
    count = 0
    for row in rows:
        writer.writerow(["" if cell is None else cell for cell in row])
        count += 1
    text.flush()
    text.detach()  # leave ``out`` open for the caller
    return count


def write_xlsx(
    columns: Sequence[str], rows: Iterable[Sequence[Cell]], out: IO[bytes], *, sheet: str
) -> int:
    """Write an XLSX workbook of one sheet, row by row (write-only mode keeps memory flat)."""
    from openpyxl import Workbook  # see _xlsx_rows

    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(sheet)
    worksheet.append(list(columns))
    count = 0
    for row in rows:
        worksheet.append(list(row))
        count += 1
    workbook.save(out)
    return count


WRITERS: dict[str, Callable[..., int]] = {"csv": write_csv, "xlsx": write_xlsx}
