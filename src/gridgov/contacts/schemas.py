"""API shapes of party members, contact assignments, the ledger, due contacts and the
coverage report."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, Field

from gridgov.contacts.assigning import DEFAULT_CAPACITY, MAX_CAPACITY, RunResult
from gridgov.contacts.due import DueItem
from gridgov.contacts.ledger import MAX_COUNT, MAX_HOUSEHOLDS, MAX_TEXT
from gridgov.contacts.models import (
    ContactAssignment,
    MustVisit,
    PartyMember,
    Visit,
    VisitVersion,
)
from gridgov.contacts.queries import VisitParts
from gridgov.contacts.report import ContactReport, Coverage
from gridgov.timestamps import LocalTimestamp
from gridgov.validation import Day, Input, Line, MultiLine

Method = Literal["home_visit", "phone", "group_message", "meeting"]
Hazard = Literal["safety", "fire", "sanitation"]
HandReason = Literal["wedding", "funeral", "hospital", "hardship", "other"]
Id = Line
ID_FIELD = Field(min_length=1, max_length=32)


class PartyMemberCreate(Input):
    resident_id: Id = ID_FIELD
    branch: Line = Field(min_length=1, max_length=64)
    joined_on: Day


class PartyMemberEnd(Input):
    ended_on: Day
    reason: Line = Field(min_length=1, max_length=64)


class PartyMemberOut(BaseModel):
    id: str
    resident_id: str
    name: str
    territory_code: str
    branch: str
    joined_on: dt.date
    ended_on: dt.date | None
    end_reason: str | None
    current: bool
    # The workload: households currently assigned to the member (what leaders and the
    # member's party group, its leader included, see of each other).
    households: int = 0

    @classmethod
    def of(cls, member: PartyMember, name: str, households: int = 0) -> PartyMemberOut:
        return cls(
            households=households,
            id=member.id,
            resident_id=member.resident_id,
            name=name,
            territory_code=member.territory_code,
            branch=member.branch,
            joined_on=member.joined_on,
            ended_on=member.ended_on,
            end_reason=member.end_reason,
            current=member.ended_on is None,
        )


class MemberEndOut(BaseModel):
    member: PartyMemberOut
    households_to_reassign: list[str]


class AssignmentOut(BaseModel):
    id: str
    household_id: str
    household_no: str
    territory_code: str
    member_id: str
    member_name: str
    pinned: bool
    started_on: dt.date
    ended_at: LocalTimestamp | None
    end_reason: str | None

    @classmethod
    def of(cls, link: ContactAssignment, code: str, number: str, name: str) -> AssignmentOut:
        return cls(
            id=link.id,
            household_id=link.household_id,
            household_no=number,
            territory_code=code,
            member_id=link.member_id,
            member_name=name,
            pinned=link.pinned,
            started_on=link.started_on,
            ended_at=link.ended_at,
            end_reason=link.end_reason,
        )


class AssignmentRun(Input):
    territory: Line = Field(min_length=9, max_length=12, description="a village or town code")
    capacity: int = Field(default=DEFAULT_CAPACITY, ge=1, le=MAX_CAPACITY)
    dry_run: bool = False


class AssignmentPin(Input):
    household_id: Id = ID_FIELD
    member_id: Id = ID_FIELD


class UnassignedOut(BaseModel):
    household_id: str
    suggested_member_ids: list[str]


class RunOut(BaseModel):
    territory_code: str
    dry_run: bool
    households: int
    members: int
    kept: int
    moved: int
    added: int
    removed: int
    changed: int
    unassigned: list[UnassignedOut]

    @classmethod
    def of(cls, result: RunResult) -> RunOut:
        return cls(
            territory_code=result.territory_code,
            dry_run=result.dry_run,
            households=result.households,
            members=result.members,
            kept=result.kept,
            moved=result.moved,
            added=result.added,
            removed=result.removed,
            changed=result.changed,
            unassigned=[UnassignedOut(**vars(item)) for item in result.unassigned],
        )


class CaseToRaise(Input):
    category_code: Line = Field(min_length=1, max_length=64)
    description: MultiLine = Field(min_length=1, max_length=2000)
    household_id: Id = ID_FIELD


class VisitFields(Input):
    """The fields an edit may change (every one optional in an edit)."""

    visited_on: Day | None = None
    start_time: dt.time | None = None
    end_time: dt.time | None = None
    method: Method | None = None
    disputes: int | None = Field(default=None, ge=0, le=MAX_COUNT)
    requests: int | None = Field(default=None, ge=0, le=MAX_COUNT)
    suggestions: int | None = Field(default=None, ge=0, le=MAX_COUNT)
    other_matters: int | None = Field(default=None, ge=0, le=MAX_COUNT)
    matters_text: MultiLine | None = Field(default=None, max_length=MAX_TEXT)
    hazards: list[Hazard] | None = Field(default=None, max_length=3)
    follow_up: bool | None = None


class VisitCreate(Input):
    visited_on: Day
    start_time: dt.time | None = None
    end_time: dt.time | None = None
    method: Method
    household_ids: list[Id] = Field(min_length=1, max_length=MAX_HOUSEHOLDS)
    member_ids: list[Id] = Field(default_factory=list, max_length=20)
    disputes: int = Field(default=0, ge=0, le=MAX_COUNT)
    requests: int = Field(default=0, ge=0, le=MAX_COUNT)
    suggestions: int = Field(default=0, ge=0, le=MAX_COUNT)
    other_matters: int = Field(default=0, ge=0, le=MAX_COUNT)
    matters_text: MultiLine = Field(default="", max_length=MAX_TEXT)
    hazards: list[Hazard] = Field(default_factory=list, max_length=3)
    follow_up: bool = False
    cases: list[CaseToRaise] = Field(default_factory=list, max_length=10)


class VisitEdit(VisitFields):
    version: int = Field(ge=1)


class VisitConfirm(Input):
    household_id: Id | None = Field(default=None, min_length=1, max_length=32)
    rating: int | None = Field(default=None, ge=1, le=5)


class VisitHouseholdOut(BaseModel):
    household_id: str
    territory_code: str
    confirmed: bool
    confirmed_at: LocalTimestamp | None
    rating: int | None


class VisitMemberOut(BaseModel):
    member_id: str
    name: str


class VisitOut(BaseModel):
    id: str
    version: int
    visited_on: dt.date
    start_time: dt.time | None
    end_time: dt.time | None
    method: str
    disputes: int
    requests: int
    suggestions: int
    other_matters: int
    matters_text: str
    hazards: list[str]
    follow_up: bool
    households: list[VisitHouseholdOut]
    members: list[VisitMemberOut]
    case_ids: list[str]
    confirmed: bool  # every household confirmed it
    recorded_by: str
    created_at: LocalTimestamp

    @classmethod
    def of(cls, visit: Visit, parts: VisitParts) -> VisitOut:
        return cls(
            id=visit.id,
            version=visit.version,
            visited_on=visit.visited_on,
            start_time=visit.start_time,
            end_time=visit.end_time,
            method=visit.method,
            disputes=visit.disputes,
            requests=visit.requests,
            suggestions=visit.suggestions,
            other_matters=visit.other_matters,
            matters_text=visit.matters_text,
            hazards=list(visit.hazards),
            follow_up=visit.follow_up,
            households=[
                VisitHouseholdOut(
                    household_id=row.household_id,
                    territory_code=row.territory_code,
                    confirmed=row.confirmed_at is not None,
                    confirmed_at=row.confirmed_at,
                    rating=row.rating,
                )
                for row in parts.households
            ],
            members=[VisitMemberOut(member_id=m, name=n) for m, n in parts.members],
            case_ids=parts.case_ids,
            confirmed=bool(parts.households)
            and all(row.confirmed_at is not None for row in parts.households),
            recorded_by=visit.recorded_by,
            created_at=visit.created_at,
        )


class VisitVersionOut(BaseModel):
    version: int
    changes: dict[str, Any]
    changed_by: str
    changed_at: LocalTimestamp

    @classmethod
    def of(cls, row: VisitVersion) -> VisitVersionOut:
        return cls(
            version=row.version,
            changes=row.changes,
            changed_by=row.changed_by,
            changed_at=row.changed_at,
        )


class MustVisitCreate(Input):
    household_id: Id = ID_FIELD
    reason: HandReason
    due_on: Day
    note: Line = Field(default="", max_length=255)


class MustVisitOut(BaseModel):
    id: str
    household_id: str
    reason: str
    note: str
    created_on: dt.date
    due_on: dt.date
    met_visit_id: str | None

    @classmethod
    def of(cls, moment: MustVisit) -> MustVisitOut:
        return cls(
            id=moment.id,
            household_id=moment.household_id,
            reason=moment.reason,
            note=moment.note,
            created_on=moment.created_on,
            due_on=moment.due_on,
            met_visit_id=moment.met_visit_id,
        )


class DueItemOut(BaseModel):
    household_id: str
    territory_code: str
    member_id: str | None
    member_name: str | None
    reason: str
    due_on: dt.date
    overdue: bool

    @classmethod
    def of(cls, item: DueItem, names: dict[str, str]) -> DueItemOut:
        return cls(
            **vars(item),
            member_name=names.get(item.member_id) if item.member_id else None,
        )


class DueCounts(BaseModel):
    due: int
    overdue: int


class DuePage(BaseModel):
    """A page of due contacts (the list envelope) and the counts per member, grid, village."""

    items: list[DueItemOut]
    total: int
    limit: int
    offset: int
    day: dt.date
    by_member: dict[str, DueCounts]
    by_grid: dict[str, DueCounts]
    by_village: dict[str, DueCounts]


class CoverageOut(BaseModel):
    code: str
    name: str
    households: int
    assigned: int
    contacted_30d: int
    contacted_90d: int
    due_now: int
    overdue: int
    due_in_period: int
    visited_in_time: int
    visit_rate: float | None

    @classmethod
    def of(cls, coverage: Coverage) -> CoverageOut:
        return cls(
            code=coverage.code,
            name=coverage.name,
            visit_rate=coverage.visit_rate,
            **coverage.figures,
        )


class MemberLoadOut(BaseModel):
    member_id: str
    name: str
    households: int
    visits: int
    mean_rating: float | None


class ContactReportOut(CoverageOut):
    """The subtree's figures (flat, as the issue names them) and one row per child node."""

    from_date: dt.date
    to_date: dt.date
    visits: int
    confirmed: int
    confirmed_share: float | None
    must_visit_due: int
    must_visit_met_in_time: int
    visits_with_cases: int
    case_states: dict[str, int]
    children: list[CoverageOut]
    members: list[MemberLoadOut]

    @classmethod
    def of_report(cls, report: ContactReport) -> ContactReportOut:
        top = CoverageOut.of(report.territory)
        return cls(
            **top.model_dump(),
            from_date=report.start,
            to_date=report.end,
            visits=report.visits,
            confirmed=report.confirmed,
            confirmed_share=report.confirmed_share,
            must_visit_due=report.must_visit["due"],
            must_visit_met_in_time=report.must_visit["met_in_time"],
            visits_with_cases=report.visits_with_cases,
            case_states=report.case_states,
            children=[CoverageOut.of(child) for child in report.children],
            members=[MemberLoadOut(**row) for row in report.members],
        )
