"""The case register as an XLSX workbook: one row per case, the reporter's contacts masked.

Rows stream from the database (``yield_per``) into a write-only workbook, so a town's
register never sits in memory whole. Times are local wall-clock times of the deployment's
timezone (Excel has no offsets; the header names the zone). Text cells are made safe for
spreadsheets the one way every export does (``registry.spreadsheets.xlsx_cell``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from sqlalchemy import exists, select, true
from sqlalchemy.orm import Session

from gridgov import clock
from gridgov.access.policy import scope_filter
from gridgov.access.principal import Principal
from gridgov.cases.models import Case, CaseCategory
from gridgov.crypto import UNDECRYPTABLE
from gridgov.errors import NotFound
from gridgov.i18n import N_, SOURCE_LANGUAGE, Message
from gridgov.privacy import mask_phone
from gridgov.registry.spreadsheets import xlsx_cell
from gridgov.territory.models import Territory
from gridgov.territory.scope import within

STREAM_CHUNK = 2000
MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
# (heading, width in characters); a "{zone}" in a heading names the timezone.
COLUMNS: tuple[tuple[str, int], ...] = (
    ("id", 34),
    ("category", 22),
    ("category_name", 16),
    ("created ({zone})", 18),
    ("location_code", 19),
    ("level_now", 10),
    ("resolved_level", 14),
    ("state", 12),
    ("due ({zone})", 18),
    ("closed ({zone})", 18),
    ("overdue_ever", 13),
    ("rating", 7),
    ("reopens", 8),
    ("reporter_name", 14),
    ("reporter_contact", 22),
    ("reporter_email", 26),
)
# Each heading for people (the English export keeps the headings above, as scripts read
# them); "%(zone)s" names the timezone.
HEADING_NAMES = {
    "id": N_("Case ID"),
    "category": N_("Category code"),
    "category_name": N_("Category"),
    "created ({zone})": N_("Created (%(zone)s)"),
    "location_code": N_("Location code"),
    "level_now": N_("Level now"),
    "resolved_level": N_("Resolved at level"),
    "state": N_("State"),
    "due ({zone})": N_("Due (%(zone)s)"),
    "closed ({zone})": N_("Closed (%(zone)s)"),
    "overdue_ever": N_("Ever overdue"),
    "rating": N_("Rating"),
    "reopens": N_("Reopened times"),
    "reporter_name": N_("Reporter"),
    "reporter_contact": N_("Reporter's phone"),
    "reporter_email": N_("Reporter's e-mail"),
}


def heading_in(heading: str, language: str) -> str:
    """A column's heading in ``language`` (English: the heading itself)."""
    zone = clock.zone().key
    if language == SOURCE_LANGUAGE:
        return heading.format(zone=zone)
    return Message(HEADING_NAMES[heading], zone=zone).render(language)


def mask_contact(value: str | None) -> str | None:
    """A phone keeps its first 3 and last 4 digits, an e-mail its first letter and domain,
    anything else its first and last character; an undecryptable value shows as such."""
    if not value or value == UNDECRYPTABLE:
        return value
    if "@" in value:
        local, _, domain = value.partition("@")
        return f"{local[:1]}***@{domain}"
    digits = value.replace(" ", "").replace("-", "").lstrip("+")
    if digits.isdigit():
        return mask_phone(digits)
    if len(value) <= 2:
        return "*" * len(value)
    return value[0] + "*" * (len(value) - 2) + value[-1]


def case_rows(
    session: Session,
    *,
    territory: str,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    reveal: bool = False,
    principal: Principal | None = None,
) -> Iterator[list[Any]]:
    """The register's rows (COLUMNS order), oldest first: cases located under ``territory``
    (created in ``[start, end)`` when given) that ``principal`` may export."""
    visible = (
        true()
        if principal is None
        else scope_filter(principal, "read", "import_export", Case.territory_code)
    )
    query = (
        select(
            Case.id,
            Case.category_code,
            CaseCategory.name_zh,
            Case.created_at,
            Case.territory_code,
            Case.level,
            Case.resolved_level,
            Case.state,
            Case.due_at,
            Case.closed_at,
            Case.overdue_ever,
            Case.rating,
            Case.reopens,
            Case.reporter_name,
            Case.reporter_contact,
            Case.reporter_email,
        )
        .join(CaseCategory, CaseCategory.code == Case.category_code)
        .where(within(Case.territory_code, territory), visible)
        .order_by(Case.created_at, Case.id)
        .execution_options(yield_per=STREAM_CHUNK)
    )
    if start is not None:
        query = query.where(Case.created_at >= start)
    if end is not None:
        query = query.where(Case.created_at < end)
    for row in session.execute(query):
        *head, name, contact, email = row
        cells = [_local(value) if isinstance(value, dt.datetime) else value for value in head]
        personal = [contact, email] if reveal else [mask_contact(contact), mask_contact(email)]
        yield [*cells, name, *personal]


def _local(value: dt.datetime) -> dt.datetime:
    # Whole seconds: Excel keeps milliseconds at best, and a register needs minutes.
    return clock.local(value).replace(tzinfo=None, microsecond=0)


def export_cases(
    session: Session,
    out: IO[bytes],
    *,
    territory: str,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    reveal: bool = False,
    principal: Principal | None = None,
    language: str = SOURCE_LANGUAGE,
) -> int:
    """Write the register of ``territory`` to ``out`` as XLSX, its header in ``language``;
    returns the row count."""
    if not session.scalar(select(exists().where(Territory.code == territory))):
        raise NotFound(
            Message("no territory has code %(territory)s", territory=territory),
            fields={"territory": Message("not found")},
        )
    rows = case_rows(
        session,
        territory=territory,
        start=start,
        end=end,
        reveal=reveal,
        principal=principal,
    )
    workbook = Workbook(write_only=True)
    sheet: WriteOnlyWorksheet = workbook.create_sheet("cases")
    sheet.freeze_panes = "A2"
    for index, (_heading, width) in enumerate(COLUMNS, start=1):
        # A write-only sheet has column_dimensions (its _setup sets them, as a Worksheet's);
        # types-openpyxl leaves the attribute out of WriteOnlyWorksheet.
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = width  # type: ignore[attr-defined]
    bold = Font(bold=True)
    header = []
    for heading, _width in COLUMNS:
        cell = WriteOnlyCell(sheet, value=heading_in(heading, language))
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    count = 0
    for row in rows:
        sheet.append([_cell(sheet, value) for value in row])
        count += 1
    workbook.save(out)
    return count


def _cell(sheet: WriteOnlyWorksheet, value: Any) -> Any:
    if isinstance(value, dt.datetime):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = DATETIME_FORMAT
        return cell
    return xlsx_cell(sheet, value)
