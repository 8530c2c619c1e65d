"""Export of households and residents as CSV or XLSX, in the import's columns.

An export re-imports (same columns, same spellings). Personal fields are masked unless
``reveal`` is asked for; rows stream from the database (``yield_per``), so a town's
register never sits in memory whole.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import IO, Any

from sqlalchemy import ColumnElement, case, exists, select, true
from sqlalchemy.orm import Session

from gridgov.access.checks import reach_territory, require
from gridgov.access.policy import scope_filter
from gridgov.access.principal import Principal
from gridgov.errors import NotFound, ValidationFailed
from gridgov.i18n import SOURCE_LANGUAGE, Message
from gridgov.privacy import mask_id_number, mask_phone
from gridgov.registry.columns import header_of
from gridgov.registry.importing import HOUSEHOLD_COLUMNS, RESIDENT_COLUMNS
from gridgov.registry.models import Household, Resident, ResidentKeyGroup
from gridgov.registry.spreadsheets import WRITERS, Cell
from gridgov.territory.models import Territory
from gridgov.territory.scope import within

KINDS = ("households", "residents")
STREAM_CHUNK = 2000
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _require_territory(session: Session, code: str) -> None:
    if not session.scalar(select(exists().where(Territory.code == code))):
        raise NotFound(
            Message("no territory has code %(code)s", code=code),
            fields={"territory": Message("not found")},
        )


def _visible(principal: Principal | None, code_column: Any) -> ColumnElement[bool]:
    """Given a principal, the rows they may export (in the SQL); else every row."""
    if principal is None:
        return true()
    return scope_filter(principal, "read", "import_export", code_column)


def household_rows(
    session: Session, *, territory: str, principal: Principal | None = None
) -> Iterator[list[Cell]]:
    """Households under ``territory`` (that ``principal`` may export), in HOUSEHOLD_COLUMNS
    order."""
    _require_territory(session, territory)
    query = (
        select(
            Household.village_code,
            Household.household_no,
            Household.address,
            Household.territory_code,
            Household.lon,
            Household.lat,
        )
        .where(within(Household.territory_code, territory))
        .where(_visible(principal, Household.territory_code))
        .order_by(Household.village_code, Household.household_no)
        .execution_options(yield_per=STREAM_CHUNK)
    )
    for village, number, address, territory_code, lon, lat in session.execute(query):
        unit_code = territory_code if territory_code != village else None
        yield [village, number, address, unit_code, lon, lat]


def resident_rows(
    session: Session,
    *,
    territory: str,
    reveal: bool = False,
    principal: Principal | None = None,
) -> Iterator[list[Cell]]:
    """Residents under ``territory``, in RESIDENT_COLUMNS order; personal fields masked."""
    _require_territory(session, territory)
    heads_first = case((Resident.relation_to_head == "head", 0), else_=1)
    query = (
        select(
            Resident.id,
            Household.village_code,
            Household.household_no,
            Resident.name,
            Resident.sex,
            Resident.birth_date,
            Resident.id_number,
            Resident.phone,
            Resident.relation_to_head,
            Resident.residence_status,
        )
        .join(Household, Household.id == Resident.household_id)
        .where(within(Resident.territory_code, territory))
        .where(_visible(principal, Resident.territory_code))
        .order_by(
            Household.village_code,
            Household.household_no,
            heads_first,
            Resident.birth_date,
            Resident.name,
            Resident.id,
        )
        .execution_options(yield_per=STREAM_CHUNK)
    )
    for partition in session.execute(query).partitions():
        tags = _key_groups_of(session, [row[0] for row in partition])
        for resident_id, village, number, name, sex, born, id_number, phone, *rest in partition:
            yield [
                village,
                number,
                name,
                sex,
                born.isoformat(),
                id_number if reveal else mask_id_number(id_number),
                phone if reveal else mask_phone(phone),
                *rest,
                ";".join(tags.get(resident_id, ())),
            ]


def _key_groups_of(session: Session, resident_ids: Sequence[str]) -> dict[str, list[str]]:
    query = (
        select(ResidentKeyGroup.resident_id, ResidentKeyGroup.key_group_code)
        .where(ResidentKeyGroup.resident_id.in_(resident_ids))
        .order_by(ResidentKeyGroup.key_group_code)
    )
    tags: dict[str, list[str]] = {}
    for resident_id, code in session.execute(query):
        tags.setdefault(resident_id, []).append(code)
    return tags


def export_table(
    session: Session,
    kind: str,
    out: IO[bytes],
    *,
    territory: str,
    file_format: str,
    reveal: bool = False,
    principal: Principal | None = None,
    language: str = SOURCE_LANGUAGE,
) -> int:
    """Write ``kind`` under ``territory`` to ``out`` as CSV or XLSX; returns the row count.
    The header is in ``language`` (the columns' codes in English; the importer reads
    either)."""
    if file_format not in WRITERS:
        raise ValidationFailed.field("format", Message("csv or xlsx"))
    _require_territory(session, territory)  # before the header is written
    columns: tuple[str, ...]
    if kind == "households":
        columns = HOUSEHOLD_COLUMNS
        rows = household_rows(session, territory=territory, principal=principal)
    elif kind == "residents":
        columns = RESIDENT_COLUMNS
        rows = resident_rows(session, territory=territory, reveal=reveal, principal=principal)
    else:
        raise ValidationFailed.field("kind", Message("one of %(KINDS)s", KINDS=", ".join(KINDS)))
    header = header_of(columns, language)
    if file_format == "xlsx":
        return WRITERS["xlsx"](header, rows, out, sheet=kind)
    return WRITERS["csv"](header, rows, out)


@dataclass(frozen=True)
class ExportFile:
    content: bytes
    filename: str
    media_type: str


def export_for(
    session: Session,
    principal: Principal,
    kind: str,
    file_format: str,
    territory: str,
    *,
    language: str = "en",
) -> ExportFile:
    """The file a caller downloads (the API's and the pages' exports alike): only a role that
    may export, only a node within their reach (else 404 as if missing), rows in their scope,
    personal fields masked."""
    require(principal, "read", "import_export")
    reach_territory(session, principal, "read", "import_export", territory)
    buffer = io.BytesIO()
    export_table(
        session,
        kind,
        buffer,
        territory=territory,
        file_format=file_format,
        principal=principal,
        language=language,
    )
    filename = f"{kind}-{territory}.{file_format}"
    return ExportFile(buffer.getvalue(), filename, MEDIA_TYPES[file_format])
