"""A group per village (and per grid, unit, and the village's leaders), its members, its
messages (ordered by a per-group ``seq``), the mentions they make, attachments and
invitation codes."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from gridgov.storage.base import Base, UTCDateTime, code_string, created_at_column, id_column

GROUP_KINDS = ("village", "grid", "unit", "leaders")
GROUP_MODES = ("open", "announcements")
MESSAGE_KINDS = ("text", "image", "location", "system", "voice", "notice", "chain")
# Why a member is in a group: their household lives there, they lead a node of it, or a
# leader approved their invitation code. Only the first two follow the registry and posts.
MEMBER_SOURCES = ("household", "leader", "invitation")


class Group(Base):
    """One chat. ``last_seq`` is the seq of its latest message: a post locks this row,
    adds one and writes the message in the same transaction, so seq order is commit order."""

    __tablename__ = "groups"
    __table_args__ = (
        UniqueConstraint("kind", "territory_code"),
        Index("ix_groups_territory_code", "territory_code"),
    )

    id: Mapped[str] = id_column()
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    territory_code: Mapped[str] = mapped_column(
        code_string(), ForeignKey("territories.code"), nullable=False
    )
    village_code: Mapped[str] = mapped_column(code_string(), nullable=False)
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    mode: Mapped[str] = mapped_column(String(16), nullable=False, default="open")
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="active")
    last_seq: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    attachment_bytes: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    created_at: Mapped[dt.datetime] = created_at_column()
    created_by: Mapped[str] = mapped_column(String(64), nullable=False)


class GroupMember(Base):
    """A user in a group. Leaving keeps the row (``left_at``) with its read pointer; a
    member removed by a leader (``removed``) is not brought back by the registry."""

    __tablename__ = "group_members"
    __table_args__ = (
        UniqueConstraint("group_id", "user_id"),
        Index("ix_group_members_user_id", "user_id"),
    )

    id: Mapped[str] = id_column()
    group_id: Mapped[str] = mapped_column(String(32), ForeignKey("groups.id"), nullable=False)
    user_id: Mapped[str] = mapped_column(String(32), ForeignKey("users.id"), nullable=False)
    source: Mapped[str] = mapped_column(String(16), nullable=False)
    joined_at: Mapped[dt.datetime] = created_at_column()
    left_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    left_reason: Mapped[str | None] = mapped_column(String(120), nullable=True)
    removed: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    muted_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    read_seq: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)


class GroupAttachment(Base):
    """An uploaded file (an image today), counted against the group's quota."""

    __tablename__ = "group_attachments"
    __table_args__ = (Index("ix_group_attachments_group_id", "group_id"),)

    id: Mapped[str] = id_column()
    group_id: Mapped[str] = mapped_column(String(32), ForeignKey("groups.id"), nullable=False)
    uploaded_by: Mapped[str] = mapped_column(String(32), ForeignKey("users.id"), nullable=False)
    content_type: Mapped[str] = mapped_column(String(64), nullable=False)
    size_bytes: Mapped[int] = mapped_column(Integer, nullable=False)
    # A voice message's length, read from its bytes (groups.voice); null for an image.
    duration_seconds: Mapped[float | None] = mapped_column(Float, nullable=True)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    path: Mapped[str] = mapped_column(String(255), nullable=False)
    created_at: Mapped[dt.datetime] = created_at_column()


class GroupMessage(Base):
    """A message. Recalled messages are kept (the audit sees them), hidden from members."""

    __tablename__ = "group_messages"
    # Itself the record, kept forever (a recall keeps who and when on the row): the audit
    # log would only copy every message.
    __audited__ = False
    __table_args__ = (
        UniqueConstraint("group_id", "seq"),
        Index("ix_group_messages_author_created", "author_user_id", "created_at"),
    )

    id: Mapped[str] = id_column()
    group_id: Mapped[str] = mapped_column(String(32), ForeignKey("groups.id"), nullable=False)
    seq: Mapped[int] = mapped_column(BigInteger, nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    author_user_id: Mapped[str | None] = mapped_column(
        String(32), ForeignKey("users.id"), nullable=True
    )
    author_name: Mapped[str] = mapped_column(String(100), nullable=False)
    text: Mapped[str | None] = mapped_column(Text, nullable=True)
    reply_to_id: Mapped[str | None] = mapped_column(
        String(32), ForeignKey("group_messages.id"), nullable=True
    )
    attachment_id: Mapped[str | None] = mapped_column(
        String(32), ForeignKey("group_attachments.id"), nullable=True
    )
    lon: Mapped[float | None] = mapped_column(Float, nullable=True)
    lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    mentions: Mapped[list[dict[str, Any]]] = mapped_column(JSON, nullable=False, default=list)
    recalled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    recalled_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    pinned_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    pinned_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[dt.datetime] = created_at_column()


class GroupMention(Base):
    """A member a message mentions (a person, every member of a unit, or everyone),
    resolved when it is posted: the unread mention counts read these rows."""

    __tablename__ = "group_mentions"
    __audited__ = False  # derived from the message's mentions when it is posted
    __table_args__ = (Index("ix_group_mentions_user_group_seq", "user_id", "group_id", "seq"),)

    message_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("group_messages.id"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(String(32), ForeignKey("users.id"), primary_key=True)
    group_id: Mapped[str] = mapped_column(String(32), nullable=False)
    seq: Mapped[int] = mapped_column(BigInteger, nullable=False)


class GroupInvitation(Base):
    """An invitation code for someone not in the registry: they redeem it with their
    account (``requested``), a leader approves (they join) or refuses it."""

    __tablename__ = "group_invitations"
    __table_args__ = (Index("ix_group_invitations_group_id", "group_id"),)

    id: Mapped[str] = id_column()
    group_id: Mapped[str] = mapped_column(String(32), ForeignKey("groups.id"), nullable=False)
    code: Mapped[str] = mapped_column(String(32), unique=True, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="open")
    created_by: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[dt.datetime] = created_at_column()
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)
    requested_by: Mapped[str | None] = mapped_column(
        String(32), ForeignKey("users.id"), nullable=True
    )
    requested_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    decided_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
