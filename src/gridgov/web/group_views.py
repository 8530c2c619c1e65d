"""What the group pages show of a message: one ``MessageView`` per row, with the reply's
excerpt, the attachment's URL, and the actions THIS caller may take on it. The templates
read these, never the rows, so the pages keep one shape while the models grow."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gridgov import clock
from gridgov.accounts.models import User
from gridgov.groups.actions import Mention
from gridgov.groups.case_models import MessageCase
from gridgov.groups.chain_models import ChainList
from gridgov.groups.chains import chain_entries
from gridgov.groups.models import Group, GroupAttachment, GroupMember, GroupMention, GroupMessage
from gridgov.groups.notice_models import NoticePosting
from gridgov.groups.queries import GroupListed
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
    open: bool = True  # False: an archived group (read-only): no action is offered


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


def _mentioned(session: Session, rows: Sequence[GroupMessage], user_id: str) -> set[str]:
    """The messages among ``rows`` that reach ``user_id`` (by name, unit or @all)."""
    ids = [row.id for row in rows]
    if not ids:
        return set()
    return set(
        session.scalars(
            select(GroupMention.message_id).where(
                GroupMention.user_id == user_id, GroupMention.message_id.in_(ids)
            )
        )
    )


def message_views(
    session: Session, rows: Iterable[GroupMessage], rights: Rights
) -> list[MessageView]:
    """The rows as the caller sees them (a recalled message keeps only who and when)."""
    rows = list(rows)
    attachments = _attachments(session, rows)
    replies = _replies(session, rows)
    mentioned = _mentioned(session, rows, rights.user_id)
    views = [_view(row, rights, attachments, replies, row.id in mentioned) for row in rows]
    _add_links(session, views, rights.user_id)
    return views


def _add_links(session: Session, views: list[MessageView], user_id: str) -> None:
    """What a message became or carries: its case, its notice, its chain list."""
    ids = [view.id for view in views if not view.recalled]
    if not ids:
        return
    cases = dict(
        session.execute(
            select(MessageCase.message_id, MessageCase.case_id).where(
                MessageCase.message_id.in_(ids)
            )
        ).all()
    )
    notices = dict(
        session.execute(
            select(NoticePosting.message_id, NoticePosting.notice_id).where(
                NoticePosting.message_id.in_(ids)
            )
        ).all()
    )
    chains = {
        chain.message_id: chain
        for chain in session.scalars(select(ChainList).where(ChainList.message_id.in_(ids)))
    }
    for view in views:
        view.case_id = cases.get(view.id)
        view.notice_id = notices.get(view.id)
        chain = chains.get(view.id)
        view.chain = chain_view(session, chain, user_id) if chain is not None else None


def chain_view(session: Session, chain: ChainList, user_id: str) -> dict[str, Any]:
    """What ``groups/_chain.html`` shows of a list: its lines in order, the caller's own."""
    entries = chain_entries(session, chain)
    mine = next((entry for entry in entries if entry.user_id == user_id), None)
    return {
        "id": chain.id,
        "title": chain.title,
        "fields": chain.fields,
        "closes_at": chain.closes_at,
        "closed": clock.now() >= chain.closes_at,
        "lines": [
            {
                "name": entry.name,
                "text": " · ".join(str(entry.values.get(name, "")) for name in chain.fields),
                "mine": entry.user_id == user_id,
            }
            for entry in entries
        ],
        "mine": dict(mine.values) if mine is not None else None,
    }


def _view(
    row: GroupMessage,
    rights: Rights,
    attachments: dict[str, GroupAttachment],
    replies: dict[str, GroupMessage],
    mentions_me: bool,
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
        mentions_me=not recalled and mentions_me,
        location=(row.lon, row.lat) if row.lon is not None and row.lat is not None else None,
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
            seconds = attachment.duration_seconds
            view.voice_seconds = round(seconds, 1) if seconds is not None else None
        else:
            view.image_url = attachment_url(row)
    is_user_message = row.kind != "system" and rights.open
    view.can_recall = is_user_message and (mine or rights.moderator)
    view.can_pin = is_user_message and rights.moderator
    view.can_case = is_user_message and rights.moderator
    return view


# --- the group list ---------------------------------------------------------------------


@dataclass(frozen=True)
class GroupRow:
    id: str
    name: str
    kind: str
    unread: int
    mentions: int
    last_text: str | None
    archived: bool = False


def _last_texts(session: Session, group_ids: list[str]) -> dict[str, str | None]:
    """Each group's latest message text shown to members (not recalled)."""
    if not group_ids:
        return {}
    latest = (
        select(GroupMessage.group_id, func.max(GroupMessage.seq).label("seq"))
        .where(GroupMessage.group_id.in_(group_ids), GroupMessage.recalled_at.is_(None))
        .group_by(GroupMessage.group_id)
        .subquery()
    )
    rows = session.execute(
        select(GroupMessage.group_id, GroupMessage.text).join(
            latest,
            (GroupMessage.group_id == latest.c.group_id) & (GroupMessage.seq == latest.c.seq),
        )
    )
    return {row[0]: row[1] for row in rows}


def group_rows(session: Session, listed: Sequence[GroupListed]) -> list[GroupRow]:
    """The caller's groups first (by unread mentions, then unread), then those they only
    moderate."""
    texts = _last_texts(session, [item.group.id for item in listed])
    rows = [
        GroupRow(
            id=item.group.id,
            name=item.group.name,
            kind=item.group.kind,
            unread=item.unread,
            mentions=item.mentions,
            last_text=texts.get(item.group.id),
            archived=item.group.status == "archived",
        )
        for item in listed
    ]
    member = {item.group.id: item.is_member for item in listed}
    return sorted(
        rows, key=lambda row: (row.archived, not member[row.id], -row.mentions, -row.unread)
    )


def pinned_messages(session: Session, group: Group) -> list[GroupMessage]:
    return list(
        session.scalars(
            select(GroupMessage)
            .where(
                GroupMessage.group_id == group.id,
                GroupMessage.pinned_at.is_not(None),
                GroupMessage.recalled_at.is_(None),
            )
            .order_by(GroupMessage.pinned_at.desc())
            .limit(5)
        )
    )


# --- @mentions written in the text -----------------------------------------------------

EVERYONE = ("@all", "@所有人")


def mentions_in_text(session: Session, group: Group, text: str) -> list[Mention]:
    """The mentions a text makes as people write them: ``@`` and a member's display name,
    ``@all``/``@所有人`` for everyone (the action refuses it to non-leaders)."""
    if "@" not in text:
        return []
    found: list[Mention] = []
    if any(word in text for word in EVERYONE):
        found.append(Mention(kind="all"))
    members = session.execute(
        select(User.id, User.display_name)
        .join(GroupMember, GroupMember.user_id == User.id)
        .where(GroupMember.group_id == group.id, GroupMember.left_at.is_(None))
    )
    for user_id, name in members:
        if name and f"@{name}" in text:
            found.append(Mention(kind="user", target=user_id))
    return found
