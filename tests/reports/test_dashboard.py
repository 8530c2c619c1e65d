"""The dashboard's grouped counts: registry and open cases per child node, the weekly
trend, the caller's part of a node above theirs, and the periods."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import event

from gridgov import clock
from gridgov.access.principal import Principal, Scope
from gridgov.errors import NotFound, PermissionDenied
from gridgov.reports.dashboard import period_days, territory_counts, weekly_trend
from tests.factories.registry import make_household, make_resident
from tests.factories.territory import make_tree
from tests.reports.factory import make_case


def _principal(role: str, code: str | None) -> Principal:
    return Principal(
        user_id="u-test", username="test", scopes=(Scope(role=role, territory_code=code),)
    )


def test_counts_per_child_in_four_queries(session) -> None:
    tree = make_tree(session, villages=2, grids_per_village=2, units_per_grid=1)
    first, second = tree.villages
    unit_a = tree.units[tree.grids[first.code][0].code][0]
    unit_b = tree.units[tree.grids[second.code][1].code][0]
    for _ in range(3):
        make_resident(session, household=make_household(session, unit=unit_a))
    make_resident(
        session, household=make_household(session, unit=unit_b), residence_status="working_away"
    )
    make_resident(session, household=make_household(session, unit=unit_b), key_groups=("disabled",))
    now = clock.now()
    make_case(session, territory_code=unit_a.code, created_at=now - dt.timedelta(days=3))
    make_case(
        session,
        territory_code=unit_b.code,
        created_at=now - dt.timedelta(days=3),
        due_at=now - dt.timedelta(hours=1),
    )
    make_case(
        session,
        territory_code=unit_b.code,
        created_at=now - dt.timedelta(days=3),
        state="closed",
        hours_to_close=5,
    )
    statements: list[str] = []
    listen = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(session.get_bind(), "before_cursor_execute", listen)
    try:
        counts = territory_counts(session, territory_code=tree.town.code, now=now)
    finally:
        event.remove(session.get_bind(), "before_cursor_execute", listen)
    grouped = [s for s in statements if "GROUP BY" in s.upper()]
    assert len(grouped) == 4, statements
    assert counts.children[first.code].households == 3
    assert counts.children[first.code].residents == 3
    assert counts.children[first.code].open_cases == 1
    assert counts.children[first.code].overdue_cases == 0
    assert counts.children[second.code].households == 2
    assert counts.children[second.code].residents == 2
    assert counts.children[second.code].key_group_residents == 1
    assert counts.children[second.code].open_cases == 1
    assert counts.children[second.code].overdue_cases == 1
    assert counts.total.households == 5 and counts.total.open_cases == 2
    assert counts.total.overdue_cases == 1


def test_a_node_above_the_caller_counts_their_part_only(session) -> None:
    tree = make_tree(session, villages=2, grids_per_village=1, units_per_grid=1)
    mine, other = tree.all_grids()
    make_household(session, unit=tree.units[mine.code][0])
    make_household(session, unit=tree.units[other.code][0])
    leader = _principal("grid_leader", mine.code)
    counts = territory_counts(
        session, territory_code=tree.town.code, now=clock.now(), principal=leader
    )
    assert counts.total.households == 1
    assert set(counts.children) == {mine.code[:12]}
    with pytest.raises(NotFound):
        territory_counts(session, territory_code=other.code, now=clock.now(), principal=leader)
    with pytest.raises(PermissionDenied):
        territory_counts(
            session,
            territory_code=mine.code,
            now=clock.now(),
            principal=_principal("party_member", mine.code),
        )


def test_weekly_trend_counts_opened_and_closed_per_local_week(session) -> None:
    tree = make_tree(session, villages=1, grids_per_village=1, units_per_grid=1)
    unit = tree.units[tree.all_grids()[0].code][0]
    # TEST_NOW is Monday 2026-11-30 09:00 in Shanghai; November's weeks start on Mondays
    # 26 Oct, 2, 9, 16, 23 and 30 Nov.
    start, end = clock.day_span(dt.date(2026, 11, 1), dt.date(2026, 11, 30))
    local = lambda day, hour: clock.from_local(dt.datetime(2026, 11, day, hour))  # noqa: E731
    make_case(session, territory_code=unit.code, created_at=local(1, 10))  # Sunday: 1st week
    make_case(session, territory_code=unit.code, created_at=local(2, 0) + dt.timedelta(minutes=5))
    make_case(
        session, territory_code=unit.code, created_at=local(8, 23), state="closed", hours_to_close=2
    )  # created Sunday 8th, closed Monday 9th 01:00 local
    make_case(session, territory_code=unit.code, created_at=local(1, 7) - dt.timedelta(days=1))
    weeks = weekly_trend(session, territory_code=tree.town.code, start=start, end=end)
    assert [w.start for w in weeks] == [
        dt.date(2026, 10, 26),
        dt.date(2026, 11, 2),
        dt.date(2026, 11, 9),
        dt.date(2026, 11, 16),
        dt.date(2026, 11, 23),
        dt.date(2026, 11, 30),
    ]
    assert [w.opened for w in weeks] == [1, 2, 0, 0, 0, 0]
    assert [w.closed for w in weeks] == [0, 0, 1, 0, 0, 0]


def test_periods() -> None:
    today = dt.date(2026, 2, 14)
    assert period_days("this_month", today) == (dt.date(2026, 2, 1), today)
    assert period_days("last_3_months", today) == (dt.date(2025, 12, 1), today)
    assert period_days("this_year", today) == (dt.date(2026, 1, 1), today)
    with pytest.raises(ValueError):
        period_days("forever", today)
