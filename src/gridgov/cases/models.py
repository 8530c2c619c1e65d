"""Case tables: categories, the working calendar, cases, their timeline, photos, followers.

A case hangs on the unit it was located in (``territory_code``); ``level`` says which node
above that unit handles it now (``handler_code`` is that node's code, a prefix of
``territory_code``). Timers are columns (``due_at``, ``warn_at``, ``feedback_due_at``): the
escalation job claims rows whose time has come.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from gridgov.cases.levels import CASE_LEVELS
from gridgov.cases.states import CASE_STATES
from gridgov.storage.base import (
    Base,
    EncryptedString,
    UTCDateTime,
    code_string,
    created_at_column,
    id_column,
    updated_at_column,
)

CHANNELS = ("api", "open311", "cli", "grid_group", "visit")
PHOTO_KINDS = ("report", "after")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class CaseCategory(Base):
    """A category of problems (a tree by code): who handles it first and how fast.

    ``deadlines`` maps a level to a limit in working time: ``{"unit": {"hours": 8},
    "grid": {"days": 2}, ...}``. A case copies the limits when it is created, so an edit
    applies to new cases only.
    """

    __tablename__ = "case_categories"
    __table_args__ = (
        CheckConstraint(_in("default_level", CASE_LEVELS), name="default_level_known"),
        Index("ix_case_categories_parent_code", "parent_code"),
    )

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    parent_code: Mapped[str | None] = mapped_column(
        String(32), ForeignKey("case_categories.code"), nullable=True
    )
    name_zh: Mapped[str] = mapped_column(String(64), nullable=False)
    name_en: Mapped[str] = mapped_column(String(64), nullable=False)
    description: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    default_level: Mapped[str] = mapped_column(String(16), nullable=False)
    deadlines: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    public: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    updated_at: Mapped[dt.datetime] = updated_at_column()
    updated_by: Mapped[str] = mapped_column(String(64), nullable=False, default="system")
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class CalendarDay(Base):
    """A day that differs from the plain week: a public holiday on a weekday (is_workday
    false) or a weekend day made a working day around a holiday (is_workday true)."""

    __tablename__ = "calendar_days"

    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    is_workday: Mapped[bool] = mapped_column(Boolean, nullable=False)
    name: Mapped[str] = mapped_column(String(64), nullable=False)
    updated_by: Mapped[str] = mapped_column(String(64), nullable=False, default="system")


class Case(Base):
    __tablename__ = "cases"
    __table_args__ = (
        CheckConstraint(_in("state", CASE_STATES), name="state_known"),
        CheckConstraint(_in("level", CASE_LEVELS), name="level_known"),
        CheckConstraint(_in("channel", CHANNELS), name="channel_known"),
        CheckConstraint("rating IS NULL OR (rating >= 1 AND rating <= 5)", name="rating_range"),
        UniqueConstraint("idempotency_owner", "idempotency_key"),
        # Subtree filters, and the resolution report read from the index alone on PostgreSQL
        # (bench/cases.py: town-year 807 -> 424 ms, village-month 88 -> 27 ms at 1M cases).
        Index(
            "ix_cases_report",
            "territory_code",
            "created_at",
            postgresql_include=[
                "state",
                "resolved_level",
                "overdue_ever",
                "reopens",
                "rating",
                "due_at",
                "closed_at",
            ],
        ),
        Index("ix_cases_handler_code_state", "handler_code", "state"),
        Index("ix_cases_category_code", "category_code"),
        Index("ix_cases_reporter_user_id", "reporter_user_id"),
        Index("ix_cases_roll_call_id", "roll_call_id"),
        Index("ix_cases_created_at", "created_at"),
        Index("ix_cases_closed_at", "closed_at"),
        # The timers: only rows whose timer is set are in these indexes.
        Index(
            "ix_cases_due_at",
            "due_at",
            sqlite_where=text("due_at IS NOT NULL"),
            postgresql_where=text("due_at IS NOT NULL"),
        ),
        Index(
            "ix_cases_warn_at",
            "warn_at",
            sqlite_where=text("warn_at IS NOT NULL"),
            postgresql_where=text("warn_at IS NOT NULL"),
        ),
        Index(
            "ix_cases_feedback_due_at",
            "feedback_due_at",
            sqlite_where=text("feedback_due_at IS NOT NULL"),
            postgresql_where=text("feedback_due_at IS NOT NULL"),
        ),
    )

    id: Mapped[str] = id_column()
    category_code: Mapped[str] = mapped_column(
        String(32), ForeignKey("case_categories.code"), nullable=False
    )
    title: Mapped[str] = mapped_column(String(120), nullable=False, default="")
    description: Mapped[str] = mapped_column(Text, nullable=False)
    lon: Mapped[float | None] = mapped_column(Float, nullable=True)
    lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    address: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    household_id: Mapped[str | None] = mapped_column(
        String(32), ForeignKey("households.id"), nullable=True
    )
    # Where the case happened: the unit it was located in (or a grid/village when no
    # unit could be found under it).
    territory_code: Mapped[str] = mapped_column(
        code_string(), ForeignKey("territories.code"), nullable=False
    )
    # How it was located: household, point, reporter.
    located_by: Mapped[str] = mapped_column(String(16), nullable=False)
    level: Mapped[str] = mapped_column(String(16), nullable=False)
    # The node handling it now: territory_code's ancestor at ``level``.
    handler_code: Mapped[str] = mapped_column(code_string(), nullable=False)
    state: Mapped[str] = mapped_column(String(16), nullable=False, default="reported")
    channel: Mapped[str] = mapped_column(String(16), nullable=False)
    reporter_user_id: Mapped[str | None] = mapped_column(
        String(32), ForeignKey("users.id"), nullable=True
    )
    reporter_name: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    reporter_contact: Mapped[str | None] = mapped_column(EncryptedString(), nullable=True)
    # An e-mail address given instead of or besides a phone (Open311 ``email``).
    reporter_email: Mapped[str | None] = mapped_column(EncryptedString(256), nullable=True)
    # A link to a photo the client hosts itself (Open311 ``media_url``).
    media_url: Mapped[str | None] = mapped_column(String(1024), nullable=True)
    # The category's limits copied at intake (an edit of the category applies to new cases).
    deadlines: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    level_started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)
    due_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    warn_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    feedback_due_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    escalations: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    reopens: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    dissatisfactions: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # True once any level's deadline passed while the case was open.
    overdue_ever: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    resolution_note: Mapped[str | None] = mapped_column(Text, nullable=True)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    resolved_level: Mapped[str | None] = mapped_column(String(16), nullable=True)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    rating: Mapped[int | None] = mapped_column(Integer, nullable=True)
    rating_comment: Mapped[str | None] = mapped_column(String(500), nullable=True)
    duplicate_of_id: Mapped[str | None] = mapped_column(
        String(32), ForeignKey("cases.id"), nullable=True
    )
    # A roll-call's help case (a household that needs help): the roll-call's id. No foreign
    # key: cases sit below the roll-calls (gridgov.emergency), which point back at their cases.
    roll_call_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    # Idempotency-Key of the request that created it, per caller (user id, api key id, cli).
    idempotency_owner: Mapped[str | None] = mapped_column(String(64), nullable=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(128), nullable=True)
    created_by: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[dt.datetime] = created_at_column()
    updated_at: Mapped[dt.datetime] = updated_at_column()
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class CaseEvent(Base):
    """One step of a case's timeline (append-only): who did what, when, at which level."""

    __tablename__ = "case_events"
    __audited__ = False  # itself a history row
    __table_args__ = (UniqueConstraint("case_id", "seq"),)

    id: Mapped[str] = id_column()
    case_id: Mapped[str] = mapped_column(String(32), ForeignKey("cases.id"), nullable=False)
    seq: Mapped[int] = mapped_column(Integer, nullable=False)
    action: Mapped[str] = mapped_column(String(32), nullable=False)
    from_state: Mapped[str | None] = mapped_column(String(16), nullable=True)
    to_state: Mapped[str] = mapped_column(String(16), nullable=False)
    from_level: Mapped[str | None] = mapped_column(String(16), nullable=True)
    to_level: Mapped[str] = mapped_column(String(16), nullable=False)
    actor: Mapped[str] = mapped_column(String(64), nullable=False)
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    details: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)


