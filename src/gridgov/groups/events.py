"""What groups publish on the events socket (docs/events.md): on stream ``group:<id>``,
``message`` (the whole message as the API shows it), ``recall`` (its id and seq only: the
text is no longer the members'), ``pin`` and ``unpin``; and a ``reconnect`` on a user's own
stream when their groups change, so their sockets resolve their streams again. Written in
the caller's transaction, delivered after commit."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov import clock
from gridgov.access.principal import Principal
from gridgov.groups.models import Group, GroupMember, GroupMessage
from gridgov.notify.realtime.publish import publish
from gridgov.notify.realtime.streams import ask_to_reconnect


def group_stream(group_id: str) -> str:
    return f"group:{group_id}"


def message_payload(message: GroupMessage) -> dict[str, Any]:
    """The message as ``GET /groups/{id}/messages`` shows it (JSON-ready)."""
    return {
        "id": message.id,
        "group_id": message.group_id,
        "seq": message.seq,
        "kind": message.kind,
        "author_user_id": message.author_user_id,
        "author_name": message.author_name,
        "text": message.text,
        "reply_to": message.reply_to_id,
        "image": message.attachment_id,
        "lon": message.lon,
        "lat": message.lat,
        "mentions": list(message.mentions),
        "pinned": message.pinned_at is not None,
        "recalled": False,
        "created_at": clock.local_iso(message.created_at or clock.now()),
    }


def publish_message_event(session: Session, group: Group, kind: str, message: GroupMessage) -> None:
    if kind == "message":
        payload = message_payload(message)
    else:  # recall, pin, unpin: which message, nothing of its text
        payload = {"id": message.id, "seq": message.seq, "pinned": message.pinned_at is not None}
    publish(session, stream=group_stream(group.id), kind=kind, payload=payload)


def members_changed(session: Session, user_ids: Iterable[str]) -> None:
    """Their groups changed: their open sockets reconnect and resolve their streams anew."""
    for user_id in sorted(set(user_ids)):
        ask_to_reconnect(session, user_id)


def group_streams(session: Session, principal: Principal) -> list[str]:
    """The streams resolver (notify.realtime.streams): the caller's current groups."""
    ids = session.scalars(
        select(GroupMember.group_id).where(
            GroupMember.user_id == principal.user_id, GroupMember.left_at.is_(None)
        )
    )
    return [group_stream(group_id) for group_id in ids]
