import math

import numpy as np
import shapely

from gridgov.partition.graph import NeighbourGraph
from gridgov.partition.metrics import (
    contiguous_parts,
    households_moved,
    mean_polsby_popper,
    polsby_popper,
    share_in_bounds,
)


def test_polsby_popper_of_known_shapes():
    assert abs(polsby_popper(shapely.Point(0, 0).buffer(10, 256)) - 1.0) < 1e-3
    assert abs(polsby_popper(shapely.box(0, 0, 1, 1)) - math.pi / 4) < 1e-12
    assert polsby_popper(shapely.box(0, 0, 100, 1)) < 0.04
    assert polsby_popper(shapely.Polygon()) == 0.0
    assert mean_polsby_popper([]) == 0.0


def test_contiguity_per_part():
    graph = NeighbourGraph.from_edges(4, np.array([[0, 1], [1, 2], [2, 3]]))
    # part 0 = {0, 2} is split by site 1 of part 1; part 1 = {1, 3} likewise
    assert contiguous_parts(graph, np.array([0, 1, 0, 1]), 2).tolist() == [False, False]
    assert contiguous_parts(graph, np.array([0, 0, 1, 1]), 2).tolist() == [True, True]


def test_share_in_bounds_and_households_moved():
    assert share_in_bounds(np.array([24, 25, 45, 46]), 25, 45) == 0.5
    old, new = np.array([1, 1, 2, -1]), np.array([1, 2, 2, 3])
    assert households_moved(old, new, np.array([5, 7, 1, 1])) == 7
