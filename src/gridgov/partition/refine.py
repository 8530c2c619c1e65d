"""Make parts more compact by moving border sites between neighbouring parts (pure).

A site moves to a neighbouring part when that lowers the total moment of inertia (sum of
households x squared distance to their part's centre), both parts stay within bounds and
the part it leaves stays contiguous (the part it joins touches it, so stays contiguous
too). Exact inertia changes; a few rounds over the border sites, most gain first.
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Callable

import numpy as np

from gridgov.partition.constraints import Bounds

ROUNDS = 4
REPAIR_ROUNDS = 50
MAX_ROOTS = 12  # outermost sites tried as the root of a grown half


def refine(
    labels: np.ndarray,
    xy: np.ndarray,
    weight: np.ndarray,
    edges: np.ndarray,
    adjacency: list[list[int]],
    bounds: Bounds,
    *,
    movable: np.ndarray | None = None,
    same: np.ndarray | None = None,
) -> np.ndarray:
    """Better labels (site -> part) for sites of ``movable`` parts.

    ``same`` (per site, optional) keeps moves inside a container: units inside their grid.
    """
    labels = labels.copy()
    part_count = int(labels.max()) + 1 if len(labels) else 0
    if movable is None:
        movable = np.ones(part_count, dtype=bool)
    part_count = max(part_count, len(movable))
    state = _PartState(labels, xy, weight, part_count)
    both = np.concatenate([edges, edges[:, ::-1]])
    if same is not None:
        both = both[same[both[:, 0]] == same[both[:, 1]]]
    state.container = same
    _repair_bounds(state, adjacency, bounds, movable)
    for _ in range(ROUNDS):
        if not _one_round(state, both, adjacency, bounds, movable):
            break
    return state.labels


class _PartState:
    def __init__(self, labels: np.ndarray, xy: np.ndarray, weight: np.ndarray, parts: int) -> None:
        self.labels, self.xy, self.weight = labels, xy, weight
        self.total = np.bincount(labels, weights=weight, minlength=parts)
        self.sum_x = np.bincount(labels, weights=weight * xy[:, 0], minlength=parts)
        self.sum_y = np.bincount(labels, weights=weight * xy[:, 1], minlength=parts)
        self.sites = np.bincount(labels, minlength=parts)
        self.container: np.ndarray | None = None  # moves stay inside (units in their grid)

    def gain(self, site: int, source: int, target: int) -> float:
        """Inertia saved by moving ``site`` from ``source`` to ``target`` (exact)."""
        w = float(self.weight[site])
        x, y = self.xy[site]
        ws, wt = self.total[source], self.total[target]
        if ws - w <= 0:
            return -np.inf
        ds = (x - self.sum_x[source] / ws) ** 2 + (y - self.sum_y[source] / ws) ** 2
        dt = (x - self.sum_x[target] / wt) ** 2 + (y - self.sum_y[target] / wt) ** 2
        return w * ws / (ws - w) * ds - w * wt / (wt + w) * dt

    def move(self, site: int, source: int, target: int) -> None:
        w = self.weight[site]
        x, y = self.xy[site]
        for part, sign in ((source, -1.0), (target, 1.0)):
            self.total[part] += sign * w
            self.sum_x[part] += sign * w * x
            self.sum_y[part] += sign * w * y
            self.sites[part] += int(sign)
        self.labels[site] = target


def _candidates(state: _PartState, both: np.ndarray, movable: np.ndarray) -> np.ndarray:
    """(site, target) border moves that look profitable, most gain first, one per site."""
    labels = state.labels
    source, target = labels[both[:, 0]], labels[both[:, 1]]
    keep = (source != target) & movable[source] & movable[target]
    pairs = both[keep]
    if len(pairs) == 0:
        return pairs
    site, source, target = pairs[:, 0], labels[pairs[:, 0]], labels[pairs[:, 1]]
    w = state.weight[site]
    ws, wt = state.total[source], state.total[target]
    cs = np.column_stack([state.sum_x[source], state.sum_y[source]]) / ws[:, None]
    ct = np.column_stack([state.sum_x[target], state.sum_y[target]]) / wt[:, None]
    ds = ((state.xy[site] - cs) ** 2).sum(axis=1)
    dt = ((state.xy[site] - ct) ** 2).sum(axis=1)
    gain = w * ws / np.maximum(ws - w, 1e-9) * ds - w * wt / (wt + w) * dt
    good = gain > 1e-6
    order = np.argsort(-gain[good], kind="stable")
    chosen = np.column_stack([site[good], target[good]])[order]
    _, first = np.unique(chosen[:, 0], return_index=True)
    return chosen[np.sort(first)]


def _one_round(
    state: _PartState,
    both: np.ndarray,
    adjacency: list[list[int]],
    bounds: Bounds,
    movable: np.ndarray,
) -> bool:
    moved = False
    labels = state.labels
    for site, target in _candidates(state, both, movable).tolist():
        source = int(labels[site])
        if source == target:
            continue
        w = state.weight[site]
        if state.total[source] - w < bounds.low or state.total[target] + w > bounds.high:
            continue
        if state.sites[source] <= 1 or state.gain(site, source, target) <= 1e-6:
            continue
        if not any(labels[other] == target for other in adjacency[site]):
            continue  # its neighbour in ``target`` moved away earlier in this round
        if not _stays_joined(site, source, labels, adjacency):
            continue
        state.move(site, source, target)
        moved = True
    return moved


def _stays_joined(site: int, part: int, labels: np.ndarray, adjacency: list[list[int]]) -> bool:
    """Whether ``part`` without ``site`` is still connected (search from one neighbour)."""
    inside = [n for n in adjacency[site] if labels[n] == part]
    if len(inside) <= 1:
        return True
    wanted = set(inside)
    found = 1
    seen = {site, inside[0]}
    queue = deque([inside[0]])
    while queue:
        node = queue.popleft()
        for other in adjacency[node]:
            if other not in seen and labels[other] == part:
                seen.add(other)
                if other in wanted:
                    found += 1
                    if found == len(wanted):
                        return True
                queue.append(other)
    return False


def _repair_bounds(
    state: _PartState, adjacency: list[list[int]], bounds: Bounds, movable: np.ndarray
) -> None:
    """Move border sites into parts below the minimum and out of parts above the maximum."""
    for _ in range(REPAIR_ROUNDS):
        outside = movable & ((state.total < bounds.low) | (state.total > bounds.high))
        outside &= state.sites > 0
        if not outside.any():
            return
        members = _members(state.labels, np.flatnonzero(outside))
        fixed = [
            _fix_part(state, part, sites, adjacency, bounds, movable)
            for part, sites in members.items()
        ]
        if not any(fixed):
            return


def _members(labels: np.ndarray, parts: np.ndarray) -> dict[int, list[int]]:
    sites = np.flatnonzero(np.isin(labels, parts))
    found: dict[int, list[int]] = {int(part): [] for part in parts}
    for site, part in zip(sites.tolist(), labels[sites].tolist(), strict=True):
        found[part].append(site)
    return found


def _fix_part(
    state: _PartState,
    part: int,
    members: list[int],
    adjacency: list[list[int]],
    bounds: Bounds,
    movable: np.ndarray,
) -> bool:
    """One move that brings ``part`` closer to its bounds, the most compact that is allowed."""
    labels, container = state.labels, state.container
    short = state.total[part] < bounds.low
    moves = []
    for member in members:
        for other in adjacency[member]:
            neighbour = int(labels[other])
            if neighbour == part or not movable[neighbour]:
                continue
            if container is not None and container[other] != container[member]:
                continue
            site, source, target = (other, neighbour, part) if short else (member, part, neighbour)
            w = state.weight[site]
            if short and state.total[source] - w < bounds.low:
                continue
            if not short and state.total[target] + w > bounds.high:
                continue
            moves.append((state.gain(site, source, target), site, source, target))
    for _, site, source, target in sorted(moves, reverse=True):
        if state.sites[source] > 1 and _stays_joined(site, source, labels, adjacency):
            state.move(site, source, target)
            return True
    return False


def resplit_misfits(
    labels: np.ndarray,
    weight: np.ndarray,
    adjacency: list[list[int]],
    bounds: Bounds,
    movable: np.ndarray,
    container: np.ndarray | None,
    split_in_two: Callable[[np.ndarray], list[np.ndarray]],
    *,
    may_merge: bool = False,
) -> np.ndarray:
    """Parts still outside their bounds are merged with a neighbour and split in two afresh
    (or, with ``may_merge``, just merged when the pair makes one part within bounds).

    This reaches what single-site moves cannot (when every neighbour is at its minimum, or
    every border site holds its part together); the pair is replaced only when both new
    parts are within bounds.
    """
    labels = labels.copy()
    totals = np.bincount(labels, weights=weight, minlength=len(movable))
    misfits = np.flatnonzero(movable & ((totals < bounds.low) | (totals > bounds.high)))
    for part in misfits.tolist():
        if bounds.contains(totals[part]):
            continue  # fixed along with an earlier misfit
        members = np.flatnonzero(labels == part)
        for other, _ in _neighbour_parts(members, labels, adjacency, movable, container):
            union = np.concatenate([members, np.flatnonzero(labels == other)])
            together = totals[part] + totals[other]
            if may_merge and bounds.contains(together):
                labels[members] = other
                totals[part], totals[other] = 0.0, together
                break
            if bounds.part_count(together) != 2:
                continue
            halves = split_in_two(union)
            sums = [float(weight[half].sum()) for half in halves]
            if len(halves) == 2 and all(bounds.contains(total) for total in sums):
                labels[halves[0]], labels[halves[1]] = part, other
                totals[part], totals[other] = sums
                break
    return labels


def _neighbour_parts(
    members: np.ndarray,
    labels: np.ndarray,
    adjacency: list[list[int]],
    movable: np.ndarray,
    container: np.ndarray | None,
) -> list[tuple[int, int]]:
    """Movable parts next to ``members`` (in the same container), most shared edges first."""
    part = int(labels[members[0]])
    shared: dict[int, int] = {}
    for member in members.tolist():
        for other in adjacency[member]:
            neighbour = int(labels[other])
            if neighbour == part or not movable[neighbour]:
                continue
            if container is not None and container[other] != container[member]:
                continue
            shared[neighbour] = shared.get(neighbour, 0) + 1
    return sorted(shared.items(), key=lambda item: -item[1])


def split_in_two_by_growth(
    sites: np.ndarray,
    xy: np.ndarray,
    weight: np.ndarray,
    adjacency: list[list[int]],
    bounds: Bounds,
    roots: int = MAX_ROOTS,
) -> list[np.ndarray]:
    """Two contiguous halves within bounds, grown from the set's outermost sites.

    A half grows from a root, nearest site first, and is cut where both halves fit; the
    first cut whose rest is contiguous wins (roots tried outermost first). Slower than the
    bisection but thorough: for the few pairs the bisection could not fit.
    """
    members = set(sites.tolist())
    total = float(weight[sites].sum())
    centre = xy[sites].mean(axis=0)
    outermost = sites[np.argsort(-((xy[sites] - centre) ** 2).sum(axis=1))][:roots]
    for root in outermost.tolist():
        grown: list[int] = []
        taken = {root}
        frontier = [(0.0, root)]
        households = 0.0
        while frontier:
            _, site = heapq.heappop(frontier)
            grown.append(site)
            households += float(weight[site])
            if households > bounds.high or total - households < bounds.low:
                break
            if households >= bounds.low and total - households <= bounds.high:
                rest = members - set(grown)
                if _connected(rest, adjacency):
                    return [np.array(grown), np.array(sorted(rest))]
            for other in adjacency[site]:
                if other in members and other not in taken:
                    taken.add(other)
                    distance = float(((xy[other] - xy[root]) ** 2).sum())
                    heapq.heappush(frontier, (distance, other))
    return [sites]


def _connected(nodes: set[int], adjacency: list[list[int]]) -> bool:
    if not nodes:
        return False
    start = next(iter(nodes))
    seen = {start}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for other in adjacency[node]:
            if other in nodes and other not in seen:
                seen.add(other)
                queue.append(other)
    return len(seen) == len(nodes)
