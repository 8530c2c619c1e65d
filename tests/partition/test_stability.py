"""Re-division after change: kept grids stay whole, broken ones are redone, locks hold."""

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gridgov.partition.algorithm import divide
from gridgov.partition.constraints import GRID_BOUNDS
from gridgov.partition.division import PreviousDivision
from tests.partition.helpers import EXAMPLES, Points, grid_of_points, points_of, random_villages
from tests.partition.test_algorithm import check_division


def _divide(points: Points, previous: PreviousDivision | None = None):
    return divide(
        points.lon,
        points.lat,
        points.households,
        points.village,
        previous=previous,
        with_polygons=False,
    )


def _serials(division) -> tuple[np.ndarray, np.ndarray]:
    return division.grid_serial[division.point_grid], division.unit_serial[division.point_unit]


def _subset(points: Points, keep: np.ndarray) -> Points:
    return Points(points.lon[keep], points.lat[keep], points.households[keep], points.village[keep])


def _with_new(points: Points, new: Points) -> Points:
    return Points(
        *(
            np.concatenate([getattr(points, f), getattr(new, f)])
            for f in Points.__dataclass_fields__
        )
    )


def _previous(division, keep: np.ndarray, new_count: int, **extra) -> PreviousDivision:
    grid, unit = _serials(division)
    return PreviousDivision(
        np.r_[grid[keep], np.full(new_count, -1)],
        np.r_[unit[keep], np.full(new_count, -1)],
        **extra,
    )


def test_a_change_that_breaks_nothing_changes_nothing():
    points = points_of(grid_of_points(12))  # 144 households, 4 grids of 36
    first = _divide(points)
    grid, _ = _serials(first)
    # one household leaves each grid: every grid keeps 35, still within bounds
    leaving = np.array([np.flatnonzero(first.point_grid == g)[0] for g in range(4)])
    keep = np.setdiff1d(np.arange(len(grid)), leaving)
    again = _divide(_subset(points, keep), _previous(first, keep, 0))
    new_grid, _ = _serials(again)
    assert np.array_equal(new_grid, grid[keep])
    assert again.grid_kept.all() and again.households_moved_grid == 0
    # units that lost a household but stay within 4-8 are kept too
    assert again.households_moved_unit <= 8


def test_a_grid_that_falls_below_the_minimum_is_redone_and_far_grids_stay():
    points = points_of(grid_of_points(15, step_m=20.0))  # 225 households: 6 grids
    first = _divide(points)
    grid, _ = _serials(first)
    victim = int(first.point_grid[0])
    members = np.flatnonzero(first.point_grid == victim)
    leaving = members[: first.grid_households[victim] - GRID_BOUNDS.low + 3]  # drops to 22
    keep = np.setdiff1d(np.arange(len(grid)), leaving)
    again = _divide(_subset(points, keep), _previous(first, keep, 0))
    check_division(_subset(points, keep), again)
    new_grid, _ = _serials(again)
    kept = set(again.grid_serial[again.grid_kept].tolist())
    assert int(first.grid_serial[victim]) not in kept
    assert len(kept) >= 3  # only the broken grid and the neighbour it merged with change
    for serial in kept:  # a kept grid keeps every household it had
        assert (new_grid[grid[keep] == serial] == serial).all()
    moved = again.households_moved_grid
    assert 0 < moved <= 2 * GRID_BOUNDS.high


def test_new_grids_take_the_next_free_serial_never_a_retired_one():
    points = points_of(grid_of_points(6))  # 36 households: grid 1
    first = _divide(points)
    estate = points_of(grid_of_points(6) + np.array([0.0, 140.0]))  # 36 new households north
    both = _with_new(points, estate)
    previous = PreviousDivision(
        np.r_[np.ones(36, dtype=int), np.full(36, -1)],
        np.r_[_serials(first)[1], np.full(36, -1)],
        used_grid_serials={0: {1, 2, 3}},  # 2 and 3 were retired earlier
    )
    again = _divide(both, previous)
    assert sorted(again.grid_serial.tolist()) == [1, 4]
    assert (again.grid_serial[again.point_grid[:36]] == 1).all()
    assert again.households_moved_grid == 0


