"""Opaque string identifiers: time-ordered (good for B-tree inserts), random otherwise."""

from __future__ import annotations

import os
import time


def new_id() -> str:
    """32 hex characters: 48 bits of milliseconds, then 80 random bits."""
    millis = time.time_ns() // 1_000_000
    return f"{millis:012x}{os.urandom(10).hex()}"
