"""The demo's division through the grid-division engine (pure)."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from shapely.geometry import box

from gridgov.demo.division import divide_villages

KM_LON, KM_LAT = 1 / 100.9, 1 / 111.2  # degrees per kilometre at latitude 25


@pytest.fixture(scope="module")
def two_villages():
    """A northern village of 700 houses and a southern one of 260, sharing an edge."""
    rng = np.random.default_rng(3)
    north = box(119.1, 25.0, 119.1 + KM_LON, 25.0 + KM_LAT)
    south = box(119.1, 25.0 - 0.5 * KM_LAT, 119.1 + KM_LON, 25.0)
    houses = []
    for area, count in ((north, 700), (south, 260)):
        low, high = np.array(area.bounds[:2]), np.array(area.bounds[2:])
        houses.append(np.round(rng.uniform(low, high, size=(count, 2)), 7))
    return houses, [north, south], divide_villages(["north", "south"], houses, [north, south])


def _households(grid) -> np.ndarray:
    return np.concatenate([unit.households for unit in grid.units])


def test_every_house_is_in_exactly_one_unit_of_its_village(two_villages) -> None:
    houses, _, division = two_villages
    assert division.exceptions == []
    for village_houses, grids in zip(houses, division.grids, strict=True):
        placed = np.concatenate([_households(grid) for grid in grids])
        assert sorted(placed.tolist()) == list(range(len(village_houses)))


def test_grid_counts_are_the_target_and_sizes_stay_in_bounds(two_villages) -> None:
    _, _, division = two_villages
    assert [len(grids) for grids in division.grids] == [round(700 / 36), round(260 / 36)]
    for grids in division.grids:
        for grid in grids:
            sizes = [len(unit.households) for unit in grid.units]
            assert 25 <= sum(sizes) <= 45
            assert all(4 <= size <= 8 for size in sizes)
            assert len(sizes) == round(sum(sizes) / 6)


def test_serials_count_from_one_north_west_first(two_villages) -> None:
    houses, _, division = two_villages
    for village_houses, grids in zip(houses, division.grids, strict=True):
        assert [grid.serial for grid in grids] == list(range(1, len(grids) + 1))
        for grid in grids:
            assert [unit.serial for unit in grid.units] == list(range(1, len(grid.units) + 1))
        first, last = (village_houses[_households(grid)] for grid in (grids[0], grids[-1]))
        assert first[:, 1].mean() > last[:, 1].mean()  # the first grid lies further north


def test_boundaries_nest_tile_their_village_and_hold_their_houses(two_villages) -> None:
    houses, villages, division = two_villages
    for village_houses, village, grids in zip(houses, villages, division.grids, strict=True):
        grid_areas = [grid.boundary for grid in grids]
        assert all(area.geom_type == "Polygon" for area in grid_areas)
        assert shapely.union_all(grid_areas).area == pytest.approx(village.area, rel=1e-9)
        assert sum(area.area for area in grid_areas) == pytest.approx(village.area, rel=1e-9)
        for grid in grids:
            assert grid.boundary.difference(village).area < 1e-12
            for unit in grid.units:
                assert unit.boundary.difference(grid.boundary).area < 1e-12
                points = shapely.points(village_houses[unit.households])
                assert shapely.dwithin(unit.boundary, points, 1e-9).all()


def test_a_village_too_small_for_a_grid_is_kept_whole_and_listed() -> None:
    hamlet = box(119.1, 25.0, 119.1 + 0.2 * KM_LON, 25.0 + 0.2 * KM_LAT)
    houses = np.round(
        np.random.default_rng(5).uniform((119.1, 25.0), hamlet.bounds[2:], (12, 2)), 7
    )
    division = divide_villages(["350305108299"], [houses], [hamlet])
    (grid,) = division.grids[0]
    assert sorted(_households(grid).tolist()) == list(range(12))
    assert grid.boundary.difference(hamlet).area < 1e-12
    assert [(e.level, e.village, e.households) for e in division.exceptions] == [
        ("grid", "350305108299", 12)
    ]
    assert "12 households" in division.exceptions[0].reason
