"""/api/v1/posts: who leads what."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, status

from gridgov.api.deps import ActorDep, PagingDep, SessionDep
from gridgov.api.schemas import Page
from gridgov.posts import actions, queries
from gridgov.posts.schemas import Handover, HandoverOut, PostCreate, PostEnd, PostOut, PostTypeOut
from gridgov.posts.types import POST_TYPES

router = APIRouter(tags=["posts"])

CURRENT_FILTER = {"true": True, "false": False, "all": None}


def _out(session, posts) -> list[PostOut]:
    names = queries.holder_names(session, posts)
    return [PostOut.of(post, names.get(post.resident_id)) for post in posts]


@router.get("/post-types")
def list_post_types() -> list[PostTypeOut]:
    return [PostTypeOut(**vars(kind)) for kind in POST_TYPES.values()]


@router.get("/posts")
def list_posts(
    session: SessionDep,
    paging: PagingDep,
    territory: str | None = None,
    post_type: str | None = None,
    resident_id: str | None = None,
    current: Literal["true", "false", "all"] = "true",
) -> Page[PostOut]:
    posts, total = queries.list_posts(
        session,
        territory=territory,
        post_type=post_type,
        resident_id=resident_id,
        current=CURRENT_FILTER[current],
        limit=paging.limit,
        offset=paging.offset,
    )
    return Page(items=_out(session, posts), total=total, limit=paging.limit, offset=paging.offset)


@router.post("/posts", status_code=status.HTTP_201_CREATED)
def start_post(body: PostCreate, session: SessionDep, actor: ActorDep) -> PostOut:
    post = actions.check_start_post(session, actor=actor, **body.model_dump())
    return _out(session, [post])[0]


@router.post("/posts/handover")
def hand_over(body: Handover, session: SessionDep, actor: ActorDep) -> HandoverOut:
    ended, started = actions.check_hand_over(session, actor=actor, **body.model_dump())
    out = _out(session, [post for post in (ended, started) if post is not None])
    return HandoverOut(ended=out[0] if ended else None, started=out[-1])


@router.get("/posts/{post_id}")
def get_post(post_id: str, session: SessionDep) -> PostOut:
    return _out(session, [queries.get_post(session, post_id)])[0]


@router.post("/posts/{post_id}/end")
def end_post(post_id: str, body: PostEnd, session: SessionDep, actor: ActorDep) -> PostOut:
    post = queries.get_post(session, post_id)
    actions.check_end_post(session, post, end_date=body.end_date, reason=body.reason, actor=actor)
    return _out(session, [post])[0]
