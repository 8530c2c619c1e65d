"""Issue 12's reproductions: apartment blocks, empty input, village outlines; and the property
that every grid is in bounds whenever some division in bounds exists (small villages)."""

import numpy as np
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gridgov.partition.algorithm import divide
from gridgov.partition.constraints import GRID_BOUNDS, UNIT_BOUNDS
from gridgov.partition.exhaustive import exhaustive_division
from gridgov.partition.synthetic import FRAME
from tests.partition.helpers import EXAMPLES, grid_of_points, points_of
from tests.partition.test_algorithm import check_division


def _divide(points, **options):
    return divide(points.lon, points.lat, points.households, points.village, **options)


def _in_degrees(geometry):
    return shapely.transform(geometry, FRAME.to_degrees)


def test_three_blocks_of_30_are_three_grids_of_30():
    xy = np.array([[0.0, 0.0], [80.0, 0.0], [160.0, 0.0]])
    points = points_of(xy, np.array([30, 30, 30]))
    division = _divide(points)
    assert sorted(division.grid_households.tolist()) == [30, 30, 30]
    assert not [e for e in division.exceptions if e.level == "grid"]
    check_division(points, division)


def test_a_block_of_120_and_20_houses_are_two_grids_both_listed():
    houses = grid_of_points(5)[:20]  # 20 houses 20 m apart
    xy = np.concatenate([houses, [[150.0, 40.0]]])
    points = points_of(xy, np.r_[np.ones(20, dtype=int), 120])
    division = _divide(points)
    assert sorted(division.grid_households.tolist()) == [20, 120]
    reasons = {int(e.households): e.reason for e in division.exceptions if e.level == "grid"}
    assert set(reasons) == {20, 120}
    assert "one building of 120 households, over the grid maximum 45" in reasons[120]
    assert "has 20 households, which cannot make grids of 25-45" in reasons[20]
    assert "buildings over the grid maximum" in reasons[20]
    check_division(points, division)


def _blocks_in_a_row(count: int):
    xy = np.column_stack([np.arange(count) * 30.0, np.zeros(count)])
    return points_of(xy, np.full(count, 5))


def test_blocks_of_five_in_a_row_are_units_of_five():
    for count in (7, 8, 9):
        points = _blocks_in_a_row(count)
        division = _divide(points)
        assert division.grid_households.tolist() == [5 * count]
        assert division.unit_households.tolist() == [5] * count
        assert division.exceptions == []


def test_empty_input_is_an_empty_division():
    nothing = np.empty(0)
    division = divide(nothing, nothing, nothing, nothing)
    assert len(division.grid_serial) == 0 and len(division.unit_serial) == 0
    assert len(division.point_grid) == 0 and division.exceptions == []
    assert division.grid_polygons == [] and division.unit_polygons == []


def test_a_village_with_no_points_is_reported():
    square = _in_degrees(shapely.box(-100, -100, 300, 300))
    far = _in_degrees(shapely.box(1000, 1000, 1400, 1400))
    nothing = np.empty(0)
    empty = divide(nothing, nothing, nothing, nothing, village_boundaries={"A": square})
    assert [(e.level, e.village, e.households) for e in empty.exceptions] == [("village", "A", 0)]
    points = points_of(grid_of_points(6), village=np.array(["A"] * 36))
    division = _divide(points, village_boundaries={"A": square, "B": far})
    listed = [e for e in division.exceptions if e.level == "village"]
    assert [(e.village, e.households) for e in listed] == [("B", 0)]
    assert "no households" in listed[0].reason


def test_points_outside_the_boundary_keep_grid_and_unit_and_are_listed():
    xy = np.concatenate([grid_of_points(6), [[140.0, 20.0], [150.0, 40.0]]])  # two outside
    points = points_of(xy)
    outline = shapely.box(-10, -10, 110, 110)
    division = _divide(points, village_boundaries={0: _in_degrees(outline)})
    outside = [e for e in division.exceptions if e.level == "point"]
    assert sum(e.households for e in outside) == 2
    assert all("outside the village boundary" in e.reason for e in outside)
    assert len(division.grid_serial) == 1 and (division.point_grid == 0).all()
    assert division.unit_households.sum() == 38
    boundary = _in_degrees(outline)
    for polygon in division.grid_polygons + division.unit_polygons:
        assert shapely.difference(polygon, boundary).area < 1e-12  # inside the outline
    check_division(points, division)


