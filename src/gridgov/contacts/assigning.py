"""Running the assignment of contact households for a village (or every village of a town)
and the hand changes of leaders: the database side of the pure ``contacts.assignment``.

A run reads the village's active households, its current members and the current links,
hands them to the pure algorithm as arrays, and writes the difference: links kept stay
untouched (same row), links that move are ended and started anew, so the history of who
looked after a household is never lost. A dry run computes and reports without writing.

A town run assigns village by village (a household's member is always of its village), then
suggests for every household left without one the nearest members with room of any
village of the town (``assignment.nearest_with_room``): a leader may pin one of them by
hand (``check_pin_assignment`` refuses a member of another village, so that stays a
decision: the town's leaders move the member's village or ask the village to take it up).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov import clock
from gridgov.contacts.models import ContactAssignment, PartyMember
from gridgov.contacts.scope import grid_of
from gridgov.errors import Conflict, NotFound, ValidationFailed
from gridgov.i18n import Message
from gridgov.registry.models import Household, Resident, ResidentKeyGroup
from gridgov.territory.models import Territory
from gridgov.territory.scope import within

DEFAULT_CAPACITY = 10
SUGGESTIONS = 3  # members suggested per household left out (AssignmentRules.suggestions)
MAX_CAPACITY = 1000
PRESENT = ("living_here", "working_away", "incoming_migrant")
# The key groups spread evenly over the members (elderly alone, disabled, low income,
# left-behind children, and the poorest): the other key-group tags count as ordinary.
SPREAD_GROUPS = (
    "elderly_alone",
    "disabled",
    "low_income",
    "extreme_poverty",
    "left_behind_child",
)


@dataclass
class Unassigned:
    household_id: str
    suggested_member_ids: list[str]


@dataclass
class Room:
    """After a village's run: its members with the room they have left, and the households
    left without a member (for the suggestions of a town run)."""

    member_ids: list[str]
    member_points: list[tuple[float, float]]
    member_households: list[str | None]  # the member's own household id
    room: list[bool]
    key_room: list[bool]
    household_ids: list[str]
    household_points: list[tuple[float, float]]
    household_key: list[bool]


@dataclass
class RunResult:
    """What a run did (or would do, dry): counts of links and the households left over."""

    territory_code: str
    households: int = 0
    members: int = 0
    kept: int = 0
    moved: int = 0
    added: int = 0
    removed: int = 0
    unassigned: list[Unassigned] = field(default_factory=list)
    dry_run: bool = False
    rooms: list[Room] = field(default_factory=list, repr=False)

    @property
    def changed(self) -> int:
        """Households whose contact member changed, lost or gained (the stability figure)."""
        return self.moved + self.added + self.removed

    def add(self, other: RunResult) -> None:
        for name in ("households", "members", "kept", "moved", "added", "removed"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.unassigned += other.unassigned
        self.rooms += other.rooms


@dataclass
class VillageData:
    """The arrays the pure algorithm reads, and the ids behind their positions."""

    household_ids: list[str]
    household_points: list[tuple[float, float]]
    household_grids: list[str]
    household_key: list[bool]
    member_ids: list[str]
    member_points: list[tuple[float, float]]
    member_grids: list[str]
    member_households: list[int]  # position of the member's own household, -1 elsewhere
    current: dict[int, int]  # household position -> member position (current links)
    pinned: set[int]  # household positions whose link was set by hand
    links: dict[str, ContactAssignment]  # household id -> current link row


def _point(lon: float | None, lat: float | None) -> tuple[float, float]:
    return (math.nan, math.nan) if lon is None or lat is None else (lon, lat)


def _key_households(session: Session, village_code: str) -> set[str]:
    return set(
        session.scalars(
            select(Resident.household_id)
            .join(ResidentKeyGroup, ResidentKeyGroup.resident_id == Resident.id)
            .where(
                within(Resident.territory_code, village_code),
                Resident.residence_status.in_(PRESENT),
                ResidentKeyGroup.key_group_code.in_(SPREAD_GROUPS),
            )
        )
    )


def village_data(session: Session, village_code: str) -> VillageData:
    """Everything a run of ``village_code`` needs, in four queries."""
    households = session.execute(
        select(Household.id, Household.lon, Household.lat, Household.territory_code)
        .where(Household.village_code == village_code, Household.status == "active")
        .order_by(Household.territory_code, Household.id)
    ).all()
    position = {row.id: i for i, row in enumerate(households)}
    key = _key_households(session, village_code)
    members = session.execute(
        select(
            PartyMember.id,
            Resident.household_id,
            Household.lon,
            Household.lat,
            Household.territory_code,
        )
        .join(Resident, Resident.id == PartyMember.resident_id)
        .join(Household, Household.id == Resident.household_id)
        .where(PartyMember.ended_on.is_(None), Household.village_code == village_code)
        .order_by(PartyMember.id)
    ).all()
    member_position = {row.id: i for i, row in enumerate(members)}
    links = {
        link.household_id: link
        for link in session.scalars(
            select(ContactAssignment).where(
                ContactAssignment.ended_at.is_(None),
                ContactAssignment.household_id.in_(
                    select(Household.id).where(Household.village_code == village_code)
                ),
            )
        )
    }
    current = {
        position[h]: member_position[link.member_id]
        for h, link in links.items()
        if h in position and link.member_id in member_position
    }
    return VillageData(
        household_ids=[row.id for row in households],
        household_points=[_point(row.lon, row.lat) for row in households],
        household_grids=[grid_of(row.territory_code) for row in households],
        household_key=[row.id in key for row in households],
        member_ids=[row.id for row in members],
        member_points=[_point(row.lon, row.lat) for row in members],
        member_grids=[grid_of(row.territory_code) for row in members],
        member_households=[position.get(row.household_id, -1) for row in members],
        current=current,
        pinned={position[h] for h, link in links.items() if link.pinned and h in position},
        links=links,
    )


def solve(
    data: VillageData, capacity: int
) -> tuple[list[int], dict[int, list[int]], tuple[list[bool], list[bool]]]:
    """The pure algorithm's answer (contacts.assignment): a member position per household
    (-1: none); for each household left without one, the positions of the nearest members
    with room; and per member, whether it has room left (any household, a key one)."""
    import numpy as np  # loaded by a run only (the CLI's start stays light)

    from gridgov.contacts import assignment

    grids = {
        code: i for i, code in enumerate(sorted(set(data.household_grids + data.member_grids)))
    }
    households = assignment.Households(
        lon=np.array([p[0] for p in data.household_points], dtype=float),
        lat=np.array([p[1] for p in data.household_points], dtype=float),
        village=np.zeros(len(data.household_ids), dtype=np.int64),
        grid=np.array([grids[g] for g in data.household_grids], dtype=np.int64),
        key=np.array(data.household_key, dtype=bool),
    )
    members = assignment.Members(
        lon=np.array([p[0] for p in data.member_points], dtype=float),
        lat=np.array([p[1] for p in data.member_points], dtype=float),
        village=np.zeros(len(data.member_ids), dtype=np.int64),
        grid=np.array([grids[g] for g in data.member_grids], dtype=np.int64),
        household=np.array(data.member_households, dtype=np.int64),
    )
    previous_member = np.full(len(data.household_ids), -1, dtype=np.int64)
    for h, m in data.current.items():
        previous_member[h] = m
    pinned = np.zeros(len(data.household_ids), dtype=bool)
    for h in data.pinned:
        pinned[h] = h in data.current
    answer = assignment.assign_contacts(
        households,
        members,
        rules=assignment.AssignmentRules(capacity=capacity),
        previous=assignment.PreviousAssignment(member=previous_member, pinned=pinned),
    )
    suggestions = {
        int(h): [int(m) for m in row if m >= 0]
        for h, row in zip(answer.unassigned, answer.suggested, strict=True)
    }
    room = answer.load < np.asarray([capacity] * len(data.member_ids), dtype=np.int64)
    key_room = room & (answer.key_load < answer.key_limit)
    return (
        [int(m) for m in answer.member],
        suggestions,
        ([bool(r) for r in room], [bool(r) for r in key_room]),
    )


def _apply(
    session: Session, data: VillageData, chosen: list[int], result: RunResult, actor: str
) -> None:
    now, today = clock.now(), clock.today()
    for h, household_id in enumerate(data.household_ids):
        link = data.links.get(household_id)
        wanted = data.member_ids[chosen[h]] if chosen[h] >= 0 else None
        if link is not None and link.member_id == wanted:
            result.kept += 1
            continue
        if link is not None:
            result.moved += wanted is not None
            result.removed += wanted is None
            if not result.dry_run:
                link.ended_at, link.end_reason = now, "reassigned"
        else:
            result.added += wanted is not None
        if wanted is not None and not result.dry_run:
            session.flush()  # the ended link first: one current link per household
            session.add(
                ContactAssignment(
                    household_id=household_id,
                    member_id=wanted,
                    started_on=today,
                    started_at=now,
                    created_by=actor,
                )
            )


def run_village(
    session: Session, village_code: str, *, capacity: int, dry_run: bool, actor: str
) -> RunResult:
    data = village_data(session, village_code)
    chosen, suggestions, (room, key_room) = solve(data, capacity)
    result = RunResult(
        territory_code=village_code,
        households=len(data.household_ids),
        members=len(data.member_ids),
        dry_run=dry_run,
    )
    _apply(session, data, chosen, result, actor)
    result.unassigned = [
        Unassigned(
            data.household_ids[h],
            [data.member_ids[m] for m in suggestions.get(h, [])],
        )
        for h in range(len(data.household_ids))
        if chosen[h] < 0
    ]
    left = [h for h in range(len(data.household_ids)) if chosen[h] < 0]
    result.rooms = [
        Room(
            member_ids=data.member_ids,
            member_points=data.member_points,
            member_households=[
                data.household_ids[h] if h >= 0 else None for h in data.member_households
            ],
            room=room,
            key_room=key_room,
            household_ids=[data.household_ids[h] for h in left],
            household_points=[data.household_points[h] for h in left],
            household_key=[data.household_key[h] for h in left],
        )
    ]
    session.flush()
    return result


def town_suggestions(rooms: list[Room], count: int = SUGGESTIONS) -> dict[str, list[str]]:
    """For every household left out in any village of ``rooms``: the nearest members with
    room of any of those villages (nearest first), by household id. Suggests only."""
    import numpy as np  # loaded by a run only (the CLI's start stays light)

    from gridgov.contacts import assignment

    household_ids = [h for room in rooms for h in room.household_ids]
    if not household_ids:
        return {}
    position = {h: i for i, h in enumerate(household_ids)}
    member_ids = [m for room in rooms for m in room.member_ids]
    points = [p for room in rooms for p in room.household_points]
    member_points = [p for room in rooms for p in room.member_points]
    owns = [h for room in rooms for h in room.member_households]
    households = assignment.Households(
        lon=np.array([p[0] for p in points], dtype=float),
        lat=np.array([p[1] for p in points], dtype=float),
        village=np.zeros(len(household_ids), dtype=np.int64),
        grid=np.full(len(household_ids), assignment.NO_GRID, dtype=np.int64),
        key=np.array([k for room in rooms for k in room.household_key], dtype=bool),
    )
    members = assignment.Members(
        lon=np.array([p[0] for p in member_points], dtype=float),
        lat=np.array([p[1] for p in member_points], dtype=float),
        village=np.zeros(len(member_ids), dtype=np.int64),
        grid=np.full(len(member_ids), assignment.NO_GRID, dtype=np.int64),
        household=np.array([position.get(h, -1) if h else -1 for h in owns], dtype=np.int64),
    )
    suggested = assignment.nearest_with_room(
        households,
        members,
        room=np.array([r for room in rooms for r in room.room], dtype=bool),
        key_room=np.array([r for room in rooms for r in room.key_room], dtype=bool),
        count=count,
    )
    return {
        household_id: [member_ids[m] for m in row.tolist() if m >= 0]
        for household_id, row in zip(household_ids, suggested, strict=True)
    }


def check_run_assignment(
    session: Session, *, territory_code: str, capacity: int, dry_run: bool, actor: str
) -> RunResult:
    """Run the assignment for a village, or for each village of a town."""
    if not 1 <= capacity <= MAX_CAPACITY:
        raise ValidationFailed.field(
            "capacity", Message("between 1 and %(limit)s", limit=MAX_CAPACITY)
        )
    level = session.scalar(select(Territory.level).where(Territory.code == territory_code))
    if level is None:
        raise NotFound(
            Message("no territory has code %(territory)s", territory=territory_code),
            fields={"territory": Message("not found")},
        )
    if level not in ("village", "town"):
        raise ValidationFailed.field(
            "territory",
            Message(
                "%(code)s is not a village or a town: the assignment runs for a whole "
                "village (or each village of a town)",
                code=territory_code,
            ),
        )
    if level == "village":
        villages = [territory_code]
    else:
        villages = list(
            session.scalars(
                select(Territory.code)
                .where(Territory.parent_code == territory_code, Territory.status == "active")
                .order_by(Territory.code)
            )
        )
    total = RunResult(territory_code=territory_code, dry_run=dry_run)
    for village in villages:
        total.add(run_village(session, village, capacity=capacity, dry_run=dry_run, actor=actor))
    if len(villages) > 1 or len(territory_code) == 9:
        across = town_suggestions(total.rooms)
        for item in total.unassigned:
            item.suggested_member_ids = across.get(item.household_id, [])
    return total


def check_pin_assignment(
    session: Session, household: Household, *, member_id: str, actor: str
) -> ContactAssignment:
    """A leader's hand change: ``member_id`` looks after ``household`` from today, pinned
    (every re-run keeps it). A member of another village, or the household's own, is refused."""
    member = session.get(PartyMember, member_id)
    if (
        member is None
        or member.ended_on is not None
        or member.territory_code[:12] != household.village_code
    ):
        raise ValidationFailed.field(
            "member_id", Message("no party member of this village has id %(id)s", id=member_id)
        )
    own = session.scalar(select(Resident.household_id).where(Resident.id == member.resident_id))
    if own == household.id:
        raise Conflict(
            Message("a member does not contact their own household"),
            fields={"member_id": Message("own household")},
        )
    link = session.scalar(
        select(ContactAssignment).where(
            ContactAssignment.household_id == household.id, ContactAssignment.ended_at.is_(None)
        )
    )
    now = clock.now()
    if link is not None:
        if link.member_id == member_id:
            link.pinned = True
            session.flush()
            return link
        link.ended_at, link.end_reason = now, "changed by hand"
        session.flush()
    new = ContactAssignment(
        household_id=household.id,
        member_id=member_id,
        started_on=clock.today(),
        started_at=now,
        pinned=True,
        created_by=actor,
    )
    session.add(new)
    session.flush()
    return new


def unassigned_summary(result: RunResult) -> list[dict[str, Any]]:
    return [
        {"household_id": item.household_id, "suggested_member_ids": item.suggested_member_ids}
        for item in result.unassigned
    ]
