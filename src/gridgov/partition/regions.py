"""What can be divided: the regions of a container once its oversized blocks stand apart (pure).

A site whose households exceed the part maximum (an apartment block over the grid or unit
maximum) is a part of its own: nothing can make it fit, and adding neighbours only makes it
worse. The rest of a container (a village for grids, a grid for units) falls into regions:
the connected pieces of the neighbour graph among its other sites. Each region is divided
on its own, its part count following from its own households; ``RegionSearch`` records
what was tried for a region that missed the bounds, so an exception can say it truly.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from gridgov.partition.constraints import Bounds
from gridgov.partition.graph import NeighbourGraph

OUTSIDE = -1


@dataclass
class RegionSearch:
    """How one region's division was searched (for the exception's reason)."""

    sites: int
    counts_tried: list[int] = field(default_factory=list)
    exhaustive: bool | None = None  # None: not run; True: found one; False: none exists


def region_labels(
    graph: NeighbourGraph, container: np.ndarray, weight: np.ndarray, bounds: Bounds
) -> np.ndarray:
    """Region number per site (``OUTSIDE`` for a site in no container or over the maximum).

    Regions are numbered in order of their lowest site, so the same division always gives
    the same numbers.
    """
    divisible = (container >= 0) & (weight <= bounds.high)
    rows = np.repeat(np.arange(graph.site_count), np.diff(graph.indptr))
    cols = graph.indices
    keep = divisible[rows] & divisible[cols] & (container[rows] == container[cols])
    matrix = coo_matrix(
        (np.ones(int(keep.sum()), dtype=np.int8), (rows[keep], cols[keep])),
        shape=(graph.site_count, graph.site_count),
    )
    component = connected_components(matrix.tocsr(), directed=False)[1]
    labels = np.full(graph.site_count, OUTSIDE, dtype=np.int64)
    inside = np.flatnonzero(divisible)
    _, first, numbered = np.unique(component[inside], return_index=True, return_inverse=True)
    rank = np.empty(len(first), dtype=np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(len(first))
    labels[inside] = rank[numbered.ravel()]
    return labels


def members(labels: np.ndarray, count: int) -> list[np.ndarray]:
    """Site arrays of labels ``0..count-1``."""
    counted = np.flatnonzero(labels >= 0)
    order = counted[np.argsort(labels[counted], kind="stable")]
    cuts = np.searchsorted(labels[order], np.arange(count + 1))
    return [order[cuts[i] : cuts[i + 1]] for i in range(count)]


def count_choices(households: float, first: int, bounds: Bounds) -> list[int]:
    """Part counts to try after ``first`` failed: first-1, first+1, first-2, first+2 inside
    the feasible range ``[ceil(h / max), floor(h / min)]``."""
    fewest, most = bounds.count_range(households)
    return [
        first + delta
        for delta in (-1, 1, -2, 2)
        if fewest <= first + delta <= most and first + delta >= 1
    ]
