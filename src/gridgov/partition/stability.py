"""Re-divide one region (a village into grids, a grid into units) with least disruption.

Every earlier part that is still within its bounds and contiguous is kept as it is. Parts
that broke are freed; a free piece too small to stand alone joins a neighbouring part
that has room, or else dissolves its smallest neighbour and is re-split with it; free
pieces that can stand alone are split afresh. Locked parts never change.
"""

from __future__ import annotations

from collections import Counter, defaultdict

import numpy as np

from gridgov.partition.bisection import Splitter, components
from gridgov.partition.constraints import Bounds

FREE = -1
MAX_ROUNDS = 200


class RegionRepair:
    """The state of one region's re-division: a label per site, FREE for unassigned."""

    def __init__(
        self,
        splitter: Splitter,
        sites: np.ndarray,
        old_labels: np.ndarray,
        locked: set[int],
        bounds: Bounds,
    ) -> None:
        self.splitter, self.sites, self.bounds, self.locked = splitter, sites, bounds, locked
        # an indivisible block over the maximum counts as one full part, as when dividing
        self.weight = np.minimum(splitter.weight[sites], bounds.high)
        self.old_labels = old_labels
        self.labels = old_labels.copy()
        self.rows, self.cols = splitter.local_edges(sites)

    def run(self) -> tuple[np.ndarray, list[np.ndarray]]:
        """(label per site, FREE where a new part takes it; the new parts as site arrays)."""
        self._free_broken_parts()
        for _ in range(MAX_ROUNDS):
            # Newcomers settle first: one may be what joins a grid's pieces together again.
            if not (self._settle_free_pieces() | self._free_stray_pieces()):
                break
        return self._split_free_pieces()

    def _part_weights(self) -> dict[int, float]:
        kept = self.labels >= 0
        weights: Counter = Counter()
        for label, weight in zip(
            self.labels[kept].tolist(), self.weight[kept].tolist(), strict=True
        ):
            weights[label] += weight
        return dict(weights)

    def _free_broken_parts(self) -> None:
        kept = self.labels >= 0
        if not kept.any():
            return
        weights: Counter[int] = Counter()
        for label, weight in zip(
            self.labels[kept].tolist(), self.weight[kept].tolist(), strict=True
        ):
            weights[label] += weight
        for label, weight in weights.items():
            if label not in self.locked and not self.bounds.contains(weight):
                self.labels[self.labels == label] = FREE

    def _components(self, mask_edges: np.ndarray) -> np.ndarray:
        return components(len(self.sites), self.rows[mask_edges], self.cols[mask_edges])

    def _free_stray_pieces(self) -> bool:
        """Free the pieces of a kept part cut off from its main piece (then recheck bounds)."""
        labels = self.labels
        same = (labels[self.rows] == labels[self.cols]) & (labels[self.rows] >= 0)
        pieces = self._components(same)
        kept = np.flatnonzero(labels >= 0)
        if len(kept) == 0:
            return False
        # pieces per part: a part with more than one piece has strays
        pairs = np.unique(np.column_stack([labels[kept], pieces[kept]]), axis=0)
        split_labels = np.unique(pairs[np.r_[False, pairs[1:, 0] == pairs[:-1, 0]], 0])
        changed = False
        for label in split_labels.tolist():
            if label in self.locked:
                continue
            members = np.flatnonzero(labels == label)
            piece_weight = np.bincount(pieces[members], weights=self.weight[members])
            core = int(np.argmax(piece_weight))
            labels[members[pieces[members] != core]] = FREE
            changed = True
            if not self.bounds.contains(piece_weight[core]):
                labels[members] = FREE
        return changed

    def _free_pieces(self) -> list[np.ndarray]:
        free = self.labels == FREE
        pieces = self._components(free[self.rows] & free[self.cols])
        return [np.flatnonzero(free & (pieces == piece)) for piece in np.unique(pieces[free])]

    def _neighbour_labels(self, piece: np.ndarray) -> Counter:
        """Kept unlocked parts next to ``piece``, with the number of edges shared."""
        inside = np.zeros(len(self.sites), dtype=bool)
        inside[piece] = True
        crossing = inside[self.rows] != inside[self.cols]
        outside = np.where(inside[self.rows[crossing]], self.cols[crossing], self.rows[crossing])
        found = Counter(self.labels[outside].tolist())
        return Counter({k: v for k, v in found.items() if k >= 0 and k not in self.locked})

    def _settle_free_pieces(self) -> bool:
        """Free pieces too small to stand alone join a neighbour or dissolve one."""
        changed = False
        weights = self._part_weights()
        for piece in self._free_pieces():
            households = float(self.weight[piece].sum())
            if self.bounds.is_feasible(households):
                continue
            neighbours = self._neighbour_labels(piece)
            neighbours = Counter({k: v for k, v in neighbours.items() if k in weights})
            if not neighbours:
                continue
            room = [
                label for label in neighbours if weights[label] + households <= self.bounds.high
            ]
            if room:
                chosen = max(room, key=neighbours.__getitem__)
                self.labels[piece] = chosen
                weights[chosen] += households
            else:
                smallest = min(neighbours, key=weights.__getitem__)
                self.labels[self.labels == smallest] = FREE
                del weights[smallest]
            changed = True
        return changed

    def _split_free_pieces(self) -> tuple[np.ndarray, list[np.ndarray]]:
        new_parts: list[np.ndarray] = []
        for piece in self._free_pieces():
            count = self.bounds.part_count(float(self.weight[piece].sum()))
            new_parts += self.splitter.split(self.sites[piece], count, self.bounds)
        return self.labels, new_parts


def inherit_labels(
    new_parts: list[np.ndarray],
    old_label_of_site: dict[int, int],
    kept: set[int],
    weight: np.ndarray,
) -> list[int | None]:
    """A new part keeps the label of a dissolved part that gave it most of its households.

    Only when that part gave more than half of the new part and no other part claims it
    (greedy by overlap), so a grid that was only trimmed keeps its code.
    """
    claims = []
    for index, part in enumerate(new_parts):
        given: defaultdict[int, float] = defaultdict(float)
        for site in part.tolist():
            label = old_label_of_site.get(site, FREE)
            if label >= 0 and label not in kept:
                given[label] += float(weight[site])
        total = float(weight[part].sum())
        claims += [(share, index, label) for label, share in given.items() if share > total / 2]
    inherited: list[int | None] = [None] * len(new_parts)
    taken: set[int] = set()
    for _, index, label in sorted(claims, reverse=True):
        if inherited[index] is None and label not in taken:
            inherited[index] = label
            taken.add(label)
    return inherited
