"""How timestamps leave the platform: stored in UTC, shown in the deployment's timezone
(Asia/Shanghai by default) as ISO 8601 with its offset, e.g. 2026-11-28T21:52:06+08:00.
The conversion is :func:`gridgov.clock.local_iso`; this is its pydantic type for schemas."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import PlainSerializer

from gridgov.clock import local_iso

LocalTimestamp = Annotated[
    dt.datetime, PlainSerializer(local_iso, return_type=str, when_used="json")
]