def test_a_locked_grid_takes_no_new_household_even_when_it_has_room():
    points = points_of(grid_of_points(10))  # 100 households
    first = _divide(points)
    grid, _ = _serials(first)
    newcomer = points_of(np.array([[90.0, 90.0]]) + 3.0)  # in the middle, next to every grid
    near = first.point_grid[np.argmin(np.linalg.norm(points.xy - newcomer.xy, axis=1))]
    locked_serial = int(first.grid_serial[near])
    keep = np.arange(len(grid))
    for lock in (frozenset(), frozenset({(0, locked_serial)})):
        again = _divide(_with_new(points, newcomer), _previous(first, keep, 1, locked=lock))
        new_grid, _ = _serials(again)
        assert np.array_equal(new_grid[:100], grid)  # nobody moves: the newcomer fits somewhere
        if lock:
            assert new_grid[100] != locked_serial


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    leave=st.integers(0, 12),
    arrive=st.integers(0, 40),
    lock_first=st.booleans(),
)
def test_after_a_small_change_kept_grids_are_whole_and_locks_hold(seed, leave, arrive, lock_first):
    points = random_villages(seed, 2, 250, spread_m=250.0)
    first = _divide(points)
    grid, _ = _serials(first)
    rng = np.random.default_rng(seed)
    keep = np.sort(rng.choice(len(grid), size=len(grid) - leave, replace=False))
    anchors = rng.choice(keep, size=arrive)
    new_xy = points.xy[anchors] + rng.normal(0, 15, (arrive, 2))
    new = points_of(new_xy, village=points.village[anchors])
    changed = _with_new(_subset(points, keep), new)
    locked = frozenset({(0, 1)}) if lock_first else frozenset()
    again = _divide(changed, _previous(first, keep, arrive, locked=locked))
    check_division(changed, again)
    new_grid, _ = _serials(again)
    old_grid = grid[keep]
    same_village = points.village[keep]
    for g in np.flatnonzero(again.grid_kept).tolist():
        village, serial = again.grid_village[g], int(again.grid_serial[g])
        had = np.flatnonzero((old_grid == serial) & (same_village == village))
        left = had[new_grid[had] != serial]
        # a kept grid keeps all it had, but for pieces no longer joined to its main piece
        sites = again.point_site[had]
        pieces = again.graph.components(np.unique(sites))
        piece_of = dict(zip(np.unique(sites).tolist(), pieces.tolist(), strict=True))
        main = np.bincount([piece_of[s] for s in sites.tolist()]).argmax()
        assert all(piece_of[s] != main for s in again.point_site[left].tolist())
    if lock_first:
        had = (old_grid == 1) & (same_village == 0)
        assert (new_grid[: len(keep)][had] == 1).all()
        in_locked = (new_grid == 1) & (changed.village == 0)
        assert in_locked[len(keep) :].sum() == 0  # nobody new joins a locked grid
    total_change = leave + arrive
    assert again.households_moved_grid <= max(4 * total_change, 2 * GRID_BOUNDS.high)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), share=st.floats(0.02, 0.2))
def test_no_household_of_a_kept_grid_changes_code(seed, share):
    """A grid and its successor sharing a majority of each other's households keep the code;
    the households whose code changed are no more than those that changed grid, plus the
    households of grids split without a majority successor."""
    points = random_villages(seed, 2, 250, block_share=0.1)
    first = _divide(points)
    rng = np.random.default_rng(seed)
    keep = np.flatnonzero(rng.random(len(points.households)) > share)
    new = random_villages(seed + 1, 2, 30)
    changed = _with_new(_subset(points, keep), new)
    again = _divide(changed, _previous(first, keep, len(new.households)))
    check_division(changed, again)
    households = changed.households[: len(keep)]
    old_grid = first.point_grid[keep]
    new_grid = again.point_grid[: len(keep)]
    old_code = first.grid_serial[old_grid]
    new_code = again.grid_serial[new_grid]
    for old in np.unique(old_grid).tolist():
        mine = old_grid == old
        for successor in np.unique(new_grid[mine]).tolist():
            shared = households[mine & (new_grid == successor)].sum()
            theirs = households[new_grid == successor].sum()
            if 2 * shared > households[mine].sum() and 2 * shared > theirs:  # kept
                both = mine & (new_grid == successor)
                assert (old_code[both] == new_code[both]).all()
    assert again.households_changed_grid <= again.households_moved_grid
