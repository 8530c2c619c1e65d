"""The XLSX roster of a roll-call, one sheet per unit: household head, address, phone
(masked unless revealed), people, to move, moved, where, confirmed by, returned.

Every text cell goes through registry.spreadsheets.xlsx_cell: no cell is ever a formula.
"""

from __future__ import annotations

import datetime as dt
import io
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from openpyxl import Workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov import clock
from gridgov.access.principal import Principal
from gridgov.emergency.models import MOVED, RollCall, RollCallHousehold, Shelter
from gridgov.emergency.queries import _line_filter
from gridgov.i18n import N_, Message
from gridgov.privacy import mask_phone
from gridgov.registry.models import Household, Resident
from gridgov.registry.spreadsheets import xlsx_cell

HEADINGS = (
    N_("Household no."),
    N_("Household head"),
    N_("Address"),
    N_("Phone"),
    N_("People"),
    N_("To move"),
    N_("Moved"),
    N_("Where"),
    N_("Status"),
    N_("Confirmed by"),
    N_("Confirmed at"),
    N_("Returned"),
)


def roster_rows(
    session: Session, roll_call: RollCall, principal: Principal | None
) -> list[tuple[RollCallHousehold, Household, Resident | None]]:
    """The lines the caller may read, with each household and its head."""
    rows = session.execute(
        select(RollCallHousehold, Household, Resident)
        .join(Household, Household.id == RollCallHousehold.household_id)
        .outerjoin(
            Resident,
            (Resident.household_id == Household.id) & (Resident.relation_to_head == "head"),
        )
        .where(RollCallHousehold.roll_call_id == roll_call.id, _line_filter(principal))
        .order_by(
            RollCallHousehold.territory_code,
            RollCallHousehold.priority.desc(),
            RollCallHousehold.household_no,
        )
    ).all()
    seen: set[str] = set()
    out: list[tuple[RollCallHousehold, Household, Resident | None]] = []
    for line, household, head in rows:
        if household.id in seen:  # two heads (bad data): the first
            continue
        seen.add(household.id)
        out.append((line, household, head))
    return out


def _local(value: dt.datetime | None) -> dt.datetime | None:
    return None if value is None else clock.local(value).replace(tzinfo=None)


def export_roster(
    session: Session,
    roll_call: RollCall,
    principal: Principal | None,
    *,
    language: str,
    shown_phones: Callable[[list[Resident]], frozenset[str]] = lambda _: frozenset(),
) -> bytes:
    """The workbook: one sheet per unit; ``shown_phones`` answers which heads' phones are
    shown in full (a reveal, audited by the caller)."""
    rows = roster_rows(session, roll_call, principal)
    shown = shown_phones([head for _, _, head in rows if head is not None])
    shelters = {s.id: s.name for s in session.scalars(select(Shelter))}
    workbook = Workbook(write_only=True)
    by_unit: dict[str, list[Any]] = defaultdict(list)
    for line, household, head in rows:
        by_unit[line.territory_code].append((line, household, head))
    title = Message("DRILL") if roll_call.drill else None
    for unit, lines in sorted(by_unit.items()) or [("-", [])]:
        sheet: Any = workbook.create_sheet(title=unit[-31:])
        if title is not None:
            sheet.append([xlsx_cell(sheet, title.render(language))])
        sheet.append([xlsx_cell(sheet, Message(h).render(language)) for h in HEADINGS])
        for line, household, head in lines:
            sheet.append(
                [
                    xlsx_cell(sheet, value)
                    for value in _cells(line, household, head, shown, shelters, roll_call)
                ]
            )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _cells(
    line: RollCallHousehold,
    household: Household,
    head: Resident | None,
    shown: frozenset[str],
    shelters: dict[str, str],
    roll_call: RollCall,
) -> list[Any]:
    phone = None
    if head is not None and head.phone:
        phone = head.phone if head.id in shown else mask_phone(head.phone)
    moved = line.moved_people if line.status in MOVED else None
    where = shelters.get(line.shelter_id or "", "") if line.shelter_id else ""
    return [
        line.household_no,
        head.name if head is not None else "",
        household.address,
        phone or "",
        line.people,
        line.people if roll_call.evacuation else 0,
        moved if moved is not None else (line.people if line.status in MOVED else 0),
        where or (line.status if line.status in MOVED else ""),
        line.status,
        line.confirmed_by or "",
        _local(line.confirmed_at),
        _local(line.returned_at),
    ]
