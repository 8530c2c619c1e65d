"""Intake: a case is reported, located, placed at its starting level with its deadline,
recorded as event 1 of its timeline, and its handlers are told (through the outbox).

Idempotency: a caller (``idempotency_owner``: a user, an API key, the CLI) that sends the
same ``idempotency_key`` again gets the case the first request created, never a second
one, even when both requests run at once (the unique constraint decides; the loser
re-reads the winner's row). The same key with a different report (category,
description, point or household) is refused with 422 naming ``idempotency_key``, as the
IETF Idempotency-Key draft says.

Contact by e-mail and a photo link (both optional, as Open311 clients send them):

- ``reporter_email`` is checked only for plausibility, not deliverability: one ``@``, a
  local part and a dotted domain (labels non-empty, the last of 2 or more characters), no
  spaces or the characters ``<>()[],;:"\\``, at most 120 characters (fewer if the encrypted
  value would not fit its column, see ``max_email_length``). It is personal: stored
  encrypted, shown masked.
- ``media_url`` is an ``http`` or ``https`` URL with a host, at most 1024 characters.

Both are compared on an idempotent replay, like the description.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import String, TypeDecorator, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gridgov import clock, crypto
from gridgov.access.policy import scope_filter
from gridgov.access.principal import Principal
from gridgov.audit.actions import do_record
from gridgov.cases.levels import handler_code_for, starting_level
from gridgov.cases.locate import locate
from gridgov.cases.models import CHANNELS, Case, CaseCategory, CaseEvent, CaseFollower
from gridgov.cases.notices import new_case_payload
from gridgov.cases.recipients import handlers_of
from gridgov.cases.timers.case_timers import set_level_timers, top_level
from gridgov.errors import ValidationFailed
from gridgov.i18n import Message
from gridgov.notify.outbox import enqueue
from gridgov.registry.models import Household
from gridgov.registry.validation import clean_mobile_phone
from gridgov.validation import EMAIL_PATTERN, Problems, clean_lon_lat, refuse_bad_texts

MAX_DESCRIPTION = 2000
TITLE_FROM_DESCRIPTION = 60
MAX_EMAIL = 120
MAX_MEDIA_URL = 1024


@dataclass
class _Report:
    """The cleaned fields of one report."""

    category: CaseCategory
    description: str
    title: str
    address: str
    reporter_name: str
    reporter_contact: str | None
    reporter_email: str | None
    media_url: str | None
    household: Household | None


def _clean_text(problems: Problems, field: str, value: str | None, limit: int) -> str:
    text = (value or "").replace("\r\n", "\n").strip()
    if len(text) > limit:
        problems.add(field, Message("at most %(limit)s characters", limit=limit))
    return text


def _clean_category(session: Session, problems: Problems, code: str) -> CaseCategory | None:
    category = session.get(CaseCategory, code) if code else None
    if category is None:
        problems.add("category_code", Message("no case category has this code"))
    elif not category.active:
        problems.add("category_code", Message("this category is no longer in use"))
    return category


def _clean_household(
    session: Session,
    problems: Problems,
    household_id: str | None,
    principal: Principal | None,
) -> Household | None:
    """The household named, if the principal may read it; one out of reach answers like
    one that is not there (as the registry does for a household named in a body)."""
    if household_id is None:
        return None
    query = select(Household).where(Household.id == household_id)
    if principal is not None:
        query = query.where(
            scope_filter(
                principal,
                "read",
                "household",
                Household.territory_code,
                household_column=Household.id,
            )
        )
    household = session.scalar(query)
    if household is None:
        problems.add("household_id", Message("no household has this id"))
    return household


def _clean_contact(problems: Problems, contact: str | None) -> str | None:
    if contact is None or not contact.strip():
        return None
    return problems.check("reporter_contact", clean_mobile_phone, contact)


def _given(value: str | None) -> str | None:
    text = (value or "").strip()
    return text or None


def max_email_length() -> int:
    """120, or fewer when the encrypted value would overflow the column: its ciphertext
    (``v1:<key id>:`` and base64 of nonce, text and tag) must fit ``cases.reporter_email``."""
    stored = Case.__table__.c.reporter_email.type
    while isinstance(stored, TypeDecorator):  # EncryptedString over the String that holds it
        stored = stored.impl_instance
    column = stored.length if isinstance(stored, String) else None
    if column is None:
        return MAX_EMAIL
    overhead = len(f"{crypto.PREFIX}:{crypto.key_ring().current_id}:")
    room = (column - overhead) // 4 * 3 - crypto.NONCE_BYTES - 16  # AES-GCM tag: 16 bytes
    return max(0, min(MAX_EMAIL, room))


def _clean_email(problems: Problems, email: str | None) -> str | None:
    """A plausible address (see the module's docstring), at most ``max_email_length()``
    bytes in UTF-8 (the encrypted column's measure; the same as characters for ASCII)."""
    text = _given(email)
    if text is None:
        return None
    most = max_email_length()
    if len(text.encode()) > most:
        problems.add("reporter_email", Message("at most %(most)s characters", most=most))
    elif EMAIL_PATTERN.fullmatch(text) is None:
        problems.add("reporter_email", Message("not an e-mail address (name@example.org)"))
    return text


def _clean_media_url(problems: Problems, url: str | None) -> str | None:
    text = _given(url)
    if text is None:
        return None
    try:
        parts = urlsplit(text)
        hostname = parts.hostname
    except ValueError:  # e.g. an unclosed "[" of an IPv6 host
        parts, hostname = None, None
    if (
        parts is None
        or len(text) > MAX_MEDIA_URL
        or parts.scheme.lower() not in ("http", "https")
        or not hostname
        or any(char.isspace() for char in text)
    ):
        problems.add(
            "media_url",
            Message(
                "an http(s) URL of at most %(MAX_MEDIA_URL)s characters",
                MAX_MEDIA_URL=MAX_MEDIA_URL,
            ),
        )
    return text


def _clean_report(
    session: Session,
    *,
    category_code: str,
    description: str,
    channel: str,
    title: str,
    address: str,
    reporter_name: str,
    reporter_contact: str | None,
    reporter_email: str | None,
    media_url: str | None,
    lon: float | None,
    lat: float | None,
    household_id: str | None,
    principal: Principal | None,
) -> _Report:
    problems = Problems()
    category = _clean_category(session, problems, category_code)
    text = _clean_text(problems, "description", description, MAX_DESCRIPTION)
    if not text:
        problems.add("description", Message("say what the problem is (1 to 2000 characters)"))
    if channel not in CHANNELS:
        problems.add("channel", Message("one of %(CHANNELS)s", CHANNELS=", ".join(CHANNELS)))
    problems.add_all(clean_lon_lat(lon, lat))
    clean_title = _clean_text(problems, "title", title, 120) or _title_from(text)
    clean_address = _clean_text(problems, "address", address, 255)
    clean_name = _clean_text(problems, "reporter_name", reporter_name, 64)
    contact = _clean_contact(problems, reporter_contact)
    email = _clean_email(problems, reporter_email)
    url = _clean_media_url(problems, media_url)
    household = _clean_household(session, problems, household_id, principal)
    problems.raise_if_any()
    assert category is not None  # a missing category is a recorded problem
    return _Report(
        category=category,
        description=text,
        title=clean_title,
        address=clean_address,
        reporter_name=clean_name,
        reporter_contact=contact,
        reporter_email=email,
        media_url=url,
        household=household,
    )


def _title_from(description: str) -> str:
    first_line = description.splitlines()[0] if description else ""
    if len(first_line) <= TITLE_FROM_DESCRIPTION:
        return first_line
    return first_line[: TITLE_FROM_DESCRIPTION - 1] + "…"


def _set_timers(session: Session, case: Case, now: dt.datetime) -> None:
    case.level_started_at = now
    set_level_timers(session, case, now=now)


def _same_report(case: Case, category_code: str, description: str, **place: Any) -> bool:
    return (
        case.category_code == category_code
        and case.description == (description or "").strip()
        and all(getattr(case, name) == value for name, value in place.items())
    )


def _replay(
    session: Session, owner: str, key: str, category_code: str, description: str, **place: Any
) -> Case | None:
    """The case this key created, or None; a different report under it is refused."""
    found = session.scalar(
        select(Case).where(Case.idempotency_owner == owner, Case.idempotency_key == key)
    )
    if found is not None and not _same_report(found, category_code, description, **place):
        raise ValidationFailed.field(
            "idempotency_key", Message("already used for a different report: use a new key")
        )
    return found


def _insert(session: Session, case: Case) -> bool:
    """Insert in a savepoint; False when a concurrent request with the same key won."""
    try:
        with session.begin_nested():
            session.add(case)
            session.flush()
    except IntegrityError:
        if case.idempotency_key is None:
            raise
        return False
    return True


def _add_reporter_as_follower(session: Session, case: Case, *, actor: str) -> None:
    """A Core insert with its own audit entry: the ORM's automatic entry would name the
    row by its two-id key, longer than the audit log's object_id column (64)."""
    session.flush()
    session.execute(
        insert(CaseFollower).values(
            case_id=case.id, user_id=case.reporter_user_id, reason="reporter"
        )
    )
    do_record(
        session,
        action="create",
        object_type="case_followers",
        object_id=case.id,
        territory_code=case.territory_code,
        changes={"user_id": [None, case.reporter_user_id], "reason": [None, "reporter"]},
        actor=actor,
    )


def _record_intake(session: Session, case: Case, *, actor: str, now: dt.datetime) -> None:
    session.add(
        CaseEvent(
            case_id=case.id,
            seq=1,
            action="report",
            from_state=None,
            to_state=case.state,
            from_level=None,
            to_level=case.level,
            actor=actor,
            note="",
            details={"channel": case.channel, "located_by": case.located_by},
            at=now,
        )
    )
    if case.reporter_user_id is not None:
        _add_reporter_as_follower(session, case, actor=actor)
    enqueue(
        session,
        "case_assigned",
        handlers_of(session, case.handler_code, case.level),
        new_case_payload(case),
    )
    session.flush()


def check_report_case(
    session: Session,
    *,
    category_code: str,
    description: str,
    channel: str,
    actor: str,
    reporter_user_id: str | None = None,
    reporter_name: str = "",
    reporter_contact: str | None = None,
    reporter_email: str | None = None,
    media_url: str | None = None,
    lon: float | None = None,
    lat: float | None = None,
    household_id: str | None = None,
    address: str = "",
    title: str = "",
    idempotency_owner: str | None = None,
    idempotency_key: str | None = None,
    principal: Principal | None = None,
    level: str | None = None,
    deadlines: dict[str, Any] | None = None,
    roll_call_id: str | None = None,
) -> tuple[Case, bool]:
    """Report a case; ``(case, True)`` when created now, ``(case, False)`` when this
    owner's ``idempotency_key`` already created it. ``level`` and ``deadlines`` replace the
    category's starting level and limits (a roll-call's help case: the grid, in minutes);
    ``roll_call_id`` links a roll-call's help case to its roll-call."""
    refuse_bad_texts(
        {
            "category_code": category_code,
            "description": description,
            "title": title,
            "address": address,
            "reporter_name": reporter_name,
            "reporter_contact": reporter_contact,
            "reporter_email": reporter_email,
            "media_url": media_url,
            "household_id": household_id,
            "idempotency_key": idempotency_key,
        },
        multi_line=("description", "address"),
    )
    replay_key = (
        (idempotency_owner, idempotency_key)
        if idempotency_owner is not None and idempotency_key is not None
        else None
    )
    place = {"lon": lon, "lat": lat, "household_id": household_id}
    same: dict[str, Any] = {
        "category_code": category_code,
        "description": description,
        "reporter_email": _given(reporter_email),
        "media_url": _given(media_url),
        **place,
    }
    if replay_key is not None:
        found = _replay(session, *replay_key, **same)
        if found is not None:
            return found, False
    report = _clean_report(
        session,
        category_code=category_code,
        description=description,
        channel=channel,
        title=title,
        address=address,
        reporter_name=reporter_name,
        reporter_contact=reporter_contact,
        reporter_email=reporter_email,
        media_url=media_url,
        lon=lon,
        lat=lat,
        household_id=household_id,
        principal=principal,
    )
    location = locate(
        session,
        household=report.household,
        lon=lon,
        lat=lat,
        reporter_household_code=principal.household_code if principal else None,
    )
    case = _new_case(session, report, location.territory_code, location.located_by, **place)
    if level is not None:
        case.level, case.handler_code = level, handler_code_for(case.territory_code, level)
    if deadlines is not None:
        case.deadlines = dict(deadlines)
    case.channel, case.created_by = channel, actor
    case.reporter_user_id = reporter_user_id
    case.roll_call_id = roll_call_id
    case.idempotency_owner, case.idempotency_key = replay_key or (None, None)
    now = clock.now()
    _set_timers(session, case, now)
    if not _insert(session, case):  # only a keyed report can lose the race
        found = _replay(session, *replay_key, **same) if replay_key is not None else None
        if found is None:
            raise ValidationFailed.field("idempotency_key", Message("could not be recorded: retry"))
        return found, False
    _record_intake(session, case, actor=actor, now=now)
    return case, True


def _new_case(
    session: Session, report: _Report, territory_code: str, located_by: str, **place: Any
) -> Case:
    category = report.category
    level = starting_level(category.default_level, territory_code, top_level(session))
    return Case(
        category_code=category.code,
        title=report.title,
        description=report.description,
        address=report.address,
        territory_code=territory_code,
        located_by=located_by,
        level=level,
        handler_code=handler_code_for(territory_code, level),
        state="reported",
        reporter_name=report.reporter_name,
        reporter_contact=report.reporter_contact,
        reporter_email=report.reporter_email,
        media_url=report.media_url,
        deadlines=dict(category.deadlines),
        escalations=0,
        reopens=0,
        dissatisfactions=0,
        overdue_ever=False,
        **place,
    )
