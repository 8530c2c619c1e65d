"""A confirmation of one household in a roll-call: who saw it, how, when, and its status.

Every confirmation is kept (``roll_call_confirmations``). The one with the latest
``confirmed_at`` stands on the household's row: a conditional UPDATE (``WHERE confirmed_at
IS NULL OR confirmed_at <= :new``), so two confirmers of one household at once keep the
later one whatever the order they commit in, and neither loses its history row. A phone
that was offline sends its confirmation later with the ``confirmed_at`` its user saw it:
bounded between the roll-call's start and the time received.

The household's line is read ``FOR UPDATE`` first (PostgreSQL; SQLite runs one writer at a
time): everything after is decided on the line as it stands under its lock (whether the new
one stands, the change of its node's counts), and the line is written back in one UPDATE.
A confirmation costs five statements of its own (the line read and locked, the history row,
the line, the node's counts, one read of the unit's, grid's and village's counts for the
live event) besides the event's (bench/rollcall.py).

Idempotency: a caller that sends an ``idempotency_key`` (the API's ``Idempotency-Key``
header, a page's offline queue) makes the confirmation's id from (caller, key)
(:func:`confirmation_id_for`), so a resend meets the first on the primary key: it gets the
first confirmation back and stores nothing twice; the same key with a different household,
status, method, people, shelter or point is refused (422 naming ``idempotency_key``); its
``confirmed_at`` is not compared (a page re-derives a queued tap's time on the server's
clock at each send).

``needs_help`` opens a case at grid level linked to the household, in the category of the
roll-call's kind, due in wall-clock minutes (cases.deadlines ``{"minutes": n}``). A drill
opens none (its cases would count in the measures); its help requests stay on its lists.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gridgov import clock
from gridgov.access.policy import scope_filter
from gridgov.access.principal import Principal
from gridgov.access.providers import CONTACT, household_scope
from gridgov.emergency.counters import apply_delta, contribution, delta
from gridgov.emergency.live import publish_counts
from gridgov.emergency.models import (
    METHODS,
    MOVED,
    STATUSES,
    RollCall,
    RollCallConfirmation,
    RollCallHousehold,
    Shelter,
)
from gridgov.errors import Conflict, NotFound, ValidationFailed
from gridgov.i18n import Message
from gridgov.registry.models import Household, Resident
from gridgov.storage.bulk import table_of
from gridgov.territory.codes import CODE_LENGTH
from gridgov.validation import Problems, clean_lon_lat, clean_text, refuse_bad_texts

HELP_CATEGORIES = {
    "typhoon": "safety.typhoon",
    "flood": "safety.typhoon",
    "fire": "safety.fire",
    "other": "safety",
}
MAX_PEOPLE = 999
# The language a help case's description is written in (the cadres read it in Chinese).
CASE_LANGUAGE = "zh-CN"
# Roles from the nearest to the household to the widest: the first that reaches it names
# the confirmer.
_CONFIRMER_ROLES = (
    ("unit_leader", "unit_leader"),
    ("grid_leader", "grid_leader"),
    ("village_secretary", "village_official"),
    ("town_official", "town_official"),
    ("administrator", "leader"),
)
# No principal: the CLI, or the demo's simulation.
SYSTEM_CONFIRMER = "system"


@dataclass(frozen=True)
class Confirmed:
    confirmation: RollCallConfirmation
    row: RollCallHousehold
    stands: bool
    help_case_id: str | None
    previous: str
    created: bool = True  # False: an idempotency key's replay of the first


def confirmation_id_for(owner: str, key: str) -> str:
    """The id of the confirmation a caller's idempotency key makes (32 hex characters, as
    ids are); ``owner`` is the key's owner as cases and visits name it
    (gridgov.http.idempotency.idempotency_owner: ``user:<id>``), so the page and the API meet
    on the same key."""
    # Until 2026-12 the owner was the bare user id: a resend after that deploy, within a
    # key's life (a phone's offline queue), makes another id once and is recorded as a
    # second confirmation of the same household: history only, the later stands as ever.
    return hashlib.sha256(f"rollcall\x00{owner}\x00{key}".encode()).hexdigest()[:32]


def access_roll_call_household(
    session: Session,
    roll_call: RollCall,
    household_id: str,
    principal: Principal | None,
    action: str = "update",
    *,
    lock: bool = False,
) -> RollCallHousehold:
    """The household's row in the roll-call if the principal may confirm (or read) it;
    else one NotFound, missing or out of reach alike (a household of another village).
    ``lock``: read it FOR UPDATE (held to the commit), as it stands now."""
    query = select(RollCallHousehold).where(
        RollCallHousehold.roll_call_id == roll_call.id,
        RollCallHousehold.household_id == household_id,
    )
    if lock:
        query = query.with_for_update(of=RollCallHousehold).execution_options(
            populate_existing=True
        )
    if principal is not None:
        query = query.where(
            scope_filter(
                principal,
                action,
                "roll_call",
                RollCallHousehold.territory_code,
                household_column=RollCallHousehold.household_id,
            )
        )
    row = session.scalar(query)
    if row is None:
        raise NotFound(
            Message(
                "no household has id %(household_id)s in this roll-call", household_id=household_id
            ),
            fields={"household_id": Message("not found")},
        )
    return row


def confirmer_of(principal: Principal | None, row: RollCallHousehold) -> str:
    """Who confirms: the household itself, its unit or grid leader, a contact party member,
    a village or town official, another leader; ``system`` for the CLI (no principal)."""
    if principal is None:
        return SYSTEM_CONFIRMER
    if principal.household_id == row.household_id:
        return "household"
    for role, confirmer in _CONFIRMER_ROLES:
        for scope in principal.scopes:
            if scope.role == role and (
                scope.territory_code is None or row.territory_code.startswith(scope.territory_code)
            ):
                return confirmer
    if household_scope(CONTACT).contains(principal, row.household_id):
        return "contact"
    return "leader"


def _clean_when(
    problems: Problems, roll_call: RollCall, confirmed_at: dt.datetime | None, received: dt.datetime
) -> dt.datetime:
    if confirmed_at is None:
        return received
    if confirmed_at.tzinfo is None:
        problems.add("confirmed_at", Message("needs a timezone offset"))
        return received
    confirmed_at = confirmed_at.astimezone(dt.UTC)
    if confirmed_at < roll_call.started_at:
        problems.add("confirmed_at", Message("before the roll-call started"))
    elif confirmed_at > received:
        problems.add("confirmed_at", Message("later than the time it was received"))
    return confirmed_at


def _clean_shelter(
    session: Session, problems: Problems, status: str, shelter_id: str | None
) -> None:
    if status == "moved_shelter" and shelter_id is None:
        problems.add("shelter_id", Message("which shelter: required for moved_shelter"))
    elif status != "moved_shelter" and shelter_id is not None:
        problems.add("shelter_id", Message("only with moved_shelter"))
    elif shelter_id is not None:
        shelter = session.get(Shelter, shelter_id)
        if shelter is None or not shelter.active:
            problems.add("shelter_id", Message("no shelter has this id"))


def _clean_status(problems: Problems, roll_call: RollCall, status: str, standing: str) -> None:
    """``returned`` only after an evacuation's all-clear, and only for a household whose
    standing status is a move (``MOVED``): one safe at home never left."""
    if status not in STATUSES or status == "unconfirmed":
        problems.add("status", Message("one of %(statuses)s", statuses=", ".join(STATUSES[1:])))
    elif status == "returned" and not (roll_call.evacuation and roll_call.state == "all_clear"):
        problems.add("status", Message("returned only after the all-clear of an evacuation"))
    elif status == "returned" and standing not in MOVED:
        problems.add(
            "status", Message("returned only for a household that moved out: it did not move")
        )


def _optional_text(problems: Problems, field: str, value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    return problems.check(field, clean_text, value, max_length=500, multi_line=True)


def _clean(
    session: Session,
    roll_call: RollCall,
    *,
    status: str,
    standing: str,
    method: str,
    confirmed_at: dt.datetime | None,
    people: int | None,
    note: str | None,
    help_needed: str | None,
    shelter_id: str | None,
    lon: float | None,
    lat: float | None,
    received: dt.datetime,
) -> dict[str, Any]:
    if roll_call.state == "closed":
        raise Conflict(Message("the roll-call is closed"), fields={"status": Message("closed")})
    problems = Problems()
    _clean_status(problems, roll_call, status, standing)
    if method not in METHODS:
        problems.add("method", Message("one of %(methods)s", methods=", ".join(METHODS)))
    when = _clean_when(problems, roll_call, confirmed_at, received)
    if people is not None and not 0 <= people <= MAX_PEOPLE:
        problems.add("people", Message("between 0 and %(most)s", most=MAX_PEOPLE))
    help_text = _optional_text(problems, "help", help_needed)
    if status == "needs_help" and help_text is None and "help" not in problems:
        problems.add("help", Message("what help is needed: required for needs_help"))
    clean_note = _optional_text(problems, "note", note)
    _clean_shelter(session, problems, status, shelter_id)
    problems.add_all(clean_lon_lat(lon, lat))
    problems.raise_if_any()
    return {
        "status": status,
        "method": method,
        "confirmed_at": when,
        "people": people,
        "note": clean_note,
        "help": help_text,
        "shelter_id": shelter_id,
        "lon": lon,
        "lat": lat,
    }


def _stand(
    session: Session,
    roll_call: RollCall,
    row: RollCallHousehold,
    values: dict[str, Any],
    *,
    confirmer: str,
    actor: str,
    received: dt.datetime,
) -> bool:
    """Count the confirmation on the line (locked: read FOR UPDATE), and make it the
    standing one unless a later ``confirmed_at`` stands already; move the node's counts by
    the change. The line is written by the next flush, in one UPDATE."""
    when = values["confirmed_at"]
    before_status, priority, escalated = row.status, row.priority, row.escalated_to is not None
    row.confirmations += 1
    if row.first_confirmed_at is None or row.first_confirmed_at > when:
        row.first_confirmed_at = when
    row.escalate_at = None
    stands = row.confirmed_at is None or row.confirmed_at <= when
    if not stands:
        return False
    status = values["status"]
    row.status = status
    row.confirmed_at = when
    row.received_at = received
    row.confirmed_by = actor
    row.confirmer = confirmer
    row.method = values["method"]
    row.moved_people = values["people"] if status in MOVED else None
    row.shelter_id = values["shelter_id"]
    row.help = values["help"]
    row.lon, row.lat = values["lon"], values["lat"]
    if status == "returned":
        row.returned_at = received
    change = delta(
        contribution(before_status, priority, escalated),
        contribution(status, priority, escalated),
    )
    apply_delta(session, roll_call.id, row.territory_code, change)
    return True


def household_head(session: Session, household_id: str) -> Resident | None:
    """The household's head (the first, should bad data give two)."""
    return session.scalars(
        select(Resident)
        .where(Resident.household_id == household_id, Resident.relation_to_head == "head")
        .order_by(Resident.id)
        .limit(1)
    ).first()