class CasePhoto(Base):
    __tablename__ = "case_photos"
    __table_args__ = (
        CheckConstraint(_in("kind", PHOTO_KINDS), name="kind_known"),
        Index("ix_case_photos_case_id", "case_id"),
    )

    id: Mapped[str] = id_column()
    case_id: Mapped[str] = mapped_column(String(32), ForeignKey("cases.id"), nullable=False)
    kind: Mapped[str] = mapped_column(String(8), nullable=False)
    # Relative to GRIDGOV_DATA_DIR.
    path: Mapped[str] = mapped_column(String(255), nullable=False)
    content_type: Mapped[str] = mapped_column(String(32), nullable=False)
    size_bytes: Mapped[int] = mapped_column(Integer, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    uploaded_by: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[dt.datetime] = created_at_column()


class CaseFollower(Base):
    """Someone who hears of a case's updates besides its handlers: its reporter, and the
    reporters of the cases merged into it."""

    __tablename__ = "case_followers"
    __audited__ = False  # derived from reports and merges, which are recorded in the timeline

    case_id: Mapped[str] = mapped_column(String(32), ForeignKey("cases.id"), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), ForeignKey("users.id"), primary_key=True)
    reason: Mapped[str] = mapped_column(String(16), nullable=False)  # reporter, merged
