"""Deadline arithmetic over a working calendar (pure: no database, never reads the clock).

A :class:`WorkingCalendar` knows which days are working days (Monday to Friday unless an
override says otherwise: a public holiday on a weekday is not, a weekend day made a working
day around a holiday is) and the working periods of a working day, in local time
(``08:30-12:00`` and ``14:00-17:30`` by default) and the timezone they are in (passed by
the caller from the deployment's setting; the same default, Asia/Shanghai).

Limits (a category's deadline for a level) come in two kinds:

- ``{"hours": n}``: n working hours, counted only inside the working periods of working
  days. The due instant is where the nth hour is used up; when that happens exactly at a
  period's close, the due instant is that close (never the next period's opening).
- ``{"days": n}``: n working days. The start's own local day is day 0 and never counts,
  whatever the time of day and whether or not it is a working day; the case is due at the
  close of the last working period of the nth working day after it. Reported on Monday
  10:00 with one day: due Tuesday 17:30; reported on Saturday with one day: due Monday
  17:30.
- ``{"minutes": n}``: n minutes of wall-clock time, every minute counting, day or night,
  working day or not (an emergency: a household that needs help during a typhoon). Its
  warning comes when the same share of those minutes is used up.

All instants in and out are timezone-aware; results are in UTC.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from gridgov.clock import DEFAULT_TIMEZONE

Period = tuple[dt.time, dt.time]
DEFAULT_PERIODS: tuple[Period, ...] = (
    (dt.time(8, 30), dt.time(12, 0)),
    (dt.time(14, 0), dt.time(17, 30)),
)
# A calendar with no working day for this long is a data error, not a deadline.
_MAX_DAYS_SEARCHED = 3660
_PERIOD_PATTERN = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


def parse_working_hours(text: str) -> tuple[Period, ...]:
    """``"08:30-12:00,14:00-17:30"`` -> the periods; ordered, non-empty, not overlapping."""
    periods: list[Period] = []
    for part in text.split(","):
        match = _PERIOD_PATTERN.match(part)
        if match is None:
            raise ValueError(f"working hours {part.strip()!r} are not like 08:30-12:00")
        h1, m1, h2, m2 = (int(group) for group in match.groups())
        try:
            period = (dt.time(h1, m1), dt.time(h2, m2))
        except ValueError as exc:
            raise ValueError(f"working hours {part.strip()!r}: {exc}") from exc
        periods.append(period)
    _check_periods(tuple(periods))
    return tuple(periods)


def _check_periods(periods: tuple[Period, ...]) -> None:
    if not periods:
        raise ValueError("a working day needs at least one working period")
    previous_end: dt.time | None = None
    for start, end in periods:
        if start >= end:
            raise ValueError(f"working period {start:%H:%M}-{end:%H:%M} ends before it starts")
        if previous_end is not None and start < previous_end:
            raise ValueError("working periods must be in order and must not overlap")
        previous_end = end


@dataclass(frozen=True)
class Limit:
    """A time limit in working hours, working days or wall-clock minutes (exactly one)."""

    hours: float | None = None
    days: int | None = None
    minutes: int | None = None

    def __post_init__(self) -> None:
        if sum(unit is not None for unit in (self.hours, self.days, self.minutes)) != 1:
            raise ValueError("a limit is either hours, days or minutes")
        if self.hours is not None and not self.hours > 0:
            raise ValueError("a limit in hours must be positive")
        if self.days is not None and self.days < 1:
            raise ValueError("a limit in days must be at least 1")
        if self.minutes is not None and self.minutes < 1:
            raise ValueError("a limit in minutes must be at least 1")

    @classmethod
    def parse(cls, value: Mapping[str, Any]) -> Limit:
        """From a category's ``{"hours": n}``, ``{"days": n}`` or ``{"minutes": n}``."""
        if not isinstance(value, Mapping) or len(value) != 1:
            raise ValueError('a limit is {"hours": n}, {"days": n} or {"minutes": n}')
        ((unit, amount),) = value.items()
        if isinstance(amount, bool) or not isinstance(amount, int | float):
            raise ValueError(f"the limit's {unit} must be a number")
        if unit == "hours":
            return cls(hours=float(amount))
        if unit == "days":
            if int(amount) != amount:
                raise ValueError("a limit in days must be a whole number")
            return cls(days=int(amount))
        if unit == "minutes":
            if int(amount) != amount:
                raise ValueError("a limit in minutes must be a whole number")
            return cls(minutes=int(amount))
        raise ValueError(
            f'a limit is {{"hours": n}}, {{"days": n}} or {{"minutes": n}}, not {unit!r}'
        )

    def as_dict(self) -> dict[str, float | int]:
        if self.hours is not None:
            hours = float(self.hours)
            return {"hours": int(hours) if hours.is_integer() else hours}
        if self.minutes is not None:
            return {"minutes": self.minutes}
        assert self.days is not None
        return {"days": self.days}


def _aware(instant: dt.datetime) -> dt.datetime:
    if instant.tzinfo is None:
        raise ValueError("deadline arithmetic needs timezone-aware datetimes")
    return instant.astimezone(dt.UTC)


