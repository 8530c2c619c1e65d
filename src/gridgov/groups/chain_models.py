"""Chain replies (接龙): a list a message opens, where each member adds or edits their own
line until its closing time."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from gridgov.storage.base import Base, UTCDateTime, created_at_column, id_column, updated_at_column


class ChainList(Base):
    """A list; ``last_position`` is the position of its latest line: an addition locks this
    row and takes the next one, so positions follow commit order with no gap or tie."""

    __tablename__ = "chain_lists"

    id: Mapped[str] = id_column()
    group_id: Mapped[str] = mapped_column(String(32), ForeignKey("groups.id"), nullable=False)
    message_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("group_messages.id"), unique=True, nullable=False
    )
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    fields: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    closes_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)
    last_position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    created_by_user_id: Mapped[str | None] = mapped_column(
        String(32), ForeignKey("users.id"), nullable=True
    )
    created_at: Mapped[dt.datetime] = created_at_column()


class ChainEntry(Base):
    """One member's line: its place in the list and the values of the list's fields."""

    __tablename__ = "chain_entries"
    __table_args__ = (
        UniqueConstraint("chain_id", "user_id"),
        UniqueConstraint("chain_id", "position"),
    )

    id: Mapped[str] = id_column()
    chain_id: Mapped[str] = mapped_column(String(32), ForeignKey("chain_lists.id"), nullable=False)
    user_id: Mapped[str] = mapped_column(String(32), ForeignKey("users.id"), nullable=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    values: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    created_at: Mapped[dt.datetime] = created_at_column()
    updated_at: Mapped[dt.datetime] = updated_at_column()
