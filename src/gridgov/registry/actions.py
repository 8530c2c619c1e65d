"""Writes to the registry: households, residents and their dated life events.

Every ``check_*`` validates all of its fields first, collecting each problem into one
ValidationFailed (422), refuses duplicates and stale versions with Conflict (409), then
writes and flushes (the adapter commits). Nothing is deleted: a death, a move or a split
changes a status or a household, and a RegistryEvent keeps the dated history.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Select, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError

from gridgov import clock
from gridgov.errors import Conflict, ValidationFailed
from gridgov.i18n import Message
from gridgov.privacy import PERSONAL_FIELDS, mask
from gridgov.registry.events import (
    LIFE_EVENTS,
    LifeEvent,
    publish,
    publish_households_changed,
    publish_key_groups_entered,
)
from gridgov.registry.models import (
    Household,
    KeyGroup,
    RegistryEvent,
    Resident,
    ResidentKeyGroup,
    personal_hash,
)
from gridgov.registry.moves import HouseholdMove, do_move_households
from gridgov.registry.validation import (
    clean_birth_date,
    clean_id_number,
    clean_mobile_phone,
    clean_relation,
    clean_residence_status,
    clean_sex,
    id_number_disagreement,
)
from gridgov.territory.models import Territory
from gridgov.validation import Problems, clean_chars, clean_date, clean_lon_lat, clean_text

UNSET: Any = object()
# Statuses a resident leaves the register's current population by, only through an event.
GONE_STATUSES = ("moved_out", "deceased")
CURRENT_STATUSES = ("living_here", "working_away", "incoming_migrant")


def _blank(value: str | None) -> bool:
    return value is None or not value.strip()


def _text(
    problems: Problems, field: str, value: str | None, *, max_length: int, multi_line: bool = False
) -> str | None:
    """A required text field (None, as an API ``null``, counts as empty)."""
    words = Message("the %(field)s", field=field)
    return problems.check(
        field,
        clean_text,
        value or "",
        max_length=max_length,
        field_words=words,
        multi_line=multi_line,
    )


def _clean_occurred_on(
    problems: Problems, value: dt.date | None, *, not_before: dt.date | None = None
) -> dt.date:
    today = clock.today()
    if value is None:
        return today
    if problems.check("occurred_on", clean_date, value) is None:
        return value
    if value > today:
        problems.add("occurred_on", Message("cannot be in the future"))
    elif not_before is not None and value < not_before:
        problems.add(
            "occurred_on",
            Message("cannot be before %(not_before)s", not_before=not_before.isoformat()),
        )
    return value


def _clean_note(
    problems: Problems, field: str, value: str | None, *, multi_line: bool = False
) -> str | None:
    if value is not None and _blank(value):
        problems.check(field, clean_chars, value)  # blank, but not with a control character
        return None
    if value is None:
        return None
    return problems.check(field, clean_text, value, max_length=255, multi_line=multi_line)


def check_version(kind: str, row: Household | Resident, version: int | None) -> None:
    """409 when ``version`` was given and the row has changed since (a stale form)."""
    if version is not None and version != row.version:
        raise Conflict(
            Message(
                "%(kind)s %(id)s changed since version %(version)s (now %(version2)s)",
                kind=kind,
                id=row.id,
                version=version,
                version2=row.version,
            ),
            fields={"version": Message("stale: read it again and retry")},
        )


def _flush(session: Session) -> None:
    try:
        session.flush()
    except StaleDataError as exc:
        raise Conflict(
            Message("changed by someone else meanwhile"), fields={"version": Message("stale")}
        ) from exc


def _insert(session: Session, row: Any, duplicate: Select[Any], field: str, why: str) -> None:
    """Insert in a savepoint; a unique-constraint race becomes the same 409 as the pre-check."""
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        if session.scalar(duplicate.limit(1)) is not None:
            raise Conflict(
                Message("%(field)s: %(why)s", field=field, why=why), fields={field: why}
            ) from None
        raise


def _record(
    session: Session,
    *,
    kind: str,
    occurred_on: dt.date,
    territory_code: str,
    actor: str,
    household_id: str | None = None,
    resident_id: str | None = None,
    details: dict[str, Any] | None = None,
) -> RegistryEvent:
    details = dict(details or {})
    if kind in LIFE_EVENTS:  # the packages above react first, and say what they did
        life_event = LifeEvent(kind, occurred_on, household_id, resident_id, territory_code, actor)
        details |= publish(session, life_event)
    event = RegistryEvent(
        kind=kind,
        occurred_on=occurred_on,
        household_id=household_id,
        resident_id=resident_id,
        territory_code=territory_code,
        details=details,
        actor=actor,
        recorded_at=clock.now(),
    )
    session.add(event)
    return event


def _json_value(field: str, value: Any) -> Any:
    """A value as event details keep it: JSON-ready, personal fields masked."""
    if field in PERSONAL_FIELDS:
        return mask(field, value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _changes(row: Any, new_values: dict[str, Any]) -> dict[str, list[Any]]:
    return {
        field: [_json_value(field, getattr(row, field)), _json_value(field, value)]
        for field, value in new_values.items()
        if getattr(row, field) != value
    }


# --- households -------------------------------------------------------------------------


def _territory(session: Session, code: str | None) -> Territory | None:
    if code is None:
        return None
    return session.scalar(select(Territory).where(Territory.code == code))


def _check_village(session: Session, problems: Problems, village_code: str) -> None:
    village = _territory(session, village_code)
    if village is None or village.level != "village":
        problems.add(
            "village_code",
            Message("no village has code %(village_code)s", village_code=village_code),
        )
    elif village.status != "active":
        problems.add(
            "village_code",
            Message("village %(village_code)s is retired", village_code=village_code),
        )


def _check_unit(session: Session, problems: Problems, unit_code: str, village_code: str) -> None:
    unit = _territory(session, unit_code)
    if unit is None or unit.level != "unit":
        problems.add("unit_code", Message("no unit has code %(unit_code)s", unit_code=unit_code))
    elif unit.status != "active":
        problems.add("unit_code", Message("unit %(unit_code)s is retired", unit_code=unit_code))
    elif not unit_code.startswith(village_code):
        problems.add(
            "unit_code",
            Message(
                "unit %(unit_code)s is not under village %(village_code)s",
                unit_code=unit_code,
                village_code=village_code,
            ),
        )


def _clean_new_household(
    session: Session,
    problems: Problems,
    *,
    village_code: str,
    household_no: str,
    address: str,
    unit_code: str | None,
    lon: float | None,
    lat: float | None,
) -> dict[str, Any]:
    _check_village(session, problems, village_code)
    if unit_code is not None:
        _check_unit(session, problems, unit_code, village_code)
    problems.add_all(clean_lon_lat(lon, lat))
    return {
        "village_code": village_code,
        "territory_code": unit_code or village_code,
        "household_no": _text(problems, "household_no", household_no, max_length=32),
        "address": _text(problems, "address", address, max_length=255, multi_line=True),
        "lon": lon,
        "lat": lat,
    }


def _insert_household(
    session: Session,
    values: dict[str, Any],
    *,
    actor: str,
    occurred_on: dt.date,
    kind: str = "registered",
    details: dict[str, Any] | None = None,
) -> Household:
    duplicate = select(Household.id).where(
        Household.village_code == values["village_code"],
        Household.household_no == values["household_no"],
    )
    why = f"already used in village {values['village_code']}"
    if session.scalar(duplicate.limit(1)) is not None:
        raise Conflict(
            Message("household_no %(value)s is %(why)s", value=values["household_no"], why=why),
            fields={"household_no": why},
        )
    household = Household(**values, status="active", updated_by=actor)
    _insert(session, household, duplicate, "household_no", why)
    _record(
        session,
        kind=kind,
        occurred_on=occurred_on,
        household_id=household.id,
        territory_code=household.territory_code,
        details=details,
        actor=actor,
    )
    _flush(session)
    return household


def check_create_household(
    session: Session,
    *,
    village_code: str,
    household_no: str,
    address: str,
    unit_code: str | None = None,
    lon: float | None = None,
    lat: float | None = None,
    actor: str,
) -> Household:
    """Register a household in an active village, in one of its units or (until placed) none."""
    problems = Problems()
    values = _clean_new_household(
        session,
        problems,
        village_code=village_code,
        household_no=household_no,
        address=address,
        unit_code=unit_code,
        lon=lon,
        lat=lat,
    )
    problems.raise_if_any()
    return _insert_household(session, values, actor=actor, occurred_on=clock.today())


def check_update_household(
    session: Session,
    household: Household,
    *,
    version: int | None = None,
    address: str = UNSET,
    lon: float | None = UNSET,
    lat: float | None = UNSET,
    unit_code: str | None = UNSET,
    occurred_on: dt.date | None = None,
    actor: str,
) -> Household:
    """Change address, point or unit. A unit change moves the household's residents with it."""
    check_version("household", household, version)
    problems = Problems()
    new_values: dict[str, Any] = {}
    if address is not UNSET:
        new_values["address"] = _text(problems, "address", address, max_length=255, multi_line=True)
    if lon is not UNSET or lat is not UNSET:
        new_values["lon"] = household.lon if lon is UNSET else lon
        new_values["lat"] = household.lat if lat is UNSET else lat
        problems.add_all(clean_lon_lat(new_values["lon"], new_values["lat"]))
    moving = unit_code is not UNSET and unit_code != household.unit_code
    if moving and unit_code is not None:
        _check_unit(session, problems, unit_code, household.village_code)
    if moving and household.status != "active":
        problems.add(
            "unit_code", Message("the household is %(status)s, not active", status=household.status)
        )
    occurred = _clean_occurred_on(problems, occurred_on)
    problems.raise_if_any()
    changes = _changes(household, new_values)
    if not changes and not moving:
        return household
    if changes:
        # Every field change is set before the flush, so they move the version by one
        # (a move is a write of its own and moves it once more).
        household.updated_by = actor
        for field in changes:
            setattr(household, field, new_values[field])
        _record_household_event(session, household, "updated", occurred, changes, actor)
        _flush(session)
    if moving:
        place = unit_code or household.village_code
        move = HouseholdMove(household.id, place, version=household.version)
        do_move_households(session, [move], occurred_on=occurred, actor=actor)
    return household


