"""The audit log table. Append-only: no code path updates or deletes it, and the database
refuses to (triggers created by its migration)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from gridgov.storage.base import Base, UTCDateTime, code_string, id_column


class AuditEntry(Base):
    __tablename__ = "audit_log"
    __audited__ = False
    __table_args__ = (
        Index("ix_audit_log_at", "at"),
        Index("ix_audit_log_actor", "actor"),
        Index("ix_audit_log_object", "object_type", "object_id"),
        Index("ix_audit_log_territory_code", "territory_code"),
    )

    id: Mapped[str] = id_column()
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)
    actor: Mapped[str] = mapped_column(String(64), nullable=False)
    # create, update, delete, import, reveal, export, login...
    action: Mapped[str] = mapped_column(String(32), nullable=False)
    object_type: Mapped[str] = mapped_column(String(40), nullable=False)
    object_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    territory_code: Mapped[str | None] = mapped_column(code_string(), nullable=True)
    request_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # {"field": [before, after]} with personal values masked; or context (rows, reason).
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
