"""Sites: the distinct locations of a village's households, and their neighbour graph.

Households at the same spot (an apartment block, or points recorded twice) form one
indivisible site. The graph joins a village's sites by Delaunay edges under the distance
cap that cross no barrier; a piece of a village that cannot make grids on its own is
joined to its neighbour across a barrier edge when there is one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from gridgov.partition.constraints import Bounds
from gridgov.partition.graph import NeighbourGraph, village_edges

SITE_RESOLUTION_M = 0.1


@dataclass(frozen=True)
class Sites:
    xy: np.ndarray  # (s, 2) metres
    weight: np.ndarray  # households per site
    village: np.ndarray  # village index per site
    of_point: np.ndarray  # site index of each input point
    representative: np.ndarray  # one point per site (an earlier household's point if any)

    @classmethod
    def build(
        cls, xy: np.ndarray, households: np.ndarray, village: np.ndarray, priority: np.ndarray
    ) -> Sites:
        """``priority``: per point, higher is chosen as the site's representative."""
        cells = np.round(xy / SITE_RESOLUTION_M).astype(np.int64)
        keys = np.column_stack([village, cells])
        _, first, of_point = np.unique(keys, axis=0, return_index=True, return_inverse=True)
        of_point = of_point.ravel()
        weight = np.bincount(of_point, weights=households, minlength=len(first))
        order = np.lexsort((-priority, of_point))
        starts = np.r_[0, np.flatnonzero(np.diff(of_point[order])) + 1]
        return cls(xy[first], weight, village[first], of_point, order[starts])

    @property
    def count(self) -> int:
        return len(self.weight)

    def of_village(self) -> list[np.ndarray]:
        """Site indices per village index."""
        order = np.argsort(self.village, kind="stable")
        cuts = np.searchsorted(self.village[order], np.arange(self.village.max() + 2))
        return [order[cuts[v] : cuts[v + 1]] for v in range(len(cuts) - 1)]


def build_graph(
    sites: Sites,
    by_village: list[np.ndarray],
    barriers: list[BaseGeometry],
    link_cap_m: float,
    grid_bounds: Bounds,
) -> tuple[NeighbourGraph, NeighbourGraph]:
    """(the neighbour graph, the graph the division works on: plus needed barrier edges)."""
    tree = shapely.STRtree(barriers) if barriers else None
    strict, crossing = [], []
    for village_sites in by_village:
        inside, across = village_edges(sites.xy[village_sites], tree, link_cap_m)
        strict.append(village_sites[inside])
        crossing.append(village_sites[across])
    strict_edges = np.concatenate([np.empty((0, 2), dtype=np.int64), *strict])
    crossing_edges = np.concatenate([np.empty((0, 2), dtype=np.int64), *crossing])
    neighbours = NeighbourGraph.from_edges(sites.count, strict_edges)
    if len(crossing_edges) == 0:
        return neighbours, neighbours
    joined = _join_small_pieces(neighbours, crossing_edges, sites.weight, grid_bounds)
    return neighbours, NeighbourGraph.from_edges(
        sites.count, np.concatenate([strict_edges, joined])
    )


def _join_small_pieces(
    graph: NeighbourGraph, crossing: np.ndarray, weight: np.ndarray, bounds: Bounds
) -> np.ndarray:
    """The barrier edges that join a piece unable to make grids alone to its neighbour."""
    piece = graph.components()
    parent = list(range(int(piece.max()) + 1))
    piece_weight = np.bincount(piece, weights=weight).tolist()

    def root(node: int) -> int:
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    changed = True
    while changed:
        changed = False
        for a, b in zip(
            piece[crossing[:, 0]].tolist(), piece[crossing[:, 1]].tolist(), strict=True
        ):
            ra, rb = root(a), root(b)
            small = not bounds.is_feasible(piece_weight[ra]) or not bounds.is_feasible(
                piece_weight[rb]
            )
            if ra != rb and small:
                parent[rb] = ra
                piece_weight[ra] += piece_weight[rb]
                changed = True
    roots = np.array([root(p) for p in range(len(parent))])
    same = roots[piece[crossing[:, 0]]] == roots[piece[crossing[:, 1]]]
    return crossing[same]
