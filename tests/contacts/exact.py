"""The exact aggregates the contact state replaced (contacts.due and contacts.report before
migration 0017), kept verbatim as the reference the fast paths are compared with: the last
visit of every household aggregated over all its visit rows under the territory."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, literal, select, union_all
from sqlalchemy.orm import Session

from gridgov.contacts.days import day_number, number_of
from gridgov.contacts.due import (
    SOON_DAYS,
    DueList,
    _item,
    cutoff,
    household_rhythms,
    moment_rows,
    rhythms,
)
from gridgov.contacts.models import ContactAssignment, VisitHousehold
from gridgov.contacts.report import HOUSEHOLD_FIGURES
from gridgov.contacts.rhythm import DEFAULT_DAYS, KEY_GROUP_DAYS
from gridgov.registry.models import Household
from gridgov.territory.scope import within


def last_visits(territory: str, *, until: dt.date | None = None) -> Any:
    conditions = [within(VisitHousehold.territory_code, territory)]
    if until is not None:
        conditions.append(VisitHousehold.visited_on <= until)
    return (
        select(
            VisitHousehold.household_id.label("household_id"),
            func.max(VisitHousehold.visited_on).label("last_on"),
        )
        .where(*conditions)
        .group_by(VisitHousehold.household_id)
        .subquery("last_visits")
    )


def rhythm_rows(session: Session, territory: str, day: dt.date) -> Any:
    last = last_visits(territory, until=day)
    days_of = household_rhythms(territory)
    days = func.coalesce(days_of.c.days, DEFAULT_DAYS)
    since = func.coalesce(last.c.last_on, ContactAssignment.started_on)
    all_days = [DEFAULT_DAYS, KEY_GROUP_DAYS, *rhythms(session).values()]
    state = case(
        (since < cutoff(days, all_days, day), "overdue"),
        (since < cutoff(days, all_days, day, SOON_DAYS), "due"),
        else_="ok",
    )
    return (
        select(
            Household.id.label("household_id"),
            Household.territory_code.label("territory_code"),
            ContactAssignment.member_id.label("member_id"),
            since.label("since"),
            days.label("days"),
            state.label("state"),
        )
        .join(ContactAssignment, ContactAssignment.household_id == Household.id)
        .outerjoin(last, last.c.household_id == Household.id)
        .outerjoin(days_of, days_of.c.household_id == Household.id)
        .where(
            ContactAssignment.ended_at.is_(None),
            Household.status == "active",
            within(Household.territory_code, territory),
        )
    )


def due_list(session: Session, *, territory: str, day: dt.date) -> DueList:
    """The whole due list (no page, no principal) by the exact aggregate."""
    no_reach: list[ColumnElement[bool]] = []
    rhythm = rhythm_rows(session, territory, day).subquery("rhythm")
    moment = moment_rows(territory, day, no_reach).subquery("moment")
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
    counts = _counts(session, pending)
    rows = session.execute(
        select(pending).order_by(
            pending.c.state.desc(), pending.c.territory_code, pending.c.household_id
        )
    ).all()
    total = sum(values.get("due", 0) + values.get("overdue", 0) for values in counts[2].values())
    return DueList([_item(row) for row in rows], total, counts[0], counts[1], counts[2])


def _counts(session: Session, pending: Any) -> tuple[dict[str, dict[str, int]], ...]:
    grid = func.substr(pending.c.territory_code, 1, 15)
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
            (by_village, grid_code[:12]),
        ):
            table.setdefault(key, {"due": 0, "overdue": 0})[state] += count
    return by_member, by_grid, by_village


def _visit_days(territory: str, start: dt.date, end: dt.date) -> Any:
    day = VisitHousehold.visited_on
    return (
        select(
            VisitHousehold.household_id.label("household_id"),
            func.max(day).filter(day < start).label("before"),
            func.max(day).filter(day <= end).label("last"),
            func.min(day).filter(and_(day >= start, day <= end)).label("first_in"),
        )
        .where(within(VisitHousehold.territory_code, territory), day <= end)
        .group_by(VisitHousehold.household_id)
        .subquery("visit_days")
    )


def coverage_rows(
    session: Session, territory: str, start: dt.date, end: dt.date, child_length: int
) -> dict[str, dict[str, int]]:
    """The household figures per child node by the exact aggregate."""
    visits = _visit_days(territory, start, end)
    rhythm = household_rhythms(territory)
    days = func.coalesce(rhythm.c.days, DEFAULT_DAYS)
    assigned = ContactAssignment.id.is_not(None)
    to_n, from_n = number_of(end), number_of(start)
    last_n = day_number(visits.c.last)
    due_at_end = day_number(func.coalesce(visits.c.last, ContactAssignment.started_on)) + days
    due_in_period = day_number(func.coalesce(visits.c.before, ContactAssignment.started_on)) + days
    in_period = and_(assigned, due_in_period >= from_n, due_in_period <= to_n)
    count = func.count
    key = func.substr(Household.territory_code, 1, child_length).label("child")
    query = (
        select(
            key,
            count(),
            count().filter(assigned),
            count().filter(last_n > to_n - 30),
            count().filter(last_n > to_n - 90),
            count().filter(and_(assigned, due_at_end >= to_n, due_at_end < to_n + SOON_DAYS)),
            count().filter(and_(assigned, due_at_end < to_n)),
            count().filter(in_period),
            count().filter(and_(in_period, day_number(visits.c.first_in) <= due_in_period)),
        )
        .select_from(Household)
        .outerjoin(
            ContactAssignment,
            and_(
                ContactAssignment.household_id == Household.id,
                ContactAssignment.ended_at.is_(None),
            ),
        )
        .outerjoin(visits, visits.c.household_id == Household.id)
        .outerjoin(rhythm, rhythm.c.household_id == Household.id)
        .where(Household.status == "active", within(Household.territory_code, territory))
        .group_by(key)
    )
    return {
        child: dict(zip(HOUSEHOLD_FIGURES, values, strict=True))
        for child, *values in session.execute(query)
    }


STATE_FIELDS = (
    "last_visit_on",
    "territory_code",
    "active",
    "member_id",
    "started_on",
    "rhythm_days",
    "next_due_on",
)
PRESENT_STATUSES = ("living_here", "working_away", "incoming_migrant")


def states(session: Session) -> dict[str, tuple]:
    """Every household's contact state computed from scratch in Python, from the rows it
    derives from (households, links, residents, key groups, rhythms, visit rows): one
    entry per household assigned or visited, the fields in STATE_FIELDS' order."""
    from gridgov.contacts.models import ContactRhythm
    from gridgov.registry.models import Resident, ResidentKeyGroup

    per_tag = dict(session.execute(select(ContactRhythm.key_group_code, ContactRhythm.days)).all())
    tags: dict[str, list[str]] = {}
    for resident_id, code in session.execute(
        select(ResidentKeyGroup.resident_id, ResidentKeyGroup.key_group_code)
    ):
        tags.setdefault(resident_id, []).append(code)
    days: dict[str, int] = {}
    for resident_id, household_id, status in session.execute(
        select(Resident.id, Resident.household_id, Resident.residence_status)
    ):
        if status in PRESENT_STATUSES:
            for code in tags.get(resident_id, ()):
                rhythm = per_tag.get(code, KEY_GROUP_DAYS)
                days[household_id] = min(rhythm, days.get(household_id, rhythm))
    links = {
        household_id: (member_id, started_on)
        for household_id, member_id, started_on, ended_at in session.execute(
            select(
                ContactAssignment.household_id,
                ContactAssignment.member_id,
                ContactAssignment.started_on,
                ContactAssignment.ended_at,
            )
        )
        if ended_at is None
    }
    last: dict[str, dt.date] = {}
    for household_id, day in session.execute(
        select(VisitHousehold.household_id, VisitHousehold.visited_on)
    ):
        last[household_id] = max(day, last.get(household_id, day))
    found = {}
    for household_id, code, status in session.execute(
        select(Household.id, Household.territory_code, Household.status)
    ):
        member_id, started_on = links.get(household_id, (None, None))
        if member_id is None and household_id not in last:
            continue
        rhythm = days.get(household_id, DEFAULT_DAYS)
        since = last.get(household_id) or started_on
        active = status == "active"
        next_due = since + dt.timedelta(days=rhythm) if active and member_id and since else None
        found[household_id] = (
            last.get(household_id),
            code,
            active,
            member_id,
            started_on,
            rhythm,
            next_due,
        )
    return found
