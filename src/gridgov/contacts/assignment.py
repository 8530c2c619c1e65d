"""Which party member looks after which household (pure: arrays in, arrays out).

Signature (the ``contacts`` package stores and runs it)::

    assign_contacts(households: Households, members: Members, *,
                    rules: AssignmentRules = AssignmentRules(),
                    previous: PreviousAssignment | None = None) -> ContactAssignment

Households and members are index-addressed arrays (``Households``/``Members`` below); villages
and grids are small integers the caller maps its codes to (grid -1: none). The answer gives,
per household, the index of its member (``UNASSIGNED`` = -1) and says what changed.
``PreviousAssignment.member`` holds, per household of this run, the index in ``members`` of
its member in force (-1 for a new household or one whose member died, moved or left the
party: the caller maps its stored ids; those households are placed afresh and counted in
``added``). Run it per village or per town: villages never share members (pins aside), but
the suggestions for households left out look across the whole input.

The rules, hard first:

1. A household's member is from its own village (pins excepted) and is never a member of
   that household (``Members.household``).
2. A member carries at most ``capacity`` households (``AssignmentRules.capacity``, default 10,
   or ``Members.capacity`` per member), of which at most ``key_limit`` are key-group
   households (elderly living alone, disabled, low income, left-behind children):
   ``floor(key_share * capacity)``, at least 1. When a village has more key households than
   its members' key limits add up to, every member's limit rises together to the least value
   that lets them all be covered (``key_limit`` in the answer gives what was used): leaving a
   vulnerable household without anyone to spread the load would defeat the purpose.
3. Pinned links (``PreviousAssignment.pinned``) are kept as given; they count towards their
   member's load (a member pinned past capacity is listed in ``over_capacity``).
4. Stability, as in grid division (``partition/stability.py``): every earlier link that still
   follows rules 1-2 is kept. When a member now holds more than the limits allow (capacity
   lowered, households turned key), the nearest links are kept (pins first) and the others
   freed. Only freed and new households are placed; ``changed`` counts households whose
   member differs from the earlier one.
5. Preferences for the households still free: key-group households are placed before the
   others (when members are too few, the vulnerable are covered first); a member of the
   household's own grid before any other; then nearest (straight line in metres; an unknown
   location counts as ``UNKNOWN_DISTANCE_M``).

Algorithm. Each placement stage is a transport problem (households to members with
capacities, cost = distance) solved exactly as an assignment on replicated member slots with
``scipy.optimize.linear_sum_assignment`` (a shortest-augmenting-path Jonker-Volgenant solver,
O(n^3) on the dense slot matrix). A town-wide problem at once would be a 100,000 x 100,000
matrix; it falls apart along the preferences instead, in this order: key households grid by
grid (members of the grid), then the key households left over village by village (any member
of the village; a member of another grid costs ``GRID_PENALTY_M`` more), then the other
households the same way. A grid holds a few dozen to a few hundred households, so the grid
stages cost milliseconds each and the village stages see only the overflow. Within a stage
the solution is optimal (least total distance among the matchings of greatest size;
rectangular problems leave out the households farthest from free slots) while the stage's
matrix has at most ``EXACT_CELLS`` cells (2,000 x 2,000 slots: about half a second); a larger
one (the overflow of a village of many thousands of households) is placed by rounds of
nearest-with-room instead, which never leaves a household out while a member has room for
it but may cost some distance. Across stages it is greedy by priority;
``bench/contacts.py`` times a 100,000-household town and measures the
total distance against one exact whole-village solve (no decomposition). A sparse
transport LP (``scipy.optimize.linprog``/HiGHS on the k nearest members) gave the same
optimum but took 0.44 s for a 2,000-household village against 0.48 s for the dense assignment
and 2 s at 5,000, so the grid decomposition is what makes a town fast, not the solver.

Households left without a member (members too few, or all with room are their own) are
listed in ``unassigned`` with, for each, up to ``rules.suggestions`` nearest members with room
anywhere in the input (``suggested``, -1 padded; for a key household, room for one more key
household), and ``members_needed`` says how many more members at the default capacity would
cover them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import linear_sum_assignment

from gridgov.partition.projection import LocalFrame

UNASSIGNED = -1
NO_GRID = -1
UNKNOWN_DISTANCE_M = 2_000.0  # a household or member without a location: "somewhere near"
MAX_DISTANCE_M = 50_000.0  # distances are clipped here so the penalties below dominate
GRID_PENALTY_M = 100_000.0  # a member of another grid of the village: after every same-grid one
FORBIDDEN = 1e10  # a member's own household: never (dropped after solving)
# A stage's cost matrix (households x member slots) is solved exactly up to this size; past
# it (the overflow of a very large village), by rounds of nearest-with-room (_greedy).
EXACT_CELLS = 4_000_000


@dataclass(frozen=True)
class Households:
    """One entry per household: WGS84 location (NaN unknown), village, grid, key group."""

    lon: np.ndarray
    lat: np.ndarray
    village: np.ndarray  # int >= 0
    grid: np.ndarray  # int, NO_GRID when the household is in no grid
    key: np.ndarray  # bool: a member of the household is in a key group

    def __len__(self) -> int:
        return len(self.village)


@dataclass(frozen=True)
class Members:
    """One entry per party member who can take households."""

    lon: np.ndarray
    lat: np.ndarray
    village: np.ndarray
    grid: np.ndarray
    household: np.ndarray  # index of the member's own household in Households, -1: not there
    capacity: np.ndarray | None = None  # per member; None: rules.capacity for everyone

    def __len__(self) -> int:
        return len(self.village)


@dataclass(frozen=True)
class PreviousAssignment:
    """The assignment in force: member index per household (-1 none) and the pinned links."""

    member: np.ndarray
    pinned: np.ndarray  # bool per household


@dataclass(frozen=True)
class AssignmentRules:
    capacity: int = 10  # households per member
    key_share: float = 0.5  # of a member's capacity that key-group households may take
    suggestions: int = 3  # nearest members with room suggested per household left out


@dataclass
class ContactAssignment:
    """The answer: arrays per household and per member, and what changed."""

    member: np.ndarray  # per household: member index or UNASSIGNED
    distance_m: np.ndarray  # per household: to its member (NaN: unassigned or unknown)
    kept: np.ndarray  # per household: the earlier link was kept (pins included)
    load: np.ndarray  # per member: households carried
    key_load: np.ndarray  # per member: key-group households carried
    key_limit: np.ndarray  # per member: the key-group limit applied (raised where needed)
    unassigned: np.ndarray  # household indices left without a member
    suggested: np.ndarray  # (len(unassigned), rules.suggestions) member indices, -1 padded
    members_needed: int  # more members at rules.capacity that would cover the unassigned
    over_capacity: np.ndarray  # member indices whose pins alone exceed their limits
    changed: int = 0  # households whose member differs from the earlier one (had one)
    added: int = 0  # households without a member before that have one now
    dropped: int = 0  # households with a member before that have none now
    stages: list[str] = field(default_factory=list)  # placement stages run, for the bench


@dataclass
class _State:
    """Working arrays of one run."""

    household_xy: np.ndarray
    member_xy: np.ndarray
    capacity: np.ndarray
    key_limit: np.ndarray
    member: np.ndarray
    load: np.ndarray
    key_load: np.ndarray


def assign_contacts(
    households: Households,
    members: Members,
    *,
    rules: AssignmentRules = AssignmentRules(),
    previous: PreviousAssignment | None = None,
) -> ContactAssignment:
    """Give every household of each village one party member (see the module docstring)."""
    _check_inputs(households, members, previous)
    state = _start(households, members, rules)
    kept = np.zeros(len(households), dtype=bool)
    over: np.ndarray = np.empty(0, dtype=np.int64)
    if previous is not None:
        kept, over = _keep_previous(state, households, members, previous)
    stages = _place_free(state, households, members)
    return _answer(state, households, members, rules, previous, kept, over, stages)


def _check_inputs(
    households: Households, members: Members, previous: PreviousAssignment | None
) -> None:
    count = len(households)
    for name in ("lon", "lat", "grid", "key"):
        if len(getattr(households, name)) != count:
            raise ValueError(f"households.{name} has a length other than households.village")
    for name in ("lon", "lat", "grid", "household"):
        if len(getattr(members, name)) != len(members):
            raise ValueError(f"members.{name} has a length other than members.village")
    if members.capacity is not None and len(members.capacity) != len(members):
        raise ValueError("members.capacity has a length other than members.village")
    if np.any((members.household < -1) | (members.household >= count)):
        raise ValueError("members.household refers to no household")
    if previous is None:
        return
    if len(previous.member) != count or len(previous.pinned) != count:
        raise ValueError("previous assignment has a length other than households")
    linked = previous.member[previous.pinned]
    if np.any((linked < 0) | (linked >= len(members))):
        raise ValueError("a pinned household refers to no member")
    pinned_rows = np.flatnonzero(previous.pinned)
    if np.any(members.household[linked] == pinned_rows):
        raise ValueError("a household is pinned to a member of its own")


def _start(households: Households, members: Members, rules: AssignmentRules) -> _State:
    frame = _frame(households, members)
    capacity = (
        np.full(len(members), rules.capacity, dtype=np.int64)
        if members.capacity is None
        else np.asarray(members.capacity, dtype=np.int64)
    )
    key_limit = _key_limits(households, members, capacity, rules.key_share)
    return _State(
        household_xy=frame.to_metres(households.lon, households.lat),
        member_xy=frame.to_metres(members.lon, members.lat),
        capacity=capacity,
        key_limit=key_limit,
        member=np.full(len(households), UNASSIGNED, dtype=np.int64),
        load=np.zeros(len(members), dtype=np.int64),
        key_load=np.zeros(len(members), dtype=np.int64),
    )


def _frame(households: Households, members: Members) -> LocalFrame:
    lon = np.concatenate([households.lon, members.lon]).astype(float)
    lat = np.concatenate([households.lat, members.lat]).astype(float)
    known = ~(np.isnan(lon) | np.isnan(lat))
    return LocalFrame.around(lon[known], lat[known])


def _key_limits(
    households: Households, members: Members, capacity: np.ndarray, key_share: float
) -> np.ndarray:
    """Per member: floor(share * capacity) (>= 1, <= capacity), raised per village as needed."""
    base = np.minimum(np.maximum(np.floor(key_share * capacity), 1), capacity).astype(np.int64)
    limit = base.copy()
    for village in np.unique(members.village).tolist():
        inside = np.flatnonzero(members.village == village)
        key_count = int(np.count_nonzero(households.key & (households.village == village)))
        if int(base[inside].sum()) >= key_count:
            continue
        # the least common floor t with sum(min(cap, max(base, t))) >= key households
        for floor_value in range(1, int(capacity[inside].max(initial=0)) + 1):
            raised = np.minimum(capacity[inside], np.maximum(base[inside], floor_value))
            limit[inside] = raised
            if int(raised.sum()) >= key_count:
                break
    return limit


def _distances(state: _State, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Metres between households ``rows`` and members ``cols`` (clipped; unknown: a constant)."""
    diff = state.household_xy[rows][:, None, :] - state.member_xy[cols][None, :, :]
    distance = np.sqrt((diff**2).sum(axis=2))
    distance = np.where(np.isnan(distance), UNKNOWN_DISTANCE_M, distance)
    return np.minimum(distance, MAX_DISTANCE_M)


