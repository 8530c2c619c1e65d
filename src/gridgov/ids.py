"""Opaque string identifiers: time-ordered (good for B-tree inserts), random otherwise.

Ids made by one process are strictly increasing (as ULID's monotonic mode): two rows made
within the same millisecond still sort in the order they were made, so "ORDER BY time, id"
is the order of events even when the time column holds the same instant (a frozen test
clock, a fast machine). Within a millisecond the next id adds a random step of up to 2**40
to the last one's random part, so ids stay hard to guess from one another.
"""

from __future__ import annotations

import os
import threading
import time

_RANDOM_BITS = 80
_RANDOM_LIMIT = 1 << _RANDOM_BITS
_STEP_BITS = 40

_lock = threading.Lock()
_last_millis = -1
_last_random = 0


def new_id() -> str:
    """32 hex characters: 48 bits of milliseconds, then 80 bits random but increasing."""
    global _last_millis, _last_random
    millis = time.time_ns() // 1_000_000
    with _lock:
        if millis > _last_millis:
            random_part = int.from_bytes(os.urandom(10), "big")
        else:  # the same millisecond, or the wall clock stepped back: keep increasing
            millis = _last_millis
            step = int.from_bytes(os.urandom(_STEP_BITS // 8), "big") + 1
            random_part = _last_random + step
            if random_part >= _RANDOM_LIMIT:
                millis += 1
                random_part = int.from_bytes(os.urandom(10), "big") >> 1
        _last_millis, _last_random = millis, random_part
    return f"{millis:012x}{random_part:020x}"
