"""The one module for time: UTC instants, and the deployment's local dates and times."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from zoneinfo import ZoneInfo

import pytest

from gridgov import clock

SHANGHAI = ZoneInfo("Asia/Shanghai")
# 00:30 on 1 December in Beijing: still 30 November in UTC.
HALF_PAST_MIDNIGHT = dt.datetime(2026, 11, 30, 16, 30, tzinfo=dt.UTC)


@pytest.fixture
def in_utc() -> Iterator[None]:
    clock.configure(timezone="UTC")
    yield
    clock.configure(timezone=clock.DEFAULT_TIMEZONE)


def test_now_is_aware_utc_and_frozen_in_tests() -> None:
    with clock.frozen(dt.datetime(2026, 3, 2, 9, tzinfo=SHANGHAI)):
        assert clock.now() == dt.datetime(2026, 3, 2, 1, tzinfo=dt.UTC)
        assert clock.now().tzinfo is dt.UTC


def test_a_naive_frozen_time_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"), clock.frozen(dt.datetime(2026, 3, 2)):
        pass


def test_today_is_the_local_date_not_the_utc_date() -> None:
    assert clock.zone() == SHANGHAI  # the default deployment timezone
    with clock.frozen(HALF_PAST_MIDNIGHT):
        assert clock.now().date() == dt.date(2026, 11, 30)
        assert clock.today() == dt.date(2026, 12, 1)
    with clock.frozen(dt.datetime(2026, 11, 30, 15, 59, 59, tzinfo=dt.UTC)):
        assert clock.today() == dt.date(2026, 11, 30)  # 23:59:59 in Beijing


def test_today_follows_the_configured_timezone(in_utc: None) -> None:
    assert clock.zone() == ZoneInfo("UTC")
    with clock.frozen(HALF_PAST_MIDNIGHT):
        assert clock.today() == dt.date(2026, 11, 30)


def test_an_unknown_timezone_is_refused_and_the_old_one_kept() -> None:
    with pytest.raises(ValueError, match="unknown timezone 'Mars/Olympus'"):
        clock.configure(timezone="Mars/Olympus")
    with pytest.raises(ValueError, match="unknown timezone"):
        clock.configure(timezone="../etc/passwd")
    assert clock.zone() == SHANGHAI


def test_local_and_local_iso_show_an_instant_in_the_zone() -> None:
    shown = clock.local(HALF_PAST_MIDNIGHT)
    assert shown == HALF_PAST_MIDNIGHT and shown.tzinfo == SHANGHAI
    assert (shown.date(), shown.time()) == (dt.date(2026, 12, 1), dt.time(0, 30))
    assert clock.local_iso(HALF_PAST_MIDNIGHT) == "2026-12-01T00:30:00+08:00"
    with pytest.raises(ValueError, match="timezone-aware"):
        clock.local(dt.datetime(2026, 12, 1, 0, 30))


def test_local_iso_in_utc(in_utc: None) -> None:
    assert clock.local_iso(HALF_PAST_MIDNIGHT) == "2026-11-30T16:30:00+00:00"


def test_from_local_reads_a_wall_clock_time_of_the_zone() -> None:
    assert clock.from_local(dt.datetime(2026, 12, 1, 0, 30)) == HALF_PAST_MIDNIGHT
    aware = dt.datetime(2026, 12, 1, 0, 30, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    assert clock.from_local(aware) == dt.datetime(2026, 11, 30, 23, 30, tzinfo=dt.UTC)
    assert clock.from_local(aware).tzinfo is dt.UTC


def test_a_local_day_starts_at_its_midnight_in_the_zone() -> None:
    assert clock.day_start(dt.date(2026, 12, 1)) == dt.datetime(2026, 11, 30, 16, tzinfo=dt.UTC)
    start, end = clock.day_span(dt.date(2026, 12, 1), dt.date(2026, 12, 31))
    assert start == dt.datetime(2026, 11, 30, 16, tzinfo=dt.UTC)
    assert end == dt.datetime(2026, 12, 31, 16, tzinfo=dt.UTC)
    assert start <= HALF_PAST_MIDNIGHT < end


def test_day_span_in_utc(in_utc: None) -> None:
    assert clock.day_span(dt.date(2026, 12, 1), dt.date(2026, 12, 1)) == (
        dt.datetime(2026, 12, 1, tzinfo=dt.UTC),
        dt.datetime(2026, 12, 2, tzinfo=dt.UTC),
    )
