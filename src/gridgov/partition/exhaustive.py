"""Exhaustive search for a division of a few sites into contiguous parts within bounds (pure).

For a part of at most ``MAX_SITES`` sites the engine does not trust its heuristics to say
"no division found": it tries every division. A division is a set of connected subsets
(in the neighbour graph) covering the sites, each within the bounds or a single site over
the maximum (an indivisible block can do no better). Among the divisions that exist it
returns the most compact one (least moment of inertia), by dynamic programming over
subsets: the cheapest division of a set is a connected part holding its lowest site plus
the cheapest division of the rest.
"""

from __future__ import annotations

import numpy as np

from gridgov.partition.constraints import Bounds

MAX_SITES = 12


def exhaustive_division(
    weight: np.ndarray,
    xy: np.ndarray,
    rows: np.ndarray,
    cols: np.ndarray,
    bounds: Bounds,
) -> list[np.ndarray] | None:
    """The most compact division of sites ``0..n-1`` (edges ``rows``-``cols``), or None.

    None means no division within bounds exists at all (checked for every division).
    """
    count = len(weight)
    if count == 0:
        return []
    if count > MAX_SITES:
        raise ValueError(f"exhaustive search is for at most {MAX_SITES} sites, not {count}")
    valid, cost = _valid_parts(np.asarray(weight, dtype=float), xy, rows, cols, bounds)
    best = _cheapest(count, valid.tolist(), cost.tolist())
    full = (1 << count) - 1
    if best[full][0] == np.inf:
        return None
    parts, mask = [], full
    while mask:
        part = best[mask][1]
        parts.append(np.flatnonzero([(part >> i) & 1 for i in range(count)]))
        mask &= ~part
    return parts


def _valid_parts(
    weight: np.ndarray, xy: np.ndarray, rows: np.ndarray, cols: np.ndarray, bounds: Bounds
) -> tuple[np.ndarray, np.ndarray]:
    """Per subset (bit mask): whether it may be a part, and its moment of inertia."""
    count = len(weight)
    masks = np.arange(1 << count)
    bits = ((masks[:, None] >> np.arange(count)) & 1).astype(float)
    total = bits @ weight
    safe = np.maximum(total, 1e-12)
    moment = bits @ (weight * (xy**2).sum(axis=1))
    first = bits @ (weight[:, None] * xy)
    inertia = np.maximum(moment - (first**2).sum(axis=1) / safe, 0.0)
    sizes = bits.sum(axis=1)
    heaviest = np.max(bits * weight, axis=1)
    fits = ((total >= bounds.low) & (total <= bounds.high)) | (
        (sizes == 1) & (heaviest > bounds.high)
    )
    fits &= (sizes == 1) | (heaviest <= bounds.high)  # a block over the maximum stands alone
    fits[0] = False
    neighbours = [0] * count
    for a, b in zip(np.asarray(rows).tolist(), np.asarray(cols).tolist(), strict=True):
        neighbours[a] |= 1 << b
        neighbours[b] |= 1 << a
    for mask in np.flatnonzero(fits).tolist():
        fits[mask] = _connected(mask, neighbours)
    return fits, inertia


def _connected(mask: int, neighbours: list[int]) -> bool:
    reached = mask & -mask
    while True:
        grown = reached
        rest = reached
        while rest:
            low = rest & -rest
            grown |= neighbours[low.bit_length() - 1] & mask
            rest ^= low
        if grown == reached:
            return reached == mask
        reached = grown


def _cheapest(count: int, valid: list[bool], cost: list[float]) -> dict[int, tuple[float, int]]:
    """Per subset reached from the whole set: (cost of its cheapest division, the part
    holding its lowest site); parts are tried as submasks, so at most 3^n / 2 steps."""
    best: dict[int, tuple[float, int]] = {0: (0.0, 0)}

    def solve(mask: int) -> float:
        known = best.get(mask)
        if known is not None:
            return known[0]
        lowest = mask & -mask
        rest = mask ^ lowest
        found, chosen = np.inf, 0
        sub = rest
        while True:
            part = sub | lowest
            if valid[part]:
                total = cost[part] + solve(mask ^ part)
                if total < found:
                    found, chosen = total, part
            if sub == 0:
                break
            sub = (sub - 1) & rest
        best[mask] = (found, chosen)
        return found

    solve((1 << count) - 1)
    return best
