"""Revealing personal fields in full: only where the policy allows it, never without a
reason, and always written to the audit log (who, what, when, why)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from gridgov.accounts.access import require
from gridgov.accounts.policy import allows
from gridgov.accounts.principal import Principal
from gridgov.audit.actions import do_record
from gridgov.privacy import parse_reveal
from gridgov.registry.models import Resident


def do_reveal(
    session: Session,
    principal: Principal,
    residents: Sequence[Resident],
    *,
    reveal: str | None,
    reason: str | None,
) -> dict[str, frozenset[str]]:
    """The fields to show unmasked, by resident id. 403 for a role that may never reveal;
    a resident the caller may read but not reveal stays masked. One audit entry each."""
    fields = parse_reveal(reveal, reason)
    if not fields:
        return {}
    require(principal, "reveal", "resident")
    granted: dict[str, frozenset[str]] = {}
    for resident in residents:
        if not allows(
            principal,
            "reveal",
            "resident",
            resident.territory_code,
            household_id=resident.household_id,
        ):
            continue
        granted[resident.id] = fields
        do_record(
            session,
            action="reveal",
            object_type="residents",
            object_id=resident.id,
            territory_code=resident.territory_code,
            changes={"fields": sorted(fields), "reason": (reason or "").strip()[:200]},
            actor=principal.actor,
        )
    return granted
