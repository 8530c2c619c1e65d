"""The stand-in grid division (pure)."""

from __future__ import annotations

import numpy as np
import pytest

from gridgov.demo.division import divide_village, grid_sizes, split_in_rows, unit_sizes


@pytest.mark.parametrize("households", [25, 100, 360, 999, 1_500])
def test_grid_sizes_add_up_and_stay_in_bounds(households: int) -> None:
    sizes = grid_sizes(households, np.random.default_rng(1))
    assert sum(sizes) == households
    assert all(25 <= size <= 45 for size in sizes)
    assert len(sizes) == max(1, round(households / 36.3))


@pytest.mark.parametrize("households", range(25, 46))
def test_unit_sizes_are_four_to_eight(households: int) -> None:
    sizes = unit_sizes(households)
    assert sum(sizes) == households and all(4 <= size <= 8 for size in sizes)


def test_parts_are_numbered_west_to_east_then_north_to_south() -> None:
    # A 6 x 6 block of houses cut into 4 parts of 9: two rows of two.
    xy = np.array([(x, y) for x in range(6) for y in range(6)], dtype=float) * 10
    parts = split_in_rows(xy, [9, 9, 9, 9])
    centres = [xy[part].mean(axis=0) for part in parts]
    north_west, north_east, south_west, south_east = centres
    assert north_west[1] > south_west[1] and north_east[1] > south_east[1]
    assert north_west[0] < north_east[0] and south_west[0] < south_east[0]
    assert sorted(np.concatenate(parts).tolist()) == list(range(36))


def test_a_village_divides_into_disjoint_grids_of_units() -> None:
    rng = np.random.default_rng(3)
    xy = rng.uniform(0, 1_000, size=(700, 2))
    grids = divide_village(xy, np.random.default_rng(4))
    everyone = np.concatenate([unit for grid in grids for unit in grid])
    assert sorted(everyone.tolist()) == list(range(700))
    assert len(grids) == round(700 / 36.3)
