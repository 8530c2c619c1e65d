"""Party members, their contact households, the visits of the contact ledger and the
"must visit" moments.

A visit hangs on one or more households (``visit_households``, which also hold each
household's confirmation and rating: every household confirms for itself) and one or more
members (``visit_members``). Edits of a visit are kept as ``visit_versions`` rows.

The contact state (``contact_states``, and ``visit_households.prev_visit_on``) is kept by
the ledger's writes (contacts.state) and read by the due list and the coverage report.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Time,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from gridgov.storage.base import Base, UTCDateTime, code_string, created_at_column, id_column

METHODS = ("home_visit", "phone", "group_message", "meeting")
HAZARDS = ("safety", "fire", "sanitation")
MUST_VISIT_REASONS = (
    "death",
    "birth",
    "dispute_followup",
    "key_group",
    "wedding",
    "funeral",
    "hospital",
    "hardship",
    "other",
)
# The reasons a member or leader records by hand (the others come from what happens).
HAND_REASONS = ("wedding", "funeral", "hospital", "hardship", "other")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class PartyMember(Base):
    """A resident marked as a party member (active while ``ended_on`` is null)."""

    __tablename__ = "party_members"
    __table_args__ = (
        Index("ix_party_members_territory_code", "territory_code"),
        Index(
            "uq_party_members_current_resident",
            "resident_id",
            unique=True,
            sqlite_where=text("ended_on IS NULL"),
            postgresql_where=text("ended_on IS NULL"),
        ),
    )

    id: Mapped[str] = id_column()
    resident_id: Mapped[str] = mapped_column(String(32), ForeignKey("residents.id"), nullable=False)
    # The member's household's node (unit or village), kept in step by the actions.
    territory_code: Mapped[str] = mapped_column(
        code_string(), ForeignKey("territories.code"), nullable=False
    )
    branch: Mapped[str] = mapped_column(String(64), nullable=False)
    joined_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    ended_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    end_reason: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_by: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[dt.datetime] = created_at_column()


class ContactAssignment(Base):
    """One household's contact member; current while ``ended_at`` is null (one per household).
    Where it is comes from the household (a move of unit needs no change here). Pinned
    links were set by hand and are kept by every re-run of the assignment."""

    __tablename__ = "contact_assignments"
    __table_args__ = (
        Index("ix_contact_assignments_member_id", "member_id"),
        Index(
            "uq_contact_assignments_current_household",
            "household_id",
            unique=True,
            sqlite_where=text("ended_at IS NULL"),
            postgresql_where=text("ended_at IS NULL"),
        ),
    )

    id: Mapped[str] = id_column()
    household_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("households.id"), nullable=False
    )
    member_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("party_members.id"), nullable=False
    )
    # The day the link began: a household never visited is due a rhythm after it.
    started_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    pinned: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    end_reason: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_by: Mapped[str] = mapped_column(String(64), nullable=False)


class Visit(Base):
    """One contact of the ledger. ``territory_code`` is the first household's node."""

    __tablename__ = "visits"
    __table_args__ = (
        CheckConstraint(_in("method", METHODS), name="method_known"),
        CheckConstraint(
            "disputes >= 0 AND requests >= 0 AND suggestions >= 0 AND other_matters >= 0",
            name="counts_not_negative",
        ),
        Index("ix_visits_territory_code_visited_on", "territory_code", "visited_on"),
        # One visit per caller's Idempotency-Key (contacts.replay); nulls never clash.
        Index(
            "uq_visits_idempotency_owner_key", "idempotency_owner", "idempotency_key", unique=True
        ),
    )

    id: Mapped[str] = id_column()
    territory_code: Mapped[str] = mapped_column(code_string(), nullable=False)
    visited_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    start_time: Mapped[dt.time | None] = mapped_column(Time, nullable=True)
    end_time: Mapped[dt.time | None] = mapped_column(Time, nullable=True)
    method: Mapped[str] = mapped_column(String(16), nullable=False)
    disputes: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    requests: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    suggestions: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    other_matters: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    matters_text: Mapped[str] = mapped_column(Text, nullable=False, default="")
    hazards: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    follow_up: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    recorded_by_user_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    recorded_by: Mapped[str] = mapped_column(String(64), nullable=False)
    # The Idempotency-Key of the request that recorded it, per caller (as cases keep theirs).
    idempotency_owner: Mapped[str | None] = mapped_column(String(64), nullable=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(128), nullable=True)
    created_at: Mapped[dt.datetime] = created_at_column()
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class VisitHousehold(Base):
    """A household a visit reached, with that household's confirmation and rating. The
    node and day are copied from household and visit so the measures read one index."""

    __tablename__ = "visit_households"
    __audited__ = False  # written with its visit, whose audit row names it
    __table_args__ = (
        CheckConstraint("rating IS NULL OR (rating >= 1 AND rating <= 5)", name="rating_range"),
        Index(
            "ix_visit_households_territory_household_day",
            "territory_code",
            "household_id",
            "visited_on",
        ),
        Index("ix_visit_households_household_id", "household_id"),
        Index("ix_visit_households_visited_on", "visited_on"),
    )

    visit_id: Mapped[str] = mapped_column(String(32), ForeignKey("visits.id"), primary_key=True)
    household_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("households.id"), primary_key=True
    )
    territory_code: Mapped[str] = mapped_column(code_string(), nullable=False)
    visited_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    confirmed_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    rating: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # The day of the household's last visit before this one's day (none: its first), kept
    # by contacts.state: the last visit before any day is read from the visits after it.
    prev_visit_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)


