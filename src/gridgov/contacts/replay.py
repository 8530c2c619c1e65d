"""A visit recorded with an ``Idempotency-Key`` (the API and the visit page's offline queue),
as cases are: the same caller's key again returns the visit the first request recorded and
stores nothing; two requests with one key at once meet on the unique index of (owner, key),
the loser re-reads the winner's visit. The same key with a different visit (households, day,
method) is refused naming ``idempotency_key``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gridgov.access.principal import Principal
from gridgov.contacts.ledger import CaseRequest, check_record_visit
from gridgov.contacts.models import Visit, VisitHousehold
from gridgov.errors import ValidationFailed
from gridgov.i18n import Message
from gridgov.validation import refuse_bad_texts


def _same_visit(
    session: Session, visit: Visit, household_ids: Sequence[str], fields: dict[str, Any]
) -> bool:
    reached = set(
        session.scalars(
            select(VisitHousehold.household_id).where(VisitHousehold.visit_id == visit.id)
        )
    )
    return (
        reached == set(household_ids)
        and visit.visited_on == fields.get("visited_on")
        and visit.method == fields.get("method", visit.method)
    )


def _replay(
    session: Session,
    owner: str,
    key: str,
    household_ids: Sequence[str],
    fields: dict[str, Any],
) -> Visit | None:
    found = session.scalar(
        select(Visit).where(Visit.idempotency_owner == owner, Visit.idempotency_key == key)
    )
    if found is not None and not _same_visit(session, found, household_ids, fields):
        raise ValidationFailed.field(
            "idempotency_key", Message("already used for a different visit: use a new key")
        )
    return found


def check_record_visit_once(
    session: Session,
    *,
    owner: str,
    key: str | None,
    household_ids: Sequence[str],
    member_ids: Sequence[str] = (),
    cases: Sequence[CaseRequest] = (),
    principal: Principal,
    actor: str,
    **fields: Any,
) -> tuple[Visit, bool]:
    """``(visit, True)`` when recorded now, ``(visit, False)`` when ``owner``'s ``key``
    recorded it before (nothing is stored again). Without a key: always recorded."""

    def record(**keyed: Any) -> Visit:
        return check_record_visit(
            session,
            household_ids=household_ids,
            member_ids=member_ids,
            cases=cases,
            principal=principal,
            actor=actor,
            **keyed,
            **fields,
        )

    if key is None:
        return record(), True
    refuse_bad_texts({"idempotency_key": key})
    found = _replay(session, owner, key, household_ids, fields)
    if found is not None:
        return found, False
    try:
        with session.begin_nested():
            visit = record(idempotency_owner=owner, idempotency_key=key)
    except IntegrityError:
        found = _replay(session, owner, key, household_ids, fields)
        if found is None:
            raise
        return found, False
    return visit, True
