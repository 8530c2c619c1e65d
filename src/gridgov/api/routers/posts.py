"""/api/v1/posts: who leads what.

Lists are filtered by the caller's territory in SQL; one appoints, hands over and ends
posts strictly under one's own node (policy.POLICY), and only a holder the caller can
read; anything out of reach answers like a missing one."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, status
from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov.access.checks import require, require_target
from gridgov.access.policy import scope_filter
from gridgov.access.principal import Principal
from gridgov.api.deps import PagingDep, SessionDep
from gridgov.api.params import TerritoryFilter
from gridgov.api.principal import PrincipalDep
from gridgov.api.schemas import Page
from gridgov.api.security import ActorDep
from gridgov.errors import ValidationFailed
from gridgov.i18n import Message
from gridgov.posts import actions, queries
from gridgov.posts.queries import access_post
from gridgov.posts.schemas import Handover, HandoverOut, PostCreate, PostEnd, PostOut, PostTypeOut
from gridgov.posts.types import POST_TYPES
from gridgov.registry.models import Resident

router = APIRouter(tags=["posts"])

CURRENT_FILTER = {"true": True, "false": False, "all": None}


def _out(session, posts) -> list[PostOut]:
    names = queries.holder_names(session, posts)
    return [PostOut.of(post, names.get(post.resident_id)) for post in posts]


def _check_appointment(
    session: Session, principal: Principal, territory_code: str, resident_id: str
) -> None:
    """The node must be one the caller appoints to (else 404, as if missing), and the holder
    a resident the caller can read (else the answer for an unknown resident)."""
    require_target(principal, "create", "post", territory_code, field="territory_code")
    visible = session.scalar(
        select(Resident.id).where(
            Resident.id == resident_id,
            scope_filter(
                principal,
                "read",
                "resident",
                Resident.territory_code,
                household_column=Resident.household_id,
            ),
        )
    )
    if visible is None:
        raise ValidationFailed.field(
            "resident_id", Message("no resident has id %(resident_id)s", resident_id=resident_id)
        )


@router.get("/post-types")
def list_post_types(principal: PrincipalDep) -> list[PostTypeOut]:
    require(principal, "read", "reference")
    return [PostTypeOut(**vars(kind)) for kind in POST_TYPES.values()]


@router.get("/posts")
def list_posts(
    session: SessionDep,
    paging: PagingDep,
    principal: PrincipalDep,
    territory: TerritoryFilter = None,
    post_type: str | None = None,
    resident_id: str | None = None,
    current: Literal["true", "false", "all"] = "true",
) -> Page[PostOut]:
    require(principal, "read", "post")
    posts, total = queries.list_posts(
        session,
        territory=territory,
        post_type=post_type,
        resident_id=resident_id,
        current=CURRENT_FILTER[current],
        limit=paging.limit,
        offset=paging.offset,
        principal=principal,
    )
    return Page(items=_out(session, posts), total=total, limit=paging.limit, offset=paging.offset)


@router.post("/posts", status_code=status.HTTP_201_CREATED)
def start_post(
    body: PostCreate, session: SessionDep, actor: ActorDep, principal: PrincipalDep
) -> PostOut:
    _check_appointment(session, principal, body.territory_code, body.resident_id)
    post = actions.check_start_post(session, actor=actor, **body.model_dump())
    return _out(session, [post])[0]


@router.post("/posts/handover")
def hand_over(
    body: Handover, session: SessionDep, actor: ActorDep, principal: PrincipalDep
) -> HandoverOut:
    require(principal, "retire", "post")
    _check_appointment(session, principal, body.territory_code, body.resident_id)
    ended, started = actions.check_hand_over(session, actor=actor, **body.model_dump())
    out = _out(session, [post for post in (ended, started) if post is not None])
    return HandoverOut(ended=out[0] if ended else None, started=out[-1])


@router.get("/posts/{post_id}")
def get_post(post_id: str, session: SessionDep, principal: PrincipalDep) -> PostOut:
    return _out(session, [access_post(session, post_id, principal)])[0]


@router.post("/posts/{post_id}/end")
def end_post(
    post_id: str, body: PostEnd, session: SessionDep, actor: ActorDep, principal: PrincipalDep
) -> PostOut:
    post = access_post(session, post_id, principal, "retire")
    actions.check_end_post(session, post, end_date=body.end_date, reason=body.reason, actor=actor)
    return _out(session, [post])[0]
