"""/api/v1/residents, their life events, /registry-events and /key-groups.

ID numbers and phones are masked in every answer (350305********1234, 138****5678)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy.orm import Session

from gridgov.api.deps import ActorDep, PagingDep, SessionDep
from gridgov.api.schemas import Page
from gridgov.errors import ValidationFailed
from gridgov.registry import queries
from gridgov.registry.actions import check_create_resident, check_update_resident
from gridgov.registry.life_events import (
    check_record_death,
    check_record_move_in,
    check_record_move_out,
)
from gridgov.registry.models import Household, Resident
from gridgov.registry.schemas import (
    KeyGroupOut,
    RegistryEventOut,
    ResidentCreate,
    ResidentEventCreate,
    ResidentOut,
    ResidentUpdate,
)

router = APIRouter(tags=["residents"])

TerritoryFilter = Annotated[
    str | None, Query(description="A territory code: that node and everything under it.")
]


def _out(session: Session, resident: Resident) -> ResidentOut:
    return ResidentOut.of(*queries.get_resident_row(session, resident.id))


def _household_to_return_to(session: Session, household_id: str) -> Household:
    household = session.get(Household, household_id)
    if household is None:  # a bad field of the body is a 422, not a missing page
        raise ValidationFailed.field("household_id", "no household has this id")
    return household


@router.get("/residents", response_model=Page[ResidentOut])
def list_residents(
    session: SessionDep,
    paging: PagingDep,
    territory: TerritoryFilter = None,
    key_group: str | None = None,
    residence_status: str | None = None,
    sex: str | None = None,
    name: Annotated[str | None, Query(max_length=64, description="Part of the name.")] = None,
    household_id: str | None = None,
) -> Page[ResidentOut]:
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
    )
    return Page(
        items=[ResidentOut.of(row.resident, row.key_groups) for row in rows],
        total=total,
        limit=paging.limit,
        offset=paging.offset,
    )


@router.post("/residents", response_model=ResidentOut, status_code=201)
def create_resident(body: ResidentCreate, session: SessionDep, actor: ActorDep) -> ResidentOut:
    resident = check_create_resident(session, **body.model_dump(), actor=actor)
    return _out(session, resident)


@router.get("/residents/{resident_id}", response_model=ResidentOut)
def read_resident(resident_id: str, session: SessionDep) -> ResidentOut:
    return ResidentOut.of(*queries.get_resident_row(session, resident_id))


@router.patch("/residents/{resident_id}", response_model=ResidentOut)
def update_resident(
    resident_id: str, body: ResidentUpdate, session: SessionDep, actor: ActorDep
) -> ResidentOut:
    """Correct the fields sent; ``key_groups`` replaces the tags. Deaths and moves are
    events (``POST /residents/{id}/events``), not edits."""
    resident = queries.get_resident(session, resident_id)
    resident = check_update_resident(
        session, resident, **body.model_dump(exclude_unset=True), actor=actor
    )
    return _out(session, resident)


@router.post("/residents/{resident_id}/events", response_model=ResidentOut, status_code=201)
def record_resident_event(
    resident_id: str, body: ResidentEventCreate, session: SessionDep, actor: ActorDep
) -> ResidentOut:
    """Record a dated death, move-out or return (moved_in); answers with the resident."""
    resident = queries.get_resident(session, resident_id)
    if body.kind == "death":
        check_record_death(
            session, resident, occurred_on=body.occurred_on, note=body.note, actor=actor
        )
    elif body.kind == "moved_out":
        check_record_move_out(
            session,
            resident,
            occurred_on=body.occurred_on,
            destination=body.destination,
            actor=actor,
        )
    else:
        household = _household_to_return_to(session, body.household_id or resident.household_id)
        check_record_move_in(
            session,
            household,
            resident=resident,
            occurred_on=body.occurred_on,
            origin=body.origin,
            relation_to_head=body.relation_to_head,
            actor=actor,
        )
    return _out(session, resident)


@router.get("/registry-events", response_model=Page[RegistryEventOut])
def list_registry_events(
    session: SessionDep,
    paging: PagingDep,
    territory: TerritoryFilter = None,
    household_id: str | None = None,
    resident_id: str | None = None,
    kind: str | None = None,
) -> Page[RegistryEventOut]:
    """Life events, newest first. Personal values in ``details`` are masked."""
    events, total = queries.list_events(
        session,
        territory=territory,
        household_id=household_id,
        resident_id=resident_id,
        kind=kind,
        limit=paging.limit,
        offset=paging.offset,
    )
    return Page(
        items=[RegistryEventOut.of(event) for event in events],
        total=total,
        limit=paging.limit,
        offset=paging.offset,
    )


@router.get("/key-groups", response_model=Page[KeyGroupOut])
def list_key_groups(session: SessionDep, paging: PagingDep) -> Page[KeyGroupOut]:
    groups = queries.list_key_groups(session)
    page = groups[paging.offset : paging.offset + paging.limit]
    return Page(
        items=[KeyGroupOut.of(group) for group in page],
        total=len(groups),
        limit=paging.limit,
        offset=paging.offset,
    )
