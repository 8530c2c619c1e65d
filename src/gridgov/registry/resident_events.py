"""A dated life event of one resident as a request names it (death, moving out, moving back
in): one dispatch shared by the API's ``POST /residents/{id}/events`` and the resident page."""

from __future__ import annotations

from sqlalchemy.orm import Session

from gridgov.access.principal import Principal
from gridgov.registry.life_events import (
    check_record_death,
    check_record_move_in,
    check_record_move_out,
)
from gridgov.registry.models import Resident
from gridgov.registry.queries import household_named_in_form
from gridgov.registry.schemas import ResidentEventCreate


def event_action(kind: object) -> str:
    """The policy action a resident event needs: a return updates, the others retire."""
    return "update" if kind == "moved_in" else "retire"


def check_record_resident_event(
    session: Session,
    resident: Resident,
    event: ResidentEventCreate,
    *,
    principal: Principal,
    actor: str,
) -> Resident:
    """Record ``event`` on ``resident`` (already checked with :func:`event_action`). A return
    goes to the household named (default: the last one), which the caller must be able to
    add residents to (else 422 naming ``household_id``)."""
    if event.kind == "death":
        check_record_death(
            session, resident, occurred_on=event.occurred_on, note=event.note, actor=actor
        )
    elif event.kind == "moved_out":
        check_record_move_out(
            session,
            resident,
            occurred_on=event.occurred_on,
            destination=event.destination,
            actor=actor,
        )
    else:
        household = household_named_in_form(
            session, event.household_id or resident.household_id, principal
        )
        check_record_move_in(
            session,
            household,
            resident=resident,
            occurred_on=event.occurred_on,
            origin=event.origin,
            relation_to_head=event.relation_to_head,
            actor=actor,
        )
    return resident
