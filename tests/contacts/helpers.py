"""Random towns for the assignment tests (plain numpy, seeded) and the rules checked on answers."""

from __future__ import annotations

import os

import numpy as np

from gridgov.contacts.assignment import (
    MAX_DISTANCE_M,
    UNASSIGNED,
    UNKNOWN_DISTANCE_M,
    AssignmentRules,
    ContactAssignment,
    Households,
    Members,
    PreviousAssignment,
)
from gridgov.partition.projection import LocalFrame

# Examples per property test: a quick run by default; raise it to search harder.
EXAMPLES = int(os.environ.get("CONTACTS_EXAMPLES", "40"))
LON0, LAT0 = 118.1, 24.5
DEGREE_PER_M = 1 / 111_000


def random_town(
    seed: int,
    villages: int,
    households: int,
    members: int,
    *,
    grids_per_village: int = 3,
    key_share: float = 0.2,
    unknown_share: float = 0.0,
    capacity: np.ndarray | None = None,
) -> tuple[Households, Members]:
    """Villages a few km apart, households scattered around their centre, members among them."""
    rng = np.random.default_rng(seed)
    village = rng.integers(0, villages, households)
    centre = rng.uniform(0, 5_000, (villages, 2))
    xy = centre[village] + rng.normal(0, 500, (households, 2))
    in_grid = rng.integers(0, grids_per_village, households)
    grid = np.where(rng.random(households) < 0.05, -1, in_grid)  # a few in no grid
    lon = LON0 + xy[:, 0] * DEGREE_PER_M
    lat = LAT0 + xy[:, 1] * DEGREE_PER_M
    unknown = rng.random(households) < unknown_share
    lon[unknown], lat[unknown] = np.nan, np.nan
    own = rng.choice(households, min(members, households), replace=False)
    houses = Households(lon, lat, village, grid, rng.random(households) < key_share)
    party = Members(lon[own], lat[own], village[own], grid[own], own.astype(np.int64), capacity)
    return houses, party


def not_pinned(result: ContactAssignment) -> PreviousAssignment:
    return PreviousAssignment(result.member.copy(), np.zeros(len(result.member), dtype=bool))


def capacities(members: Members, rules: AssignmentRules) -> np.ndarray:
    if members.capacity is None:
        return np.full(len(members), rules.capacity)
    return np.asarray(members.capacity)


def check_rules(
    households: Households,
    members: Members,
    result: ContactAssignment,
    rules: AssignmentRules,
    pinned: np.ndarray | None = None,
) -> None:
    """Every rule the module docstring states, checked on one answer."""
    pinned = np.zeros(len(households), dtype=bool) if pinned is None else pinned
    assigned = np.flatnonzero(result.member >= 0)
    chosen = result.member[assigned]
    load = np.bincount(chosen, minlength=len(members))
    key_load = np.bincount(chosen, weights=households.key[assigned], minlength=len(members))
    assert (result.load == load).all() and (result.key_load == key_load).all()
    capacity = capacities(members, rules)
    free = ~pinned[assigned]
    # never the member's own household; from the household's own village (pins excepted)
    assert (members.household[chosen] != assigned).all()
    assert (members.village[chosen[free]] == households.village[assigned[free]]).all()
    # capacity and the key-group share hold for every member not pinned past them
    base = np.minimum(np.maximum(np.floor(rules.key_share * capacity), 1), capacity)
    assert (result.key_limit >= base).all() and (result.key_limit <= capacity).all()
    fine = np.ones(len(members), dtype=bool)
    fine[result.over_capacity] = False
    assert (load[fine] <= capacity[fine]).all()
    assert (key_load[fine] <= result.key_limit[fine]).all()
    check_left_out(households, members, result, capacity)


def check_left_out(
    households: Households, members: Members, result: ContactAssignment, capacity: np.ndarray
) -> None:
    """A household left out has no member of its village with room for it (its own aside),
    and is offered the members with room, nearest first."""
    room = result.load < capacity
    key_room = room & (result.key_load < result.key_limit)
    assert (result.member[result.unassigned] == UNASSIGNED).all()
    assert len(result.unassigned) == np.count_nonzero(result.member == UNASSIGNED)
    for index, household in enumerate(result.unassigned.tolist()):
        fits = key_room if households.key[household] else room
        fits = fits & (members.household != household)
        same_village = fits & (members.village == households.village[household])
        assert not same_village.any(), "a member of the village had room"
        offered = result.suggested[index]
        offered = offered[offered >= 0]
        assert fits[offered].all()
        assert len(offered) == min(result.suggested.shape[1], int(fits.sum()))
        # nearest first, and no member with room left out is nearer than the last offered
        distance = distances_to(households, members, household)
        assert (np.diff(distance[offered]) >= -1e-6).all()
        if len(offered):
            others = fits.copy()
            others[offered] = False
            assert (distance[others] >= distance[offered[-1]] - 1e-6).all()


def distances_to(households: Households, members: Members, household: int) -> np.ndarray:
    """Metres from one household to every member, as the module measures them."""
    lon = np.concatenate([households.lon, members.lon])
    lat = np.concatenate([households.lat, members.lat])
    known = ~(np.isnan(lon) | np.isnan(lat))
    frame = LocalFrame.around(lon[known], lat[known])
    here = frame.to_metres(households.lon[[household]], households.lat[[household]])
    there = frame.to_metres(members.lon, members.lat)
    distance = np.sqrt(((there - here) ** 2).sum(axis=1))
    return np.minimum(np.where(np.isnan(distance), UNKNOWN_DISTANCE_M, distance), MAX_DISTANCE_M)
