"""Notice receipts counted by household, and whom each unit leader must still tell (pure).

Most villagers have no account, so a notice is read by a household, not a person: a
household has read it when any member with an account read it, or when its unit leader marks
it as told (in person, by phone). It has acknowledged it when a member pressed acknowledge,
or when the leader's mark says the household confirmed. Counts go by grid and by unit; the
reminder list goes to each unit's leader, and to the grid leader when the unit has none.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class HouseholdPlace:
    """A household and where it sits."""

    household_id: str
    grid_code: str | None  # None: not placed in a grid yet (it hangs on its village)
    unit_code: str | None


@dataclass(frozen=True)
class HouseholdState:
    household_id: str
    read: bool
    acknowledged: bool


@dataclass
class Tally:
    """Households of a node, and how many of them read and acknowledged."""

    households: int = 0
    read: int = 0
    acknowledged: int = 0

    def add(self, state: HouseholdState) -> None:
        self.households += 1
        self.read += state.read
        self.acknowledged += state.acknowledged


@dataclass
class Receipts:
    total: Tally = field(default_factory=Tally)
    by_grid: dict[str, Tally] = field(default_factory=dict)
    by_unit: dict[str, Tally] = field(default_factory=dict)


def household_states(
    households: Iterable[HouseholdPlace],
    *,
    read_by_member: set[str],
    acknowledged_by_member: set[str],
    told: Mapping[str, bool],
) -> list[HouseholdState]:
    """Each household's state. ``told`` maps a household marked by its leader to whether
    the household confirmed (an acknowledgement)."""
    return [
        HouseholdState(
            household.household_id,
            read=household.household_id in read_by_member or household.household_id in told,
            acknowledged=household.household_id in acknowledged_by_member
            or told.get(household.household_id, False),
        )
        for household in households
    ]


def tally(households: Iterable[HouseholdPlace], states: Iterable[HouseholdState]) -> Receipts:
    """Counts for the whole notice, per grid and per unit (households without a unit count
    in their grid only, those without a grid in the total only)."""
    state_of = {state.household_id: state for state in states}
    receipts = Receipts()
    for household in households:
        state = state_of[household.household_id]
        receipts.total.add(state)
        if household.grid_code is not None:
            receipts.by_grid.setdefault(household.grid_code, Tally()).add(state)
        if household.unit_code is not None:
            receipts.by_unit.setdefault(household.unit_code, Tally()).add(state)
    return receipts


def reminder_lists(
    households: Iterable[HouseholdPlace],
    states: Iterable[HouseholdState],
    *,
    unit_leaders: Mapping[str, str],
    grid_leaders: Mapping[str, str],
    acknowledgement_required: bool,
) -> dict[str | None, list[str]]:
    """Leader user id -> the households they must still tell, in the given order. A
    household is pending when unread, or unacknowledged if the notice asks for it. Its
    unit's leader tells it; a unit without one (or a household without a unit) falls to the
    grid leader; with neither, it is listed under ``None`` for the notice's author to see."""
    state_of = {state.household_id: state for state in states}
    lists: dict[str | None, list[str]] = {}
    for household in households:
        state = state_of[household.household_id]
        done = state.acknowledged if acknowledgement_required else state.read
        if done:
            continue
        leader = unit_leaders.get(household.unit_code or "") or grid_leaders.get(
            household.grid_code or ""
        )
        lists.setdefault(leader, []).append(household.household_id)
    return lists
