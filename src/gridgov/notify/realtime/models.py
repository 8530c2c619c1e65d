"""The event log of the realtime layer: one row per event, numbered in commit order.

A row is written by :func:`~.publish.publish` in the caller's transaction with no position
(so a rolled-back transaction or savepoint takes its events with it); the position is set
just before commit under the lock of the one ``event_counter`` row (see :mod:`.publish`).
Positions are therefore dense and follow commit order: once position N is visible, every
position below N is visible too, and a client that resumes after N misses nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, BigInteger, CheckConstraint, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from gridgov.storage.base import Base, created_at_column, id_column

# BIGINT on PostgreSQL; SQLite's INTEGER is 64-bit already and BigInteger maps to it.
Position = BigInteger().with_variant(Integer(), "sqlite")


class Event(Base):
    """One event of one stream (``group:<id>``, ``user:<id>``, ...), kept for resuming
    clients until the retention job prunes it."""

    __tablename__ = "events"
    __audited__ = False
    __table_args__ = (
        Index("ix_events_position", "position", unique=True),
        Index("ix_events_stream_position", "stream", "position"),
    )

    id: Mapped[str] = id_column()
    # None until the commit that writes it; then dense, in commit order.
    position: Mapped[int | None] = mapped_column(Position, nullable=True)
    stream: Mapped[str] = mapped_column(String(64), nullable=False)
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    created_at: Mapped[dt.datetime] = created_at_column()


class EventCounter(Base):
    """The single row whose lock orders commits that publish: ``last_position`` is the
    highest position handed out, ``pruned_upto`` the highest position the retention job
    deleted (a client resuming from below it must reload its state)."""

    __tablename__ = "event_counter"
    __audited__ = False
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_position: Mapped[int] = mapped_column(Position, nullable=False, default=0)
    pruned_upto: Mapped[int] = mapped_column(Position, nullable=False, default=0)
