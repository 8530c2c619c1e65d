"""The contact ledger: recording a visit, editing it (every edit kept as a version), raising
cases from it (channel ``visit``, linked both ways through ``visit_cases``).

A visit meets the open "must visit" moments of its households (contacts.due) that were
created on or before its day. Recording a visit or editing its day rewrites its households'
contact state (contacts.state). Visits are never deleted or voided (an edit corrects one);
whatever one day removes visit rows must call contacts.state.do_refresh_households too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov import clock
from gridgov.access.policy import allows
from gridgov.access.principal import Principal
from gridgov.cases.models import Case
from gridgov.contacts.models import (
    HAZARDS,
    METHODS,
    MustVisit,
    PartyMember,
    Visit,
    VisitCase,
    VisitHousehold,
    VisitMember,
    VisitVersion,
)
from gridgov.contacts.scope import current_member
from gridgov.contacts.state import do_refresh_households
from gridgov.errors import Conflict, ValidationFailed
from gridgov.i18n import Message
from gridgov.registry.models import Household
from gridgov.validation import Problems

MAX_TEXT = 2000
MAX_COUNT = 1000
MAX_HOUSEHOLDS = 50
COUNT_FIELDS = ("disputes", "requests", "suggestions", "other_matters")
NULLABLE = ("start_time", "end_time")
# The fields an edit may change (households and members stay: record another visit).
EDITABLE = (
    "visited_on",
    "start_time",
    "end_time",
    "method",
    *COUNT_FIELDS,
    "matters_text",
    "hazards",
    "follow_up",
)


@dataclass(frozen=True)
class CaseRequest:
    """A case to raise from a visit: its category, description and household."""

    category_code: str
    description: str
    household_id: str


def _check_fields(problems: Problems, fields: dict[str, Any]) -> None:
    day = fields.get("visited_on")
    if day is not None and day > clock.today():
        problems.add("visited_on", Message("cannot be in the future"))
    start, end = fields.get("start_time"), fields.get("end_time")
    if start is not None and end is not None and end < start:
        problems.add("end_time", Message("cannot be before start_time"))
    if "method" in fields and fields["method"] not in METHODS:
        problems.add("method", Message("must be one of %(choices)s", choices=", ".join(METHODS)))
    for name in COUNT_FIELDS:
        if name in fields and not 0 <= fields[name] <= MAX_COUNT:
            problems.add(name, Message("between 0 and %(limit)s", limit=MAX_COUNT))
    if len(fields.get("matters_text") or "") > MAX_TEXT:
        problems.add("matters_text", Message("at most %(limit)s characters", limit=MAX_TEXT))
    unknown = set(fields.get("hazards") or ()) - set(HAZARDS)
    if unknown:
        problems.add("hazards", Message("must be among %(choices)s", choices=", ".join(HAZARDS)))


def _households(
    session: Session, problems: Problems, ids: Sequence[str], principal: Principal
) -> list[Household]:
    """The households named, each one the caller may record a visit of (else: unknown)."""
    if not ids or len(ids) > MAX_HOUSEHOLDS or len(set(ids)) != len(ids):
        problems.add(
            "household_ids",
            Message("between 1 and %(limit)s different households", limit=MAX_HOUSEHOLDS),
        )
        return []
    found = {h.id: h for h in session.scalars(select(Household).where(Household.id.in_(ids)))}
    for household_id in ids:
        household = found.get(household_id)
        if household is None or not allows(
            principal, "create", "visit", household.territory_code, household_id=household.id
        ):
            problems.add("household_ids", Message("no household has this id"))
    return [found[i] for i in ids if i in found]


def _members(
    session: Session, problems: Problems, ids: Sequence[str], principal: Principal
) -> list[str]:
    """The members who made the visit: those named, or the caller when they are one."""
    if not ids:
        own = current_member(session, principal.resident_id) if principal.resident_id else None
        if own is None:
            problems.add("member_ids", Message("name the party members who made the visit"))
            return []
        return [own.id]
    current = set(
        session.scalars(
            select(PartyMember.id).where(PartyMember.id.in_(ids), PartyMember.ended_on.is_(None))
        )
    )
    for member_id in ids:
        if member_id not in current:
            problems.add("member_ids", Message("no party member has id %(id)s", id=member_id))
    return list(dict.fromkeys(ids))


def check_record_visit(
    session: Session,
    *,
    household_ids: Sequence[str],
    member_ids: Sequence[str] = (),
    cases: Sequence[CaseRequest] = (),
    principal: Principal,
    actor: str,
    **fields: Any,
) -> Visit:
    """Record a visit of households the caller may record visits of (policy ``visit``)."""
    problems = Problems()
    _check_fields(problems, fields)
    households = _households(session, problems, household_ids, principal)
    members = _members(session, problems, member_ids, principal)
    for request in cases:
        if request.household_id not in household_ids:
            problems.add("cases", Message("a case names a household the visit did not reach"))
    problems.raise_if_any()
    visit = Visit(
        territory_code=households[0].territory_code,
        recorded_by_user_id=principal.user_id,
        recorded_by=actor,
        hazards=sorted(set(fields.pop("hazards", None) or ())),
        **fields,
    )
    session.add(visit)
    session.flush()
    session.add_all(
        VisitHousehold(
            visit_id=visit.id,
            household_id=h.id,
            territory_code=h.territory_code,
            visited_on=visit.visited_on,
        )
        for h in households
    )
    session.add_all(VisitMember(visit_id=visit.id, member_id=m) for m in members)
    do_refresh_households(session, [h.id for h in households])
    _record_version(session, visit, {k: [None, _plain(getattr(visit, k))] for k in EDITABLE}, actor)
    _meet_moments(session, visit, [h.id for h in households])
    for request in cases:
        do_raise_case(session, visit, request, principal=principal, actor=actor)
    session.flush()
    return visit


def _plain(value: Any) -> Any:
    """A value as JSON keeps it in a version row."""
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return value


def _record_version(session: Session, visit: Visit, changes: dict[str, Any], actor: str) -> None:
    session.add(
        VisitVersion(
            visit_id=visit.id,
            version=visit.version,
            changes=changes,
            changed_by=actor,
            changed_at=clock.now(),
        )
    )


def _meet_moments(session: Session, visit: Visit, household_ids: Iterable[str]) -> None:
    """The open moments of these households created by the visit's day are met by it."""
    moments = session.scalars(
        select(MustVisit).where(
            MustVisit.household_id.in_(list(household_ids)),
            MustVisit.met_visit_id.is_(None),
            MustVisit.created_on <= visit.visited_on,
        )
    )
    for moment in moments:
        moment.met_visit_id, moment.met_on = visit.id, visit.visited_on


