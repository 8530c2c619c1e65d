"""/api/v1/residents, their life events, /registry-events and /key-groups.

ID numbers and phones are masked in every answer (350305********1234, 138****5678).
Every list is filtered by the caller's territory in SQL; a resident named in a path goes
through ``access_resident`` (404 outside the caller's reach, like a missing one); a
household named in a body that the caller may not change reads as one that is not there."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session

from gridgov.access.checks import require
from gridgov.accounts.reveal import do_reveal_residents
from gridgov.api.deps import PagingDep, SessionDep, writes_on_read, writes_when_revealing
from gridgov.api.params import ReasonQuery, TerritoryFilter
from gridgov.api.principal import PrincipalDep
from gridgov.api.schemas import Page
from gridgov.api.security import ActorDep
from gridgov.errors import NotFound
from gridgov.i18n import Message
from gridgov.registry import queries
from gridgov.registry.actions import check_create_resident, check_update_resident
from gridgov.registry.models import Resident
from gridgov.registry.own_data import export_resident_data
from gridgov.registry.queries import access_resident, household_named_in_form
from gridgov.registry.resident_events import check_record_resident_event, event_action
from gridgov.registry.schemas import (
    KeyGroupOut,
    RegistryEventOut,
    ResidentCreate,
    ResidentEventCreate,
    ResidentOut,
    ResidentUpdate,
)

router = APIRouter(tags=["residents"])

RevealQuery = Annotated[
    str | None,
    Query(max_length=40, description="id_number,phone: show in full (needs a reason; audited)"),
]


def _out(session: Session, resident: Resident) -> ResidentOut:
    return ResidentOut.of(*queries.get_resident_row(session, resident.id))


@router.get(
    "/residents",
    response_model=Page[ResidentOut],
    dependencies=[Depends(writes_when_revealing)],
)
def list_residents(
    session: SessionDep,
    paging: PagingDep,
    principal: PrincipalDep,
    territory: TerritoryFilter = None,
    key_group: str | None = None,
    residence_status: str | None = None,
    sex: str | None = None,
    name: Annotated[str | None, Query(max_length=64, description="Part of the name.")] = None,
    household_id: str | None = None,
    reveal: RevealQuery = None,
    reason: ReasonQuery = None,
) -> Page[ResidentOut]:
    require(principal, "read", "resident")
    rows, total = queries.list_residents(
        session,
        territory=territory,
        key_group=key_group,
        residence_status=residence_status,
        sex=sex,
        name=name,
        household_id=household_id,
        limit=paging.limit,
        offset=paging.offset,
        principal=principal,
    )
    shown = do_reveal_residents(
        session, principal, [row.resident for row in rows], reveal=reveal, reason=reason
    )
    return Page(
        items=[
            ResidentOut.of(row.resident, row.key_groups, shown.get(row.resident.id, frozenset()))
            for row in rows
        ],
        total=total,
        limit=paging.limit,
        offset=paging.offset,
    )


@router.post("/residents", response_model=ResidentOut, status_code=201)
def create_resident(
    body: ResidentCreate, session: SessionDep, actor: ActorDep, principal: PrincipalDep
) -> ResidentOut:
    household_named_in_form(session, body.household_id, principal)
    resident = check_create_resident(session, **body.model_dump(), actor=actor)
    return _out(session, resident)


@router.get("/residents/me/export", dependencies=[Depends(writes_on_read)])
def export_my_data(session: SessionDep, principal: PrincipalDep) -> dict[str, Any]:
    """Everything the platform holds about the caller as a resident, unmasked: their record,
    household, life events and posts. Written to the audit log."""
    if principal.resident_id is None:
        raise NotFound(Message("your account is not linked to a resident"))
    return export_resident_data(session, principal.resident_id, actor=principal.actor)


@router.get(
    "/residents/{resident_id}",
    response_model=ResidentOut,
    dependencies=[Depends(writes_when_revealing)],
)
def read_resident(
    resident_id: str,
    session: SessionDep,
    principal: PrincipalDep,
    reveal: RevealQuery = None,
    reason: ReasonQuery = None,
) -> ResidentOut:
    """One resident. ``reveal=id_number,phone`` with a ``reason`` shows them in full to a
    role that may (audited); everyone else sees them masked."""
    resident = access_resident(session, resident_id, principal)
    shown = do_reveal_residents(session, principal, [resident], reveal=reveal, reason=reason)
    return ResidentOut.of(
        *queries.get_resident_row(session, resident.id), shown.get(resident.id, frozenset())
    )


@router.patch("/residents/{resident_id}", response_model=ResidentOut)
def update_resident(
    resident_id: str,
    body: ResidentUpdate,
    session: SessionDep,
    actor: ActorDep,
    principal: PrincipalDep,
) -> ResidentOut:
    """Correct the fields sent; ``key_groups`` replaces the tags. Deaths and moves are
    events (``POST /residents/{id}/events``), not edits."""
    resident = access_resident(session, resident_id, principal, "update")
    resident = check_update_resident(
        session, resident, **body.model_dump(exclude_unset=True), actor=actor
    )
    return _out(session, resident)


@router.post("/residents/{resident_id}/events", response_model=ResidentOut, status_code=201)
def record_resident_event(
    resident_id: str,
    body: ResidentEventCreate,
    session: SessionDep,
    actor: ActorDep,
    principal: PrincipalDep,
) -> ResidentOut:
    """Record a dated death, move-out or return (moved_in); answers with the resident."""
    resident = access_resident(session, resident_id, principal, event_action(body.kind))
    check_record_resident_event(session, resident, body, principal=principal, actor=actor)
    return _out(session, resident)


@router.get("/registry-events", response_model=Page[RegistryEventOut])
def list_registry_events(
    session: SessionDep,
    paging: PagingDep,
    principal: PrincipalDep,
    territory: TerritoryFilter = None,
    household_id: str | None = None,
    resident_id: str | None = None,
    kind: str | None = None,
) -> Page[RegistryEventOut]:
    """Life events, newest first. Personal values in ``details`` are masked."""
    require(principal, "read", "registry_event")
    events, total = queries.list_events(
        session,
        territory=territory,
        household_id=household_id,
        resident_id=resident_id,
        kind=kind,
        limit=paging.limit,
        offset=paging.offset,
        principal=principal,
    )
    return Page(
        items=[RegistryEventOut.of(event) for event in events],
        total=total,
        limit=paging.limit,
        offset=paging.offset,
    )


@router.get("/key-groups", response_model=Page[KeyGroupOut])
def list_key_groups(
    session: SessionDep, paging: PagingDep, principal: PrincipalDep
) -> Page[KeyGroupOut]:
    require(principal, "read", "reference")
    groups = queries.list_key_groups(session)
    page = groups[paging.offset : paging.offset + paging.limit]
    return Page(
        items=[KeyGroupOut.of(group) for group in page],
        total=len(groups),
        limit=paging.limit,
        offset=paging.offset,
    )
