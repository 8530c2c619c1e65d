"""Appointing, ending and handing over posts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov import clock
from gridgov.audit.recorder import record_bulk
from gridgov.errors import Conflict, NotFound, ValidationFailed
from gridgov.i18n import Message
from gridgov.posts.events import PostEvent, publish_post_event
from gridgov.posts.models import Post
from gridgov.posts.queries import current_holder
from gridgov.posts.types import POST_TYPES, PostType
from gridgov.registry.events import LifeEvent
from gridgov.registry.models import Resident
from gridgov.storage.bulk import expire_loaded, table_of, update_rows
from gridgov.territory.models import Territory
from gridgov.validation import FieldProblem, clean_date, refuse_bad_text, refuse_bad_texts

CHUNK = 900  # ids per IN list (well under SQLite's bound-parameter limit)
INACTIVE_RESIDENCE = ("moved_out", "deceased")
# Life events that end a resident's posts, and the reason each post is ended with.
LEAVING_REASON = {"death": "deceased", "moved_out": "moved out"}


def _post_type(code: str) -> PostType:
    post_type = POST_TYPES.get(code)
    if post_type is None:
        raise ValidationFailed.field(
            "post_type", Message("must be one of %(POST_TYPES)s", POST_TYPES=", ".join(POST_TYPES))
        )
    return post_type


def _check_target(session: Session, post_type: PostType, territory_code: str) -> Territory:
    node = session.scalar(select(Territory).where(Territory.code == territory_code))
    if node is None:
        raise ValidationFailed.field(
            "territory_code",
            Message("no territory has code %(territory_code)s", territory_code=territory_code),
        )
    if node.level != post_type.level:
        raise ValidationFailed.field(
            "territory_code",
            f"a {post_type.code} post is held on a {post_type.level}, "
            f"{territory_code} is a {node.level}",
        )
    if node.status != "active":
        raise ValidationFailed.field(
            "territory_code",
            Message("%(territory_code)s is retired", territory_code=territory_code),
        )
    return node


def _check_holder(session: Session, resident_id: str) -> Resident:
    resident = session.get(Resident, resident_id)
    if resident is None:
        raise ValidationFailed.field(
            "resident_id", Message("no resident has id %(resident_id)s", resident_id=resident_id)
        )
    if resident.residence_status in INACTIVE_RESIDENCE:
        raise ValidationFailed.field(
            "resident_id",
            Message(
                "the resident is %(replace)s", replace=resident.residence_status.replace("_", " ")
            ),
        )
    return resident


def _check_date(value: dt.date, field: str) -> dt.date:
    try:
        clean_date(value)
    except FieldProblem as exc:
        raise ValidationFailed.field(field, exc.why) from exc
    if value > clock.today():
        raise ValidationFailed.field(field, Message("cannot be in the future"))
    return value


def check_start_post(
    session: Session,
    *,
    resident_id: str,
    post_type: str,
    territory_code: str,
    start_date: dt.date,
    actor: str,
) -> Post:
    """Appoint a resident. An exclusive post already held is a conflict: hand it over."""
    refuse_bad_texts(
        {"resident_id": resident_id, "post_type": post_type, "territory_code": territory_code}
    )
    kind = _post_type(post_type)
    _check_target(session, kind, territory_code)
    _check_holder(session, resident_id)
    _check_date(start_date, "start_date")
    holder = current_holder(session, post_type=post_type, territory_code=territory_code)
    if kind.exclusive and holder is not None:
        raise Conflict(
            f"{territory_code} already has a current {post_type} (post {holder.id}): "
            "hand the post over instead",
            fields={"post_type": Message("already held")},
        )
    already = session.scalar(
        select(Post.id).where(
            Post.resident_id == resident_id,
            Post.post_type == post_type,
            Post.territory_code == territory_code,
            Post.end_date.is_(None),
        )
    )
    if already:
        raise Conflict(
            Message("the resident already holds this post"),
            fields={"resident_id": Message("holds it")},
        )
    post = Post(
        resident_id=resident_id,
        post_type=post_type,
        territory_code=territory_code,
        is_exclusive=kind.exclusive,
        start_date=start_date,
        created_by=actor,
    )
    session.add(post)
    session.flush()
    _publish(session, post, "started", actor)
    return post


def _publish(session: Session, post: Post, kind: str, actor: str) -> None:
    publish_post_event(
        session,
        PostEvent(
            kind=kind,
            post_type=post.post_type,
            territory_code=post.territory_code,
            actor=actor,
            resident_id=post.resident_id,
        ),
    )


def check_end_post(
    session: Session, post: Post, *, end_date: dt.date, reason: str, actor: str
) -> Post:
    """End a current post on ``end_date`` (kept, never deleted)."""
    if post.end_date is not None:
        raise Conflict(
            Message(
                "post %(id)s already ended on %(end_date)s",
                id=post.id,
                end_date=post.end_date.isoformat(),
            )
        )
    refuse_bad_text("reason", reason)
    _check_date(end_date, "end_date")
    if end_date < post.start_date:
        raise ValidationFailed.field("end_date", Message("cannot be before the post's start date"))
    if not reason.strip():
        raise ValidationFailed.field("reason", Message("say why the post ends"))
    post.end_date = end_date
    post.end_reason = f"{reason.strip()} ({actor})"[:255]
    session.flush()
    _publish(session, post, "ended", actor)
    return post


def check_hand_over(
    session: Session,
    *,
    post_type: str,
    territory_code: str,
    resident_id: str,
    on_date: dt.date,
    reason: str,
    actor: str,
) -> tuple[Post | None, Post]:
    """End the current holder's post (if any) and start the successor's, on one date."""
    refuse_bad_texts(
        {
            "resident_id": resident_id,
            "post_type": post_type,
            "territory_code": territory_code,
            "reason": reason,
        }
    )
    kind = _post_type(post_type)
    _check_target(session, kind, territory_code)
    _check_holder(session, resident_id)
    previous = current_holder(session, post_type=post_type, territory_code=territory_code)
    if previous is not None:
        if previous.resident_id == resident_id:
            raise Conflict(
                Message("the resident already holds this post"),
                fields={"resident_id": Message("holds it")},
            )
        check_end_post(
            session, previous, end_date=on_date, reason=reason or "handover", actor=actor
        )
    started = check_start_post(
        session,
        resident_id=resident_id,
        post_type=post_type,
        territory_code=territory_code,
        start_date=on_date,
        actor=actor,
    )
    return previous, started


def do_end_posts_of_resident(
    session: Session, resident_id: str, *, end_date: dt.date, reason: str, actor: str
) -> list[Post]:
    """End every current post of a resident who died or moved away, so that no grid is
    left with a leader who is not there; the nodes then show up as vacant."""
    posts = session.scalars(
        select(Post).where(Post.resident_id == resident_id, Post.end_date.is_(None))
    ).all()
    for post in posts:
        post.end_date = max(end_date, post.start_date)
        post.end_reason = f"{reason} ({actor})"[:255]
    session.flush()
    for post in posts:
        _publish(session, post, "ended", actor)
    return list(posts)


def end_posts_of_leaver(session: Session, event: LifeEvent) -> dict[str, Any]:
    """Subscribed to the registry's deaths and move-outs: the resident's current posts end
    on that day; the registry records their ids with the event."""
    if event.resident_id is None or event.kind not in LEAVING_REASON:
        return {}
    ended = do_end_posts_of_resident(
        session,
        event.resident_id,
        end_date=event.occurred_on,
        reason=LEAVING_REASON[event.kind],
        actor=event.actor,
    )
    return {"posts_ended": [post.id for post in ended]} if ended else {}


def check_end_posts(
    session: Session, post_ids: Sequence[str], *, end_date: dt.date, reason: str, actor: str
) -> list[str]:
    """End a batch of current posts on ``end_date`` with one reason (a division plan
    dissolving their nodes), with the rules of :func:`check_end_post` checked once for the
    batch; one statement, each post audited. Answers the ids ended."""
    refuse_bad_text("reason", reason)
    _check_date(end_date, "end_date")
    if not reason.strip():
        raise ValidationFailed.field("reason", "say why the post ends")
    table = table_of(Post)
    current: dict[str, Any] = {}
    ordered = sorted(set(post_ids))
    for start in range(0, len(ordered), CHUNK):
        query = select(
            table.c.id,
            table.c.territory_code,
            table.c.start_date,
            table.c.end_date,
            table.c.end_reason,
        )
        chunk = ordered[start : start + CHUNK]
        current.update({row.id: row for row in session.execute(query.where(table.c.id.in_(chunk)))})
    for post_id in ordered:
        row = current.get(post_id)
        if row is None:
            raise NotFound(f"no post has id {post_id}")
        if row.end_date is not None:
            raise Conflict(f"post {post_id} already ended on {row.end_date.isoformat()}")
        if end_date < row.start_date:
            raise ValidationFailed.field(
                "end_date", f"cannot be before the start date of post {post_id}"
            )
    if not ordered:
        return []
    end_reason = f"{reason.strip()} ({actor})"[:255]
    session.flush()  # pending ORM writes first
    update_rows(
        session.connection(),
        table,
        [{"id": post_id, "end_date": end_date, "end_reason": end_reason} for post_id in ordered],
        match=("id",),
    )
    record_bulk(
        session,
        table,
        (
            (current[post_id]._asdict(), {"end_date": end_date, "end_reason": end_reason})
            for post_id in ordered
        ),
        actor=actor,
    )
    expire_loaded(session, Post, ordered)
    for start in range(0, len(ordered), CHUNK):
        chunk = ordered[start : start + CHUNK]
        for post in session.scalars(select(Post).where(Post.id.in_(chunk))):
            _publish(session, post, "ended", actor)
    return ordered
