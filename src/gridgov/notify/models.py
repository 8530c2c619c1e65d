"""The outbox and the in-app notification inbox."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from gridgov.storage.base import Base, UTCDateTime, created_at_column, id_column


class OutboxMessage(Base):
    """An event to deliver, written in the transaction that caused it (so a rolled-back
    change sends nothing). A job claims undelivered rows and marks them delivered."""

    __tablename__ = "outbox"
    __audited__ = False
    __table_args__ = (
        Index(
            "ix_outbox_pending",
            "created_at",
            sqlite_where=text("delivered_at IS NULL"),
            postgresql_where=text("delivered_at IS NULL"),
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


class Notification(Base):
    """One message in one user's in-app inbox."""

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
    created_at: Mapped[dt.datetime] = created_at_column()
    read_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
