"""How timestamps leave the platform: stored in UTC, shown in the deployment's timezone
(Asia/Shanghai by default) as ISO 8601 with its offset, e.g. 2026-11-28T21:52:06+08:00."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import PlainSerializer

from gridgov.settings import get_settings


@lru_cache(maxsize=4)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def local_iso(value: dt.datetime) -> str:
    return value.astimezone(_zone(get_settings().timezone)).isoformat()


LocalTimestamp = Annotated[
    dt.datetime, PlainSerializer(local_iso, return_type=str, when_used="json")
]
