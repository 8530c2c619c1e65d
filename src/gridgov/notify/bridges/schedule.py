"""When a member's e-mail digest is due (pure): a daily digest at 07:00 local time, a
weekly one on Monday at 07:00 local time, always strictly after the given instant."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

DIGEST_HOUR = 7
PERIODS = {"daily": 1, "weekly": 7}


def next_digest_at(rhythm: str, after: dt.datetime, zone: ZoneInfo) -> dt.datetime | None:
    """The next digest time of ``rhythm`` after ``after`` (UTC), None for ``off``."""
    if rhythm not in PERIODS:
        return None
    local = after.astimezone(zone)
    candidate = local.replace(hour=DIGEST_HOUR, minute=0, second=0, microsecond=0)
    if rhythm == "weekly":
        candidate -= dt.timedelta(days=candidate.weekday())  # this week's Monday
    step = dt.timedelta(days=PERIODS[rhythm])
    while candidate <= local:
        candidate += step
    # Rebuild the wall time in the zone (a naive step across a DST change would drift).
    wall = candidate.replace(tzinfo=None)
    return wall.replace(tzinfo=zone).astimezone(dt.UTC)
