"""The contact state: what the due list and the coverage report need of the visits, kept
by the ledger's writes so that they never aggregate a territory's whole visit history.

- ``contact_states``: one row per visited household, the day of its last visit (the
  latest ``visited_on`` of its visit rows);
- ``visit_households.prev_visit_on``: on each visit row, the day of the household's last
  visit before that row's day (none: its first day).

Who writes them: :func:`do_refresh_households`, called by the ledger whenever it writes
visit rows (a visit recorded, late with a past day too, or its day edited); migration 0017
filled them from the ledger (set-based SQL); a bulk load of visit rows (bench) writes both.
Who reads them: contacts.due (:func:`visits_after`, :func:`last_visit_as_of`) and
contacts.report (:func:`period_visits`, :func:`period_days`).

Why ``prev_visit_on``: the last visit of a household up to any day ``D`` is its state's day
when that is on or before ``D``; otherwise it is the ``prev_visit_on`` of its first visit
row after ``D`` (the smallest, as it never decreases with the day), none when that row has
none. So a past day reads only the visit rows after it, not the household's history.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from gridgov.contacts.models import ContactState, VisitHousehold
from gridgov.registry.models import Household
from gridgov.territory.scope import within

VILLAGE_LENGTH = 12


def do_refresh_households(session: Session, household_ids: Iterable[str]) -> None:
    """Rewrite the state of these households from their visit rows (flushed first): each
    row's ``prev_visit_on`` and the household's last visit day. The households' rows are
    locked first (PostgreSQL), so two visits recorded at once cannot each keep its own
    view: the second waits, then reads the first's rows."""
    ids = sorted(set(household_ids))
    if not ids:
        return
    session.flush()
    session.execute(
        select(Household.id)
        .where(Household.id.in_(ids))
        .order_by(Household.id)
        .with_for_update(key_share=True)
    ).all()
    rows = session.scalars(select(VisitHousehold).where(VisitHousehold.household_id.in_(ids)))
    days: dict[str, list[dt.date]] = {}
    by_household: dict[str, list[VisitHousehold]] = {}
    for row in rows:
        days.setdefault(row.household_id, []).append(row.visited_on)
        by_household.setdefault(row.household_id, []).append(row)
    for household_id, household_rows in by_household.items():
        ordered = sorted(set(days[household_id]))
        for row in household_rows:
            position = bisect.bisect_left(ordered, row.visited_on)
            previous = ordered[position - 1] if position else None
            if row.prev_visit_on != previous:
                row.prev_visit_on = previous
    states = {
        state.household_id: state
        for state in session.scalars(select(ContactState).where(ContactState.household_id.in_(ids)))
    }
    for household_id in ids:
        state = states.get(household_id)
        last = max(days[household_id]) if household_id in days else None
        if last is None:
            if state is not None:
                session.delete(state)
        elif state is None:
            session.add(ContactState(household_id=household_id, last_visit_on=last))
        elif state.last_visit_on != last:
            state.last_visit_on = last
    session.flush()


def _village_of(territory: str) -> str:
    """Visit rows carry their household's node when recorded; a household moves only within
    its village, so the village's prefix finds every visit row of its households."""
    return territory[:VILLAGE_LENGTH]


def visits_after(territory: str, day: dt.date) -> Any:
    """Per household under ``territory``'s village with a visit after ``day``: the first
    such row's ``prev_visit_on`` (``prev``) and whether it had none (``first``)."""
    row = VisitHousehold
    return (
        select(
            row.household_id.label("household_id"),
            func.min(row.prev_visit_on).label("prev"),
            (func.count() > func.count(row.prev_visit_on)).label("first"),
        )
        .where(row.visited_on > day, within(row.territory_code, _village_of(territory)))
        .group_by(row.household_id)
        .subquery("visits_after")
    )


def last_visit_as_of(state: Any, after: Any) -> Any:
    """The SQL of a household's last visit up to the day of ``after`` (:func:`visits_after`,
    outer-joined), from its state row (outer-joined: ``state`` is ContactState or alias)."""
    return case(
        (after.c.household_id.is_(None), state.last_visit_on),
        (after.c.first, None),
        else_=after.c.prev,
    )


def period_visits(territory: str, start: dt.date, end: dt.date) -> Any:
    """Per household under ``territory``'s village with a visit on or after ``start``, from
    the visit rows since ``start`` only: the first day in ``[start, end]`` (``first_in``),
    the last visit before ``start`` (``before_prev`` / ``before_first``, as in
    :func:`visits_after`) and the same after ``end`` (``after_prev`` / ``after_first``,
    ``after_any``)."""
    row = VisitHousehold
    later = row.visited_on > end
    return (
        select(
            row.household_id.label("household_id"),
            func.min(row.visited_on).filter(row.visited_on <= end).label("first_in"),
            func.min(row.prev_visit_on).label("before_prev"),
            (func.count() > func.count(row.prev_visit_on)).label("before_first"),
            func.min(row.prev_visit_on).filter(later).label("after_prev"),
            func.count().filter(later).label("after_count"),
            func.count(row.prev_visit_on).filter(later).label("after_known"),
        )
        .where(row.visited_on >= start, within(row.territory_code, _village_of(territory)))
        .group_by(row.household_id)
        .subquery("period_visits")
    )


def period_days(state: Any, period: Any) -> tuple[Any, Any]:
    """The SQL of (last visit before ``start``, last visit up to ``end``) of a household,
    from its state row and :func:`period_visits` (both outer-joined)."""
    before = case(
        (period.c.household_id.is_(None), state.last_visit_on),
        (period.c.before_first, None),
        else_=period.c.before_prev,
    )
    last = case(
        (
            and_(period.c.household_id.is_not(None), period.c.after_count > 0),
            case(
                (period.c.after_count > period.c.after_known, None),
                else_=period.c.after_prev,
            ),
        ),
        else_=state.last_visit_on,
    )
    return before, last
