"""API shapes of the registry. Personal fields leave only masked (gridgov.privacy)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from gridgov import clock
from gridgov.privacy import mask_id_number, mask_phone
from gridgov.registry.models import Household, KeyGroup, RegistryEvent, Resident
from gridgov.timestamps import LocalTimestamp
from gridgov.validation import Input, MultiLine


class _Input(Input):
    # A misspelt field is an error, not silently ignored.
    model_config = ConfigDict(extra="forbid")


class HouseholdCreate(_Input):
    village_code: str
    household_no: str
    address: MultiLine
    unit_code: str | None = None
    lon: float | None = None
    lat: float | None = None


class HouseholdUpdate(_Input):
    """Only the fields sent change; ``unit_code: null`` unplaces it (back to its village)."""

    version: int | None = None
    address: MultiLine | None = None
    lon: float | None = None
    lat: float | None = None
    unit_code: str | None = None
    occurred_on: dt.date | None = None


class HouseholdOut(BaseModel):
    id: str
    village_code: str
    unit_code: str | None
    territory_code: str
    household_no: str
    address: str
    lon: float | None
    lat: float | None
    status: str
    dangerous_since: dt.date | None = None
    dangerous_reason: str | None = None
    version: int
    created_at: LocalTimestamp
    updated_at: LocalTimestamp
    updated_by: str

    @classmethod
    def of(cls, household: Household) -> HouseholdOut:
        return cls.model_validate(household, from_attributes=True)


class DangerousHouse(_Input):
    """Flag a household's house as dangerous (危房), or clear the flag."""

    dangerous: bool
    since: dt.date | None = Field(default=None, description="when it was found; default today")
    reason: str | None = Field(default=None, max_length=255)
    version: int | None = None


class HouseholdSplit(_Input):
    resident_ids: list[str]
    new_household_no: str
    address: MultiLine
    unit_code: str | None = Field(
        default=None, description="omitted: the same unit as the household it splits from"
    )
    lon: float | None = None
    lat: float | None = None
    relations: dict[str, str] = Field(
        default_factory=dict, description="resident id -> relation to the new head"
    )
    occurred_on: dt.date | None = None


class HouseholdMoveOut(_Input):
    occurred_on: dt.date
    destination: str | None = None


class ResidentCreate(_Input):
    household_id: str
    name: str
    sex: str
    birth_date: dt.date
    id_number: str | None = None
    phone: str | None = None
    relation_to_head: str
    residence_status: str = "living_here"
    key_groups: list[str] = Field(default_factory=list)


class ResidentUpdate(_Input):
    """Only the fields sent change; ``key_groups`` replaces the tags."""

    version: int | None = None
    name: str | None = None
    sex: str | None = None
    birth_date: dt.date | None = None
    id_number: str | None = None
    phone: str | None = None
    relation_to_head: str | None = None
    residence_status: str | None = None
    key_groups: list[str] | None = None


class BirthCreate(_Input):
    name: str
    sex: str
    birth_date: dt.date
    id_number: str | None = None
    relation_to_head: str | None = Field(default=None, description="omitted: son or daughter")
    key_groups: list[str] = Field(default_factory=list)


class MoveInCreate(_Input):
    """A new person arriving in the household."""

    occurred_on: dt.date
    origin: str | None = None
    name: str
    sex: str
    birth_date: dt.date
    id_number: str | None = None
    phone: str | None = None
    relation_to_head: str
    residence_status: str = "living_here"
    key_groups: list[str] = Field(default_factory=list)


class ResidentEventCreate(_Input):
    """A dated life event of one resident."""

    kind: Literal["death", "moved_out", "moved_in"]
    occurred_on: dt.date
    destination: str | None = Field(default=None, description="moved_out: where to")
    origin: str | None = Field(default=None, description="moved_in: where from")
    household_id: str | None = Field(
        default=None, description="moved_in: the household returned to (default: the last one)"
    )
    relation_to_head: str | None = None
    note: MultiLine | None = Field(default=None, description="death: a short note")


def age_on(birth_date: dt.date, today: dt.date) -> int:
    before_birthday = (today.month, today.day) < (birth_date.month, birth_date.day)
    return today.year - birth_date.year - before_birthday


class ResidentOut(BaseModel):
    id: str
    household_id: str
    territory_code: str
    name: str
    sex: str
    birth_date: dt.date
    age: int
    id_number: str | None = Field(description="masked: 350305********1234")
    phone: str | None = Field(description="masked: 138****5678")
    relation_to_head: str
    residence_status: str
    key_groups: list[str]
    version: int
    created_at: LocalTimestamp
    updated_at: LocalTimestamp

    @classmethod
    def of(
        cls, resident: Resident, key_groups: list[str], reveal: frozenset[str] = frozenset()
    ) -> ResidentOut:
        """Personal fields masked, except those in ``reveal`` (already authorized and audited)."""
        return cls(
            id=resident.id,
            household_id=resident.household_id,
            territory_code=resident.territory_code,
            name=resident.name,
            sex=resident.sex,
            birth_date=resident.birth_date,
            age=age_on(resident.birth_date, clock.today()),
            id_number=resident.id_number
            if "id_number" in reveal
            else mask_id_number(resident.id_number),
            phone=resident.phone if "phone" in reveal else mask_phone(resident.phone),
            relation_to_head=resident.relation_to_head,
            residence_status=resident.residence_status,
            key_groups=key_groups,
            version=resident.version,
            created_at=resident.created_at,
            updated_at=resident.updated_at,
        )


class RegistryEventOut(BaseModel):
    id: str
    kind: str
    occurred_on: dt.date
    household_id: str | None
    resident_id: str | None
    territory_code: str
    details: dict[str, Any] = Field(description="what changed; personal values masked")
    actor: str
    recorded_at: LocalTimestamp

    @classmethod
    def of(cls, event: RegistryEvent) -> RegistryEventOut:
        return cls.model_validate(event, from_attributes=True)


class KeyGroupOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    name_zh: str
    name_en: str
    active: bool

    @classmethod
    def of(cls, key_group: KeyGroup) -> KeyGroupOut:
        return cls.model_validate(key_group)
