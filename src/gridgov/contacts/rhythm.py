"""How often a household is due a visit, and how long after an event a "must visit" is due
(pure: numbers and rules only)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Final

KEY_GROUP_DAYS: Final = 30  # a household with a resident in any key group
DEFAULT_DAYS: Final = 90  # every other household
# Days from the event to the due date of the "must visit" moment it creates.
MUST_VISIT_DAYS: Final[dict[str, tuple[int, ...]]] = {
    "death": (3,),
    "birth": (7,),
    "dispute_followup": (1, 3, 7),
    "key_group": (7,),
}
# Entering one of these key groups makes a visit due (reason ``key_group``).
HARDSHIP_GROUPS: Final = ("low_income", "extreme_poverty")


def interval_days(key_groups: Iterable[str], per_tag: Mapping[str, int]) -> int:
    """Days between visits for a household whose residents carry ``key_groups``: the
    shortest rhythm among its tags (a tag without its own rhythm: KEY_GROUP_DAYS)."""
    days = [per_tag.get(code, KEY_GROUP_DAYS) for code in key_groups]
    return min(days) if days else DEFAULT_DAYS


def next_due(last_visit: dt.date | None, since: dt.date, days: int) -> dt.date:
    """The day the next visit is due: ``days`` after the last visit, or after ``since``
    (the day the household was assigned) when it was never visited."""
    return (last_visit or since) + dt.timedelta(days=days)
