"""Notices (a pinned message with a priority and, when asked, a required acknowledgement),
their receipts by member, the households their unit leaders told, and the message each
notice was posted as in each group it reached."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from gridgov.storage.base import Base, UTCDateTime, code_string, created_at_column, id_column

NOTICE_PRIORITIES = ("normal", "important", "urgent")
TOLD_CHANNELS = ("in_person", "phone")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Notice(Base):
    """A notice to a group, or to a territory (then to the groups covering it). Its
    ``territory_code`` says whose households count in the receipts."""

    __tablename__ = "notices"
    __table_args__ = (
        CheckConstraint(_in("priority", NOTICE_PRIORITIES), name="priority_known"),
        Index("ix_notices_territory_code", "territory_code"),
    )

    id: Mapped[str] = id_column()
    group_id: Mapped[str | None] = mapped_column(String(32), ForeignKey("groups.id"), nullable=True)
    territory_code: Mapped[str] = mapped_column(
        code_string(), ForeignKey("territories.code"), nullable=False
    )
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    priority: Mapped[str] = mapped_column(String(16), nullable=False)
    ack_required: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    drill: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    author_user_id: Mapped[str | None] = mapped_column(
        String(32), ForeignKey("users.id"), nullable=True
    )
    created_by: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[dt.datetime] = created_at_column()
    last_reminded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class NoticePosting(Base):
    """The message a notice was posted as, in one group."""

    __tablename__ = "notice_postings"
    __table_args__ = (UniqueConstraint("notice_id", "group_id"),)

    # Each row has an id of its own, not the pair: the audit log's object id holds one id.
    id: Mapped[str] = id_column()
    notice_id: Mapped[str] = mapped_column(String(32), ForeignKey("notices.id"), nullable=False)
    group_id: Mapped[str] = mapped_column(String(32), ForeignKey("groups.id"), nullable=False)
    message_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("group_messages.id"), unique=True, nullable=False
    )


class NoticeReceipt(Base):
    """A member read (and perhaps acknowledged) a notice; ``household_id`` is theirs then,
    so the receipt keeps counting for that household if they move later."""

    __tablename__ = "notice_receipts"
    __table_args__ = (
        UniqueConstraint("notice_id", "user_id"),
        Index("ix_notice_receipts_notice_household", "notice_id", "household_id"),
    )

    id: Mapped[str] = id_column()
    notice_id: Mapped[str] = mapped_column(String(32), ForeignKey("notices.id"), nullable=False)
    user_id: Mapped[str] = mapped_column(String(32), ForeignKey("users.id"), nullable=False)
    household_id: Mapped[str | None] = mapped_column(
        String(32), ForeignKey("households.id"), nullable=True
    )
    read_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class NoticeTold(Base):
    """A leader told a household of a notice in person or by phone; ``confirmed`` when the
    household confirmed it (an acknowledgement)."""

    __tablename__ = "notice_told"
    __table_args__ = (
        CheckConstraint(_in("channel", TOLD_CHANNELS), name="channel_known"),
        UniqueConstraint("notice_id", "household_id"),
    )

    id: Mapped[str] = id_column()
    notice_id: Mapped[str] = mapped_column(String(32), ForeignKey("notices.id"), nullable=False)
    household_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("households.id"), nullable=False
    )
    channel: Mapped[str] = mapped_column(String(16), nullable=False)
    confirmed: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    told_by_user_id: Mapped[str] = mapped_column(String(32), ForeignKey("users.id"), nullable=False)
    told_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)
