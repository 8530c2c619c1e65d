"""Roll-calls, the standing status of each household in one, every confirmation received
(the history), and shelters.

A roll-call's households are copied at its start (one set-based INSERT ... SELECT): the
household's node, village and number as they were then, whether it has priority and why.
``roll_call_households`` holds the confirmation that stands (the latest ``confirmed_at``);
``roll_call_confirmations`` keeps every one, so nothing a confirmer sent is lost.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from gridgov.storage.base import Base, UTCDateTime, code_string, created_at_column, id_column

KINDS = ("typhoon", "flood", "fire", "other")
STATES = ("open", "all_clear", "closed")
STATUSES = (
    "unconfirmed",
    "safe_at_home",
    "moved_shelter",
    "moved_relatives",
    "moved_off_island",
    "away",
    "needs_help",
    "returned",
)
MOVED = ("moved_shelter", "moved_relatives", "moved_off_island")
METHODS = ("in_person", "phone", "message")
# "leader": any other leader, and every leader before 0020 (when all shared it).
CONFIRMERS = (
    "household",
    "unit_leader",
    "grid_leader",
    "contact",
    "leader",
    "village_official",
    "town_official",
    "system",  # the CLI and the demo's simulation: no user
)
ESCALATION_LEVELS = ("grid", "village")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class RollCall(Base):
    """One roll-call over a territory node (a town, a village, ...)."""

    __tablename__ = "roll_calls"
    __table_args__ = (
        CheckConstraint(_in("kind", KINDS), name="kind_known"),
        CheckConstraint(_in("state", STATES), name="state_known"),
        Index("ix_roll_calls_territory_code", "territory_code"),
    )

    id: Mapped[str] = id_column()
    territory_code: Mapped[str] = mapped_column(
        code_string(), ForeignKey("territories.code"), nullable=False
    )
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    message: Mapped[str] = mapped_column(Text, nullable=False, default="")
    deadline_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    evacuation: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    drill: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    state: Mapped[str] = mapped_column(String(16), nullable=False, default="open")
    # Unconfirmed this long after the start: shown to the grid leader; then, this much
    # later again, to the village secretary.
    grid_after_minutes: Mapped[int] = mapped_column(Integer, nullable=False, default=60)
    village_after_minutes: Mapped[int] = mapped_column(Integer, nullable=False, default=30)
    help_minutes: Mapped[int] = mapped_column(Integer, nullable=False, default=30)
    household_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)
    started_by: Mapped[str] = mapped_column(String(64), nullable=False)
    started_by_user_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    all_clear_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    all_clear_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    closed_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    report: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[dt.datetime] = created_at_column()


class RollCallHousehold(Base):
    """A household in a roll-call and the confirmation that stands for it."""

    __tablename__ = "roll_call_households"
    __audited__ = False  # its history is roll_call_confirmations
    __table_args__ = (
        CheckConstraint(_in("status", STATUSES), name="status_known"),
        CheckConstraint(
            "escalated_to IS NULL OR " + _in("escalated_to", ESCALATION_LEVELS),
            name="escalated_to_known",
        ),
        # The live counts and the lists: one roll-call's rows by node, and by status.
        Index("ix_roll_call_households_node", "roll_call_id", "territory_code", "status"),
        Index(
            "ix_roll_call_households_escalate_at",
            "escalate_at",
            sqlite_where=text("escalate_at IS NOT NULL"),
            postgresql_where=text("escalate_at IS NOT NULL"),
        ),
    )

    # No foreign keys, on purpose: the lines are written only by the start's INSERT ...
    # SELECT, from the roll-call inserted just before and from the households themselves,
    # and neither is ever deleted; PostgreSQL's per-row checks of two keys cost ~40% of the
    # start of a town of 100,000 households (bench/rollcall.py).
    roll_call_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    household_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    territory_code: Mapped[str] = mapped_column(code_string(), nullable=False)
    household_no: Mapped[str] = mapped_column(String(32), nullable=False)
    priority: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    # Why: key-group codes of its members, and "dangerous_house".
    priority_reasons: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    people: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="unconfirmed")
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    received_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    confirmed_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    confirmer: Mapped[str | None] = mapped_column(String(16), nullable=True)
    method: Mapped[str | None] = mapped_column(String(16), nullable=True)
    moved_people: Mapped[int | None] = mapped_column(Integer, nullable=True)
    shelter_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    help: Mapped[str | None] = mapped_column(String(500), nullable=True)
    lon: Mapped[float | None] = mapped_column(Float, nullable=True)
    lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    first_confirmed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    returned_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    escalate_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    escalated_to: Mapped[str | None] = mapped_column(String(16), nullable=True)
    escalated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    help_case_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    confirmations: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class RollCallCount(Base):
    """The counts of one node's lines (a unit, or a village for households not placed),
    kept as the lines change (emergency.counters), so the live picture of a town of 100,000
    households sums ~2,000 rows instead of counting 100,000 while confirmations arrive."""

    __tablename__ = "roll_call_counts"
    __audited__ = False  # derived from roll_call_households

    roll_call_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("roll_calls.id"), primary_key=True
    )
    territory_code: Mapped[str] = mapped_column(code_string(), primary_key=True)
    households: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    priority: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    confirmed: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    unconfirmed: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    moved: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    needs_help: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    returned: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    priority_unconfirmed: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    escalated: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class RollCallConfirmation(Base):
    """One confirmation as it was received: never changed, never deleted."""

    __tablename__ = "roll_call_confirmations"
    __audited__ = False  # itself the history
    __table_args__ = (
        CheckConstraint(_in("status", STATUSES), name="status_known"),
        CheckConstraint(_in("method", METHODS), name="method_known"),
        CheckConstraint(_in("confirmer", CONFIRMERS), name="confirmer_known"),
        Index("ix_roll_call_confirmations_household", "roll_call_id", "household_id"),
    )

    id: Mapped[str] = id_column()
    roll_call_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("roll_calls.id"), nullable=False
    )
    household_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("households.id"), nullable=False
    )
    status: Mapped[str] = mapped_column(String(20), nullable=False)
    method: Mapped[str] = mapped_column(String(16), nullable=False)
    confirmer: Mapped[str] = mapped_column(String(16), nullable=False)
    confirmed_by: Mapped[str] = mapped_column(String(64), nullable=False)
    user_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    confirmed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)
    people: Mapped[int | None] = mapped_column(Integer, nullable=True)
    shelter_id: Mapped[str | None] = mapped_column(
        String(32), ForeignKey("shelters.id"), nullable=True
    )
    help: Mapped[str | None] = mapped_column(String(500), nullable=True)
    note: Mapped[str | None] = mapped_column(String(500), nullable=True)
    lon: Mapped[float | None] = mapped_column(Float, nullable=True)
    lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    # Whether it became the standing confirmation when received.
    stands: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)


class Shelter(Base):
    """A place people move to, with its capacity and keeper, in one village."""

    __tablename__ = "shelters"
    __table_args__ = (
        CheckConstraint("capacity >= 0", name="capacity_not_negative"),
        Index("ix_shelters_village_code", "village_code"),
    )

    id: Mapped[str] = id_column()
    village_code: Mapped[str] = mapped_column(
        code_string(), ForeignKey("territories.code"), nullable=False
    )
    # A village's code is the territory a shelter is checked against (access policy).
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    address: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    capacity: Mapped[int] = mapped_column(Integer, nullable=False)
    keeper_user_id: Mapped[str | None] = mapped_column(
        String(32), ForeignKey("users.id"), nullable=True
    )
    lon: Mapped[float | None] = mapped_column(Float, nullable=True)
    lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    created_at: Mapped[dt.datetime] = created_at_column()
    created_by: Mapped[str] = mapped_column(String(64), nullable=False)

    @property
    def territory_code(self) -> str:
        return self.village_code
