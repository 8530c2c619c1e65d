"""Write an event to the outbox in the caller's transaction: if the change rolls back, the
event goes with it; the delivery job (gridgov.jobs) hands it on after commit."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy.orm import Session

from gridgov.notify.models import OutboxMessage

# What people hear of. Payload: {"case_id", "title", "body", ...}.
KINDS = (
    "case_assigned",  # a case arrived at your level (new, or returned to reported)
    "case_due_soon",  # the warning before due
    "case_escalated",  # escalated to you (and: your case went up, for the level below)
    "case_resolved",  # resolved: please confirm and rate (to the reporter and followers)
    "case_updated",  # any other step the reporter and followers hear of
    "case_reopened",
    "case_closed",
    "notice_reminder",  # a leader's list of households still to tell of a notice
    "contact_must_visit",  # a household of yours must be visited by a day (contacts.moments)
    "contact_digest",  # your weekly list of due and overdue contacts (contacts.digest)
    "rollcall_notice",  # an emergency roll-call started (the urgent notice; emergency.notices)
    "rollcall_households",  # a unit leader's (or grid leader's) list of households to confirm
    "rollcall_escalated",  # households still unconfirmed, shown to a grid leader or village
    "rollcall_all_clear",  # the all-clear: moved households confirm their return
)


def enqueue(
    session: Session, kind: str, recipients: Iterable[str], payload: dict[str, Any]
) -> OutboxMessage | None:
    """Add one outbox row for these user ids (none: nothing is written)."""
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    users = sorted(set(recipients))
    if not users:
        return None
    message = OutboxMessage(kind=kind, recipients=users, payload=payload)
    session.add(message)
    return message
