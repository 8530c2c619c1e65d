"""Property tests: the constraints of a division and their priority, over random villages."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gridgov.partition.algorithm import allocate_counts, divide
from gridgov.partition.constraints import GRID_BOUNDS, UNIT_BOUNDS, Bounds
from gridgov.partition.metrics import contiguous_parts
from tests.partition.helpers import EXAMPLES, grid_of_points, points_of, random_villages

SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def _site_labels(division, labels_per_point: np.ndarray) -> np.ndarray:
    labels = np.full(division.graph.site_count, -1)
    labels[division.point_site] = labels_per_point
    return labels


def check_division(points, division) -> None:
    """The invariants every division keeps, feasible or not."""
    households = points.households
    # every household in exactly one unit, units within grids within villages
    assert len(division.point_unit) == len(households)
    assert np.array_equal(division.unit_grid[division.point_unit], division.point_grid)
    grid_village = np.array(division.grid_village)
    assert np.array_equal(grid_village[division.point_grid], points.village)
    assert division.unit_households.sum() == households.sum()
    assert np.array_equal(
        np.bincount(division.point_grid, weights=households, minlength=len(grid_village)),
        division.grid_households,
    )
    # serials: unique inside their village (grids) and inside their grid (units)
    grid_keys = set(zip(division.grid_village, division.grid_serial.tolist(), strict=True))
    assert len(grid_keys) == len(division.grid_serial)
    unit_keys = set(zip(division.unit_grid.tolist(), division.unit_serial.tolist(), strict=True))
    assert len(unit_keys) == len(division.unit_serial)
    # whatever misses a bound or contiguity is listed as an exception, and only that
    grid_joined = contiguous_parts(
        division.graph, _site_labels(division, division.point_grid), len(grid_village)
    )
    unit_joined = contiguous_parts(
        division.graph, _site_labels(division, division.point_unit), len(division.unit_serial)
    )
    bad_grids = {
        (division.grid_village[g], int(division.grid_serial[g]))
        for g in range(len(grid_village))
        if not GRID_BOUNDS.contains(division.grid_households[g]) or not grid_joined[g]
    }
    bad_units = {
        (
            division.grid_village[int(division.unit_grid[u])],
            int(division.grid_serial[division.unit_grid[u]]),
            int(division.unit_serial[u]),
        )
        for u in range(len(division.unit_serial))
        if not UNIT_BOUNDS.contains(division.unit_households[u]) or not unit_joined[u]
    }
    listed_grids = {(e.village, e.grid_serial) for e in division.exceptions if e.level == "grid"}
    listed_units = {
        (e.village, e.grid_serial, e.unit_serial) for e in division.exceptions if e.level == "unit"
    }
    assert listed_grids == bad_grids
    assert listed_units == bad_units
    assert all(e.reason for e in division.exceptions)


@SETTINGS
@given(
    seed=st.integers(0, 10_000),
    villages=st.integers(1, 3),
    households=st.integers(60, 400),
)
def test_connected_feasible_villages_get_target_counts_in_bounds_and_contiguous(
    seed, villages, households
):
    points = random_villages(seed, villages, households, spread_m=250.0)
    division = divide(
        points.lon, points.lat, points.households, points.village, with_polygons=False
    )
    check_division(points, division)
    pieces_per_village = {}
    for village in np.unique(points.village).tolist():
        sites = np.unique(division.point_site[points.village == village])
        pieces_per_village[village] = len(np.unique(division.graph.components(sites)))
    for village, pieces in pieces_per_village.items():
        total = int(points.households[points.village == village].sum())
        grids = sum(1 for v in division.grid_village if v == village)
        if pieces == 1 and GRID_BOUNDS.is_feasible(total):
            assert grids == GRID_BOUNDS.part_count(total)
            # feasible and connected: nothing of this village is an exception
            assert not [e for e in division.exceptions if e.village == village]


@SETTINGS
@given(
    seed=st.integers(0, 10_000),
    households=st.integers(10, 300),
    block_share=st.sampled_from([0.0, 0.2, 0.5]),
    spread=st.sampled_from([150.0, 600.0, 2_000.0]),
)
def test_any_village_is_divided_with_every_miss_listed(seed, households, block_share, spread):
    """Blocks, isolated hamlets and tiny villages: constraints (a) always hold, the rest
    hold or are listed with a reason."""
    points = random_villages(seed, 2, households, block_share=block_share, spread_m=spread)
    division = divide(
        points.lon, points.lat, points.households, points.village, with_polygons=False
    )
    check_division(points, division)


def test_a_village_too_small_for_a_grid_is_one_grid_listed_with_its_reason():
    points = points_of(grid_of_points(4))  # 16 households
    division = divide(points.lon, points.lat, points.households, points.village)
    assert len(division.grid_serial) == 1
    assert division.grid_serial.tolist() == [1]
    [exception] = [e for e in division.exceptions if e.level == "grid"]
    assert "16 households" in exception.reason and "cannot make grids of 25-45" in exception.reason
    assert UNIT_BOUNDS.part_count(16) == len(division.unit_serial) == 3


def test_an_isolated_hamlet_is_its_own_grid_not_glued_to_a_far_one():
    village = grid_of_points(8)  # 64 households
    hamlet = grid_of_points(3) + np.array([5_000.0, 0.0])  # 9 households 5 km away
    points = points_of(np.concatenate([village, hamlet]))
    division = divide(points.lon, points.lat, points.households, points.village)
    hamlet_grids = set(division.point_grid[64:].tolist())
    assert len(hamlet_grids) == 1 and not hamlet_grids & set(division.point_grid[:64].tolist())
    assert division.grid_households[hamlet_grids.pop()] == 9
    reasons = " ".join(e.reason for e in division.exceptions)
    assert "isolated part of the village has 9 households" in reasons
    assert "3 grids instead of 2" in reasons


def test_an_apartment_block_is_indivisible():
    xy = np.concatenate([grid_of_points(6), [[50.0, 50.0]]])
    households = np.r_[np.ones(36, dtype=int), 30]
    points = points_of(xy, households)
    division = divide(points.lon, points.lat, points.households, points.village)
    block_unit = division.point_unit[-1]
    assert division.unit_households[block_unit] >= 30
    assert division.unit_households[block_unit] == 30  # a block over the maximum stands alone
    assert any("one building of 30 households" in e.reason for e in division.exceptions)


def test_a_barrier_is_not_crossed_when_both_sides_can_stand_alone():
    import shapely

    from gridgov.partition.synthetic import FRAME

    xy = grid_of_points(10)  # 100 households, 10 x 10, 20 m apart
    points = points_of(xy)
    river = shapely.LineString(FRAME.to_degrees(np.array([[90.0, -50.0], [90.0, 250.0]])))
    division = divide(points.lon, points.lat, points.households, points.village, barriers=[river])
    west = xy[:, 0] < 90
    assert not set(division.point_grid[west].tolist()) & set(division.point_grid[~west].tolist())
    assert all(GRID_BOUNDS.contains(h) for h in division.grid_households)
    # 50 households a side need 2 grids each: one more than the village's target of 3
    [note] = division.exceptions
    assert note.level == "village" and note.reason.startswith("4 grids instead of 3")


def test_grids_are_numbered_in_reading_order():
    points = points_of(grid_of_points(12))  # 144 households: 4 grids
    division = divide(points.lon, points.lat, points.households, points.village)
    centres = np.array(
        [points.xy[division.point_grid == g].mean(axis=0) for g in range(len(division.grid_serial))]
    )
    by_serial = centres[np.argsort(division.grid_serial)]
    # first row north (higher y) before the second; west before east within a row
    assert by_serial[0, 1] > by_serial[2, 1] and by_serial[1, 1] > by_serial[3, 1]
    assert by_serial[0, 0] < by_serial[1, 0] and by_serial[2, 0] < by_serial[3, 0]


@pytest.mark.parametrize(
    ("households", "expected"), [(100, 3), (36, 1), (24, 1), (47, 1), (50, 2), (460, 13)]
)
def test_grid_count_is_round_target_clamped_to_the_feasible_range(households, expected):
    assert GRID_BOUNDS.part_count(households) == expected


def test_counts_are_spread_over_pieces_where_grids_are_biggest():
    bounds = Bounds(25, 45, 36)
    assert allocate_counts(5, [120.0, 60.0], bounds) == [3, 2]
    assert allocate_counts(1, [30.0, 30.0], bounds) == [1, 1]  # each piece needs its own
    assert allocate_counts(3, [10.0, 100.0], bounds) == [1, 3]