def check_set_dangerous_house(
    session: Session,
    household: Household,
    *,
    dangerous: bool,
    since: dt.date | None = None,
    reason: str | None = None,
    version: int | None = None,
    actor: str,
) -> Household:
    """Flag the household's house as dangerous (the date it was found, and why: a reason is
    required) or clear the flag. Recorded as an ``updated`` registry event."""
    check_version("household", household, version)
    problems = Problems()
    new_values: dict[str, Any] = {"dangerous_since": None, "dangerous_reason": None}
    if dangerous:
        new_values["dangerous_reason"] = _text(problems, "reason", reason, max_length=255)
        new_values["dangerous_since"] = since or clock.today()
        if since is not None and since > clock.today():
            problems.add("since", Message("must not be in the future"))
    problems.raise_if_any()
    changes = _changes(household, new_values)
    if not changes:
        return household
    household.updated_by = actor
    for field in changes:
        setattr(household, field, new_values[field])
    _record_household_event(session, household, "updated", clock.today(), changes, actor)
    _flush(session)
    return household


def _record_household_event(
    session: Session,
    household: Household,
    kind: str,
    occurred_on: dt.date,
    details: dict[str, Any],
    actor: str,
) -> None:
    _record(
        session,
        kind=kind,
        occurred_on=occurred_on,
        household_id=household.id,
        territory_code=household.territory_code,
        details=details,
        actor=actor,
    )