class ContactState(Base):
    """A household's contact state, one row per household that is assigned or was ever
    visited, kept by contacts.state on every write that changes it (visits, links, key
    groups, residence, moves, household status, rhythms):

    - ``last_visit_on``: the latest ``visited_on`` of its visit rows (none: never visited);
    - ``territory_code`` and ``active``: the household's node and whether it is active;
    - ``member_id`` and ``started_on``: its current link (none: unassigned);
    - ``rhythm_days``: days between visits (the shortest rhythm of its present residents'
      key groups, else the default);
    - ``next_due_on``: ``(last_visit_on or started_on) + rhythm_days`` for an active,
      assigned household (else none), so that "due by day D under node N" is one index
      range scan on (``territory_code``, ``next_due_on``).
    """

    __tablename__ = "contact_states"
    __audited__ = False  # derived from the visits, links and registry rows, audited there
    __table_args__ = (
        Index("ix_contact_states_territory_code_next_due_on", "territory_code", "next_due_on"),
    )

    household_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("households.id"), primary_key=True
    )
    last_visit_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    territory_code: Mapped[str] = mapped_column(code_string(), nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False)
    member_id: Mapped[str | None] = mapped_column(
        String(32), ForeignKey("party_members.id"), nullable=True
    )
    started_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    rhythm_days: Mapped[int] = mapped_column(Integer, nullable=False)
    next_due_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)


class VisitMember(Base):
    """A party member who made a visit."""

    __tablename__ = "visit_members"
    __audited__ = False
    __table_args__ = (Index("ix_visit_members_member_id", "member_id"),)

    visit_id: Mapped[str] = mapped_column(String(32), ForeignKey("visits.id"), primary_key=True)
    member_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("party_members.id"), primary_key=True
    )


class VisitVersion(Base):
    """What one edit of a visit changed: ``{"field": [before, after]}``, by whom, when."""

    __tablename__ = "visit_versions"
    __audited__ = False
    __table_args__ = (Index("ix_visit_versions_visit_id", "visit_id"),)

    id: Mapped[str] = id_column()
    visit_id: Mapped[str] = mapped_column(String(32), ForeignKey("visits.id"), nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    changed_by: Mapped[str] = mapped_column(String(64), nullable=False)
    changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)


class VisitCase(Base):
    """A case raised from a visit (channel ``visit``): the link read both ways."""

    __tablename__ = "visit_cases"
    __audited__ = False
    __table_args__ = (Index("ix_visit_cases_case_id", "case_id", unique=True),)

    visit_id: Mapped[str] = mapped_column(String(32), ForeignKey("visits.id"), primary_key=True)
    case_id: Mapped[str] = mapped_column(String(32), ForeignKey("cases.id"), primary_key=True)


class MustVisit(Base):
    """A moment a household must be visited by ``due_on``; met by the first visit on or
    after ``created_on`` (``met_visit_id``)."""

    __tablename__ = "must_visits"
    __table_args__ = (
        CheckConstraint(_in("reason", MUST_VISIT_REASONS), name="reason_known"),
        Index("ix_must_visits_territory_code_due_on", "territory_code", "due_on"),
        Index("ix_must_visits_household_id", "household_id"),
    )

    id: Mapped[str] = id_column()
    household_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("households.id"), nullable=False
    )
    territory_code: Mapped[str] = mapped_column(code_string(), nullable=False)
    reason: Mapped[str] = mapped_column(String(20), nullable=False)
    note: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    created_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    due_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    # What caused it: a resident (death, birth) or a case (dispute follow-up).
    source_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    met_visit_id: Mapped[str | None] = mapped_column(
        String(32), ForeignKey("visits.id"), nullable=True
    )
    met_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    created_by: Mapped[str] = mapped_column(String(64), nullable=False)


class ContactRhythm(Base):
    """Days between visits for households with a resident of this key group (the
    defaults, 30 for any key group and 90 for the others, are in contacts.rhythm)."""

    __tablename__ = "contact_rhythms"

    key_group_code: Mapped[str] = mapped_column(
        String(32), ForeignKey("key_groups.code"), primary_key=True
    )
    days: Mapped[int] = mapped_column(Integer, nullable=False)


class ContactDigest(Base):
    """The weekly digest of one member for one week (its Monday): a row once it went out,
    so the job sends each week's digest once, whenever and however often it runs."""

    __tablename__ = "contact_digests"
    __audited__ = False

    member_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("party_members.id"), primary_key=True
    )
    week: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    due: Mapped[int] = mapped_column(Integer, nullable=False)
    overdue: Mapped[int] = mapped_column(Integer, nullable=False)
    sent_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)


class ContactSummary(Base):
    """The monthly public summary of one village for one month (its first day): a row once
    it was posted to the village's group, so each month's summary goes out once, however
    many workers run. The primary key is the claim: a second worker's insert waits for the
    first's commit, then fails and posts nothing."""

    __tablename__ = "contact_summaries"
    __audited__ = False

    village_code: Mapped[str] = mapped_column(code_string(), primary_key=True)
    month: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    group_id: Mapped[str] = mapped_column(String(32), ForeignKey("groups.id"), nullable=False)
    # Null only inside the posting transaction (the claim is inserted before the post).
    message_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    posted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)