def help_description(help_text: str, people: int) -> str:
    """A help case's description: the help needed and the people in the household, in the
    cadres' language (the case's text is stored, not translated per reader)."""
    return Message(
        "Help needed: %(help)s\nPeople in the household: %(people)s", help=help_text, people=people
    ).render(CASE_LANGUAGE)


def _open_help_case(
    session: Session,
    roll_call: RollCall,
    row: RollCallHousehold,
    help_text: str,
    *,
    people: int | None,
    principal: Principal | None,
    actor: str,
    channel: str,
) -> str | None:
    """The household's help case (one per household and roll-call); None in a drill."""
    # Lazily: intake locates cases with shapely, which the CLI's start must not load.
    from gridgov.cases.intake import check_report_case

    if roll_call.drill:
        return None
    if row.help_case_id is not None:
        return row.help_case_id
    level = "grid" if len(row.territory_code) >= CODE_LENGTH["grid"] else "village"
    household = session.get(Household, row.household_id)
    head = household_head(session, row.household_id)
    # The responder calls the household head: the head's name and phone are stored where a
    # case keeps its reporter's (the phone encrypted, masked in answers unless revealed);
    # the confirmer who raised it is the case's reporter user.
    created, _ = check_report_case(
        session,
        category_code=HELP_CATEGORIES[roll_call.kind],
        description=help_description(help_text, people if people is not None else row.people),
        title=f"{roll_call.title}: {row.household_no}"[:200],
        channel=channel,
        actor=actor,
        reporter_user_id=principal.user_id if principal else None,
        reporter_name=head.name[:64] if head is not None else "",
        reporter_contact=head.phone if head is not None and head.phone else None,
        household_id=row.household_id,
        address=household.address if household is not None else "",
        level=level,
        deadlines={level: {"minutes": roll_call.help_minutes}},
        roll_call_id=roll_call.id,
    )
    table = table_of(RollCallHousehold)
    session.execute(
        update(table)
        .where(
            table.c.roll_call_id == roll_call.id,
            table.c.household_id == row.household_id,
            table.c.help_case_id.is_(None),
        )
        .values(help_case_id=created.id)
    )
    session.expire(row)
    return row.help_case_id


