"""The link between a message and the case a leader made of it."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from gridgov.storage.base import Base, created_at_column


class MessageCase(Base):
    """A message a leader turned into a case: the message links to the case and back.
    ``posted_event_seq``: the case's last timeline event whose status the group was told
    (a change delivered twice, as a re-run sweep would, is told once)."""

    __tablename__ = "message_cases"

    message_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("group_messages.id"), primary_key=True
    )
    case_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("cases.id"), unique=True, nullable=False
    )
    group_id: Mapped[str] = mapped_column(String(32), ForeignKey("groups.id"), nullable=False)
    created_by: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[dt.datetime] = created_at_column()
    posted_event_seq: Mapped[int] = mapped_column(
        Integer, nullable=False, default=0, server_default="0"
    )
