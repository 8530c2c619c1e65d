"""A post is (resident, post type, territory node, start date, end date)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from gridgov.storage.base import Base, code_string, created_at_column, id_column


class Post(Base):
    """Current while ``end_date`` is null. Exclusive posts have one current holder per node."""

    __tablename__ = "posts"
    __table_args__ = (
        Index("ix_posts_territory_code", "territory_code"),
        Index("ix_posts_resident_id", "resident_id"),
        # The database itself refuses a second current grid leader of one grid.
        Index(
            "uq_posts_current_exclusive",
            "post_type",
            "territory_code",
            unique=True,
            sqlite_where=text("end_date IS NULL AND is_exclusive"),
            postgresql_where=text("end_date IS NULL AND is_exclusive"),
        ),
    )

    id: Mapped[str] = id_column()
    resident_id: Mapped[str] = mapped_column(String(32), ForeignKey("residents.id"), nullable=False)
    post_type: Mapped[str] = mapped_column(String(32), nullable=False)
    territory_code: Mapped[str] = mapped_column(
        code_string(), ForeignKey("territories.code"), nullable=False
    )
    is_exclusive: Mapped[bool] = mapped_column(Boolean, nullable=False)
    start_date: Mapped[dt.date] = mapped_column(Date, nullable=False)
    end_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    end_reason: Mapped[str | None] = mapped_column(String(255), nullable=True)
    created_by: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[dt.datetime] = created_at_column()
