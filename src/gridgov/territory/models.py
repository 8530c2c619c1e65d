"""The territory tree table."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from gridgov.storage.base import (
    Base,
    UTCDateTime,
    code_string,
    created_at_column,
    id_column,
    updated_at_column,
)

TERRITORY_STATUSES = ("active", "retired")


class Territory(Base):
    """One node of the tree. A code, once given, names this node forever (never reused)."""

    __tablename__ = "territories"
    __table_args__ = (
        CheckConstraint(
            "level IN ('district', 'town', 'village', 'grid', 'unit')", name="level_known"
        ),
        CheckConstraint("status IN ('active', 'retired')", name="status_known"),
        Index("ix_territories_parent_code", "parent_code"),
        Index("ix_territories_level_status", "level", "status"),
    )

    id: Mapped[str] = id_column()
    code: Mapped[str] = mapped_column(code_string(), unique=True, nullable=False)
    level: Mapped[str] = mapped_column(String(16), nullable=False)
    parent_code: Mapped[str | None] = mapped_column(
        code_string(), ForeignKey("territories.code"), nullable=True
    )
    name_zh: Mapped[str] = mapped_column(String(100), nullable=False)
    name_en: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    # GeoJSON geometry (Polygon or MultiPolygon), WGS84 lon/lat.
    boundary: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    center_lon: Mapped[float | None] = mapped_column(Float, nullable=True)
    center_lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="active")
    retired_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[dt.datetime] = created_at_column()
    updated_at: Mapped[dt.datetime] = updated_at_column()
    updated_by: Mapped[str] = mapped_column(String(64), nullable=False, default="system")
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's own hook
