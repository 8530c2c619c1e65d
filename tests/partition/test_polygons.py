"""Grid and unit polygons tile each village: no gap, no overlap, one piece per grid."""

import numpy as np
import shapely

from gridgov.partition.algorithm import divide
from gridgov.partition.synthetic import FRAME, make_territory
from tests.partition.helpers import grid_of_points, points_of


def _metres(geometry):
    return shapely.transform(geometry, lambda c: FRAME.to_metres(c[:, 0], c[:, 1]))


def test_grid_polygons_tile_each_village_boundary():
    territory = make_territory(1_500, 3, seed=3)
    division = divide(
        territory.lon,
        territory.lat,
        territory.households,
        territory.village,
        village_boundaries=territory.village_boundaries,
    )
    for village, boundary in territory.village_boundaries.items():
        grids = [
            _metres(p)
            for p, v in zip(division.grid_polygons, division.grid_village, strict=True)
            if v == village
        ]
        area = _metres(boundary).area
        union = shapely.union_all(grids)
        assert abs(union.area - area) < 1e-6 * area  # no gap
        assert abs(sum(g.area for g in grids) - area) < 1e-6 * area  # no overlap
    single = [p.geom_type == "Polygon" for p in division.grid_polygons]
    assert np.mean(single) > 0.9


def test_units_tile_their_grid_and_points_lie_in_their_polygons():
    points = points_of(grid_of_points(12))  # one village, 144 households, no boundary given
    division = divide(points.lon, points.lat, points.households, points.village)
    assert all(p.geom_type == "Polygon" for p in division.grid_polygons)
    for grid, polygon in enumerate(division.grid_polygons):
        units = [division.unit_polygons[u] for u in np.flatnonzero(division.unit_grid == grid)]
        assert abs(shapely.union_all(units).area - polygon.area) < 1e-9 * polygon.area
    inside = shapely.contains_xy(
        np.array(division.unit_polygons, dtype=object)[division.point_unit],
        points.lon,
        points.lat,
    )
    assert inside.all()
    # no boundary given: the cells fill the points' hull widened by a margin
    hull = shapely.convex_hull(shapely.multipoints(points.xy)).buffer(100.0)
    total = shapely.union_all([_metres(p) for p in division.grid_polygons])
    assert abs(total.area - hull.area) < 1e-3 * hull.area
