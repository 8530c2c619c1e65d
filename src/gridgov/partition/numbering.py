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
