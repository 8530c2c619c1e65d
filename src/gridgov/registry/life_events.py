"""Life changes of the registry, dated and never deletes: death, moving out or in, birth,
a household splitting. Each keeps the person or household on record with a new status or
place and writes a RegistryEvent, so that history stays true; the packages above that
react to a life event (posts end a leaver's posts) subscribe to it in
:mod:`gridgov.registry.events`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov import clock
from gridgov.errors import Conflict
from gridgov.i18n import Message
from gridgov.registry.actions import (
    CURRENT_STATUSES,
    GONE_STATUSES,
    UNSET,
    _changes,
    _clean_new_household,
    _clean_note,
    _clean_occurred_on,
    _flush,
    _household_to_join,
    _insert_household,
    _insert_resident,
    _record_household_event,
    _record_resident_event,
    _validated_newcomer,
)
from gridgov.registry.models import Household, Resident
from gridgov.registry.validation import clean_relation
from gridgov.validation import Problems


def _change_status(
    session: Session,
    resident: Resident,
    status: str,
    *,
    kind: str,
    occurred_on: dt.date,
    details: dict[str, Any],
    actor: str,
) -> Resident:
    changes = {"residence_status": [resident.residence_status, status]}
    resident.residence_status = status
    resident.updated_by = actor
    # The event's subscribers (gridgov.registry.events) react as it is recorded.
    _record_resident_event(session, resident, kind, occurred_on, {**changes, **details}, actor)
    _flush(session)
    return resident


def check_record_death(
    session: Session,
    resident: Resident,
    *,
    occurred_on: dt.date,
    note: str | None = None,
    actor: str,
) -> Resident:
    """The resident died on ``occurred_on``: status ``deceased``, the person stays on record."""
    problems = Problems()
    occurred = _clean_occurred_on(problems, occurred_on, not_before=resident.birth_date)
    cleaned_note = _clean_note(problems, "note", note, multi_line=True)
    problems.raise_if_any()
    if resident.residence_status == "deceased":
        raise Conflict(
            Message("the resident is already recorded as deceased"),
            fields={"residence_status": Message("already deceased")},
        )
    details = {} if cleaned_note is None else {"note": cleaned_note}
    return _change_status(
        session,
        resident,
        "deceased",
        kind="death",
        occurred_on=occurred,
        details=details,
        actor=actor,
    )


def check_record_move_out(
    session: Session,
    target: Resident | Household,
    *,
    occurred_on: dt.date,
    destination: str | None = None,
    actor: str,
) -> Resident | Household:
    """A resident, or a whole household with its current members, moved away."""
    problems = Problems()
    birth = target.birth_date if isinstance(target, Resident) else None
    occurred = _clean_occurred_on(problems, occurred_on, not_before=birth)
    cleaned_destination = _clean_note(problems, "destination", destination)
    problems.raise_if_any()
    details = {"destination": cleaned_destination}
    if isinstance(target, Household):
        return _move_out_household(session, target, occurred, details, actor)
    if target.residence_status in GONE_STATUSES:
        raise Conflict(
            Message(
                "the resident is already %(residence_status)s",
                residence_status=target.residence_status,
            ),
            fields={
                "residence_status": Message(
                    "already %(residence_status)s", residence_status=target.residence_status
                )
            },
        )
    return _change_status(
        session,
        target,
        "moved_out",
        kind="moved_out",
        occurred_on=occurred,
        details=details,
        actor=actor,
    )


def _current_members(session: Session, household: Household) -> list[Resident]:
    return list(
        session.scalars(
            select(Resident)
            .where(
                Resident.household_id == household.id,
                Resident.residence_status.in_(CURRENT_STATUSES),
            )
            .order_by(Resident.id)
        )
    )


def _move_out_household(
    session: Session,
    household: Household,
    occurred_on: dt.date,
    details: dict[str, Any],
    actor: str,
) -> Household:
    if household.status != "active":
        raise Conflict(
            Message("the household is already %(status)s", status=household.status),
            fields={"status": Message("already %(status)s", status=household.status)},
        )
    members = _current_members(session, household)
    for member in members:
        _change_status(
            session,
            member,
            "moved_out",
            kind="moved_out",
            occurred_on=occurred_on,
            details=details,
            actor=actor,
        )
    household_details = {
        "status": [household.status, "moved_out"],
        "resident_ids": [member.id for member in members],
        **details,
    }
    household.status = "moved_out"
    household.updated_by = actor
    _record_household_event(session, household, "moved_out", occurred_on, household_details, actor)
    _flush(session)
    return household


def check_record_move_in(
    session: Session,
    household: Household,
    *,
    occurred_on: dt.date,
    resident: Resident | None = None,
    origin: str | None = None,
    name: str | None = None,
    sex: str | None = None,
    birth_date: dt.date | None = None,
    id_number: str | None = None,
    phone: str | None = None,
    relation_to_head: str | None = None,
    residence_status: str = "living_here",
    key_groups: Iterable[str] = (),
    actor: str,
) -> Resident:
    """Someone moved into ``household``: a returning ``resident`` or a new person."""
    if resident is not None:
        return _record_return(
            session,
            household,
            resident,
            occurred_on=occurred_on,
            origin=origin,
            relation_to_head=relation_to_head,
            residence_status=residence_status,
            actor=actor,
        )
    problems = Problems()
    for field, value in (("name", name), ("sex", sex), ("birth_date", birth_date)):
        if value is None:
            problems.add(field, Message("required for a new resident"))
    if relation_to_head is None:
        problems.add("relation_to_head", Message("required for a new resident"))
    person = {
        "name": name or "",
        "sex": sex or "",
        "birth_date": birth_date or clock.today(),
        "id_number": id_number,
        "phone": phone,
        "relation_to_head": relation_to_head or "",
        "residence_status": residence_status,
    }
    joined, values, codes = _validated_newcomer(
        session, problems, household_id=household.id, key_groups=key_groups, person=person
    )
    occurred = _clean_occurred_on(problems, occurred_on, not_before=birth_date)
    cleaned_origin = _clean_note(problems, "origin", origin)
    problems.raise_if_any()
    assert joined is not None  # a missing household is a recorded problem
    return _insert_resident(
        session,
        joined,
        values,
        codes,
        kind="moved_in",
        occurred_on=occurred,
        details={"origin": cleaned_origin},
        actor=actor,
    )


def _record_return(
    session: Session,
    household: Household,
    resident: Resident,
    *,
    occurred_on: dt.date,
    origin: str | None,
    relation_to_head: str | None,
    residence_status: str,
    actor: str,
) -> Resident:
    problems = Problems()
    occurred = _clean_occurred_on(problems, occurred_on, not_before=resident.birth_date)
    cleaned_origin = _clean_note(problems, "origin", origin)
    relation = resident.relation_to_head if relation_to_head is None else relation_to_head
    problems.check("relation_to_head", clean_relation, relation)
    if residence_status not in CURRENT_STATUSES:
        problems.add(
            "residence_status",
            Message("one of %(CURRENT_STATUSES)s", CURRENT_STATUSES=", ".join(CURRENT_STATUSES)),
        )
    _household_to_join(session, problems, household.id)
    problems.raise_if_any()
    if resident.residence_status != "moved_out":
        raise Conflict(
            Message(
                "only a moved-out resident can move back in; this one is %(residence_status)s",
                residence_status=resident.residence_status,
            ),
            fields={"residence_status": resident.residence_status},
        )
    details: dict[str, Any] = {"origin": cleaned_origin}
    details |= _changes(resident, {"household_id": household.id, "relation_to_head": relation})
    resident.household_id = household.id
    resident.territory_code = household.territory_code
    resident.relation_to_head = relation
    return _change_status(
        session,
        resident,
        residence_status,
        kind="moved_in",
        occurred_on=occurred,
        details=details,
        actor=actor,
    )


def check_record_birth(
    session: Session,
    household: Household,
    *,
    name: str,
    sex: str,
    birth_date: dt.date,
    id_number: str | None = None,
    relation_to_head: str | None = None,
    key_groups: Iterable[str] = (),
    actor: str,
) -> Resident:
    """A child born into ``household`` (dated on its birth date; by default son or daughter)."""
    problems = Problems()
    relation = relation_to_head or {"male": "son", "female": "daughter"}.get(sex, "other")
    person = {
        "name": name,
        "sex": sex,
        "birth_date": birth_date,
        "id_number": id_number,
        "phone": None,
        "relation_to_head": relation,
        "residence_status": "living_here",
    }
    joined, values, codes = _validated_newcomer(
        session, problems, household_id=household.id, key_groups=key_groups, person=person
    )
    problems.raise_if_any()
    assert joined is not None  # a missing household is a recorded problem
    return _insert_resident(
        session, joined, values, codes, kind="birth", occurred_on=birth_date, actor=actor
    )


def check_split_household(
    session: Session,
    household: Household,
    *,
    resident_ids: list[str],
    new_household_no: str,
    address: str,
    unit_code: str | None = UNSET,
    lon: float | None = None,
    lat: float | None = None,
    relations: dict[str, str] | None = None,
    occurred_on: dt.date | None = None,
    actor: str,
) -> Household:
    """Move some current members into a new household of the same village.

    The new household stays in the old one's unit unless ``unit_code`` is given. Each
    moved resident's relation is as given in ``relations``; the first becomes the head.
    """
    if household.status != "active":
        raise Conflict(
            Message("the household is %(status)s", status=household.status),
            fields={"status": household.status},
        )
    problems = Problems()
    movers = _split_movers(session, problems, household, resident_ids)
    new_relations = _split_relations(problems, resident_ids, relations or {})
    values = _clean_new_household(
        session,
        problems,
        village_code=household.village_code,
        household_no=new_household_no,
        address=address,
        unit_code=household.unit_code if unit_code is UNSET else unit_code,
        lon=lon,
        lat=lat,
    )
    occurred = _clean_occurred_on(problems, occurred_on)
    problems.raise_if_any()
    new = _insert_household(
        session,
        values,
        actor=actor,
        occurred_on=occurred,
        kind="household_split",
        details={"from_household_id": household.id, "resident_ids": list(resident_ids)},
    )
    for mover in movers:
        _move_member(session, mover, new, new_relations[mover.id], occurred, actor)
    details = {"new_household_id": new.id, "resident_ids": list(resident_ids)}
    _record_household_event(session, household, "household_split", occurred, details, actor)
    _flush(session)
    return new


def _split_movers(
    session: Session, problems: Problems, household: Household, resident_ids: list[str]
) -> list[Resident]:
    if not resident_ids or len(set(resident_ids)) != len(resident_ids):
        problems.add("resident_ids", Message("name each moving resident once, at least one"))
        return []
    current = {member.id: member for member in _current_members(session, household)}
    strangers = [rid for rid in resident_ids if rid not in current]
    if strangers:
        problems.add(
            "resident_ids",
            Message(
                "not current members of this household: %(strangers)s",
                strangers=", ".join(strangers),
            ),
        )
    elif len(resident_ids) == len(current):
        problems.add(
            "resident_ids", Message("someone must stay: moving everyone is a move, not a split")
        )
    return [current[rid] for rid in resident_ids if rid in current]


def _split_relations(
    problems: Problems, resident_ids: list[str], relations: dict[str, str]
) -> dict[str, str | None]:
    outsiders = sorted(set(relations) - set(resident_ids))
    if outsiders:
        problems.add(
            "relations",
            Message("not among resident_ids: %(outsiders)s", outsiders=", ".join(outsiders)),
        )
    chosen: dict[str, str | None] = {}
    for position, resident_id in enumerate(resident_ids):
        relation = relations.get(resident_id, "head" if position == 0 else None)
        if relation is not None:
            problems.check("relations", clean_relation, relation)
        chosen[resident_id] = relation
    return chosen


def _move_member(
    session: Session,
    resident: Resident,
    household: Household,
    relation: str | None,
    occurred_on: dt.date,
    actor: str,
) -> None:
    new_values = {"household_id": household.id, "territory_code": household.territory_code}
    if relation is not None:
        new_values["relation_to_head"] = relation
    changes = _changes(resident, new_values)
    for field, value in new_values.items():
        setattr(resident, field, value)
    resident.updated_by = actor
    _record_resident_event(session, resident, "household_split", occurred_on, changes, actor)
