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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, and_, case, event, func, inspect, select, text
from sqlalchemy.orm import Session

from gridgov.contacts.models import (
    ContactAssignment,
    ContactRhythm,
    ContactState,
    VisitHousehold,
)
from gridgov.contacts.rhythm import DEFAULT_DAYS, KEY_GROUP_DAYS
from gridgov.registry.models import Household, Resident, ResidentKeyGroup
from gridgov.territory.scope import within

VILLAGE_LENGTH = 12
# The residence statuses of residents who live in the household (their key groups count).
PRESENT = ("living_here", "working_away", "incoming_migrant")


def do_refresh_households(session: Session, household_ids: Iterable[str]) -> None:
    """Rewrite the state of these households from their visit rows (flushed first): each
    row's ``prev_visit_on`` and the household's whole state. The households' rows are
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
    refresh_states(session, ids)
    session.flush()


@dataclass(frozen=True)
class Wanted:
    """What a household's state row should hold (None: it should have no row)."""

    last_visit_on: dt.date | None
    territory_code: str
    active: bool
    member_id: str | None
    started_on: dt.date | None
    rhythm_days: int

    @property
    def next_due_on(self) -> dt.date | None:
        since = self.last_visit_on or self.started_on
        if not self.active or self.member_id is None or since is None:
            return None
        return since + dt.timedelta(days=self.rhythm_days)


def wanted_states(session: Session, household_ids: Sequence[str]) -> dict[str, Wanted]:
    """The state each of these households should have, read from the rows it derives from
    (households, current links, present residents' key groups and rhythms, visit rows);
    a household neither assigned nor visited is left out."""
    households = {
        row[0]: row[1:]
        for row in session.execute(
            select(Household.id, Household.territory_code, Household.status).where(
                Household.id.in_(household_ids)
            )
        )
    }
    links = {
        row[0]: row[1:]
        for row in session.execute(
            select(
                ContactAssignment.household_id,
                ContactAssignment.member_id,
                ContactAssignment.started_on,
            ).where(
                ContactAssignment.household_id.in_(household_ids),
                ContactAssignment.ended_at.is_(None),
            )
        )
    }
    rhythms = dict(
        session.execute(
            select(
                Resident.household_id,
                func.min(func.coalesce(ContactRhythm.days, KEY_GROUP_DAYS)),
            )
            .join(ResidentKeyGroup, ResidentKeyGroup.resident_id == Resident.id)
            .outerjoin(
                ContactRhythm, ContactRhythm.key_group_code == ResidentKeyGroup.key_group_code
            )
            .where(Resident.household_id.in_(household_ids), Resident.residence_status.in_(PRESENT))
            .group_by(Resident.household_id)
        ).all()
    )
    last = dict(
        session.execute(
            select(VisitHousehold.household_id, func.max(VisitHousehold.visited_on))
            .where(VisitHousehold.household_id.in_(household_ids))
            .group_by(VisitHousehold.household_id)
        ).all()
    )
    found = {}
    for household_id, (territory_code, status) in households.items():
        member_id, started_on = links.get(household_id, (None, None))
        last_on = last.get(household_id)
        if member_id is None and last_on is None:
            continue
        found[household_id] = Wanted(
            last_visit_on=last_on,
            territory_code=territory_code,
            active=status == "active",
            member_id=member_id,
            started_on=started_on,
            rhythm_days=rhythms.get(household_id, DEFAULT_DAYS),
        )
    return found


def refresh_states(session: Session, household_ids: Iterable[str]) -> None:
    """Rewrite the state rows of these households from what they derive from; no flush
    (the session listener runs it after one: its writes go with the next)."""
    ids = sorted(set(household_ids))
    with session.no_autoflush:
        for start in range(0, len(ids), CHUNK):
            _refresh_chunk(session, ids[start : start + CHUNK])


def _refresh_chunk(session: Session, ids: list[str]) -> None:
    wanted = wanted_states(session, ids)
    states = {
        state.household_id: state
        for state in session.scalars(select(ContactState).where(ContactState.household_id.in_(ids)))
    }
    for household_id in ids:
        state, want = states.get(household_id), wanted.get(household_id)
        if want is None:
            if state is not None:
                session.delete(state)
            continue
        if state is None:
            state = ContactState(household_id=household_id)
            session.add(state)
        for name in STATE_FIELDS:
            value = getattr(want, name)
            if getattr(state, name) != value:
                setattr(state, name, value)


