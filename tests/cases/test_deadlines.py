"""Deadline arithmetic over the working calendar (pure; hypothesis for the invariants)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gridgov.cases.deadlines import (
    Limit,
    WorkingCalendar,
    deadline,
    limit_warning_time,
    parse_working_hours,
    warning_time,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
# China's 2026 schedule around the Spring Festival: Feb 14 (Sat) and Feb 28 (Sat) are
# working days; Feb 16-20 and Feb 23 are days off.
SPRING_FESTIVAL_2026 = {
    dt.date(2026, 2, 14): True,
    dt.date(2026, 2, 16): False,
    dt.date(2026, 2, 17): False,
    dt.date(2026, 2, 18): False,
    dt.date(2026, 2, 19): False,
    dt.date(2026, 2, 20): False,
    dt.date(2026, 2, 23): False,
    dt.date(2026, 2, 28): True,
}
CALENDAR = WorkingCalendar(SPRING_FESTIVAL_2026)


def local(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)


def test_an_hours_limit_counts_only_working_periods() -> None:
    # Monday 2026-03-02 11:00 + 2 working hours: 1h until noon, 1h from 14:00.
    assert deadline(CALENDAR, local(2026, 3, 2, 11), Limit(hours=2)) == local(2026, 3, 2, 15)


def test_an_hours_limit_used_up_at_a_close_is_due_at_the_close() -> None:
    assert deadline(CALENDAR, local(2026, 3, 2, 11), Limit(hours=1)) == local(2026, 3, 2, 12)
    assert deadline(CALENDAR, local(2026, 3, 2, 8, 30), Limit(hours=7)) == local(2026, 3, 2, 17, 30)


def test_a_start_out_of_hours_counts_from_the_next_opening() -> None:
    # Friday 2026-03-06 20:00 + 1h: Monday 09:30.
    assert deadline(CALENDAR, local(2026, 3, 6, 20), Limit(hours=1)) == local(2026, 3, 9, 9, 30)


def test_holidays_and_adjusted_working_days_are_respected() -> None:
    # Friday 2026-02-13 17:00 + 1h: Saturday Feb 14 is a working day.
    assert deadline(CALENDAR, local(2026, 2, 13, 17), Limit(hours=1)) == local(2026, 2, 14, 9)
    # Saturday Feb 14 17:00 + 1h: Feb 15 Sunday, 16-20 holiday, 21/22 weekend, 23 off: Feb 24.
    assert deadline(CALENDAR, local(2026, 2, 14, 17), Limit(hours=1)) == local(2026, 2, 24, 9)


def test_a_days_limit_is_due_at_the_close_of_the_nth_working_day_after() -> None:
    assert deadline(CALENDAR, local(2026, 3, 2, 10), Limit(days=1)) == local(2026, 3, 3, 17, 30)
    # Reported on a Saturday: day 0 is the Saturday, Monday is day 1.
    assert deadline(CALENDAR, local(2026, 3, 7, 10), Limit(days=1)) == local(2026, 3, 9, 17, 30)
    # Late on Friday: still day 0.
    assert deadline(CALENDAR, local(2026, 3, 6, 23), Limit(days=2)) == local(2026, 3, 10, 17, 30)
    # Across the festival: Feb 13 (Fri) + 2 days = Feb 14 (working Sat), Feb 24.
    assert deadline(CALENDAR, local(2026, 2, 13, 9), Limit(days=2)) == local(2026, 2, 24, 17, 30)


def test_results_are_utc() -> None:
    due = deadline(CALENDAR, local(2026, 3, 2, 11), Limit(hours=2))
    assert due.utcoffset() == dt.timedelta(0)
    assert due == dt.datetime(2026, 3, 2, 7, tzinfo=dt.UTC)


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        deadline(CALENDAR, dt.datetime(2026, 3, 2, 11), Limit(hours=2))


def test_warning_time_is_when_three_quarters_of_the_working_time_is_used() -> None:
    start = local(2026, 3, 2, 8, 30)
    due = deadline(CALENDAR, start, Limit(hours=8))  # Tuesday 09:30
    assert due == local(2026, 3, 3, 9, 30)
    # 6 working hours after Monday 08:30: 3.5h morning + 2.5h afternoon = 16:30.
    assert warning_time(CALENDAR, start, due) == local(2026, 3, 2, 16, 30)
    assert warning_time(CALENDAR, start, due, share=0.5) == local(2026, 3, 2, 14, 30)


def test_warning_time_without_working_time_is_due() -> None:
    due = local(2026, 3, 7, 12)  # a Saturday
    assert warning_time(CALENDAR, local(2026, 3, 7, 9), due) == due


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"hours": 8}, Limit(hours=8)),
        ({"hours": 0.5}, Limit(hours=0.5)),
        ({"days": 3}, Limit(days=3)),
        ({"minutes": 30}, Limit(minutes=30)),
    ],
)
def test_limits_parse(value: dict[str, float], expected: Limit) -> None:
    assert Limit.parse(value) == expected
    assert Limit.parse(expected.as_dict()) == expected


@pytest.mark.parametrize(
    "value",
    [
        {},
        {"hours": 0},
        {"days": 0},
        {"days": 1.5},
        {"weeks": 1},
        {"hours": "8"},
        {"hours": True},
        {"hours": 1, "days": 1},
        {"minutes": 0},
        {"minutes": 2.5},
    ],
)
def test_bad_limits_are_refused(value: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="limit"):
        Limit.parse(value)


def test_working_hours_parse_and_bad_ones_are_refused() -> None:
    assert parse_working_hours("08:30-12:00,14:00-17:30") == (
        (dt.time(8, 30), dt.time(12)),
        (dt.time(14), dt.time(17, 30)),
    )
    for bad in ("", "8-12", "12:00-08:00", "08:00-12:00,11:00-13:00", "25:00-26:00"):
        with pytest.raises(ValueError, match="working"):
            parse_working_hours(bad)


def test_an_other_timezone_and_periods_are_honoured() -> None:
    calendar = WorkingCalendar({}, periods=((dt.time(9), dt.time(17)),), timezone="UTC")
    start = dt.datetime(2026, 3, 2, 16, tzinfo=dt.UTC)
    assert calendar.add(start, Limit(hours=2)) == dt.datetime(2026, 3, 3, 10, tzinfo=dt.UTC)


# --- properties -------------------------------------------------------------------------

starts = st.datetimes(
    min_value=dt.datetime(2026, 1, 1),
    max_value=dt.datetime(2027, 6, 30),
    timezones=st.just(SHANGHAI),
)
hour_limits = st.one_of(
    st.integers(min_value=1, max_value=120).map(lambda hours: Limit(hours=hours)),
    st.floats(min_value=0.01, max_value=60, allow_nan=False).map(
        lambda hours: Limit(hours=round(hours, 2))
    ),
)
day_limits = st.integers(min_value=1, max_value=30).map(lambda days: Limit(days=days))
# Random holidays and adjusted working days on top of the plain week.
overrides = st.dictionaries(
    st.dates(min_value=dt.date(2026, 1, 1), max_value=dt.date(2027, 12, 31)),
    st.booleans(),
    max_size=80,
)


@settings(max_examples=300, deadline=None)
@given(start=starts, limit=st.one_of(hour_limits, day_limits), days_off=overrides)
def test_due_is_never_in_non_working_time_except_at_a_close(
    start: dt.datetime, limit: Limit, days_off: dict[dt.date, bool]
) -> None:
    calendar = WorkingCalendar(days_off)
    due = deadline(calendar, start, limit)
    assert due > start
    assert calendar.is_workday(calendar.local_date(due))
    assert calendar.is_working_instant(due) or calendar.is_period_close(due)


@settings(max_examples=300, deadline=None)
@given(start=starts, limit=hour_limits, days_off=overrides)
def test_working_time_between_start_and_due_is_the_limit(
    start: dt.datetime, limit: Limit, days_off: dict[dt.date, bool]
) -> None:
    calendar = WorkingCalendar(days_off)
    due = deadline(calendar, start, limit)
    assert limit.hours is not None
    assert calendar.working_time_between(start, due) == dt.timedelta(hours=limit.hours)


@settings(max_examples=300, deadline=None)
@given(start=starts, limit=day_limits, days_off=overrides)
def test_working_days_between_start_and_due_are_the_limit(
    start: dt.datetime, limit: Limit, days_off: dict[dt.date, bool]
) -> None:
    calendar = WorkingCalendar(days_off)
    due = deadline(calendar, start, limit)
    assert calendar.working_days_between(start, due) == limit.days
    assert calendar.is_period_close(due)


@settings(max_examples=200, deadline=None)
@given(
    first=starts,
    later_by=st.timedeltas(min_value=dt.timedelta(0), max_value=dt.timedelta(days=20)),
    limit=st.one_of(hour_limits, day_limits),
    days_off=overrides,
)
def test_deadline_is_monotone_in_start(
    first: dt.datetime, later_by: dt.timedelta, limit: Limit, days_off: dict[dt.date, bool]
) -> None:
    calendar = WorkingCalendar(days_off)
    assert deadline(calendar, first, limit) <= deadline(calendar, first + later_by, limit)


@settings(max_examples=200, deadline=None)
@given(
    start=starts,
    smaller=st.integers(min_value=1, max_value=60),
    extra=st.integers(min_value=0, max_value=60),
    days_off=overrides,
)
def test_deadline_is_monotone_in_limit(
    start: dt.datetime, smaller: int, extra: int, days_off: dict[dt.date, bool]
) -> None:
    calendar = WorkingCalendar(days_off)
    for kind in ("hours", "days"):
        low = deadline(calendar, start, Limit.parse({kind: smaller}))
        high = deadline(calendar, start, Limit.parse({kind: smaller + extra}))
        assert low <= high


@settings(max_examples=200, deadline=None)
@given(start=starts, limit=st.one_of(hour_limits, day_limits), days_off=overrides)
def test_warning_comes_before_due_at_three_quarters(
    start: dt.datetime, limit: Limit, days_off: dict[dt.date, bool]
) -> None:
    calendar = WorkingCalendar(days_off)
    due = deadline(calendar, start, limit)
    warn = warning_time(calendar, start, due)
    assert start <= warn <= due
    total = calendar.working_time_between(start, due)
    used = calendar.working_time_between(start, warn)
    assert abs(used - total * 0.75) <= dt.timedelta(microseconds=1)


def test_a_minutes_limit_counts_every_minute_day_or_night() -> None:
    # Saturday night of a holiday week: no working time for days, yet due 30 minutes on.
    night = local(2026, 2, 14, 23, 50)
    assert deadline(CALENDAR, night, Limit(minutes=30)) == local(2026, 2, 15, 0, 20).astimezone(
        dt.UTC
    )
    assert deadline(CALENDAR, night, Limit(minutes=30)).tzinfo == dt.UTC
    working = local(2026, 3, 2, 9, 0)
    assert deadline(CALENDAR, working, Limit(minutes=90)) == local(2026, 3, 2, 10, 30)


def test_a_minutes_limit_warns_at_its_share_of_wall_clock_time() -> None:
    night = local(2026, 2, 16, 2, 0)  # a day off, at night
    due = deadline(CALENDAR, night, Limit(minutes=40))
    assert limit_warning_time(CALENDAR, night, due, Limit(minutes=40), 0.75) == local(
        2026, 2, 16, 2, 30
    )
    # Hours and days keep their working-time warning.
    start = local(2026, 3, 2, 9, 0)
    hours_due = deadline(CALENDAR, start, Limit(hours=4))
    assert limit_warning_time(CALENDAR, start, hours_due, Limit(hours=4), 0.75) == warning_time(
        CALENDAR, start, hours_due, 0.75
    )


@settings(max_examples=200, deadline=None)
@given(
    start=st.datetimes(
        min_value=dt.datetime(2026, 1, 1),
        max_value=dt.datetime(2027, 12, 31),
        timezones=st.just(SHANGHAI),
    ),
    minutes=st.integers(min_value=1, max_value=10080),
)
def test_a_minutes_limit_is_exactly_that_many_minutes(start: dt.datetime, minutes: int) -> None:
    due = deadline(CALENDAR, start, Limit(minutes=minutes))
    assert due - start == dt.timedelta(minutes=minutes)
    warn = limit_warning_time(CALENDAR, start, due, Limit(minutes=minutes), 0.75)
    assert start <= warn <= due
