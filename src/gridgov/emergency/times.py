"""Times to 50%, 90% and 100% confirmed (pure: plain data in, minutes out).

A node's time to k% is the minutes from the start until the ceil(k% of its households)-th
household was first confirmed; None when that many never were.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from typing import Final

SHARES: Final = (50, 90, 100)


def minutes_to_share(
    started_at: dt.datetime, confirmed: Sequence[dt.datetime | None], share: int
) -> float | None:
    """Minutes until ``share`` percent of these households were confirmed (None: never)."""
    if not confirmed:
        return None
    needed = max(math.ceil(len(confirmed) * share / 100), 1)
    times = sorted(when for when in confirmed if when is not None)
    if len(times) < needed:
        return None
    return round((times[needed - 1] - started_at).total_seconds() / 60, 1)


def times_of(
    started_at: dt.datetime, confirmed: Sequence[dt.datetime | None]
) -> dict[str, float | None]:
    """``{"50": minutes, "90": ..., "100": ...}`` for one node's households."""
    return {str(share): minutes_to_share(started_at, confirmed, share) for share in SHARES}


def times_by_node(
    started_at: dt.datetime, rows: Iterable[tuple[str, dt.datetime | None]], length: int
) -> dict[str, dict[str, float | None]]:
    """Per node (the first ``length`` characters of each row's code; rows not that deep
    are left out), its households' times."""
    by_node: dict[str, list[dt.datetime | None]] = {}
    for code, when in rows:
        if len(code) >= length:
            by_node.setdefault(code[:length], []).append(when)
    return {node: times_of(started_at, whens) for node, whens in sorted(by_node.items())}
