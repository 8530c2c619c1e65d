"""Due contacts: which assigned households are due a visit (their rhythm came round, or a
"must visit" moment is open), and which are overdue, as of one day.

Set-based SQL for any size of territory: the last visit of each household from its contact
state (contacts.state: the state's day, or for a past day the visit rows after that day
only), one aggregate of the shortest rhythm of each household's key groups, and a
comparison of the last visit (or the day of the link, never visited) with a cut-off per
rhythm, written as a CASE over the few rhythms there are so that no database's date
arithmetic is needed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Select, case, func, literal, or_, select, union_all
from sqlalchemy.orm import Session

from gridgov.access.policy import scope_filter
from gridgov.access.principal import Principal
from gridgov.contacts.models import (
    ContactAssignment,
    ContactRhythm,
    ContactState,
    MustVisit,
    PartyMember,
)
from gridgov.contacts.party_groups import led_households, led_member_ids
from gridgov.contacts.rhythm import DEFAULT_DAYS, KEY_GROUP_DAYS
from gridgov.contacts.state import PRESENT, last_visit_as_of, visits_after
from gridgov.registry.models import Household, Resident, ResidentKeyGroup
from gridgov.territory.scope import within

SOON_DAYS = 7  # "due now": the rhythm comes round within a week
GRID_LENGTH, VILLAGE_LENGTH = 15, 12


def rhythms(session: Session) -> dict[str, int]:
    """The days per key group set in ``contact_rhythms`` (others: the defaults)."""
    return dict(session.execute(select(ContactRhythm.key_group_code, ContactRhythm.days)).all())


def household_rhythms(territory: str) -> Any:
    """Per household under ``territory`` with a present resident in a key group: its days."""
    return (
        select(
            Resident.household_id.label("household_id"),
            func.min(func.coalesce(ContactRhythm.days, KEY_GROUP_DAYS)).label("days"),
        )
        .join(ResidentKeyGroup, ResidentKeyGroup.resident_id == Resident.id)
        .outerjoin(ContactRhythm, ContactRhythm.key_group_code == ResidentKeyGroup.key_group_code)
        .where(within(Resident.territory_code, territory), Resident.residence_status.in_(PRESENT))
        .group_by(Resident.household_id)
        .subquery("household_rhythms")
    )


def cutoff(days_column: Any, all_days: Sequence[int], day: dt.date, extra: int = 0) -> Any:
    """``day - days + extra`` for each rhythm there is, as a CASE on ``days_column``."""
    whens = [
        (days_column == days, literal(day - dt.timedelta(days=days - extra)))
        for days in sorted(set(all_days))
    ]
    return case(*whens, else_=literal(day - dt.timedelta(days=DEFAULT_DAYS - extra)))


def rhythm_rows(
    session: Session, territory: str, day: dt.date, conditions: Sequence[ColumnElement[bool]]
) -> Any:
    """Every assigned household under ``territory`` (and ``conditions``, on ContactState's
    columns) that may be due as of ``day``, with its member, its node, the day it is counted
    from and its state: ``overdue``, ``due`` or ``ok``.

    From the contact state alone: its ``next_due_on`` counts from its last visit, so a
    household may be due when that day falls before ``day`` and a week (one index range
    scan on node and day), or when it has a visit after ``day`` (its last visit as of
    ``day`` is earlier: the few visit rows after ``day``); every other one is ``ok``."""
    state_row = ContactState
    after = visits_after(territory, day)
    soon = day + dt.timedelta(days=SOON_DAYS)
    since = func.coalesce(last_visit_as_of(state_row, after), state_row.started_on)
    days = state_row.rhythm_days
    all_days = [DEFAULT_DAYS, KEY_GROUP_DAYS, *rhythms(session).values()]
    state = case(
        (since < cutoff(days, all_days, day), "overdue"),
        (since < cutoff(days, all_days, day, SOON_DAYS), "due"),
        else_="ok",
    )
    columns = (
        state_row.household_id.label("household_id"),
        state_row.territory_code.label("territory_code"),
        state_row.member_id.label("member_id"),
        since.label("since"),
        days.label("days"),
        state.label("state"),
    )
    where = (within(state_row.territory_code, territory), *conditions)
    by_day = (
        select(*columns)
        .outerjoin(after, after.c.household_id == state_row.household_id)
        .where(state_row.next_due_on < soon, *where)
    )
    visited_after = (
        select(*columns)
        .join(after, after.c.household_id == state_row.household_id)
        .where(state_row.next_due_on >= soon, *where)  # not null: active and assigned
    )
    return union_all(by_day, visited_after)


def moment_rows(
    territory: str, day: dt.date, conditions: Sequence[ColumnElement[bool]]
) -> Select[Any]:
    """The open "must visit" moments under ``territory``, with the contact member."""
    return (
        select(
            MustVisit.household_id.label("household_id"),
            Household.territory_code.label("territory_code"),
            ContactAssignment.member_id.label("member_id"),
            MustVisit.reason.label("reason"),
            MustVisit.due_on.label("due_on"),
            case((MustVisit.due_on < day, "overdue"), else_="due").label("state"),
        )
        .join(Household, Household.id == MustVisit.household_id)
        .outerjoin(
            ContactAssignment,
            (ContactAssignment.household_id == MustVisit.household_id)
            & ContactAssignment.ended_at.is_(None),
        )
        .where(
            MustVisit.met_visit_id.is_(None),
            within(MustVisit.territory_code, territory),
            Household.status == "active",
            *conditions,
        )
    )


@dataclass
class DueItem:
    household_id: str
    territory_code: str
    member_id: str | None
    reason: str  # "rhythm" or the moment's reason
    due_on: dt.date
    overdue: bool


@dataclass
class DueList:
    items: list[DueItem]
    total: int
    # Counts per member, grid and village: {"due": n, "overdue": n}.
    by_member: dict[str, dict[str, int]] = field(default_factory=dict)
    by_grid: dict[str, dict[str, int]] = field(default_factory=dict)
    by_village: dict[str, dict[str, int]] = field(default_factory=dict)


def _reach(principal: Principal | None, code: Any, household: Any) -> list[ColumnElement[bool]]:
    if principal is None:
        return []
    return [scope_filter(principal, "read", "contact", code, household_column=household)]


def due_list(
    session: Session,
    *,
    territory: str,
    day: dt.date,
    principal: Principal | None,
    limit: int,
    offset: int,
) -> DueList:
    """The due and overdue contacts under ``territory`` as of ``day`` (overdue first); a
    party group leader also sees those of their group's members (contacts.party_groups)."""
    led = led_member_ids(session, principal)
    reaches = []
    for code, household in (
        (ContactState.territory_code, ContactState.household_id),
        (Household.territory_code, Household.id),
    ):
        reach = _reach(principal, code, household)
        if reach and led:
            reach = [or_(reach[0], led_households(led, household))]
        reaches.append(reach)
    rhythm = rhythm_rows(session, territory, day, reaches[0]).subquery("rhythm")
    moment = moment_rows(territory, day, reaches[1]).subquery("moment")
    rhythm_due = select(
        rhythm.c.household_id,
        rhythm.c.territory_code,
        rhythm.c.member_id,
        literal("rhythm").label("reason"),
        rhythm.c.since,
        rhythm.c.days,
        literal(None).label("due_on"),
        rhythm.c.state,
    ).where(rhythm.c.state != "ok")
    moment_due = select(
        moment.c.household_id,
        moment.c.territory_code,
        moment.c.member_id,
        moment.c.reason,
        literal(None).label("since"),
        literal(None).label("days"),
        moment.c.due_on,
        moment.c.state,
    )
    pending = union_all(rhythm_due, moment_due).subquery("pending")
    # Counted in SQL (per member, grid and state); only the page's rows are read.
    by_member, by_grid, by_village = _counts(session, pending)
    total = sum(sum(counts.values()) for counts in by_village.values())
    rows = session.execute(
        select(pending)
        .order_by(pending.c.state.desc(), pending.c.territory_code, pending.c.household_id)
        .limit(limit)
        .offset(offset)
    ).all()
    return DueList([_item(row) for row in rows], total, by_member, by_grid, by_village)


