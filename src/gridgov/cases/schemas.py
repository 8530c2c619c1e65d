"""API shapes of cases and their categories. The reporter's contact (phone and e-mail)
leaves masked unless revealed (a role with the ``case`` reveal right, a reason, an audit
entry); both are revealed together."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from gridgov import clock
from gridgov.cases.duplicates import PossibleDuplicate
from gridgov.cases.models import Case, CaseCategory, CaseEvent, CasePhoto
from gridgov.cases.states import OPEN_STATES
from gridgov.privacy import mask_email, mask_phone
from gridgov.timestamps import LocalTimestamp
from gridgov.validation import Input, MultiLine


class _Input(Input):
    # A misspelt field is an error, not silently ignored.
    model_config = ConfigDict(extra="forbid")


# --- categories ---------------------------------------------------------------------------


class CategoryOut(BaseModel):
    code: str
    parent_code: str | None
    name_zh: str
    name_en: str
    description: str
    default_level: str
    deadlines: dict[str, dict[str, int]]
    public: bool
    active: bool
    version: int
    updated_at: LocalTimestamp
    updated_by: str

    @classmethod
    def of(cls, category: CaseCategory) -> CategoryOut:
        return cls.model_validate(category, from_attributes=True)


class CategoryCreate(_Input):
    code: str = Field(max_length=32, description="e.g. sanitation, or sanitation.garbage")
    parent_code: str | None = None
    name_zh: str
    name_en: str
    description: MultiLine = ""
    default_level: str
    deadlines: dict[str, Any] = Field(
        description='working-time limit by level: {"grid": {"days": 2}, "unit": {"hours": 8}}'
    )
    public: bool = True


class CategoryUpdate(_Input):
    """Only the fields sent change; ``active: false`` takes a category out of intake."""

    version: int | None = None
    name_zh: str | None = None
    name_en: str | None = None
    description: MultiLine | None = None
    default_level: str | None = None
    deadlines: dict[str, Any] | None = None
    public: bool | None = None
    active: bool | None = None


# --- cases --------------------------------------------------------------------------------


class CaseCreate(_Input):
    category_code: str
    description: MultiLine = Field(description="what the problem is (1 to 2000 characters)")
    title: str = ""
    lon: float | None = None
    lat: float | None = None
    household_id: str | None = None
    address: MultiLine = ""
    reporter_name: str = ""
    reporter_contact: str | None = Field(
        default=None, description="a mobile number to call back (shown masked)"
    )
    reporter_email: str | None = Field(
        default=None, description="an e-mail address to write back to (shown masked)"
    )
    media_url: str | None = Field(
        default=None, description="an http(s) link to a photo hosted elsewhere"
    )


class DuplicateOut(BaseModel):
    id: str
    distance_m: float
    created_at: LocalTimestamp
    state: str

    @classmethod
    def of(cls, duplicate: PossibleDuplicate) -> DuplicateOut:
        return cls.model_validate(duplicate, from_attributes=True)


class CaseOut(BaseModel):
    id: str
    category_code: str
    title: str
    description: str
    lon: float | None
    lat: float | None
    address: str
    household_id: str | None
    roll_call_id: str | None = Field(
        default=None, description="a roll-call's help case: the roll-call (/roll-calls/{id})"
    )
    territory_code: str
    located_by: str
    level: str
    handler_code: str
    state: str
    channel: str
    due_at: LocalTimestamp | None
    warn_at: LocalTimestamp | None
    feedback_due_at: LocalTimestamp | None
    overdue: bool
    escalations: int
    reopens: int
    reporter_user_id: str | None
    reporter_name: str
    reporter_contact: str | None = Field(description="masked unless revealed")
    reporter_email: str | None = Field(description="masked unless revealed")
    media_url: str | None
    rating: int | None
    rating_comment: str | None
    resolution_note: str | None
    resolved_at: LocalTimestamp | None
    duplicate_of: str | None
    version: int
    created_at: LocalTimestamp
    updated_at: LocalTimestamp
    closed_at: LocalTimestamp | None
    possible_duplicates: list[DuplicateOut] | None = None

    @classmethod
    def of(
        cls,
        case: Case,
        *,
        reveal_contact: bool = False,
        duplicates: list[PossibleDuplicate] | None = None,
        now: dt.datetime | None = None,
    ) -> CaseOut:
        fields = _case_fields(case, reveal_contact=reveal_contact, now=now)
        if duplicates is not None:
            fields["possible_duplicates"] = [DuplicateOut.of(d) for d in duplicates]
        return cls(**fields)


def is_overdue(case: Case, now: dt.datetime | None = None) -> bool:
    moment = now or clock.now()
    return case.state in OPEN_STATES and case.due_at is not None and case.due_at < moment


_CONTACT_FIELDS = {"reporter_contact": mask_phone, "reporter_email": mask_email}


def _case_fields(case: Case, *, reveal_contact: bool, now: dt.datetime | None) -> dict[str, Any]:
    names = set(CaseOut.model_fields) - {"overdue", "duplicate_of", "possible_duplicates"}
    fields = {name: getattr(case, name) for name in names - set(_CONTACT_FIELDS)}
    for name, masked in _CONTACT_FIELDS.items():
        value = getattr(case, name)
        fields[name] = value if reveal_contact else masked(value)
    fields["duplicate_of"] = case.duplicate_of_id
    fields["overdue"] = is_overdue(case, now)
    return fields


class CaseEventOut(BaseModel):
    seq: int
    action: str
    from_state: str | None
    to_state: str
    from_level: str | None
    to_level: str
    actor: str
    note: str
    details: dict[str, Any]
    at: LocalTimestamp

    @classmethod
    def of(cls, event: CaseEvent) -> CaseEventOut:
        return cls.model_validate(event, from_attributes=True)


class PhotoOut(BaseModel):
    id: str
    case_id: str
    kind: str
    content_type: str
    size_bytes: int
    sha256: str
    uploaded_by: str
    created_at: LocalTimestamp
    url: str

    @classmethod
    def of(cls, photo: CasePhoto) -> PhotoOut:
        return cls(
            id=photo.id,
            case_id=photo.case_id,
            kind=photo.kind,
            content_type=photo.content_type,
            size_bytes=photo.size_bytes,
            sha256=photo.sha256,
            uploaded_by=photo.uploaded_by,
            created_at=photo.created_at,
            url=f"/api/v1/cases/{photo.case_id}/photos/{photo.id}",
        )


class CaseDetail(CaseOut):
    timeline: list[CaseEventOut]
    photos: list[PhotoOut]

    @classmethod
    def of_case(
        cls,
        case: Case,
        events: list[CaseEvent],
        photos: list[CasePhoto],
        *,
        reveal_contact: bool = False,
    ) -> CaseDetail:
        return cls(
            **_case_fields(case, reveal_contact=reveal_contact, now=None),
            timeline=[CaseEventOut.of(event) for event in events],
            photos=[PhotoOut.of(photo) for photo in photos],
        )
