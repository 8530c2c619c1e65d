"""A sliding-window request budget (pure): WeCom lets a group robot send at most 20
messages in any minute. The times of the last requests are kept (on the route's row), and a
request may go when fewer than ``limit`` of them fall within the last ``window``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

WECOM_PER_MINUTE = 20
WINDOW = dt.timedelta(minutes=1)


def recent(
    times: Iterable[dt.datetime], now: dt.datetime, window: dt.timedelta = WINDOW
) -> list[dt.datetime]:
    """The times within the window that ends at ``now``, oldest first."""
    return sorted(time for time in times if now - window < time <= now)


def free_slots(
    times: Iterable[dt.datetime], now: dt.datetime, *, limit: int, window: dt.timedelta = WINDOW
) -> int:
    """How many requests may go at ``now``."""
    return max(0, limit - len(recent(times, now, window)))


def next_free_at(
    times: Iterable[dt.datetime], now: dt.datetime, *, limit: int, window: dt.timedelta = WINDOW
) -> dt.datetime:
    """When the next request may go (``now`` if one may go now)."""
    inside = recent(times, now, window)
    if len(inside) < limit:
        return now
    return inside[len(inside) - limit] + window


def backoff(attempts: int, *, base: dt.timedelta, cap: dt.timedelta) -> dt.timedelta:
    """Exponential backoff: ``base`` after the first failure, doubling, at most ``cap``."""
    return min(cap, base * (2 ** max(0, attempts - 1)))
