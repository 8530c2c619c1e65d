"""The outbox and the in-app notification inbox."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from gridgov.i18n import Message
from gridgov.storage.base import Base, UTCDateTime, created_at_column, id_column

# Where an outbox row goes: the in-app inbox, or one of the outbound bridges
# (gridgov.notify.bridges: a WeCom group robot, an e-mail digest, an SMS).
CHANNELS = ("inbox", "wecom", "email", "sms")


class OutboxMessage(Base):
    """An event to deliver, written in the transaction that caused it (so a rolled-back
    change sends nothing). A job claims undelivered rows and marks them delivered.

    ``channel`` says which consumer takes it: ``inbox`` (jobs.delivery) or a bridge
    (jobs.bridges), which also reads ``route_id`` (the WeCom robot of a group) and waits for
    ``next_attempt_at`` between tries (exponential backoff). A row that failed too often gets
    ``dead_at``: a dead letter, listed to administrators, who retry or discard it."""

    __tablename__ = "outbox"
    __audited__ = False
    __table_args__ = (
        Index(
            "ix_outbox_pending",
            "created_at",
            sqlite_where=text("delivered_at IS NULL"),
            postgresql_where=text("delivered_at IS NULL"),
        ),
        Index(
            "ix_outbox_dead",
            "dead_at",
            sqlite_where=text("dead_at IS NOT NULL AND discarded_at IS NULL"),
            postgresql_where=text("dead_at IS NOT NULL AND discarded_at IS NULL"),
        ),
        CheckConstraint(
            "channel IN (" + ", ".join(f"'{name}'" for name in CHANNELS) + ")",
            name="channel_known",
        ),
    )

    id: Mapped[str] = id_column()
    kind: Mapped[str] = mapped_column(String(32), nullable=False)  # assigned, due_soon, ...
    # Who must hear of it (user ids) and what: {"case_id": ..., "title": ..., "body": ...}.
    recipients: Mapped[list[str]] = mapped_column(JSON, nullable=False)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    created_at: Mapped[dt.datetime] = created_at_column()
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    delivered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_error: Mapped[str | None] = mapped_column(String(255), nullable=True)
    channel: Mapped[str] = mapped_column(
        String(16), nullable=False, default="inbox", server_default="inbox"
    )
    # A bridge_routes id. No FK: routes are switched off, never deleted, and SQLite cannot
    # add one to a table others point at without rebuilding it (migration 0013).
    route_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    dead_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    discarded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    discarded_by: Mapped[str | None] = mapped_column(String(64), nullable=True)


class Notification(Base):
    """One message in one user's in-app inbox.

    Its texts are kept as messages (``title_message``, ``body_message``: a message id and its
    parameters, see gridgov.i18n.Message) and rendered in each reader's language when shown
    (``title_in``, ``body_in``). ``title`` and ``body`` hold the English text, and are what a
    row without a message shows (a row written before messages whose text could not be read
    back into one, or a body that is a person's own note)."""

    __tablename__ = "notifications"
    __audited__ = False
    __table_args__ = (Index("ix_notifications_user_id_created_at", "user_id", "created_at"),)

    id: Mapped[str] = id_column()
    user_id: Mapped[str] = mapped_column(String(32), ForeignKey("users.id"), nullable=False)
    outbox_id: Mapped[str] = mapped_column(String(32), ForeignKey("outbox.id"), nullable=False)
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    case_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False, default="")
    title_message: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    body_message: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[dt.datetime] = created_at_column()
    read_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    def title_in(self, language: str) -> str:
        """The title in ``language`` (the stored text when it has no message)."""
        return _rendered(self.title_message, self.title, language)

    def body_in(self, language: str) -> str:
        return _rendered(self.body_message, self.body, language)


def _rendered(stored: object, text: str, language: str) -> str:
    message = Message.from_json(stored)
    return message.render(language) if message is not None else text