@dataclass(frozen=True)
class WorkingCalendar:
    """Working days and working periods. ``overrides`` maps a date to whether it is a
    working day, overriding the plain week (Monday to Friday)."""

    overrides: Mapping[dt.date, bool] = field(default_factory=dict)
    periods: tuple[Period, ...] = DEFAULT_PERIODS
    timezone: str = DEFAULT_TIMEZONE

    def __post_init__(self) -> None:
        _check_periods(tuple(self.periods))
        ZoneInfo(self.timezone)  # an unknown zone fails here, not at the first deadline

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def is_workday(self, day: dt.date) -> bool:
        override = self.overrides.get(day)
        if override is not None:
            return override
        return day.weekday() < 5

    def local_date(self, instant: dt.datetime) -> dt.date:
        return _aware(instant).astimezone(self.zone).date()

    def periods_of(self, day: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
        """The working periods of ``day`` as UTC instants (none on a day off)."""
        if not self.is_workday(day):
            return []
        zone = self.zone
        return [
            (
                dt.datetime.combine(day, start, tzinfo=zone).astimezone(dt.UTC),
                dt.datetime.combine(day, end, tzinfo=zone).astimezone(dt.UTC),
            )
            for start, end in self.periods
        ]

    def _days_from(self, day: dt.date) -> Iterator[dt.date]:
        for offset in range(_MAX_DAYS_SEARCHED):
            yield day + dt.timedelta(days=offset)
        raise ValueError(f"no working time within {_MAX_DAYS_SEARCHED} days of {day}")

    def add_working_time(self, start: dt.datetime, amount: dt.timedelta) -> dt.datetime:
        """The instant when ``amount`` of working time after ``start`` is used up (a
        period's close when it ends exactly there). Zero gives ``start`` itself."""
        start = _aware(start)
        if amount < dt.timedelta(0):
            raise ValueError("working time to add must not be negative")
        remaining = amount
        if not remaining:
            return start
        for day in self._days_from(self.local_date(start) - dt.timedelta(days=1)):
            for opens, closes in self.periods_of(day):
                if closes <= start:
                    continue
                begin = max(opens, start)
                available = closes - begin
                if remaining <= available:
                    return begin + remaining
                remaining -= available
        raise AssertionError("unreachable")  # pragma: no cover - _days_from raises

    def close_of_day(self, day: dt.date) -> dt.datetime:
        """The close of the last working period of a working day, in UTC."""
        return self.periods_of(day)[-1][1]

    def add_working_days(self, start: dt.datetime, days: int) -> dt.datetime:
        """The close of the ``days``-th working day after the start's local day."""
        if days < 1:
            raise ValueError("working days to add must be at least 1")
        counted = 0
        first = self.local_date(start) + dt.timedelta(days=1)
        for day in self._days_from(first):
            if self.is_workday(day):
                counted += 1
                if counted == days:
                    return self.close_of_day(day)
        raise AssertionError("unreachable")  # pragma: no cover - _days_from raises

    def add(self, start: dt.datetime, limit: Limit) -> dt.datetime:
        """The deadline: ``limit`` of working time after ``start`` (see the module doc)."""
        if limit.hours is not None:
            return self.add_working_time(start, dt.timedelta(hours=limit.hours))
        if limit.minutes is not None:  # wall-clock: every minute counts
            return _aware(start) + dt.timedelta(minutes=limit.minutes)
        assert limit.days is not None
        return self.add_working_days(start, limit.days)

    def working_time_between(self, a: dt.datetime, b: dt.datetime) -> dt.timedelta:
        """Working time inside [a, b] (zero when b is not after a)."""
        a, b = _aware(a), _aware(b)
        total = dt.timedelta(0)
        if b <= a:
            return total
        day = self.local_date(a) - dt.timedelta(days=1)
        last = self.local_date(b) + dt.timedelta(days=1)
        while day <= last:
            for opens, closes in self.periods_of(day):
                overlap = min(closes, b) - max(opens, a)
                if overlap > dt.timedelta(0):
                    total += overlap
            day += dt.timedelta(days=1)
        return total

    def working_days_between(self, a: dt.datetime, b: dt.datetime) -> int:
        """Working days after a's local day up to and including b's local day."""
        first, last = self.local_date(a), self.local_date(b)
        return sum(
            1
            for offset in range(1, (last - first).days + 1)
            if self.is_workday(first + dt.timedelta(days=offset))
        )

    def is_working_instant(self, instant: dt.datetime) -> bool:
        """Inside a working period (its opening included, its close excluded)."""
        instant = _aware(instant)
        return any(
            opens <= instant < closes for opens, closes in self.periods_of(self.local_date(instant))
        )

    def is_period_close(self, instant: dt.datetime) -> bool:
        instant = _aware(instant)
        return any(closes == instant for _, closes in self.periods_of(self.local_date(instant)))


def deadline(calendar: WorkingCalendar, start: dt.datetime, limit: Limit) -> dt.datetime:
    """When a case started at ``start`` with this limit is due (UTC)."""
    return calendar.add(start, limit)


def warning_time(
    calendar: WorkingCalendar, start: dt.datetime, due: dt.datetime, share: float = 0.75
) -> dt.datetime:
    """The instant when ``share`` of the working time between start and due is used up.

    With no working time in between (due at or before start), the warning is due itself."""
    if not 0 <= share <= 1:
        raise ValueError("the warning share is between 0 and 1")
    total = calendar.working_time_between(start, due)
    if not total:
        return _aware(due)
    used = dt.timedelta(microseconds=int(total / dt.timedelta(microseconds=1) * share))
    return min(calendar.add_working_time(start, used), _aware(due))


def limit_warning_time(
    calendar: WorkingCalendar, start: dt.datetime, due: dt.datetime, limit: Limit, share: float
) -> dt.datetime:
    """The warning of a level with this limit: a working-time share for hours and days
    (:func:`warning_time`), a wall-clock share for minutes."""
    if limit.minutes is None:
        return warning_time(calendar, start, due, share)
    if not 0 <= share <= 1:
        raise ValueError("the warning share is between 0 and 1")
    start, due = _aware(start), _aware(due)
    return start + (due - start) * share
