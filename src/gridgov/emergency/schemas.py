"""API shapes of roll-calls and shelters."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from gridgov.emergency.confirm import Confirmed
from gridgov.emergency.models import RollCall, RollCallConfirmation
from gridgov.emergency.queries import Counts, HelpCase, Line, Picture
from gridgov.emergency.shelters import ShelterLoad
from gridgov.timestamps import LocalTimestamp
from gridgov.validation import Input, MultiLine

Kind = Literal["typhoon", "flood", "fire", "other"]
Status = Literal[
    "safe_at_home",
    "moved_shelter",
    "moved_relatives",
    "moved_off_island",
    "away",
    "needs_help",
    "returned",
]
Method = Literal["in_person", "phone", "message"]
# Who confirmed (models.CONFIRMERS; a test keeps the two the same).
Confirmer = Literal[
    "household",
    "unit_leader",
    "grid_leader",
    "contact",
    "leader",
    "village_official",
    "town_official",
    "system",
]


class _Input(Input):
    model_config = ConfigDict(extra="forbid")


class RollCallCreate(_Input):
    territory_code: str = Field(description="a town, village or grid the caller may start one on")
    kind: Kind
    title: str = Field(max_length=200)
    message: MultiLine = Field(default="", max_length=2000)
    deadline_at: AwareDatetime | None = None
    evacuation: bool = False
    drill: bool = False
    grid_after_minutes: int = Field(default=60, description="unconfirmed: to the grid leader")
    village_after_minutes: int = Field(default=30, description="then: to the village secretary")
    help_minutes: int = Field(default=30, description="a needs_help case's deadline in minutes")


class ConfirmationCreate(_Input):
    household_id: str = Field(max_length=32)
    status: Status
    method: Method = "in_person"
    confirmed_at: AwareDatetime | None = Field(
        default=None, description="when the confirmer saw it (default: when received)"
    )
    people: int | None = None
    note: MultiLine | None = Field(default=None, max_length=500)
    help: MultiLine | None = Field(default=None, max_length=500)
    shelter_id: str | None = Field(default=None, max_length=32)
    lon: float | None = None
    lat: float | None = None


class ShelterCreate(_Input):
    village_code: str
    name: str = Field(max_length=100)
    capacity: int
    address: str = Field(default="", max_length=255)
    keeper_user_id: str | None = Field(default=None, max_length=32)
    lon: float | None = None
    lat: float | None = None


class ShelterUpdate(_Input):
    """A shelter's capacity and keeper (none: no keeper)."""

    capacity: int
    keeper_user_id: str | None = Field(default=None, max_length=32)


class RollCallOut(BaseModel):
    id: str
    territory_code: str
    kind: str
    title: str
    message: str
    deadline_at: LocalTimestamp | None
    evacuation: bool
    drill: bool
    state: str
    grid_after_minutes: int
    village_after_minutes: int
    help_minutes: int
    household_count: int
    started_at: LocalTimestamp
    started_by: str
    all_clear_at: LocalTimestamp | None
    closed_at: LocalTimestamp | None
    report: dict[str, Any] | None

    @classmethod
    def of(cls, roll_call: RollCall) -> RollCallOut:
        return cls.model_validate(roll_call, from_attributes=True)


class CountsOut(BaseModel):
    code: str
    name: str
    households: int
    confirmed: int
    unconfirmed: int
    moved: int
    needs_help: int
    returned: int
    priority: int
    priority_unconfirmed: int
    escalated: int

    @classmethod
    def of(cls, counts: Counts) -> CountsOut:
        return cls.model_validate(counts, from_attributes=True)


class HelpCaseOut(BaseModel):
    """A help case the roll-call opened (``/api/v1/cases/{case_id}``)."""

    case_id: str
    household_id: str
    household_no: str
    territory_code: str
    state: str
    due_at: LocalTimestamp | None
    help: str | None

    @classmethod
    def of(cls, found: HelpCase) -> HelpCaseOut:
        return cls.model_validate(found, from_attributes=True)


class LivePictureOut(RollCallOut):
    """The roll-call, its counts (``households``, ``confirmed``, ...) and one row per
    child node (``children``)."""

    households: int
    confirmed: int
    unconfirmed: int
    moved: int
    needs_help: int
    returned: int
    priority: int
    priority_unconfirmed: int
    escalated: int
    children: list[CountsOut]
    help_cases: list[HelpCaseOut] = Field(
        default_factory=list,
        description="the help cases it opened, on the households the caller may read",
    )

    @classmethod
    def of_picture(
        cls, picture: Picture, help_cases: list[HelpCase] | None = None
    ) -> LivePictureOut:
        base = RollCallOut.of(picture.roll_call).model_dump()
        counts = CountsOut.of(picture.total).model_dump(exclude={"code", "name"})
        return cls(
            **base,
            **counts,
            children=[CountsOut.of(child) for child in picture.children],
            help_cases=[HelpCaseOut.of(found) for found in help_cases or []],
        )


class RollCallHouseholdOut(BaseModel):
    household_id: str
    household_no: str
    territory_code: str
    address: str
    priority: bool
    priority_reasons: list[str]
    people: int
    status: str
    confirmed_at: LocalTimestamp | None
    received_at: LocalTimestamp | None
    confirmed_by: str | None
    confirmer: Confirmer | None
    method: str | None
    moved_people: int | None
    shelter_id: str | None
    help: str | None
    returned_at: LocalTimestamp | None
    escalated_to: str | None
    escalated_at: LocalTimestamp | None
    help_case_id: str | None
    confirmations: int

    @classmethod
    def of(cls, line: Line) -> RollCallHouseholdOut:
        row = line.row
        fields = {name: getattr(row, name) for name in cls.model_fields if hasattr(row, name)}
        fields |= {"address": line.address, "priority_reasons": line.reasons}
        return cls(**fields)


class ConfirmationOut(BaseModel):
    id: str
    roll_call_id: str
    household_id: str
    status: str
    method: str
    confirmer: Confirmer
    confirmed_by: str
    confirmed_at: LocalTimestamp
    received_at: LocalTimestamp
    people: int | None
    shelter_id: str | None
    help: str | None
    note: str | None
    lon: float | None
    lat: float | None
    stands: bool
    help_case_id: str | None = None

    @classmethod
    def of(cls, confirmation: RollCallConfirmation, case_id: str | None = None) -> ConfirmationOut:
        out = cls.model_validate(confirmation, from_attributes=True)
        out.help_case_id = case_id
        return out

    @classmethod
    def of_confirmed(cls, confirmed: Confirmed) -> ConfirmationOut:
        return cls.of(confirmed.confirmation, confirmed.help_case_id)


class ShelterOut(BaseModel):
    id: str
    village_code: str
    name: str
    address: str
    capacity: int
    keeper_user_id: str | None
    lon: float | None
    lat: float | None
    arrivals: int
    free: int
    over_capacity: bool
    created_at: LocalTimestamp

    @classmethod
    def of(cls, load: ShelterLoad) -> ShelterOut:
        shelter = load.shelter
        return cls(
            id=shelter.id,
            village_code=shelter.village_code,
            name=shelter.name,
            address=shelter.address,
            capacity=shelter.capacity,
            keeper_user_id=shelter.keeper_user_id,
            lon=shelter.lon,
            lat=shelter.lat,
            arrivals=load.arrivals,
            free=load.free,
            over_capacity=load.over_capacity,
            created_at=shelter.created_at,
        )