def check_edit_visit(
    session: Session, visit: Visit, *, version: int, changes: dict[str, Any], actor: str
) -> Visit:
    """Change a visit's fields; the change is kept as a version (who, what: before and
    after). A stale ``version`` is a 409 and nothing changes. An edit of a confirmed visit
    withdraws its confirmations: the household confirmed what it read then."""
    if version != visit.version:
        raise Conflict(
            Message(
                "the visit changed meanwhile (version %(version)s, not %(version2)s): reload it",
                version=visit.version,
                version2=version,
            ),
            fields={"version": Message("stale")},
        )
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValidationFailed.field(sorted(unknown)[0], Message("cannot be changed"))
    problems = Problems()
    for name, value in changes.items():
        if value is None and name not in NULLABLE:
            problems.add(name, Message("cannot be empty"))
    problems.raise_if_any()
    merged = {name: getattr(visit, name) for name in EDITABLE} | changes
    _check_fields(problems, merged)
    problems.raise_if_any()
    if "hazards" in changes:
        changes["hazards"] = sorted(set(changes["hazards"] or ()))
    diff = {
        name: [_plain(getattr(visit, name)), _plain(value)]
        for name, value in changes.items()
        if getattr(visit, name) != value
    }
    if not diff:
        return visit
    for name, value in changes.items():
        setattr(visit, name, value)
    session.flush()  # the version column moves on (optimistic lock)
    _after_edit(session, visit, diff)
    _record_version(session, visit, diff, actor)
    session.flush()
    return visit


def _after_edit(session: Session, visit: Visit, diff: dict[str, Any]) -> None:
    rows = session.scalars(select(VisitHousehold).where(VisitHousehold.visit_id == visit.id)).all()
    for row in rows:
        row.visited_on = visit.visited_on
        if row.confirmed_at is not None:
            diff.setdefault("confirmations_withdrawn", []).append(row.household_id)
            row.confirmed_at = row.confirmed_by = row.rating = None
    if "visited_on" in diff:  # the households' last visits and previous days move
        do_refresh_households(session, [row.household_id for row in rows])


def do_raise_case(
    session: Session, visit: Visit, request: CaseRequest, *, principal: Principal, actor: str
) -> Case:
    """Report a case found on the visit (channel ``visit``) and link it to the visit."""
    # Lazily: intake locates cases with shapely, which the CLI's start must not load.
    from gridgov.cases.intake import check_report_case

    case, _created = check_report_case(
        session,
        category_code=request.category_code,
        description=request.description,
        channel="visit",
        actor=actor,
        reporter_user_id=principal.user_id,
        household_id=request.household_id,
        principal=principal,
    )
    session.add(VisitCase(visit_id=visit.id, case_id=case.id))
    return case