STATE_FIELDS = (
    "last_visit_on",
    "territory_code",
    "active",
    "member_id",
    "started_on",
    "rhythm_days",
    "next_due_on",
)
CHUNK = 500
DIRTY = "contacts.state.dirty"  # session.info: households to refresh after the flush
ALL = "contacts.state.all"  # session.info: a rhythm changed, refresh every state


def _note_writes(session: Session, _context: Any, _instances: Any) -> None:
    """Before a flush: the households whose state the flush may change."""
    households: set[str] = session.info.setdefault(DIRTY, set())
    residents: set[str] = session.info.setdefault(DIRTY + ".residents", set())
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Household):
            households.add(obj.id)
        elif isinstance(obj, ContactAssignment | Resident):
            households.add(obj.household_id)
            if isinstance(obj, Resident):  # moved to another household: the old one too
                households.update(inspect(obj).attrs.household_id.history.deleted or ())
        elif isinstance(obj, ResidentKeyGroup):
            residents.add(obj.resident_id)
        elif isinstance(obj, ContactRhythm):
            session.info[ALL] = True
    households.discard(None)


def _refresh_noted(session: Session, _context: Any) -> None:
    """After a flush: refresh the noted households' states (written by the next flush)."""
    households: set[str] = session.info.pop(DIRTY, set())
    residents: set[str] = session.info.pop(DIRTY + ".residents", set())
    everything = session.info.pop(ALL, False)
    if everything:
        households |= set(session.scalars(select(ContactState.household_id)))
    if residents:
        households |= set(
            session.scalars(select(Resident.household_id).where(Resident.id.in_(residents)))
        )
    if households:
        refresh_states(session, households)


def refresh_changed_households(session: Session, household_ids: Iterable[str]) -> None:
    """Registry hook (a set-based write: moves, imported residents, a resident's key groups
    replaced): flush what is pending, then refresh these households' states."""
    session.flush()
    refresh_states(session, household_ids)


def install() -> None:
    """Listen to every session's flushes (installing twice installs once)."""
    for name, listener in (
        ("before_flush", _note_writes),
        ("after_flush_postexec", _refresh_noted),
    ):
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)


def fill_states(connection: Connection) -> None:
    """Every state row from scratch, set-based (migration 0019 says the same; the bench
    calls it after a bulk load)."""
    for statement in fill_statements(connection.dialect.name):
        connection.execute(text(statement))


def fill_statements(dialect: str) -> list[str]:
    present = ", ".join(f"'{status}'" for status in PRESENT)
    since, days = "COALESCE(v.last_on, a.started_on)", f"COALESCE(r.days, {DEFAULT_DAYS})"
    if dialect == "postgresql":
        due = f"{since} + {days}"
    else:
        due = f"date({since}, '+' || {days} || ' days')"
    return [
        "DELETE FROM contact_states",
        f"""INSERT INTO contact_states (household_id, last_visit_on, territory_code, active,
    member_id, started_on, rhythm_days, next_due_on)
SELECT h.id, v.last_on, h.territory_code, h.status = 'active', a.member_id, a.started_on,
       {days}, CASE WHEN h.status = 'active' AND a.member_id IS NOT NULL THEN {due} END
FROM households AS h
LEFT JOIN (SELECT household_id, max(visited_on) AS last_on FROM visit_households
           GROUP BY household_id) AS v ON v.household_id = h.id
LEFT JOIN contact_assignments AS a ON a.household_id = h.id AND a.ended_at IS NULL
LEFT JOIN (SELECT res.household_id, min(COALESCE(cr.days, {KEY_GROUP_DAYS})) AS days
           FROM residents AS res
           JOIN resident_key_groups AS k ON k.resident_id = res.id
           LEFT JOIN contact_rhythms AS cr ON cr.key_group_code = k.key_group_code
           WHERE res.residence_status IN ({present})
           GROUP BY res.household_id) AS r ON r.household_id = h.id
WHERE v.last_on IS NOT NULL OR a.member_id IS NOT NULL""",
    ]


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