def _link(state: _State, households: Households, rows: np.ndarray, cols: np.ndarray) -> None:
    state.member[rows] = cols
    np.add.at(state.load, cols, 1)
    np.add.at(state.key_load, cols, households.key[rows].astype(np.int64))


def _keep_previous(
    state: _State, households: Households, members: Members, previous: PreviousAssignment
) -> tuple[np.ndarray, np.ndarray]:
    """Pins as given, then every earlier link that follows the rules, nearest first."""
    earlier = np.asarray(previous.member, dtype=np.int64)
    pinned = np.asarray(previous.pinned, dtype=bool)
    pinned_rows = np.flatnonzero(pinned)
    _link(state, households, pinned_rows, earlier[pinned_rows])
    over = np.flatnonzero((state.load > state.capacity) | (state.key_load > state.key_limit))
    rows = np.flatnonzero(~pinned & (earlier >= 0))
    cols = earlier[rows]
    legal = (members.village[cols] == households.village[rows]) & (members.household[cols] != rows)
    rows, cols = rows[legal], cols[legal]
    distance = _pair_distances(state, rows, cols)
    keep = np.zeros(len(rows), dtype=bool)
    load, key_load = state.load.copy(), state.key_load.copy()
    is_key = households.key[rows]
    for index in np.argsort(distance, kind="stable").tolist():
        col = int(cols[index])
        if load[col] >= state.capacity[col]:
            continue
        if is_key[index]:
            if key_load[col] >= state.key_limit[col]:
                continue
            key_load[col] += 1
        load[col] += 1
        keep[index] = True
    _link(state, households, rows[keep], cols[keep])
    kept = pinned.copy()
    kept[rows[keep]] = True
    return kept, over


