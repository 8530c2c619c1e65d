"""Serial numbers of grids in a village and units in a grid (pure; numpy).

A fresh division numbers parts in reading order: rows north to south, west to east in a
row. A re-division keeps the serial of every part it keeps; a new part takes the next
free serial (past every serial ever used, so a retired one is never reused).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np


def reading_order(centres: np.ndarray) -> np.ndarray:
    """Indices of ``centres`` (n, 2 metres) in reading order: north to south, west to east.

    Rows are bands as tall as a typical part (the side of the mean area per part), so parts
    side by side count as one row even when their centres differ a little in latitude.
    """
    centres = np.asarray(centres, dtype=float).reshape(-1, 2)
    if len(centres) <= 1:
        return np.arange(len(centres))
    width, height = np.ptp(centres[:, 0]), np.ptp(centres[:, 1])
    row_height = max(np.sqrt(max(width, 1.0) * max(height, 1.0) / len(centres)), 1.0)
    row = np.floor((centres[:, 1].max() - centres[:, 1]) / row_height)
    return np.lexsort((-centres[:, 1], centres[:, 0], row))


def assign_serials(
    centres: np.ndarray, kept_serials: Iterable[int | None], used_serials: Iterable[int] = ()
) -> np.ndarray:
    """Serial of each part: its kept serial, else the next free one, new parts in reading order.

    ``kept_serials`` has one entry per part (None for a new part); ``used_serials`` are all
    serials ever given in this village or grid, retired ones included.
    """
    kept = list(kept_serials)
    serials = np.array([0 if serial is None else serial for serial in kept], dtype=np.int64)
    kept_set = {serial for serial in kept if serial is not None}
    taken = kept_set | set(used_serials)
    if len(kept_set) != sum(serial is not None for serial in kept):
        raise ValueError("two parts keep the same serial")
    next_serial = max(taken, default=0) + 1
    for index in reading_order(centres):
        if kept[index] is None:
            serials[index] = next_serial
            next_serial += 1
    return serials


def successor_serials(
    part_of: np.ndarray,
    old_serial: np.ndarray,
    weight: np.ndarray,
    part_count: int,
    taken: Iterable[int] = (),
) -> list[int | None]:
    """The earlier serial each part keeps (None: a new serial), matched by shared households.

    ``part_of`` and ``old_serial`` are per site (-1: in no part / new there). Pairs of (part,
    earlier serial) that share a majority of either one's households (of those present
    before) are matched greedily, most shared households first, each part and serial once;
    serials in ``taken`` are held by parts kept as they were. A part and an earlier part that
    hold a majority of each other's households are always matched (no other pair of either
    can share more), so a kept part keeps its code and so do its households.
    """
    result: list[int | None] = [None] * part_count
    both = (part_of >= 0) & (old_serial >= 0)
    if not both.any():
        return result
    base = int(old_serial[both].max()) + 1
    keys = part_of[both].astype(np.int64) * base + old_serial[both]
    pairs, inverse = np.unique(keys, return_inverse=True)
    shared = np.bincount(inverse.ravel(), weights=weight[both])
    old_size = np.bincount(old_serial[both], weights=weight[both])
    new_size = np.bincount(part_of[both], weights=weight[both], minlength=part_count)
    blocked = set(taken)
    used_parts: set[int] = set()
    for index in np.lexsort((pairs, -shared)).tolist():
        part, serial = divmod(int(pairs[index]), base)
        if part in used_parts or serial in blocked:
            continue
        if 2 * shared[index] <= max(old_size[serial], new_size[part]) and (
            2 * shared[index] <= min(old_size[serial], new_size[part])
        ):
            continue  # a majority of neither: no successor
        result[part] = serial
        used_parts.add(part)
        blocked.add(serial)
    return result