_SAME_ON_REPLAY = ("household_id", "status", "method", "people", "shelter_id", "lon", "lat")


def _replay(
    session: Session,
    roll_call: RollCall,
    row: RollCallHousehold,
    confirmation_id: str,
    given: dict[str, Any],
) -> Confirmed | None:
    """The confirmation this key made before (its first answer), or None; the same key
    with another confirmation is refused."""
    found = session.get(RollCallConfirmation, confirmation_id)
    if found is None:
        return None
    same = found.roll_call_id == roll_call.id and all(
        getattr(found, name) == given[name] for name in _SAME_ON_REPLAY
    )
    if not same:
        raise ValidationFailed.field(
            "idempotency_key", Message("already used for a different confirmation: use a new key")
        )
    case_id = row.help_case_id if found.stands and found.status == "needs_help" else None
    return Confirmed(found, row, found.stands, case_id, row.status, created=False)


def check_confirm(
    session: Session,
    roll_call: RollCall,
    *,
    household_id: str,
    status: str,
    method: str = "in_person",
    confirmed_at: dt.datetime | None = None,
    people: int | None = None,
    note: str | None = None,
    help_needed: str | None = None,
    shelter_id: str | None = None,
    lon: float | None = None,
    lat: float | None = None,
    principal: Principal | None,
    actor: str,
    channel: str = "api",
    idempotency_owner: str | None = None,
    idempotency_key: str | None = None,
) -> Confirmed:
    """Record a confirmation of one household (see the module doc). With an
    ``idempotency_key`` (and its ``idempotency_owner``, ``user:<id>`` from
    gridgov.http.idempotency), a resend gets the first
    confirmation back (``created`` False) and stores nothing."""
    received = clock.now()
    row = access_roll_call_household(session, roll_call, household_id, principal, lock=True)
    confirmation_id = None
    if idempotency_key is not None:
        refuse_bad_texts({"idempotency_key": idempotency_key})
        confirmation_id = confirmation_id_for(idempotency_owner or actor, idempotency_key)
        given = {
            "household_id": household_id,
            "status": status,
            "method": method,
            "people": people,
            "shelter_id": shelter_id,
            "lon": lon,
            "lat": lat,
        }
        # Under the line's lock: a resend of the same confirmation waits for the first's
        # commit and finds it here.
        replayed = _replay(session, roll_call, row, confirmation_id, given)
        if replayed is not None:
            return replayed
    values = _clean(
        session,
        roll_call,
        status=status,
        standing=row.status,
        method=method,
        confirmed_at=confirmed_at,
        people=people,
        note=note,
        help_needed=help_needed,
        shelter_id=shelter_id,
        lon=lon,
        lat=lat,
        received=received,
    )
    confirmer = confirmer_of(principal, row)
    previous = row.status
    stands = _stand(
        session, roll_call, row, values, confirmer=confirmer, actor=actor, received=received
    )
    confirmation = RollCallConfirmation(
        **({"id": confirmation_id} if confirmation_id else {}),
        roll_call_id=roll_call.id,
        household_id=household_id,
        confirmer=confirmer,
        confirmed_by=actor,
        user_id=principal.user_id if principal else None,
        received_at=received,
        stands=stands,
        **values,
    )
    if confirmation_id is None:
        session.add(confirmation)
        session.flush()
    else:
        try:
            with session.begin_nested():
                session.add(confirmation)
                session.flush()
        except IntegrityError:
            # the same key sent at once for another household: it was recorded there
            raise ValidationFailed.field(
                "idempotency_key",
                Message("already used for a different confirmation: use a new key"),
            ) from None
    case_id = None
    if stands and status == "needs_help":
        case_id = _open_help_case(
            session,
            roll_call,
            row,
            values["help"],
            people=values["people"],
            principal=principal,
            actor=actor,
            channel=channel,
        )
    change = {"from": previous, "to": row.status, "stands": stands}
    publish_counts(session, roll_call, row.territory_code, change=change)
    return Confirmed(confirmation, row, stands, case_id, previous)


def confirmations_of(
    session: Session, roll_call: RollCall, household_id: str
) -> list[RollCallConfirmation]:
    """The household's history in the roll-call, in the order received."""
    return list(
        session.scalars(
            select(RollCallConfirmation)
            .where(
                RollCallConfirmation.roll_call_id == roll_call.id,
                RollCallConfirmation.household_id == household_id,
            )
            .order_by(RollCallConfirmation.received_at, RollCallConfirmation.id)
        )
    )
