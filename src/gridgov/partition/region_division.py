"""Divide regions into contiguous parts within bounds, and insist where the first try fails (pure).

Every region is split at once by the bisection (``bisection.py``) and the parts made compact
(``refine.py``). A region whose parts miss the bounds (or came out in pieces) is tried again
with other part counts, k-1, k+1, k-2, k+2 inside its feasible range, all such regions in one
batch per count; a region of at most ``exhaustive.MAX_SITES`` sites still missing is settled
by exhaustive search, which either finds a division (used) or proves there is none.
"""

from __future__ import annotations

import numpy as np

from gridgov.partition.bisection import Splitter
from gridgov.partition.constraints import Bounds
from gridgov.partition.exhaustive import MAX_SITES, exhaustive_division
from gridgov.partition.metrics import contiguous_parts
from gridgov.partition.refine import refine, resplit_misfits, split_in_two_by_growth
from gridgov.partition.regions import RegionSearch, count_choices


class RegionDivider:
    """Splits regions of one site graph into parts and makes them compact."""

    def __init__(self, splitter: Splitter, xy: np.ndarray, weight: np.ndarray) -> None:
        self.splitter, self.xy, self.weight = splitter, xy, weight
        self.count = len(weight)
        self._adjacency: list[list[int]] | None = None

    @property
    def adjacency(self) -> list[list[int]]:
        if self._adjacency is None:
            self._adjacency = self.splitter.graph.adjacency_lists()
        return self._adjacency

    def refined(
        self,
        parts: list[np.ndarray],
        movable: np.ndarray,
        container: np.ndarray | None,
        bounds: Bounds,
        *,
        may_merge: bool,
    ) -> list[np.ndarray]:
        """``parts`` after compactness moves among the movable ones (inside their container)."""
        if not movable.any():
            return parts
        labels = np.full(self.count, -1, dtype=np.int64)
        for index, part in enumerate(parts):
            labels[part] = index
        inside = labels >= 0
        edges = self.splitter.edges[inside[self.splitter.edges].all(axis=1)]
        capped = np.minimum(self.weight, bounds.high)  # an oversized block: one full part
        labels = np.where(inside, labels, len(parts))
        movable = np.r_[movable, False]
        labels = refine(
            labels, self.xy, capped, edges, self.adjacency, bounds, movable=movable, same=container
        )
        labels = resplit_misfits(
            labels, capped, self.adjacency, bounds, movable, container,
            lambda sites: self._split_in_two(sites, capped, bounds),
            may_merge=may_merge,
        )  # fmt: skip
        order = np.argsort(labels, kind="stable")
        cuts = np.searchsorted(labels[order], np.arange(len(parts) + 1))
        return [order[cuts[i] : cuts[i + 1]] for i in range(len(parts))]

    def _split_in_two(self, sites: np.ndarray, capped: np.ndarray, bounds: Bounds) -> list:
        """Two halves within bounds: the bisection's cut, else one grown from the border."""
        halves = self.splitter.split(sites, 2, bounds)
        if all(bounds.contains(float(capped[half].sum())) for half in halves):
            return halves
        return split_in_two_by_growth(sites, self.xy, capped, self.adjacency, bounds)

    def divide(
        self,
        regions: list[np.ndarray],
        counts: list[int],
        bounds: Bounds,
        container: np.ndarray | None,
        *,
        may_merge: bool,
    ) -> list[list[np.ndarray]]:
        """The parts of each region: bisection, then compactness moves inside the region."""
        split = self.splitter.split_sets(regions, counts, bounds)
        flat = [part for parts in split for part in parts]
        flat = self.refined(
            flat, np.ones(len(flat), dtype=bool), container, bounds, may_merge=may_merge
        )
        starts = np.cumsum([0, *[len(parts) for parts in split]])
        return [  # a part merged into its neighbour leaves an empty place
            [part for part in flat[starts[i] : starts[i + 1]] if len(part)]
            for i in range(len(regions))
        ]

    def misfits(self, parts_of_region: list[list[np.ndarray]], bounds: Bounds) -> np.ndarray:
        """Per region: whether a part misses the bounds or is not contiguous."""
        flat = [part for parts in parts_of_region for part in parts]
        region_of = np.repeat(np.arange(len(parts_of_region)), [len(p) for p in parts_of_region])
        labels = np.full(self.count, len(flat), dtype=np.int64)
        for index, part in enumerate(flat):
            labels[part] = index
        joined = contiguous_parts(self.splitter.graph, labels, len(flat) + 1)[: len(flat)]
        sizes = np.array([self.weight[part].sum() for part in flat])
        bad = ~joined | (sizes < bounds.low) | (sizes > bounds.high)
        return np.bincount(region_of[bad], minlength=len(parts_of_region)) > 0

    def settle(
        self,
        regions: list[np.ndarray],
        parts_of_region: list[list[np.ndarray]],
        counts: list[int],
        bounds: Bounds,
        container: np.ndarray | None,
        *,
        may_merge: bool,
    ) -> dict[int, RegionSearch]:
        """Retry the regions that missed (other counts, then exhaustive search), in place.

        Returns the search record of every region that missed at first, by region index.
        """
        failing = np.flatnonzero(self.misfits(parts_of_region, bounds)).tolist()
        totals = {r: float(self.weight[regions[r]].sum()) for r in failing}
        failing = [r for r in failing if bounds.is_feasible(totals[r])]
        searches = {r: RegionSearch(len(regions[r]), [counts[r]]) for r in failing}
        choices = {r: count_choices(totals[r], counts[r], bounds) for r in failing}
        for attempt in range(4):
            batch = [r for r in failing if len(choices[r]) > attempt]
            batch = [r for r in batch if choices[r][attempt] <= len(regions[r])]
            if not batch:
                continue
            tried = [choices[r][attempt] for r in batch]
            found = self.divide(
                [regions[r] for r in batch], tried, bounds, container, may_merge=may_merge
            )
            good = ~self.misfits(found, bounds)
            for r, count, parts, ok in zip(batch, tried, found, good.tolist(), strict=True):
                searches[r].counts_tried.append(count)
                if ok:
                    parts_of_region[r] = parts
            failing = [r for r, ok in zip(batch, good.tolist(), strict=True) if not ok] + [
                r for r in failing if r not in batch
            ]
        for r in failing:
            if len(regions[r]) <= MAX_SITES:
                self._search_all(regions[r], r, parts_of_region, searches[r], bounds)
        return searches

    def _search_all(
        self,
        region: np.ndarray,
        index: int,
        parts_of_region: list[list[np.ndarray]],
        search: RegionSearch,
        bounds: Bounds,
    ) -> None:
        rows, cols = self.splitter.local_edges(region)
        found = exhaustive_division(self.weight[region], self.xy[region], rows, cols, bounds)
        search.exhaustive = found is not None
        if found is not None:
            parts_of_region[index] = [region[part] for part in found]
