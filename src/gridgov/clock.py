"""The one source of time, and the deployment's local time.

Instants are timezone-aware UTC (:func:`now`; tests freeze it with :func:`frozen`). Dates
people write and read (a post's end, a registry event, a role assignment's start, a report's
days) are local dates of the deployment's timezone, ``GRIDGOV_TIMEZONE`` (Asia/Shanghai by
default), which the adapter sets once at start-up with :func:`configure`. Every conversion
between the two is here: :func:`today`, :func:`local`, :func:`local_iso`,
:func:`from_local`, :func:`day_start`, :func:`day_span`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_TIMEZONE = "Asia/Shanghai"

_frozen: dt.datetime | None = None
_timezone: str = DEFAULT_TIMEZONE


def now() -> dt.datetime:
    """The current time, timezone-aware UTC."""
    return _frozen if _frozen is not None else dt.datetime.now(dt.UTC)


def today() -> dt.date:
    """The current date in the deployment's timezone (not the UTC date: from 00:00 to 08:00
    Beijing time the two differ)."""
    return local(now()).date()


@contextlib.contextmanager
def frozen(at: dt.datetime) -> Iterator[None]:
    global _frozen  # noqa: PLW0603 - the clock is process-wide by design
    if at.tzinfo is None:
        raise ValueError("frozen time must be timezone-aware")
    previous, _frozen = _frozen, at.astimezone(dt.UTC)
    try:
        yield
    finally:
        _frozen = previous


def configure(*, timezone: str) -> None:
    """Set the deployment's timezone for the process (the adapter does, from its Settings);
    an unknown name is refused here rather than at the first date."""
    global _timezone  # noqa: PLW0603 - one deployment timezone per process, like the clock
    _zone_named(timezone)
    _timezone = timezone


def zone() -> ZoneInfo:
    """The deployment's timezone."""
    return _zone_named(_timezone)


@lru_cache(maxsize=8)
def _zone_named(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown timezone {name!r} (an IANA name such as Asia/Shanghai)") from exc


def local(value: dt.datetime) -> dt.datetime:
    """An aware instant as an aware datetime in the deployment's timezone."""
    if value.tzinfo is None:
        raise ValueError("a local time needs a timezone-aware instant")
    return value.astimezone(zone())


def local_iso(value: dt.datetime) -> str:
    """ISO 8601 with the deployment's offset, e.g. 2026-11-28T21:52:06+08:00."""
    return local(value).isoformat()


def from_local(wall_time: dt.datetime) -> dt.datetime:
    """A naive wall-clock time of the deployment's timezone as a UTC instant (an aware one
    is only converted)."""
    if wall_time.tzinfo is None:
        wall_time = wall_time.replace(tzinfo=zone())
    return wall_time.astimezone(dt.UTC)


def day_start(day: dt.date) -> dt.datetime:
    """The UTC instant at which the local ``day`` begins (its midnight in the zone)."""
    return dt.datetime.combine(day, dt.time(), tzinfo=zone()).astimezone(dt.UTC)


def day_span(first: dt.date, last: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """``[start, end)`` in UTC covering the local days ``first`` to ``last`` inclusive."""
    return day_start(first), day_start(last + dt.timedelta(days=1))
