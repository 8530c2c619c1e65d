"""/api/v1/households: households, their members, and their life events (split, move-out,
births, move-ins). Personal fields of residents are masked in every answer."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from gridgov.api.deps import ActorDep, PagingDep, SessionDep
from gridgov.api.schemas import Page
from gridgov.registry import queries
from gridgov.registry.actions import check_create_household, check_update_household
from gridgov.registry.life_events import (
    check_record_birth,
    check_record_move_in,
    check_record_move_out,
    check_split_household,
)
from gridgov.registry.schemas import (
    BirthCreate,
    HouseholdCreate,
    HouseholdMoveOut,
    HouseholdOut,
    HouseholdSplit,
    HouseholdUpdate,
    MoveInCreate,
    ResidentOut,
)

router = APIRouter(tags=["households"])

TerritoryFilter = Annotated[
    str | None, Query(description="A territory code: that node and everything under it.")
]


@router.get("/households", response_model=Page[HouseholdOut])
def list_households(
    session: SessionDep,
    paging: PagingDep,
    territory: TerritoryFilter = None,
    status: str | None = None,
    q: Annotated[
        str | None, Query(max_length=100, description="Part of household_no or address.")
    ] = None,
) -> Page[HouseholdOut]:
    households, total = queries.list_households(
        session, territory=territory, status=status, q=q, limit=paging.limit, offset=paging.offset
    )
    return Page(
        items=[HouseholdOut.of(h) for h in households],
        total=total,
        limit=paging.limit,
        offset=paging.offset,
    )


@router.post("/households", response_model=HouseholdOut, status_code=201)
def create_household(body: HouseholdCreate, session: SessionDep, actor: ActorDep) -> HouseholdOut:
    household = check_create_household(session, **body.model_dump(), actor=actor)
    return HouseholdOut.of(household)


@router.get("/households/{household_id}", response_model=HouseholdOut)
def read_household(household_id: str, session: SessionDep) -> HouseholdOut:
    return HouseholdOut.of(queries.get_household(session, household_id))


@router.patch("/households/{household_id}", response_model=HouseholdOut)
def update_household(
    household_id: str, body: HouseholdUpdate, session: SessionDep, actor: ActorDep
) -> HouseholdOut:
    """Change the fields sent. A new ``unit_code`` moves the household and its residents."""
    household = queries.get_household(session, household_id)
    household = check_update_household(
        session, household, **body.model_dump(exclude_unset=True), actor=actor
    )
    return HouseholdOut.of(household)


@router.get("/households/{household_id}/residents", response_model=Page[ResidentOut])
def list_household_residents(
    household_id: str, session: SessionDep, paging: PagingDep
) -> Page[ResidentOut]:
    queries.get_household(session, household_id)
    rows, total = queries.list_residents(
        session, household_id=household_id, limit=paging.limit, offset=paging.offset
    )
    return Page(
        items=[ResidentOut.of(row.resident, row.key_groups) for row in rows],
        total=total,
        limit=paging.limit,
        offset=paging.offset,
    )


@router.post("/households/{household_id}/split", response_model=HouseholdOut, status_code=201)
def split_household(
    household_id: str, body: HouseholdSplit, session: SessionDep, actor: ActorDep
) -> HouseholdOut:
    """Move the named residents into a new household; answers with the new household."""
    household = queries.get_household(session, household_id)
    new = check_split_household(
        session, household, **body.model_dump(exclude_unset=True), actor=actor
    )
    return HouseholdOut.of(new)


@router.post("/households/{household_id}/move-out", response_model=HouseholdOut)
def move_out_household(
    household_id: str, body: HouseholdMoveOut, session: SessionDep, actor: ActorDep
) -> HouseholdOut:
    """The whole household moved away: it and its current members become moved_out."""
    household = queries.get_household(session, household_id)
    check_record_move_out(session, household, **body.model_dump(), actor=actor)
    return HouseholdOut.of(household)


@router.post("/households/{household_id}/births", response_model=ResidentOut, status_code=201)
def record_birth(
    household_id: str, body: BirthCreate, session: SessionDep, actor: ActorDep
) -> ResidentOut:
    household = queries.get_household(session, household_id)
    resident = check_record_birth(session, household, **body.model_dump(), actor=actor)
    return ResidentOut.of(*queries.get_resident_row(session, resident.id))


@router.post("/households/{household_id}/move-ins", response_model=ResidentOut, status_code=201)
def record_move_in(
    household_id: str, body: MoveInCreate, session: SessionDep, actor: ActorDep
) -> ResidentOut:
    """A new person arrived (a returning resident: ``POST /residents/{id}/events``)."""
    household = queries.get_household(session, household_id)
    resident = check_record_move_in(session, household, **body.model_dump(), actor=actor)
    return ResidentOut.of(*queries.get_resident_row(session, resident.id))