def check_change_unit(
    session: Session,
    household: Household,
    *,
    unit_code: str | None,
    occurred_on: dt.date | None = None,
    version: int | None = None,
    actor: str,
) -> Household:
    """Place the household in another unit of its village (None: in the village, unplaced)."""
    if unit_code == household.unit_code:
        raise ValidationFailed.field("unit_code", Message("the household is already there"))
    return check_update_household(
        session,
        household,
        version=version,
        unit_code=unit_code,
        occurred_on=occurred_on,
        actor=actor,
    )


# --- residents --------------------------------------------------------------------------


def _clean_person(
    problems: Problems,
    *,
    name: str,
    sex: str,
    birth_date: dt.date,
    id_number: str | None,
    phone: str | None,
    relation_to_head: str,
    residence_status: str,
) -> dict[str, Any]:
    values: dict[str, Any] = {
        "name": _text(problems, "name", name, max_length=64),
        "sex": problems.check("sex", clean_sex, sex),
        "birth_date": _clean_birth_date(problems, birth_date),
        "id_number": None
        if _blank(id_number)
        else problems.check("id_number", clean_id_number, id_number),
        "phone": None if _blank(phone) else problems.check("phone", clean_mobile_phone, phone),
        "relation_to_head": problems.check("relation_to_head", clean_relation, relation_to_head),
        "residence_status": problems.check(
            "residence_status", clean_residence_status, residence_status
        ),
    }
    if values["id_number"] and values["sex"] and values["birth_date"]:
        disagreement = id_number_disagreement(
            values["id_number"], birth_date=values["birth_date"], sex=values["sex"]
        )
        for field, why in disagreement.items():
            problems.add(field, why)
        if disagreement:
            problems.add(
                "id_number",
                Message(
                    "does not match the %(disagreement)s", disagreement=" and ".join(disagreement)
                ),
            )
    return values


