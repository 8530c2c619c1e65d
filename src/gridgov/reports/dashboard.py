"""The figures of a territory's dashboard that the resolution report does not hold: the
registry's counts and the cases open now, per child node, and the cases opened and closed
per week of a period.

Every count comes from one grouped query per table (``GROUP BY`` the child's code prefix),
never one query per child node. The caller's part only: a node above the principal's own
(an ancestor they may look at, as the resolution report allows) counts the rows of their
scope alone, with the same ``report`` read rule.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Integer, and_, cast, distinct, func, select
from sqlalchemy.orm import Session

from gridgov import clock
from gridgov.access.checks import reach_territory, require
from gridgov.access.policy import allows, scope_filter
from gridgov.access.principal import Principal
from gridgov.cases.models import Case
from gridgov.cases.states import OPEN_STATES
from gridgov.registry.models import Household, Resident, ResidentKeyGroup
from gridgov.territory.codes import CHILD_LEVEL, CODE_LENGTH, as_level
from gridgov.territory.models import Territory
from gridgov.territory.scope import within

# Residents counted as living in the territory (moved out and deceased are history).
PRESENT = ("living_here", "working_away", "incoming_migrant")
WEEK = dt.timedelta(days=7)


@dataclass
class NodeCounts:
    """What a node's subtree holds now."""

    households: int = 0
    residents: int = 0
    key_group_residents: int = 0
    open_cases: int = 0
    overdue_cases: int = 0

    def add(self, other: NodeCounts) -> None:
        self.households += other.households
        self.residents += other.residents
        self.key_group_residents += other.key_group_residents
        self.open_cases += other.open_cases
        self.overdue_cases += other.overdue_cases


@dataclass(frozen=True)
class WeekCount:
    start: dt.date  # the local Monday the week begins on
    opened: int
    closed: int


@dataclass
class TerritoryCounts:
    total: NodeCounts
    # By child code (and the node's own code: rows hung on the node itself, such as a
    # household not yet placed in a unit).
    children: dict[str, NodeCounts] = field(default_factory=dict)


def _part(principal: Principal | None, code: str, column: Any) -> list[ColumnElement[bool]]:
    """The caller's part of ``code``'s subtree: all of it where their report rule covers
    the node, else (a node above theirs) the rows their rule covers."""
    conditions = [within(column, code)]
    if principal is not None and not allows(principal, "read", "report", code):
        conditions.append(scope_filter(principal, "read", "report", column))
    return conditions


def _checked(session: Session, principal: Principal | None, code: str) -> int | None:
    """The code length of the node's children (None for a unit), after the report rule:
    403 for a role that reads no reports, 404 for a node out of reach or missing."""
    if principal is not None:
        require(principal, "read", "report")
    reach_territory(session, principal, "read", "report", code)
    level = session.scalar(select(Territory.level).where(Territory.code == code))
    child = CHILD_LEVEL[as_level(str(level))]
    return None if child is None else CODE_LENGTH[child]


def _grouped(
    session: Session, column: Any, child_length: int | None, figure: Any, conditions: list[Any]
) -> dict[str, int]:
    key = func.substr(column, 1, child_length or 32).label("child")
    query = select(key, figure).where(*conditions).group_by(key)
    return {str(child): int(count) for child, count in session.execute(query)}


def territory_counts(
    session: Session,
    *,
    territory_code: str,
    now: dt.datetime,
    principal: Principal | None = None,
) -> TerritoryCounts:
    """Households (active), residents (living here, working away, incoming), residents
    with a key-group tag, cases open now and cases open past their due time, for the node
    and each child node: four grouped queries."""
    child_length = _checked(session, principal, territory_code)
    households = _grouped(
        session,
        Household.territory_code,
        child_length,
        func.count(),
        [*_part(principal, territory_code, Household.territory_code), Household.status == "active"],
    )
    present = [
        *_part(principal, territory_code, Resident.territory_code),
        Resident.residence_status.in_(PRESENT),
    ]
    residents = _grouped(session, Resident.territory_code, child_length, func.count(), present)
    tagged = select(ResidentKeyGroup.resident_id)
    key_group = _grouped(
        session,
        Resident.territory_code,
        child_length,
        func.count(distinct(Resident.id)),
        [*present, Resident.id.in_(tagged)],
    )
    open_now = [*_part(principal, territory_code, Case.territory_code), Case.state.in_(OPEN_STATES)]
    key = func.substr(Case.territory_code, 1, child_length or 32).label("child")
    cases = session.execute(
        select(key, func.count(), func.count().filter(Case.due_at < now))
        .where(*open_now)
        .group_by(key)
    )
    by_child: dict[str, NodeCounts] = defaultdict(NodeCounts)
    for code, count in households.items():
        by_child[code].households = count
    for code, count in residents.items():
        by_child[code].residents = count
    for code, count in key_group.items():
        by_child[code].key_group_residents = count
    for code, opened, overdue in cases:
        by_child[str(code)].open_cases = int(opened)
        by_child[str(code)].overdue_cases = int(overdue)
    total = NodeCounts()
    for counts in by_child.values():
        total.add(counts)
    return TerritoryCounts(total=total, children=dict(by_child))


def week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _week_index(column: Any, anchor: dt.datetime, postgres: bool) -> Any:
    """Whole weeks from ``anchor`` (a UTC instant) to ``column``, in SQL."""
    if postgres:
        seconds = func.extract("epoch", column - anchor)
        return cast(func.floor(seconds / WEEK.total_seconds()), Integer)
    days = func.julianday(column) - func.julianday(anchor.strftime("%Y-%m-%d %H:%M:%S"))
    return cast(days / 7, Integer)


def weekly_trend(
    session: Session,
    *,
    territory_code: str,
    start: dt.datetime,
    end: dt.datetime,
    principal: Principal | None = None,
) -> list[WeekCount]:
    """Cases opened (created) and closed per local week (Monday to Sunday) overlapping
    ``[start, end)``: two grouped queries. Weeks without a case count zero."""
    _checked(session, principal, territory_code)
    first_monday = week_start(clock.local(start).date())
    anchor = clock.day_start(first_monday)
    postgres = session.get_bind().dialect.name == "postgresql"
    place = _part(principal, territory_code, Case.territory_code)
    counts: dict[str, dict[int, int]] = {}
    for name, column in (("opened", Case.created_at), ("closed", Case.closed_at)):
        index = _week_index(column, anchor, postgres).label("week")
        query = (
            select(index, func.count())
            .where(*place, and_(column >= start, column < end))
            .group_by(index)
        )
        counts[name] = {int(week): int(count) for week, count in session.execute(query)}
    last_day = clock.local(end - dt.timedelta(microseconds=1)).date()
    weeks = (last_day - first_monday).days // 7 + 1
    return [
        WeekCount(
            start=first_monday + WEEK * week,
            opened=counts["opened"].get(week, 0),
            closed=counts["closed"].get(week, 0),
        )
        for week in range(weeks)
    ]


PERIODS = ("this_month", "last_3_months", "this_year")


def period_days(period: str, today: dt.date) -> tuple[dt.date, dt.date]:
    """The local days (first, last inclusive) of a dashboard period ending ``today``:
    this month, this month and the two before it, or this year."""
    if period == "this_month":
        return today.replace(day=1), today
    if period == "last_3_months":
        month = today.month - 2
        year = today.year + (month - 1) // 12
        return dt.date(year, (month - 1) % 12 + 1, 1), today
    if period == "this_year":
        return dt.date(today.year, 1, 1), today
    raise ValueError(f"unknown period {period!r}")
