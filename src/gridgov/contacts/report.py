"""The measures of contact coverage for a territory subtree, as of a day, over a period.

Counted back from ``to`` (the last day): ``contacted_30d`` / ``contacted_90d`` are the
households with a visit in the 30 / 90 days ending on ``to``; ``due_now`` and ``overdue``
are the assigned households whose rhythm comes round within a week of ``to`` / came round
before it. Over the period ``[from, to]``:

- ``visit_rate``: of the assigned households due in the period (last visit before ``from``,
  or the day of the link, plus their rhythm, falls in the period), the share visited by
  that due day;
- ``confirmed_share``: visits to households in the period that the household confirmed;
- ``must_visit``: moments due in the period, and those met by their due day;
- ``visits_with_cases`` and the states of the cases raised from visits in the period;
- ``members``: for a village or smaller, each member's households, visits and mean rating.

Household figures come from two grouped queries per report (the child nodes and, summed,
the total): the active households counted per child, and one scan of the contact states
(contacts.state: each assigned or visited household's node, member, link start, rhythm and
last visit) joined with the visit rows since ``from`` only, whose ``prev_visit_on`` give
the last visit before ``from`` and, when visits follow ``to``, the last up to ``to``. No
live join of households, links, rhythms and visit history: set-based at any size.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, exists, func, select
from sqlalchemy.orm import Session

from gridgov.access.checks import reach_territory, require
from gridgov.access.policy import scope_filter
from gridgov.access.principal import Principal
from gridgov.cases.models import Case
from gridgov.contacts.days import day_number, number_of
from gridgov.contacts.due import SOON_DAYS
from gridgov.contacts.models import (
    ContactAssignment,
    ContactState,
    MustVisit,
    PartyMember,
    Visit,
    VisitCase,
    VisitHousehold,
    VisitMember,
)
from gridgov.contacts.state import period_days, period_visits
from gridgov.errors import ValidationFailed
from gridgov.i18n import Message
from gridgov.registry.models import Household, Resident
from gridgov.territory.codes import CHILD_LEVEL, CODE_LENGTH, as_level
from gridgov.territory.models import Territory
from gridgov.territory.scope import within

HOUSEHOLD_FIGURES = (
    "households",
    "assigned",
    "contacted_30d",
    "contacted_90d",
    "due_now",
    "overdue",
    "due_in_period",
    "visited_in_time",
)


@dataclass
class Coverage:
    code: str
    name: str
    figures: dict[str, int]

    @property
    def visit_rate(self) -> float | None:
        due = self.figures["due_in_period"]
        return None if due == 0 else self.figures["visited_in_time"] / due


@dataclass
class ContactReport:
    territory: Coverage
    start: dt.date
    end: dt.date
    children: list[Coverage]
    visits: int
    confirmed: int
    must_visit: dict[str, int]
    visits_with_cases: int
    case_states: dict[str, int]
    members: list[dict[str, Any]] = field(default_factory=list)

    @property
    def confirmed_share(self) -> float | None:
        return None if self.visits == 0 else self.confirmed / self.visits


def _state_figures(territory: str, start: dt.date, end: dt.date) -> list[Any]:
    """The figures after ``households``, from the contact state (assigned or visited
    households; every other household counts in none of them)."""
    state = ContactState
    visits = period_visits(territory, start, end)
    before, last = period_days(state, visits)
    days = state.rhythm_days
    assigned = state.member_id.is_not(None)
    to_n, from_n = number_of(end), number_of(start)
    last_n = day_number(last)
    due_at_end = day_number(func.coalesce(last, state.started_on)) + days
    due_in_period = day_number(func.coalesce(before, state.started_on)) + days
    in_period = and_(assigned, due_in_period >= from_n, due_in_period <= to_n)
    count = func.count
    return [
        visits,
        count().filter(assigned),
        count().filter(last_n > to_n - 30),
        count().filter(last_n > to_n - 90),
        count().filter(and_(assigned, due_at_end >= to_n, due_at_end < to_n + SOON_DAYS)),
        count().filter(and_(assigned, due_at_end < to_n)),
        count().filter(in_period),
        count().filter(and_(in_period, day_number(visits.c.first_in) <= due_in_period)),
    ]


def _coverage_rows(
    session: Session,
    territory: str,
    start: dt.date,
    end: dt.date,
    principal: Principal | None,
    child_length: int,
) -> dict[str, dict[str, int]]:
    """Per child node: its active households (one index scan of households), and the other
    figures from one grouped scan of its contact states."""

    def reach(column: Any) -> list[Any]:
        return [] if principal is None else [scope_filter(principal, "read", "report", column)]

    key = func.substr(Household.territory_code, 1, child_length).label("child")
    households = session.execute(
        select(key, func.count())
        .where(
            Household.status == "active",
            within(Household.territory_code, territory),
            *reach(Household.territory_code),
        )
        .group_by(key)
    ).all()
    visits, *figures = _state_figures(territory, start, end)
    state_key = func.substr(ContactState.territory_code, 1, child_length).label("child")
    states = {
        child: values
        for child, *values in session.execute(
            select(state_key, *figures)
            .select_from(ContactState)
            .outerjoin(visits, visits.c.household_id == ContactState.household_id)
            .where(
                ContactState.active.is_(True),
                within(ContactState.territory_code, territory),
                *reach(ContactState.territory_code),
            )
            .group_by(state_key)
        )
    }
    zeros = [0] * (len(HOUSEHOLD_FIGURES) - 1)
    return {
        child: dict(zip(HOUSEHOLD_FIGURES, [count, *states.get(child, zeros)], strict=True))
        for child, count in households
    }


def contact_report(
    session: Session,
    *,
    territory_code: str,
    start: dt.date,
    end: dt.date,
    principal: Principal | None = None,
) -> ContactReport:
    """The coverage report of the module docstring. With a principal: 403 when no role of
    theirs reads reports, 404 when the node is outside their reach; above their node, their
    part only."""
    if principal is not None:
        require(principal, "read", "report")
    reach_territory(session, principal, "read", "report", territory_code)
    if end < start:
        raise ValidationFailed.field("to", Message("the period ends before it starts"))
    node = session.get(Territory, territory_code) or _node(session, territory_code)
    child_level = CHILD_LEVEL[as_level(node.level)]
    child_length = CODE_LENGTH[child_level] if child_level else len(territory_code)
    rows = _coverage_rows(session, territory_code, start, end, principal, child_length)
    names = dict(
        session.execute(
            select(Territory.code, Territory.name_zh).where(Territory.parent_code == territory_code)
        ).all()
    )
    children = [
        Coverage(code, names.get(code, node.name_zh), figures)
        for code, figures in sorted(rows.items())
    ]
    total = {name: sum(row[name] for row in rows.values()) for name in HOUSEHOLD_FIGURES}
    visit_reach = _visit_reach(principal)
    visits, confirmed = _confirmations(session, territory_code, start, end, visit_reach)
    with_cases, states = _cases(session, territory_code, start, end, visit_reach)
    return ContactReport(
        territory=Coverage(territory_code, node.name_zh, total),
        start=start,
        end=end,
        children=children,
        visits=visits,
        confirmed=confirmed,
        must_visit=_moments(session, territory_code, start, end, principal),
        visits_with_cases=with_cases,
        case_states=states,
        members=_members(session, territory_code, start, end, principal)
        if len(territory_code) >= CODE_LENGTH["village"]
        else [],
    )


def _node(session: Session, code: str) -> Territory:
    node = session.scalar(select(Territory).where(Territory.code == code))
    assert node is not None  # reach_territory checked it exists
    return node


def _visit_reach(principal: Principal | None) -> list[Any]:
    if principal is None:
        return []
    return [scope_filter(principal, "read", "report", VisitHousehold.territory_code)]


def _in_period(territory: str, start: dt.date, end: dt.date) -> list[Any]:
    return [
        within(VisitHousehold.territory_code, territory),
        VisitHousehold.visited_on >= start,
        VisitHousehold.visited_on <= end,
    ]


def _confirmations(
    session: Session, territory: str, start: dt.date, end: dt.date, reach: list[Any]
) -> tuple[int, int]:
    total, confirmed = session.execute(
        select(func.count(), func.count().filter(VisitHousehold.confirmed_at.is_not(None))).where(
            *_in_period(territory, start, end), *reach
        )
    ).one()
    return total, confirmed


def _cases(
    session: Session, territory: str, start: dt.date, end: dt.date, reach: list[Any]
) -> tuple[int, dict[str, int]]:
    # From the few visits with cases: whether one reached a household of the period here
    # (a DISTINCT over every visit row of the period cost half a second in a county).
    in_period = (
        exists()
        .where(VisitHousehold.visit_id == VisitCase.visit_id, *_in_period(territory, start, end))
        .where(*reach)
    )
    with_cases = session.scalar(
        select(func.count(func.distinct(VisitCase.visit_id))).where(in_period)
    )
    states = dict(
        session.execute(
            select(Case.state, func.count())
            .join(VisitCase, VisitCase.case_id == Case.id)
            .where(in_period)
            .group_by(Case.state)
        ).all()
    )
    return with_cases or 0, states


def _moments(
    session: Session, territory: str, start: dt.date, end: dt.date, principal: Principal | None
) -> dict[str, int]:
    conditions = [
        within(MustVisit.territory_code, territory),
        MustVisit.due_on >= start,
        MustVisit.due_on <= end,
    ]
    if principal is not None:
        conditions.append(scope_filter(principal, "read", "report", MustVisit.territory_code))
    due, met = session.execute(
        select(
            func.count(),
            func.count().filter(
                MustVisit.met_on.is_not(None), MustVisit.met_on <= MustVisit.due_on
            ),
        ).where(*conditions)
    ).one()
    return {"due": due, "met_in_time": met}


def _members(
    session: Session, territory: str, start: dt.date, end: dt.date, principal: Principal | None
) -> list[dict[str, Any]]:
    """Each current member of the village or below: households, visits, mean rating."""
    conditions = [within(PartyMember.territory_code, territory), PartyMember.ended_on.is_(None)]
    if principal is not None:
        conditions.append(scope_filter(principal, "read", "report", PartyMember.territory_code))
    households = (
        select(func.count())
        .where(ContactAssignment.member_id == PartyMember.id, ContactAssignment.ended_at.is_(None))
        .scalar_subquery()
    )
    visits = (
        select(func.count())
        .select_from(VisitMember)
        .join(Visit, Visit.id == VisitMember.visit_id)
        .where(
            VisitMember.member_id == PartyMember.id,
            Visit.visited_on >= start,
            Visit.visited_on <= end,
        )
        .scalar_subquery()
    )
    rating = (
        select(func.avg(VisitHousehold.rating))
        .join(VisitMember, VisitMember.visit_id == VisitHousehold.visit_id)
        .where(
            VisitMember.member_id == PartyMember.id,
            VisitHousehold.visited_on >= start,
            VisitHousehold.visited_on <= end,
        )
        .scalar_subquery()
    )
    rows = session.execute(
        select(PartyMember.id, Resident.name, households, visits, rating)
        .join(Resident, Resident.id == PartyMember.resident_id)
        .where(*conditions)
        .order_by(PartyMember.territory_code, PartyMember.id)
    )
    return [
        {
            "member_id": member_id,
            "name": name,
            "households": count,
            "visits": visit_count,
            "mean_rating": None if mean is None else round(float(mean), 2),
        }
        for member_id, name, count, visit_count, mean in rows
    ]
