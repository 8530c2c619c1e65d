"""The points' neighbour graph (pure; numpy, scipy, shapely).

Two points are neighbours when they share a Delaunay edge inside their village, the edge
is shorter than a distance cap and it crosses no barrier line (road, river, coastline).
Edges that cross a barrier are kept apart: the division uses them only to join a piece
of a village too small to stand alone.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import Delaunay, QhullError

DEFAULT_LINK_CAP_M = 600.0


@dataclass(frozen=True)
class NeighbourGraph:
    """Undirected graph over ``site_count`` sites, as CSR arrays (both directions stored)."""

    site_count: int
    indptr: np.ndarray
    indices: np.ndarray

    @classmethod
    def from_edges(cls, site_count: int, edges: np.ndarray) -> NeighbourGraph:
        edges = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
        rows = np.concatenate([edges[:, 0], edges[:, 1]])
        cols = np.concatenate([edges[:, 1], edges[:, 0]])
        order = np.lexsort((cols, rows))
        rows, cols = rows[order], cols[order]
        indptr = np.zeros(site_count + 1, dtype=np.int64)
        np.add.at(indptr, rows + 1, 1)
        return cls(site_count, np.cumsum(indptr), cols)

    def neighbours(self, site: int) -> np.ndarray:
        return self.indices[self.indptr[site] : self.indptr[site + 1]]

    def adjacency_lists(self) -> list[list[int]]:
        """Neighbours per site as Python lists (fast for small breadth-first searches)."""
        flat = self.indices.tolist()
        bounds = self.indptr.tolist()
        return [flat[bounds[i] : bounds[i + 1]] for i in range(self.site_count)]

    def components(self, sites: np.ndarray | None = None) -> np.ndarray:
        """Component number of each site (of ``sites`` only, when given)."""
        matrix = csr_matrix(
            (np.ones(len(self.indices), dtype=np.int8), self.indices, self.indptr),
            shape=(self.site_count, self.site_count),
        )
        if sites is not None:
            matrix = matrix[sites][:, sites]
        return connected_components(matrix, directed=False)[1]


def delaunay_edges(xy: np.ndarray) -> np.ndarray:
    """Undirected Delaunay edges (local indices) of distinct points; a chain if collinear."""
    count = len(xy)
    if count < 2:
        return np.empty((0, 2), dtype=np.int64)
    if count >= 3:
        try:
            simplices = Delaunay(xy).simplices
        except QhullError:  # all points on one line
            simplices = None
        if simplices is not None:
            pairs = np.concatenate(
                [simplices[:, [0, 1]], simplices[:, [1, 2]], simplices[:, [0, 2]]]
            )
            pairs.sort(axis=1)
            keys = np.unique(pairs[:, 0].astype(np.int64) * count + pairs[:, 1])
            return np.column_stack([keys // count, keys % count])
    along = xy - xy.mean(axis=0)
    direction = np.linalg.svd(along, full_matrices=False)[2][0]
    order = np.argsort(along @ direction, kind="stable")
    return np.sort(np.column_stack([order[:-1], order[1:]]), axis=1)


def village_edges(
    xy: np.ndarray, barriers: shapely.STRtree | None, link_cap_m: float
) -> tuple[np.ndarray, np.ndarray]:
    """(neighbour edges, barrier-crossing edges) of one village's distinct points."""
    edges = delaunay_edges(xy)
    if len(edges) == 0:
        return edges, edges
    lengths = np.linalg.norm(xy[edges[:, 0]] - xy[edges[:, 1]], axis=1)
    edges = edges[lengths <= link_cap_m]
    crossing = np.zeros(len(edges), dtype=bool)
    if barriers is not None and len(edges):
        lines = shapely.linestrings(np.stack([xy[edges[:, 0]], xy[edges[:, 1]]], axis=1))
        hit_edges, _ = barriers.query(lines, predicate="intersects")
        crossing[np.unique(hit_edges)] = True
    return edges[~crossing], edges[crossing]