def _pair_distances(state: _State, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Metres between household ``rows[i]`` and member ``cols[i]``, like ``_distances``."""
    diff = state.household_xy[rows] - state.member_xy[cols]
    distance = np.sqrt((diff**2).sum(axis=1))
    distance = np.where(np.isnan(distance), UNKNOWN_DISTANCE_M, distance)
    return np.minimum(distance, MAX_DISTANCE_M)


def _by_grid(village: np.ndarray, grid: np.ndarray) -> dict[tuple[int, ...], np.ndarray]:
    """Indices per (village, grid) for the entries in a grid."""
    inside = np.flatnonzero(grid != NO_GRID)
    order = inside[np.lexsort((grid[inside], village[inside]))]
    if len(order) == 0:
        return {}
    keys = np.column_stack([village[order], grid[order]])
    cuts = np.flatnonzero(np.any(keys[1:] != keys[:-1], axis=1)) + 1
    return {(int(village[part[0]]), int(grid[part[0]])): part for part in np.split(order, cuts)}


def _by_village(village: np.ndarray) -> dict[tuple[int, ...], np.ndarray]:
    """Indices per (village,)."""
    order = np.argsort(village, kind="stable")
    if len(order) == 0:
        return {}
    cuts = np.flatnonzero(village[order][1:] != village[order][:-1]) + 1
    return {(int(village[part[0]]),): part for part in np.split(order, cuts)}


def _place_free(state: _State, households: Households, members: Members) -> list[str]:
    """Key households first, then the others; each by grid, then by village."""
    house_grids = _by_grid(households.village, households.grid)
    member_grids = _by_grid(members.village, members.grid)
    house_villages = _by_village(households.village)
    member_villages = _by_village(members.village)
    stages: list[str] = []
    for key_pass, name in ((True, "key"), (False, "others")):
        wanted = households.key if key_pass else ~households.key
        for level, house_groups, member_groups in (
            ("grid", house_grids, member_grids),
            ("village", house_villages, member_villages),
        ):
            for group, rows in house_groups.items():
                cols = member_groups.get(group)
                if cols is not None:
                    _solve(state, households, members, rows[wanted[rows]], cols, key_pass=key_pass)
            stages.append(f"{name} by {level}")
    return stages


def _solve(
    state: _State,
    households: Households,
    members: Members,
    rows: np.ndarray,
    cols: np.ndarray,
    *,
    key_pass: bool,
) -> None:
    """Place the free ``rows`` on the room left with ``cols``: one exact assignment."""
    rows = rows[state.member[rows] == UNASSIGNED]
    room = state.capacity[cols] - state.load[cols]
    if key_pass:
        room = np.minimum(room, state.key_limit[cols] - state.key_load[cols])
    room = np.maximum(room, 0)
    if len(rows) == 0 or int(room.sum()) == 0:
        return
    cols = cols[room > 0]
    room = room[room > 0]
    cost = _distances(state, rows, cols)
    cost += GRID_PENALTY_M * (households.grid[rows][:, None] != members.grid[cols][None, :])
    cost[members.household[cols][None, :] == rows[:, None]] = FORBIDDEN
    if len(rows) * int(room.sum()) > EXACT_CELLS:
        chosen_rows, chosen_cols = _greedy(cost, room)
    else:
        slot_of = np.repeat(np.arange(len(cols)), room)
        chosen_rows, chosen_slots = linear_sum_assignment(cost[:, slot_of])
        chosen_cols = slot_of[chosen_slots]
    allowed = cost[chosen_rows, chosen_cols] < FORBIDDEN / 2
    _link(state, households, rows[chosen_rows[allowed]], cols[chosen_cols[allowed]])


def _greedy(cost: np.ndarray, room: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Nearest with room, in rounds: every free household asks for its cheapest member with
    room; a member takes the cheapest of those asking, up to its room; the rest ask again.
    Stops when no free household has an allowed member with room (so none is left out
    while one has room for it)."""
    room = room.copy()
    chosen = np.full(cost.shape[0], -1, dtype=np.int64)
    free = np.arange(cost.shape[0])
    while len(free) and room.any():
        asked = np.where(room[None, :] > 0, cost[free], np.inf)
        best = asked.argmin(axis=1)
        best_cost = asked[np.arange(len(free)), best]
        wanting = best_cost < FORBIDDEN / 2
        if not wanting.any():
            break
        order = np.lexsort((best_cost[wanting], best[wanting]))  # by member, cheapest first
        who, col = free[wanting][order], best[wanting][order]
        rank = np.arange(len(col)) - np.searchsorted(col, col, side="left")
        taken = rank < room[col]
        chosen[who[taken]] = col[taken]
        room -= np.bincount(col[taken], minlength=len(room))
        free = free[chosen[free] < 0]
    placed = np.flatnonzero(chosen >= 0)
    return placed, chosen[placed]


def _answer(
    state: _State,
    households: Households,
    members: Members,
    rules: AssignmentRules,
    previous: PreviousAssignment | None,
    kept: np.ndarray,
    over: np.ndarray,
    stages: list[str],
) -> ContactAssignment:
    assigned = np.flatnonzero(state.member >= 0)
    distance = np.full(len(households), np.nan)
    diff = state.household_xy[assigned] - state.member_xy[state.member[assigned]]
    distance[assigned] = np.sqrt((diff**2).sum(axis=1))
    unassigned = np.flatnonzero(state.member == UNASSIGNED)
    result = ContactAssignment(
        member=state.member,
        distance_m=distance,
        kept=kept,
        load=state.load,
        key_load=state.key_load,
        key_limit=state.key_limit,
        unassigned=unassigned,
        suggested=_suggest(state, households, members, unassigned, rules.suggestions),
        members_needed=-(-len(unassigned) // max(rules.capacity, 1)),
        over_capacity=over,
        stages=stages,
    )
    if previous is not None:
        earlier = np.asarray(previous.member)
        result.changed = int(
            np.count_nonzero((earlier >= 0) & (state.member != earlier) & (state.member >= 0))
        )
        result.added = int(np.count_nonzero((earlier < 0) & (state.member >= 0)))
        result.dropped = int(np.count_nonzero((earlier >= 0) & (state.member < 0)))
    return result


def _suggest(
    state: _State,
    households: Households,
    members: Members,
    unassigned: np.ndarray,
    count: int,
) -> np.ndarray:
    """Per household left out: the nearest members with room (for its kind), -1 padded."""
    room = state.load < state.capacity
    key_room = room & (state.key_load < state.key_limit)
    return _nearest_with_room(
        state.household_xy[unassigned],
        households.key[unassigned],
        unassigned,
        state.member_xy,
        members.household,
        room,
        key_room,
        count,
    )


def nearest_with_room(
    households: Households,
    members: Members,
    *,
    room: np.ndarray,
    key_room: np.ndarray,
    count: int,
) -> np.ndarray:
    """For each of ``households`` (households left without a member), up to ``count`` of
    ``members`` with room for it, nearest first, -1 padded: ``room`` (bool per member) for
    any household, ``key_room`` for a key-group one; never a member of the household
    (``members.household`` indexes ``households``). Villages and grids play no part, so a
    town's left-out households are offered the members with room of every village. It only
    suggests: nobody is assigned."""
    frame = _frame(households, members)
    return _nearest_with_room(
        frame.to_metres(households.lon, households.lat),
        np.asarray(households.key, dtype=bool),
        np.arange(len(households)),
        frame.to_metres(members.lon, members.lat),
        np.asarray(members.household, dtype=np.int64),
        np.asarray(room, dtype=bool),
        np.asarray(key_room, dtype=bool),
        count,
    )


def _nearest_with_room(
    household_xy: np.ndarray,
    key: np.ndarray,
    rows: np.ndarray,
    member_xy: np.ndarray,
    member_household: np.ndarray,
    room: np.ndarray,
    key_room: np.ndarray,
    count: int,
) -> np.ndarray:
    """Row i: the nearest members with room for household ``rows[i]`` (at ``household_xy[i]``,
    key-group when ``key[i]``), skipping a member whose household is ``rows[i]``."""
    suggested = np.full((len(rows), count), UNASSIGNED, dtype=np.int64)
    for start in range(0, len(rows), 256):
        part = slice(start, start + 256)
        for offset, kind_room in ((key[part], key_room), (~key[part], room)):
            chunk = start + np.flatnonzero(offset)
            cols = np.flatnonzero(kind_room)
            if len(chunk) == 0 or len(cols) == 0:
                continue
            diff = household_xy[chunk][:, None, :] - member_xy[cols][None, :, :]
            cost = np.sqrt((diff**2).sum(axis=2))
            cost = np.minimum(np.where(np.isnan(cost), UNKNOWN_DISTANCE_M, cost), MAX_DISTANCE_M)
            cost[member_household[cols][None, :] == rows[chunk][:, None]] = np.inf
            take = min(count, len(cols))
            nearest = np.argsort(cost, axis=1, kind="stable")[:, :take]
            picked = np.where(
                np.isinf(np.take_along_axis(cost, nearest, 1)), UNASSIGNED, cols[nearest]
            )
            suggested[chunk, :take] = picked
    return suggested
