"""Households, residents, key groups and the dated life events of the registry."""

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
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, validates

from gridgov.crypto import keyed_hash
from gridgov.storage.base import (
    Base,
    EncryptedString,
    UTCDateTime,
    code_string,
    created_at_column,
    id_column,
    updated_at_column,
)

HOUSEHOLD_STATUSES = ("active", "moved_out", "dissolved")
SEXES = ("male", "female")
RESIDENCE_STATUSES = ("living_here", "working_away", "incoming_migrant", "moved_out", "deceased")
RELATIONS = (
    "head",
    "spouse",
    "son",
    "daughter",
    "son_in_law",
    "daughter_in_law",
    "parent",
    "parent_in_law",
    "grandparent",
    "grandchild",
    "sibling",
    "other_relative",
    "other",
)
EVENT_KINDS = (
    "registered",
    "moved_in",
    "moved_out",
    "birth",
    "death",
    "household_split",
    "unit_changed",
    "status_changed",
    "updated",
)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Household(Base):
    """A dwelling with its members. Hangs on its unit (or its village until placed)."""

    __tablename__ = "households"
    __table_args__ = (
        UniqueConstraint("village_code", "household_no"),
        CheckConstraint(_in("status", HOUSEHOLD_STATUSES), name="status_known"),
        CheckConstraint("lon IS NULL OR (lon >= -180 AND lon <= 180)", name="lon_range"),
        CheckConstraint("lat IS NULL OR (lat >= -90 AND lat <= 90)", name="lat_range"),
        Index("ix_households_territory_code", "territory_code"),
    )

    id: Mapped[str] = id_column()
    village_code: Mapped[str] = mapped_column(
        code_string(), ForeignKey("territories.code"), nullable=False
    )
    # The deepest node the household hangs on: its unit, or its village until placed.
    territory_code: Mapped[str] = mapped_column(
        code_string(), ForeignKey("territories.code"), nullable=False
    )
    household_no: Mapped[str] = mapped_column(String(32), nullable=False)
    address: Mapped[str] = mapped_column(String(255), nullable=False)
    lon: Mapped[float | None] = mapped_column(Float, nullable=True)
    lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="active")
    # "Dangerous house" (危房): set by a grid leader or village secretary, with the date it
    # was found and why; a roll-call gives such a household priority. None: not flagged.
    dangerous_since: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    dangerous_reason: Mapped[str | None] = mapped_column(String(255), nullable=True)
    created_at: Mapped[dt.datetime] = created_at_column()
    updated_at: Mapped[dt.datetime] = updated_at_column()
    updated_by: Mapped[str] = mapped_column(String(64), nullable=False, default="system")
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    @property
    def unit_code(self) -> str | None:
        return self.territory_code if len(self.territory_code) == 17 else None


class Resident(Base):
    """A person, in one household. ``territory_code`` mirrors the household's."""

    __tablename__ = "residents"
    __table_args__ = (
        CheckConstraint(_in("sex", SEXES), name="sex_known"),
        CheckConstraint(_in("residence_status", RESIDENCE_STATUSES), name="residence_status_known"),
        # Leading territory_code serves the subtree prefix and the list order; the status
        # (and, on PostgreSQL, the id) let a filtered COUNT run from the index alone.
        Index(
            "ix_residents_territory_code_status",
            "territory_code",
            "residence_status",
            postgresql_include=["id"],
        ),
        Index("ix_residents_household_id", "household_id"),
        Index("ix_residents_name", "name"),
    )

    id: Mapped[str] = id_column()
    household_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("households.id"), nullable=False
    )
    territory_code: Mapped[str] = mapped_column(
        code_string(), ForeignKey("territories.code"), nullable=False
    )
    name: Mapped[str] = mapped_column(String(64), nullable=False)
    sex: Mapped[str] = mapped_column(String(8), nullable=False)
    birth_date: Mapped[dt.date] = mapped_column(Date, nullable=False)
    # Encrypted at rest; found and de-duplicated through their keyed hashes.
    id_number: Mapped[str | None] = mapped_column(EncryptedString(), nullable=True)
    id_number_hash: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    phone: Mapped[str | None] = mapped_column(EncryptedString(), nullable=True)
    phone_hash: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    relation_to_head: Mapped[str] = mapped_column(String(32), nullable=False)
    residence_status: Mapped[str] = mapped_column(String(20), nullable=False)
    created_at: Mapped[dt.datetime] = created_at_column()
    updated_at: Mapped[dt.datetime] = updated_at_column()
    updated_by: Mapped[str] = mapped_column(String(64), nullable=False, default="system")
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    @validates("id_number", "phone")
    def _keep_hash(self, key: str, value: str | None) -> str | None:
        # The hash follows the value on every assignment, so lookups never go stale.
        setattr(self, f"{key}_hash", personal_hash(value))
        return value


def personal_hash(value: str | None) -> str | None:
    """The keyed hash stored next to an encrypted personal field (None stays None)."""
    return None if value is None else keyed_hash(value)


class KeyGroup(Base):
    """A key-group tag (elderly living alone, disabled, ...): data, not code."""

    __tablename__ = "key_groups"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(64), nullable=False)
    name_en: Mapped[str] = mapped_column(String(64), nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)


class ResidentKeyGroup(Base):
    __tablename__ = "resident_key_groups"
    __table_args__ = (Index("ix_resident_key_groups_key_group_code", "key_group_code"),)

    resident_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("residents.id"), primary_key=True
    )
    key_group_code: Mapped[str] = mapped_column(
        String(32), ForeignKey("key_groups.code"), primary_key=True
    )


class RegistryEvent(Base):
    """A dated life change (move in or out, birth, death, split, unit change): never a delete."""

    __tablename__ = "registry_events"
    __audited__ = False  # itself a history row; the audit log would only repeat it
    __table_args__ = (
        CheckConstraint(_in("kind", EVENT_KINDS), name="kind_known"),
        Index("ix_registry_events_territory_code", "territory_code"),
        Index("ix_registry_events_household_id", "household_id"),
        Index("ix_registry_events_resident_id", "resident_id"),
    )

    id: Mapped[str] = id_column()
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    occurred_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    household_id: Mapped[str | None] = mapped_column(
        String(32), ForeignKey("households.id"), nullable=True
    )
    resident_id: Mapped[str | None] = mapped_column(
        String(32), ForeignKey("residents.id"), nullable=True
    )
    territory_code: Mapped[str] = mapped_column(code_string(), nullable=False)
    # What changed: {"field": [before, after]} with personal values masked, or context.
    details: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    actor: Mapped[str] = mapped_column(String(64), nullable=False)
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)
