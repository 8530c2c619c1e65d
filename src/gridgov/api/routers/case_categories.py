"""/api/v1/case-categories: the categories of cases (every signed-in user reads them; the
administrator creates and edits them). Never deleted: ``active: false`` retires one."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from gridgov.access.checks import require
from gridgov.api.deps import PagingDep, SessionDep
from gridgov.api.principal import PrincipalDep
from gridgov.api.schemas import Page
from gridgov.api.security import ActorDep
from gridgov.cases.categories import (
    check_create_category,
    check_update_category,
    get_category,
    list_categories,
)
from gridgov.cases.schemas import CategoryCreate, CategoryOut, CategoryUpdate
from gridgov.errors import ValidationFailed
from gridgov.i18n import Message

router = APIRouter(tags=["cases"])


@router.get("/case-categories", response_model=Page[CategoryOut])
def list_case_categories(
    session: SessionDep,
    paging: PagingDep,
    principal: PrincipalDep,
    include_inactive: Annotated[bool, Query(description="also the retired ones")] = False,
) -> Page[CategoryOut]:
    require(principal, "read", "case_setting")
    categories = list_categories(session, include_inactive=include_inactive)
    page = categories[paging.offset : paging.offset + paging.limit]
    return Page(
        items=[CategoryOut.of(category) for category in page],
        total=len(categories),
        limit=paging.limit,
        offset=paging.offset,
    )


@router.post("/case-categories", response_model=CategoryOut, status_code=201)
def create_case_category(
    body: CategoryCreate, session: SessionDep, actor: ActorDep, principal: PrincipalDep
) -> CategoryOut:
    require(principal, "create", "case_setting")
    category = check_create_category(session, **body.model_dump(), actor=actor)
    return CategoryOut.of(category)


@router.patch("/case-categories/{code}", response_model=CategoryOut)
def update_case_category(
    code: str,
    body: CategoryUpdate,
    session: SessionDep,
    actor: ActorDep,
    principal: PrincipalDep,
) -> CategoryOut:
    """Change the fields sent; applies to cases reported from now on."""
    require(principal, "update", "case_setting")
    category = get_category(session, code)
    changes = body.model_dump(exclude_unset=True)
    for name, value in changes.items():
        if value is None and name not in ("version", "description"):
            raise ValidationFailed.field(name, Message("cannot be null (leave it out to keep it)"))
    category = check_update_category(session, category, **changes, actor=actor)
    return CategoryOut.of(category)
