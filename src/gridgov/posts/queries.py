"""Reads of posts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gridgov.access.checks import one_in_scope, reach_territory
from gridgov.access.policy import scope_filter
from gridgov.access.principal import Principal
from gridgov.errors import NotFound
from gridgov.i18n import Message
from gridgov.posts.models import Post
from gridgov.registry.models import Resident
from gridgov.territory.scope import within


def current_holder(session: Session, *, post_type: str, territory_code: str) -> Post | None:
    return session.scalar(
        select(Post).where(
            Post.post_type == post_type,
            Post.territory_code == territory_code,
            Post.end_date.is_(None),
        )
    )


def get_post(session: Session, post_id: str) -> Post:
    post = session.get(Post, post_id)
    if post is None:
        raise NotFound(Message("no post has id %(post_id)s", post_id=post_id))
    return post


def access_post(session: Session, post_id: str, principal: Principal, action: str = "read") -> Post:
    """The post if the principal may ``action`` it, else the NotFound of a missing one."""
    return one_in_scope(session, Post, post_id, principal, action, "post")


def list_posts(
    session: Session,
    *,
    territory: str | None = None,
    post_type: str | None = None,
    resident_id: str | None = None,
    current: bool | None = True,
    limit: int = 50,
    offset: int = 0,
    principal: Principal | None = None,
) -> tuple[Sequence[Post], int]:
    """Posts filtered in SQL; ``current=None`` includes ended ones (history). Given a
    ``principal``, only the posts they may read (in the SQL, total too)."""
    query = select(Post)
    if principal is not None:
        query = query.where(scope_filter(principal, "read", "post", Post.territory_code))
    if territory is not None:
        reach_territory(session, principal, "read", "post", territory)
        query = query.where(within(Post.territory_code, territory))
    if post_type is not None:
        query = query.where(Post.post_type == post_type)
    if resident_id is not None:
        query = query.where(Post.resident_id == resident_id)
    if current is True:
        query = query.where(Post.end_date.is_(None))
    elif current is False:
        query = query.where(Post.end_date.is_not(None))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    page = session.scalars(
        query.order_by(Post.territory_code, Post.post_type, Post.start_date, Post.id)
        .limit(limit)
        .offset(offset)
    ).all()
    return page, total


def holder_names(session: Session, posts: Sequence[Post]) -> dict[str, str]:
    """Names of the posts' holders, in one query."""
    ids = {post.resident_id for post in posts}
    if not ids:
        return {}
    rows = session.execute(select(Resident.id, Resident.name).where(Resident.id.in_(ids)))
    return {str(resident_id): str(name) for resident_id, name in rows.all()}


def own_posts(session: Session, resident_id: str) -> list[dict[str, Any]]:
    """The resident's posts, past and current, as their own-data export shows them."""
    posts = session.scalars(select(Post).where(Post.resident_id == resident_id)).all()
    return [
        {
            "post_type": post.post_type,
            "territory_code": post.territory_code,
            "start_date": post.start_date.isoformat(),
            "end_date": post.end_date.isoformat() if post.end_date else None,
        }
        for post in posts
    ]


def current_posts_at(session: Session, territory_code: str, principal: Principal) -> list[Post]:
    """The current posts held on the node itself (its leaders), those ``principal`` may read."""
    query = select(Post).where(
        Post.territory_code == territory_code,
        Post.end_date.is_(None),
        scope_filter(principal, "read", "post", Post.territory_code),
    )
    return list(session.scalars(query.order_by(Post.post_type, Post.start_date, Post.id)))