def _clean_birth_date(problems: Problems, birth_date: dt.date | None) -> dt.date | None:
    if birth_date is None:
        problems.add("birth_date", Message("required"))
        return None
    return problems.check("birth_date", clean_birth_date, birth_date, today=clock.today())


def _clean_key_groups(
    session: Session, problems: Problems, codes: Iterable[str] | None
) -> list[str]:
    wanted = list(dict.fromkeys(codes or ()))  # None (an API null) clears the tags
    if not wanted:
        return []
    known = set(
        session.scalars(select(KeyGroup.code).where(KeyGroup.code.in_(wanted), KeyGroup.active))
    )
    unknown = [code for code in wanted if code not in known]
    if unknown:
        problems.add(
            "key_groups", Message("unknown key group: %(unknown)s", unknown=", ".join(unknown))
        )
    return wanted


def _duplicate_id_query(id_number: str, except_id: str | None = None) -> Select[Any]:
    query = select(Resident.id).where(Resident.id_number_hash == personal_hash(id_number))
    return query if except_id is None else query.where(Resident.id != except_id)


def _refuse_duplicate_id(session: Session, id_number: str | None, except_id: str | None) -> None:
    # The message never says whose number it is: that would leak a personal field.
    if id_number and session.scalar(_duplicate_id_query(id_number, except_id).limit(1)):
        raise Conflict(
            Message("this ID number is already registered to another resident"),
            fields={"id_number": Message("already registered to another resident")},
        )


def _household_to_join(session: Session, problems: Problems, household_id: str) -> Household | None:
    """The active household to join, or None with the reason recorded in ``problems``."""
    household = session.get(Household, household_id)
    if household is None:
        problems.add("household_id", Message("no household has this id"))
    elif household.status != "active":
        problems.add(
            "household_id",
            Message("the household is %(status)s, not active", status=household.status),
        )
    return household


def _insert_resident(
    session: Session,
    household: Household,
    values: dict[str, Any],
    key_groups: list[str],
    *,
    kind: str,
    occurred_on: dt.date,
    details: dict[str, Any] | None = None,
    actor: str,
) -> Resident:
    _refuse_duplicate_id(session, values["id_number"], None)
    resident = Resident(
        household_id=household.id,
        territory_code=household.territory_code,
        updated_by=actor,
        **values,
    )
    why = "already registered to another resident"
    if values["id_number"]:
        _insert(session, resident, _duplicate_id_query(values["id_number"]), "id_number", why)
    else:
        session.add(resident)
        _flush(session)
    session.add_all(ResidentKeyGroup(resident_id=resident.id, key_group_code=c) for c in key_groups)
    _record(
        session,
        kind=kind,
        occurred_on=occurred_on,
        household_id=household.id,
        resident_id=resident.id,
        territory_code=resident.territory_code,
        details=details,
        actor=actor,
    )
    _flush(session)
    return resident


def _validated_newcomer(
    session: Session,
    problems: Problems,
    *,
    household_id: str,
    key_groups: Iterable[str],
    person: dict[str, Any],
) -> tuple[Household | None, dict[str, Any], list[str]]:
    household = _household_to_join(session, problems, household_id)
    values = _clean_person(problems, **person)
    if values["residence_status"] in GONE_STATUSES:
        problems.add(
            "residence_status",
            f"a new resident is one of {', '.join(CURRENT_STATUSES)} "
            "(record a death or a move-out as an event)",
        )
    codes = _clean_key_groups(session, problems, key_groups)
    return household, values, codes


