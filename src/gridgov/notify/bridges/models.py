"""Outbound routes of a group: where its posts go besides the platform (a WeCom robot)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, CheckConstraint, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from gridgov.storage.base import (
    Base,
    EncryptedString,
    UTCDateTime,
    created_at_column,
    id_column,
)

# Kinds of route a group can have (e-mail and SMS go to people, not groups: no route).
ROUTE_KINDS = ("wecom",)
NAME_MAX = 100
URL_MAX = 255


class BridgeRoute(Base):
    """One outbound route of one group: a WeCom group robot (its base URL and webhook key).

    The key is a secret: encrypted at rest (``EncryptedString``, rotated with the other
    encrypted columns by ``gridgov keys rotate``), never returned by the API nor written to
    the audit log. ``group_id`` names a grid group (the FK to ``groups.id`` comes with the
    groups branch). ``send_times`` holds the times of the robot's last requests (at most
    its per-minute budget) and ``throttled_until`` a pause after WeCom said "too many"
    (errcode 45009): the rate limit holds across worker restarts and processes."""

    __tablename__ = "bridge_routes"
    __table_args__ = (
        CheckConstraint(
            "kind IN (" + ", ".join(f"'{kind}'" for kind in ROUTE_KINDS) + ")",
            name="kind_known",
        ),
        Index("ix_bridge_routes_group_id", "group_id"),
    )

    id: Mapped[str] = id_column()
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    group_id: Mapped[str] = mapped_column(String(32), nullable=False)
    name: Mapped[str] = mapped_column(String(NAME_MAX), nullable=False, default="")
    base_url: Mapped[str] = mapped_column(String(URL_MAX), nullable=False)
    webhook_key: Mapped[str] = mapped_column(EncryptedString(256), nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    send_times: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    throttled_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    throttle_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    created_at: Mapped[dt.datetime] = created_at_column()
    created_by: Mapped[str] = mapped_column(String(64), nullable=False)