def _item(row: Any) -> DueItem:
    due_on = row.due_on
    if due_on is None:
        due_on = _as_date(row.since) + dt.timedelta(days=int(row.days))
    return DueItem(
        household_id=row.household_id,
        territory_code=row.territory_code,
        member_id=row.member_id,
        reason=row.reason,
        due_on=_as_date(due_on),
        overdue=row.state == "overdue",
    )


def _as_date(value: Any) -> dt.date:
    """A day from a UNION's column (SQLite hands a text back where the types were lost)."""
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def _counts(session: Session, pending: Any) -> tuple[dict[str, dict[str, int]], ...]:
    """Due and overdue per member, grid and village of the pending rows."""
    grid = func.substr(pending.c.territory_code, 1, GRID_LENGTH)
    by_member: dict[str, dict[str, int]] = {}
    by_grid: dict[str, dict[str, int]] = {}
    by_village: dict[str, dict[str, int]] = {}
    for member_id, grid_code, state, count in session.execute(
        select(pending.c.member_id, grid, pending.c.state, func.count()).group_by(
            pending.c.member_id, grid, pending.c.state
        )
    ):
        for table, key in (
            (by_member, member_id or ""),
            (by_grid, grid_code),
            (by_village, grid_code[:VILLAGE_LENGTH]),
        ):
            table.setdefault(key, {"due": 0, "overdue": 0})[state] += count
    return by_member, by_grid, by_village


def member_names(session: Session, member_ids: Sequence[str]) -> dict[str, str]:
    if not member_ids:
        return {}
    return dict(
        session.execute(
            select(PartyMember.id, Resident.name)
            .join(Resident, Resident.id == PartyMember.resident_id)
            .where(PartyMember.id.in_(list(member_ids)))
        ).all()
    )
