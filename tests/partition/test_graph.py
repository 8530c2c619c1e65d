import numpy as np
import shapely

from gridgov.partition.graph import NeighbourGraph, delaunay_edges, village_edges


def _edge_set(edges: np.ndarray) -> set[tuple[int, int]]:
    return {tuple(sorted(edge)) for edge in edges.tolist()}


def test_delaunay_edges_of_a_triangle_and_a_line():
    assert _edge_set(delaunay_edges(np.array([[0, 0], [10, 0], [0, 10]], float))) == {
        (0, 1),
        (0, 2),
        (1, 2),
    }
    line = np.array([[0, 0], [30, 0], [10, 0], [20, 0]], float)  # collinear: a chain in order
    assert _edge_set(delaunay_edges(line)) == {(0, 2), (2, 3), (1, 3)}
    assert len(delaunay_edges(np.array([[5.0, 5.0]]))) == 0


def test_distance_cap_and_barrier_drop_edges():
    xy = np.array([[0, 0], [100, 0], [0, 100], [1000, 50]], float)
    near, across = village_edges(xy, None, link_cap_m=200.0)
    assert 3 not in near.ravel()  # the far point has no neighbour under the cap
    river = shapely.STRtree([shapely.LineString([(50, -10), (50, 200)])])
    near, across = village_edges(xy[:3], river, link_cap_m=200.0)
    assert _edge_set(across) == {(0, 1), (1, 2)}
    assert _edge_set(near) == {(0, 2)}


def test_graph_components_and_neighbours():
    graph = NeighbourGraph.from_edges(5, np.array([[0, 1], [1, 2], [3, 4]]))
    assert sorted(graph.neighbours(1).tolist()) == [0, 2]
    labels = graph.components()
    assert labels[0] == labels[1] == labels[2] != labels[3] == labels[4]
    assert graph.adjacency_lists()[4] == [3]
