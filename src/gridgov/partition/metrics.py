"""Measures of a division: sizes within bounds, contiguity, compactness (pure)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from shapely.geometry.base import BaseGeometry

from gridgov.partition.graph import NeighbourGraph


def share_in_bounds(sizes: np.ndarray, low: int, high: int) -> float:
    sizes = np.asarray(sizes)
    return float(np.mean((sizes >= low) & (sizes <= high))) if len(sizes) else 1.0


def contiguous_parts(graph: NeighbourGraph, labels: np.ndarray, label_count: int) -> np.ndarray:
    """Whether each part (sites labelled 0..label_count-1) is connected in ``graph``."""
    rows = np.repeat(np.arange(graph.site_count), np.diff(graph.indptr))
    same = labels[rows] == labels[graph.indices]
    inside = NeighbourGraph(
        graph.site_count,
        np.r_[0, np.cumsum(np.bincount(rows[same], minlength=graph.site_count))],
        graph.indices[same],
    )
    components = inside.components()
    pieces = np.zeros(label_count, dtype=np.int64)
    pairs = np.unique(np.column_stack([labels, components]), axis=0)
    np.add.at(pieces, pairs[:, 0], 1)
    return pieces == 1


def polsby_popper(geometry: BaseGeometry) -> float:
    """4πA / P²: 1 for a circle, near 0 for a sliver (0 for an empty geometry)."""
    if geometry.is_empty or geometry.length == 0:
        return 0.0
    return 4 * math.pi * geometry.area / geometry.length**2


def mean_polsby_popper(geometries: Sequence[BaseGeometry]) -> float:
    values = [polsby_popper(g) for g in geometries]
    return float(np.mean(values)) if values else 0.0


def households_moved(old_labels: np.ndarray, new_labels: np.ndarray, weight: np.ndarray) -> int:
    """Households of points present before and after whose label changed (-1 means absent)."""
    both = (old_labels >= 0) & (new_labels >= 0)
    return int(weight[both & (old_labels != new_labels)].sum())
