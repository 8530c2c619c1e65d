"""Stored division plans: computed, looked at, applied in one transaction, rolled back.

The engine modules of this package are pure; this table and ``plans.py``/``apply.py`` are
the storage side.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from gridgov.storage.base import Base, UTCDateTime, code_string, created_at_column, id_column


class PartitionPlan(Base):
    """One computed division of a village or a town.

    ``parameters``: the bounds, locks and options it was computed with. ``summary``: the
    report table (grids, units, sizes, exceptions, contiguity, compactness, households
    moved, posts affected). ``proposal``: what applying it writes (grids and units with
    their codes and polygons, each household's new unit, nodes to retire). ``before``: the
    state applying replaced, filled in by apply, used by rollback. ``effects``: what apply
    did (nodes created and retired, households and rows moved, posts ended).
    """

    __tablename__ = "partition_plans"
    __audited__ = False  # its own history; apply's writes to other tables are audited
    __table_args__ = (
        CheckConstraint(
            "status IN ('planned', 'applied', 'rolled_back', 'superseded')",
            name="status_known",
        ),
        Index("ix_partition_plans_scope_code", "scope_code"),
    )

    id: Mapped[str] = id_column()
    scope_code: Mapped[str] = mapped_column(code_string(), nullable=False)  # village or town
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="planned")
    # Fingerprint of the division and households the plan was computed from; apply refuses
    # a plan whose base has changed since.
    base_fingerprint: Mapped[str] = mapped_column(String(64), nullable=False)
    parameters: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    proposal: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    effects: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    created_by: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[dt.datetime] = created_at_column()
    applied_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    applied_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    rolled_back_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    rolled_back_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
