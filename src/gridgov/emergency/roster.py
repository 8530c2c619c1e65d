"""The XLSX roster of a roll-call, one sheet per unit: household head, address, phone
(masked unless revealed), people, to move, moved, where, confirmed by, returned.

Codes are written as words (gridgov.emergency.labels): the status, where people went (the
shelter's name, relatives, off the island), who confirmed (their role and name). A household
that returned keeps its last move (people and where) from the history. Every text cell goes
through registry.spreadsheets.xlsx_cell: no cell is ever a formula.
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
from gridgov.accounts.models import User
from gridgov.emergency.labels import CONFIRMER_LABELS, STATUS_LABELS, WHERE_LABELS
from gridgov.emergency.models import (
    MOVED,
    RollCall,
    RollCallConfirmation,
    RollCallHousehold,
    Shelter,
)
from gridgov.emergency.queries import _line_filter
from gridgov.i18n import N_, Message
from gridgov.privacy import mask_phone
from gridgov.registry.models import Household, Resident
from gridgov.registry.spreadsheets import xlsx_cell
from gridgov.territory.queries import node_names

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


# Excel refuses these in a sheet's name, and names longer than 31 characters.
_SHEET_FORBIDDEN = str.maketrans(dict.fromkeys("[]:*?/\\", "_"))
_SHEET_MAX = 31


def sheet_names(session: Session, codes: list[str], language: str) -> dict[str, str]:
    """Each unit's sheet name: its name if it has one (forbidden characters replaced, cut to
    31 characters, made unique), else its code (its last 31 characters)."""
    names = node_names(session, codes, language)
    out: dict[str, str] = {}
    taken: set[str] = set()
    for code in codes:
        name = (names.get(code) or "").translate(_SHEET_FORBIDDEN).strip().strip("'")
        sheet = name[:_SHEET_MAX] if name else code[-_SHEET_MAX:]
        if sheet.casefold() in taken:  # two units of one name: the code tells them apart
            suffix = f" {code[-6:]}"
            sheet = sheet[: _SHEET_MAX - len(suffix)] + suffix
        n = 2
        while sheet.casefold() in taken:
            suffix = f" {n}"
            sheet = sheet[: _SHEET_MAX - len(suffix)] + suffix
            n += 1
        taken.add(sheet.casefold())
        out[code] = sheet
    return out


def last_moves(
    session: Session, roll_call: RollCall, household_ids: list[str]
) -> dict[str, RollCallConfirmation]:
    """Each household's latest move (to a shelter, relatives, off the island) in the
    history, for the households that have returned since."""
    if not household_ids:
        return {}
    moves = session.scalars(
        select(RollCallConfirmation)
        .where(
            RollCallConfirmation.roll_call_id == roll_call.id,
            RollCallConfirmation.household_id.in_(household_ids),
            RollCallConfirmation.status.in_(MOVED),
        )
        .order_by(RollCallConfirmation.confirmed_at, RollCallConfirmation.received_at)
    )
    return {move.household_id: move for move in moves}  # the last wins


def _confirmer_names(session: Session, rows: list[Any]) -> dict[str, str]:
    """``confirmed_by`` ("user:<username>") to the user's display name, where one is known."""
    usernames = {
        line.confirmed_by.removeprefix("user:")
        for line, _, _ in rows
        if line.confirmed_by and line.confirmed_by.startswith("user:")
    }
    if not usernames:
        return {}
    return {
        f"user:{username}": name
        for username, name in session.execute(
            select(User.username, User.display_name).where(User.username.in_(usernames))
        )
        if name
    }


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
    moves = last_moves(
        session, roll_call, [line.household_id for line, _, _ in rows if line.status == "returned"]
    )
    words = _Words(language, shelters, moves, _confirmer_names(session, rows))
    workbook = Workbook(write_only=True)
    by_unit: dict[str, list[Any]] = defaultdict(list)
    for line, household, head in rows:
        by_unit[line.territory_code].append((line, household, head))
    title = Message("DRILL") if roll_call.drill else None
    names = sheet_names(session, sorted(by_unit), language)
    for unit, lines in sorted(by_unit.items()) or [("-", [])]:
        sheet: Any = workbook.create_sheet(title=names.get(unit, unit[-_SHEET_MAX:]))
        if title is not None:
            sheet.append([xlsx_cell(sheet, title.render(language))])
        sheet.append([xlsx_cell(sheet, Message(h).render(language)) for h in HEADINGS])
        for line, household, head in lines:
            sheet.append(
                [
                    xlsx_cell(sheet, value)
                    for value in _cells(line, household, head, shown, words, roll_call)
                ]
            )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


class _Words:
    """The roster's words for one export: statuses, places and confirmers in ``language``."""

    def __init__(
        self,
        language: str,
        shelters: dict[str, str],
        moves: dict[str, RollCallConfirmation],
        confirmers: dict[str, str],
    ) -> None:
        self.language = language
        self.shelters = shelters
        self.moves = moves
        self.confirmers = confirmers

    def label(self, message_id: str) -> str:
        return Message(message_id).render(self.language)

    def status(self, code: str) -> str:
        return self.label(STATUS_LABELS[code]) if code in STATUS_LABELS else code

    def where(self, status: str, shelter_id: str | None) -> str:
        if status == "moved_shelter":
            return self.shelters.get(shelter_id or "", "")
        return self.label(WHERE_LABELS[status]) if status in WHERE_LABELS else ""

    def confirmer(self, line: RollCallHousehold) -> str:
        if not line.confirmed_by:
            return ""
        role = self.label(CONFIRMER_LABELS[line.confirmer]) if line.confirmer else ""
        name = self.confirmers.get(line.confirmed_by, "")
        return " ".join(part for part in (role, name) if part) or line.confirmed_by


def _cells(
    line: RollCallHousehold,
    household: Household,
    head: Resident | None,
    shown: frozenset[str],
    words: _Words,
    roll_call: RollCall,
) -> list[Any]:
    phone = None
    if head is not None and head.phone:
        phone = head.phone if head.id in shown else mask_phone(head.phone)
    moved, where = 0, ""
    if line.status in MOVED:
        moved = line.moved_people if line.moved_people is not None else line.people
        where = words.where(line.status, line.shelter_id)
    elif line.status == "returned" and line.household_id in words.moves:
        move = words.moves[line.household_id]  # the move it returned from
        moved = move.people if move.people is not None else line.people
        where = words.where(move.status, move.shelter_id)
    return [
        line.household_no,
        head.name if head is not None else "",
        household.address,
        phone or "",
        line.people,
        line.people if roll_call.evacuation else 0,
        moved,
        where,
        words.status(line.status),
        words.confirmer(line),
        _local(line.confirmed_at),
        _local(line.returned_at),
    ]