def check_create_resident(
    session: Session,
    *,
    household_id: str,
    name: str,
    sex: str,
    birth_date: dt.date,
    id_number: str | None = None,
    phone: str | None = None,
    relation_to_head: str,
    residence_status: str = "living_here",
    key_groups: Iterable[str] = (),
    actor: str,
) -> Resident:
    """Register a person in an active household."""
    problems = Problems()
    person = {
        "name": name,
        "sex": sex,
        "birth_date": birth_date,
        "id_number": id_number,
        "phone": phone,
        "relation_to_head": relation_to_head,
        "residence_status": residence_status,
    }
    household, values, codes = _validated_newcomer(
        session, problems, household_id=household_id, key_groups=key_groups, person=person
    )
    problems.raise_if_any()
    assert household is not None  # a missing household is a recorded problem
    return _insert_resident(
        session, household, values, codes, kind="registered", occurred_on=clock.today(), actor=actor
    )


def resident_key_group_codes(session: Session, resident_id: str) -> list[str]:
    return list(
        session.scalars(
            select(ResidentKeyGroup.key_group_code)
            .where(ResidentKeyGroup.resident_id == resident_id)
            .order_by(ResidentKeyGroup.key_group_code)
        )
    )


def check_update_resident(
    session: Session,
    resident: Resident,
    *,
    version: int | None = None,
    name: str = UNSET,
    sex: str = UNSET,
    birth_date: dt.date = UNSET,
    id_number: str | None = UNSET,
    phone: str | None = UNSET,
    relation_to_head: str = UNSET,
    residence_status: str = UNSET,
    key_groups: Iterable[str] | None = UNSET,
    actor: str,
) -> Resident:
    """Correct a resident's fields; ``key_groups`` replaces the tags. Records ``updated``."""
    check_version("resident", resident, version)
    given = {
        "name": name,
        "sex": sex,
        "birth_date": birth_date,
        "id_number": id_number,
        "phone": phone,
        "relation_to_head": relation_to_head,
        "residence_status": residence_status,
    }
    person: dict[str, Any] = {
        f: getattr(resident, f) if v is UNSET else v for f, v in given.items()
    }
    problems = Problems()
    values = _clean_person(problems, **person)
    _check_status_change(problems, resident.residence_status, values["residence_status"])
    old_codes = resident_key_group_codes(session, resident.id)
    new_codes = (
        old_codes if key_groups is UNSET else _clean_key_groups(session, problems, key_groups)
    )
    problems.raise_if_any()
    _refuse_duplicate_id(session, values["id_number"], resident.id)
    changes = _changes(resident, values)
    if sorted(new_codes) != old_codes:
        changes["key_groups"] = [old_codes, sorted(new_codes)]
        _replace_key_groups(session, resident.id, new_codes)
        publish_households_changed(session, [resident.household_id])
        entered = sorted(set(new_codes) - set(old_codes))
        if entered:
            publish_key_groups_entered(
                session,
                resident_id=resident.id,
                household_id=resident.household_id,
                key_groups=entered,
                actor=actor,
            )
    if not changes:
        return resident
    for field in changes.keys() & values.keys():
        setattr(resident, field, values[field])
    resident.updated_by = actor
    resident.updated_at = clock.now()
    # A tag change alone must still bump the version, even when the clock has not moved.
    flag_modified(resident, "updated_at")
    _record_resident_event(session, resident, "updated", clock.today(), changes, actor)
    _flush(session)
    return resident


def _check_status_change(problems: Problems, before: str, after: str | None) -> None:
    if after is None or after == before:
        return
    if after in GONE_STATUSES:
        problems.add("residence_status", Message("record a death or a move-out as an event, dated"))
    elif before in GONE_STATUSES:
        problems.add(
            "residence_status",
            Message("the resident is %(before)s: record a move-in instead", before=before),
        )


def _replace_key_groups(session: Session, resident_id: str, codes: list[str]) -> None:
    session.execute(delete(ResidentKeyGroup).where(ResidentKeyGroup.resident_id == resident_id))
    session.add_all(ResidentKeyGroup(resident_id=resident_id, key_group_code=c) for c in codes)


def _record_resident_event(
    session: Session,
    resident: Resident,
    kind: str,
    occurred_on: dt.date,
    details: dict[str, Any],
    actor: str,
) -> None:
    _record(
        session,
        kind=kind,
        occurred_on=occurred_on,
        household_id=resident.household_id,
        resident_id=resident.id,
        territory_code=resident.territory_code,
        details=details,
        actor=actor,
    )
