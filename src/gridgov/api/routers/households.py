"""/api/v1/households: households, their members, and their life events (split, move-out,
births, move-ins). Personal fields of residents are masked in every answer.

Every list is filtered by the caller's territory in SQL; every household named in a path
goes through ``access_household``: outside the caller's reach it answers 404 like a
missing one."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from gridgov.access.checks import require, require_target
from gridgov.access.principal import Principal
from gridgov.api.deps import PagingDep, SessionDep
from gridgov.api.params import TerritoryFilter
from gridgov.api.principal import PrincipalDep
from gridgov.api.schemas import Page
from gridgov.api.security import ActorDep
from gridgov.registry import queries
from gridgov.registry.actions import (
    check_create_household,
    check_set_dangerous_house,
    check_update_household,
)
from gridgov.registry.life_events import (
    check_record_birth,
    check_record_move_in,
    check_record_move_out,
    check_split_household,
)
from gridgov.registry.queries import access_household, access_household_to_join
from gridgov.registry.schemas import (
    BirthCreate,
    DangerousHouse,
    HouseholdCreate,
    HouseholdMoveOut,
    HouseholdOut,
    HouseholdSplit,
    HouseholdUpdate,
    MoveInCreate,
    ResidentOut,
)

router = APIRouter(tags=["households"])


@router.get("/households", response_model=Page[HouseholdOut])
def list_households(
    session: SessionDep,
    paging: PagingDep,
    principal: PrincipalDep,
    territory: TerritoryFilter = None,
    status: str | None = None,
    q: Annotated[
        str | None, Query(max_length=100, description="Part of household_no or address.")
    ] = None,
) -> Page[HouseholdOut]:
    require(principal, "read", "household")
    households, total = queries.list_households(
        session,
        territory=territory,
        status=status,
        q=q,
        limit=paging.limit,
        offset=paging.offset,
        principal=principal,
    )
    return Page(
        items=[HouseholdOut.of(h) for h in households],
        total=total,
        limit=paging.limit,
        offset=paging.offset,
    )


@router.post("/households", response_model=HouseholdOut, status_code=201)
def create_household(
    body: HouseholdCreate, session: SessionDep, actor: ActorDep, principal: PrincipalDep
) -> HouseholdOut:
    if body.unit_code is not None:
        require_target(principal, "create", "household", body.unit_code, field="unit_code")
    else:
        require_target(principal, "create", "household", body.village_code, field="village_code")
    household = check_create_household(session, **body.model_dump(), actor=actor)
    return HouseholdOut.of(household)


@router.get("/households/{household_id}", response_model=HouseholdOut)
def read_household(household_id: str, session: SessionDep, principal: PrincipalDep) -> HouseholdOut:
    return HouseholdOut.of(access_household(session, household_id, principal))


@router.patch("/households/{household_id}", response_model=HouseholdOut)
def update_household(
    household_id: str,
    body: HouseholdUpdate,
    session: SessionDep,
    actor: ActorDep,
    principal: PrincipalDep,
) -> HouseholdOut:
    """Change the fields sent. A new ``unit_code`` moves the household and its residents
    (only to a place the caller may also change; ``null`` places it in its village)."""
    household = access_household(session, household_id, principal, "update")
    if "unit_code" in body.model_fields_set:
        _check_destination(principal, body.unit_code or household.village_code)
    household = check_update_household(
        session, household, **body.model_dump(exclude_unset=True), actor=actor
    )
    return HouseholdOut.of(household)


@router.post("/households/{household_id}/dangerous-house", response_model=HouseholdOut)
def set_dangerous_house(
    household_id: str,
    body: DangerousHouse,
    session: SessionDep,
    actor: ActorDep,
    principal: PrincipalDep,
) -> HouseholdOut:
    """Flag the house as dangerous (危房: date found and reason) or clear the flag; those who
    may change the household may (grid leaders, village secretaries and above)."""
    household = access_household(session, household_id, principal, "update")
    household = check_set_dangerous_house(
        session, household, **body.model_dump(exclude_unset=True), actor=actor
    )
    return HouseholdOut.of(household)


@router.get("/households/{household_id}/residents", response_model=Page[ResidentOut])
def list_household_residents(
    household_id: str, session: SessionDep, paging: PagingDep, principal: PrincipalDep
) -> Page[ResidentOut]:
    access_household(session, household_id, principal)
    rows, total = queries.list_residents(
        session,
        household_id=household_id,
        limit=paging.limit,
        offset=paging.offset,
        principal=principal,
    )
    return Page(
        items=[ResidentOut.of(row.resident, row.key_groups) for row in rows],
        total=total,
        limit=paging.limit,
        offset=paging.offset,
    )


@router.post("/households/{household_id}/split", response_model=HouseholdOut, status_code=201)
def split_household(
    household_id: str,
    body: HouseholdSplit,
    session: SessionDep,
    actor: ActorDep,
    principal: PrincipalDep,
) -> HouseholdOut:
    """Move the named residents into a new household; answers with the new household."""
    household = access_household(session, household_id, principal, "update")
    require(principal, "create", "household")
    if body.unit_code is not None:
        require_target(principal, "create", "household", body.unit_code, field="unit_code")
    new = check_split_household(
        session, household, **body.model_dump(exclude_unset=True), actor=actor
    )
    return HouseholdOut.of(new)


@router.post("/households/{household_id}/move-out", response_model=HouseholdOut)
def move_out_household(
    household_id: str,
    body: HouseholdMoveOut,
    session: SessionDep,
    actor: ActorDep,
    principal: PrincipalDep,
) -> HouseholdOut:
    """The whole household moved away: it and its current members become moved_out."""
    household = access_household(session, household_id, principal, "retire")
    check_record_move_out(session, household, **body.model_dump(), actor=actor)
    return HouseholdOut.of(household)


@router.post("/households/{household_id}/births", response_model=ResidentOut, status_code=201)
def record_birth(
    household_id: str,
    body: BirthCreate,
    session: SessionDep,
    actor: ActorDep,
    principal: PrincipalDep,
) -> ResidentOut:
    household = access_household_to_join(session, household_id, principal)
    resident = check_record_birth(session, household, **body.model_dump(), actor=actor)
    return ResidentOut.of(*queries.get_resident_row(session, resident.id))


@router.post("/households/{household_id}/move-ins", response_model=ResidentOut, status_code=201)
def record_move_in(
    household_id: str,
    body: MoveInCreate,
    session: SessionDep,
    actor: ActorDep,
    principal: PrincipalDep,
) -> ResidentOut:
    """A new person arrived (a returning resident: ``POST /residents/{id}/events``)."""
    household = access_household_to_join(session, household_id, principal)
    resident = check_record_move_in(session, household, **body.model_dump(), actor=actor)
    return ResidentOut.of(*queries.get_resident_row(session, resident.id))


def _check_destination(principal: Principal, code: str) -> None:
    """A household moves only to a place the caller may change (else 404, as if missing)."""
    require_target(principal, "update", "household", code, field="unit_code")
