"""Revealing personal fields in full: only where the policy allows it, never without a
reason, and always written to the audit log (who, what, when, why).

One implementation for every record that has personal fields (a resident's ID number and
phone, a case reporter's contact), with one rule for the reason: :func:`clean_reason`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from gridgov.access.checks import require
from gridgov.access.policy import allows
from gridgov.access.principal import Principal
from gridgov.audit.actions import do_record
from gridgov.errors import ValidationFailed
from gridgov.privacy import parse_reveal
from gridgov.registry.models import Resident

MIN_REASON = 4  # non-blank characters
MAX_REASON = 200  # characters the audit log keeps


def clean_reason(reason: str | None) -> str:
    """The reason of a reveal as the audit log keeps it: required, with at least
    MIN_REASON non-blank characters (else 422 naming ``reason``), trimmed, up to MAX_REASON
    characters."""
    text = (reason or "").strip()
    if sum(not char.isspace() for char in text) < MIN_REASON:
        raise ValidationFailed.field(
            "reason",
            f"say why the full value is needed, in {MIN_REASON} characters or more "
            "(kept in the audit log)",
        )
    return text[:MAX_REASON]


@dataclass(frozen=True)
class Revealable:
    """A record whose personal fields may be shown, as the policy and the audit log see it."""

    object_type: str  # the audit log's object type (the table: "residents", "cases")
    object_id: str
    territory_code: str
    household_id: str | None = None  # for the OWN and CONTACT rules


def do_reveal(
    session: Session,
    principal: Principal,
    resource: str,
    records: Sequence[Revealable],
    *,
    fields: Sequence[str],
    reason: str | None,
) -> frozenset[str]:
    """The ids of the ``records`` whose ``fields`` are shown in full. The reason is checked
    first (422), then the role (403 for one that may never reveal ``resource``); a record
    the caller may read but not reveal stays masked. One audit entry for each shown."""
    kept_reason = clean_reason(reason)
    require(principal, "reveal", resource)
    shown: set[str] = set()
    for record in records:
        if not allows(
            principal,
            "reveal",
            resource,
            record.territory_code,
            household_id=record.household_id,
        ):
            continue
        shown.add(record.object_id)
        do_record(
            session,
            action="reveal",
            object_type=record.object_type,
            object_id=record.object_id,
            territory_code=record.territory_code,
            changes={"fields": list(fields), "reason": kept_reason},
            actor=principal.actor,
        )
    return frozenset(shown)


def do_reveal_residents(
    session: Session,
    principal: Principal,
    residents: Sequence[Resident],
    *,
    reveal: str | None,
    reason: str | None,
) -> dict[str, frozenset[str]]:
    """The personal fields (``reveal=id_number,phone``) to show unmasked, by resident id."""
    fields = parse_reveal(reveal)
    if not fields:
        return {}
    records = [
        Revealable("residents", resident.id, resident.territory_code, resident.household_id)
        for resident in residents
    ]
    shown = do_reveal(session, principal, "resident", records, fields=sorted(fields), reason=reason)
    return dict.fromkeys(shown, fields)