def test_a_grid_joined_across_the_outline_gets_one_polygon():
    west = grid_of_points(4, 15.0)[:15]
    east = west + np.array([160.0, 0.0])
    points = points_of(np.concatenate([west, east]))  # 30 households: one grid
    islands = shapely.union(shapely.box(-10, -10, 60, 60), shapely.box(150, -10, 220, 60))
    division = _divide(points, village_boundaries={0: _in_degrees(islands)})
    assert len(division.grid_serial) == 1
    polygon = division.grid_polygons[0]
    assert polygon.geom_type == "Polygon"
    assert shapely.covers(polygon, shapely.points(np.column_stack([points.lon, points.lat]))).all()


def _site_arrays(division, points):
    sites = division.point_site
    count = division.graph.site_count
    weight = np.bincount(sites, weights=points.households, minlength=count)
    xy = np.zeros((count, 2))
    xy[sites] = points.xy
    rows = np.repeat(np.arange(count), np.diff(division.graph.indptr))
    keep = rows < division.graph.indices
    return weight, xy, rows[keep], division.graph.indices[keep]


def _local(sites: np.ndarray, rows: np.ndarray, cols: np.ndarray):
    position = np.full(max(rows.max(initial=0), cols.max(initial=0), sites.max()) + 1, -1)
    position[sites] = np.arange(len(sites))
    keep = (position[rows] >= 0) & (position[cols] >= 0)
    return position[rows[keep]], position[cols[keep]]


@settings(
    max_examples=max(EXAMPLES, 40), deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(
    places=st.lists(
        st.tuples(
            st.floats(0, 300),
            st.floats(0, 300),
            st.one_of(st.just(1), st.integers(2, 10), st.integers(11, 70)),
        ),
        min_size=1,
        max_size=12,
    )
)
def test_grids_and_units_are_in_bounds_whenever_a_division_exists(places):
    xy = np.array([(x, y) for x, y, _ in places])
    points = points_of(xy, np.array([h for _, _, h in places]))
    division = _divide(points, with_polygons=False)
    check_division(points, division)
    weight, site_xy, rows, cols = _site_arrays(division, points)
    site_grid = np.zeros(len(weight), dtype=int)
    site_grid[division.point_site] = division.point_grid
    site_unit = np.zeros(len(weight), dtype=int)
    site_unit[division.point_site] = division.point_unit
    every = np.arange(len(weight))
    possible = exhaustive_division(weight, site_xy, rows, cols, GRID_BOUNDS) is not None
    for grid, households in enumerate(division.grid_households.tolist()):
        members = every[site_grid == grid]
        lone_block = len(members) == 1 and households > GRID_BOUNDS.high
        if possible and not lone_block:
            assert GRID_BOUNDS.contains(households)
        local_rows, local_cols = _local(members, rows, cols)
        units_possible = exhaustive_division(
            weight[members], site_xy[members], local_rows, local_cols, UNIT_BOUNDS
        )
        for unit in np.flatnonzero(division.unit_grid == grid).tolist():
            unit_sites = every[site_unit == unit]
            alone = len(unit_sites) == 1 and weight[unit_sites[0]] > UNIT_BOUNDS.high
            if units_possible is not None and not alone:
                assert UNIT_BOUNDS.contains(division.unit_households[unit])
    for exception in division.exceptions:
        assert "was found" not in exception.reason  # small parts are searched exhaustively
        if "one building of" in exception.reason:
            assert exception.households > (
                GRID_BOUNDS.high if exception.level == "grid" else UNIT_BOUNDS.high
            )
        if exception.level == "grid" and "no contiguous division" in exception.reason:
            assert not possible
