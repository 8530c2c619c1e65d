"""What the group pages show of a message: one ``MessageView`` per row, with the reply's
excerpt, the attachment's URL, and the actions THIS caller may take on it. The templates
read these, never the rows, so the pages keep one shape while the models grow."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov.groups.models import GroupAttachment, GroupMessage
from gridgov.i18n import N_

GROUP_KIND_LABELS = {
    "village": N_("Village group"),
    "grid": N_("Grid group"),
    "unit": N_("Unit group"),
    "leaders": N_("Leaders' group"),
}
PRIORITY_LABELS = {
    "normal": N_("Normal"),
    "important": N_("Important"),
    "urgent": N_("Urgent"),
}
VOICE_TYPES = ("audio/",)


@dataclass(frozen=True)
class Rights:
    """What the caller may do in one group (decided once per page)."""

    user_id: str
    moderator: bool  # a leader of the group's node: recall anyone's, pin, mute, make a case


@dataclass
class MessageView:
    id: str
    seq: int
    kind: str
    author_name: str
    at: dt.datetime
    text: str | None
    mine: bool
    recalled: bool
    pinned: bool
    mentions_me: bool
    reply_seq: int | None = None
    reply_excerpt: str | None = None
    image_url: str | None = None
    voice_url: str | None = None
    voice_seconds: float | None = None
    location: tuple[float, float] | None = None
    notice_id: str | None = None
    case_id: str | None = None
    chain: Any = None
    can_recall: bool = False
    can_pin: bool = False
    can_case: bool = False


def attachment_url(message: GroupMessage) -> str:
    return f"/groups/{message.group_id}/messages/{message.id}/attachment"


def _attachments(session: Session, rows: Sequence[GroupMessage]) -> dict[str, GroupAttachment]:
    ids = {row.attachment_id for row in rows if row.attachment_id}
    if not ids:
        return {}
    found = session.scalars(select(GroupAttachment).where(GroupAttachment.id.in_(ids)))
    return {attachment.id: attachment for attachment in found}


def _replies(session: Session, rows: Sequence[GroupMessage]) -> dict[str, GroupMessage]:
    ids = {row.reply_to_id for row in rows if row.reply_to_id}
    if not ids:
        return {}
    return {m.id: m for m in session.scalars(select(GroupMessage).where(GroupMessage.id.in_(ids)))}


def _excerpt(message: GroupMessage) -> str:
    if message.recalled_at is not None:
        return ""
    return message.text or ""


def _mentions_user(message: GroupMessage, user_id: str) -> bool:
    for mention in message.mentions or ():
        if mention.get("user_id") == user_id or mention.get("kind") in ("all", "everyone"):
            return True
        if user_id in (mention.get("user_ids") or ()):
            return True
    return False


def message_views(
    session: Session, rows: Iterable[GroupMessage], rights: Rights
) -> list[MessageView]:
    """The rows as the caller sees them (a recalled message keeps only who and when)."""
    rows = list(rows)
    attachments = _attachments(session, rows)
    replies = _replies(session, rows)
    return [_view(row, rights, attachments, replies) for row in rows]


def _view(
    row: GroupMessage,
    rights: Rights,
    attachments: dict[str, GroupAttachment],
    replies: dict[str, GroupMessage],
) -> MessageView:
    recalled = row.recalled_at is not None
    mine = row.author_user_id == rights.user_id
    view = MessageView(
        id=row.id,
        seq=row.seq,
        kind=row.kind,
        author_name=row.author_name,
        at=row.created_at,
        text=None if recalled else row.text,
        mine=mine,
        recalled=recalled,
        pinned=row.pinned_at is not None and not recalled,
        mentions_me=not recalled and _mentions_user(row, rights.user_id),
        location=(row.lon, row.lat) if row.lon is not None and row.lat is not None else None,
        case_id=getattr(row, "case_id", None),
        notice_id=getattr(row, "notice_id", None),
    )
    if recalled:
        return view
    reply = replies.get(row.reply_to_id or "")
    if reply is not None:
        view.reply_seq, view.reply_excerpt = reply.seq, _excerpt(reply)
    attachment = attachments.get(row.attachment_id or "")
    if attachment is not None:
        if attachment.content_type.startswith(VOICE_TYPES):
            view.voice_url = attachment_url(row)
            seconds = getattr(attachment, "duration_seconds", None)
            view.voice_seconds = round(float(seconds), 1) if seconds is not None else None
        else:
            view.image_url = attachment_url(row)
    is_user_message = row.kind != "system"
    view.can_recall = is_user_message and (mine or rights.moderator)
    view.can_pin = is_user_message and rights.moderator
    view.can_case = is_user_message and rights.moderator
    return view
