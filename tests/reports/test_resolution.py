"""Resolution measures on a hand-made set of cases, checked exactly, on both backends."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from sqlalchemy.orm import Session

from gridgov import clock
from gridgov.accounts.principal import principal_for
from gridgov.errors import NotFound, PermissionDenied, ValidationFailed
from gridgov.reports.resolution import local_period, resolution_report
from tests.factories.access import make_user
from tests.factories.territory import Tree, make_tree
from tests.reports.factory import make_case

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
NOW = dt.datetime(2026, 4, 10, 9, 0, tzinfo=SHANGHAI)
START, END = local_period(dt.date(2026, 3, 1), dt.date(2026, 3, 31))


def march(day: int, hour: int = 10) -> dt.datetime:
    return dt.datetime(2026, 3, day, hour, tzinfo=SHANGHAI)


@dataclass
class Island:
    tree: Tree

    @property
    def village_1(self) -> str:
        return self.tree.villages[0].code

    @property
    def village_2(self) -> str:
        return self.tree.villages[1].code

    def unit(self, village: int, grid: int = 0, unit: int = 0) -> str:
        grid_code = self.tree.grids[self.tree.villages[village - 1].code][grid].code
        return self.tree.units[grid_code][unit].code


def build_cases(session: Session) -> Island:
    """Village 1: 5 cases of the period; village 2: 4 (one located at the village itself);
    two outside the period."""
    island = Island(make_tree(session))
    v1_unit, v1_other = island.unit(1), island.unit(1, grid=1, unit=1)
    v2_unit = island.unit(2)
    closed = {"state": "closed"}
    make_case(session, territory_code=v1_unit, created_at=march(2), **closed, level="unit",
              hours_to_close=2, rating=5)  # fmt: skip
    make_case(session, territory_code=v1_unit, created_at=march(3), **closed, level="unit",
              hours_to_close=4, overdue_ever=True, reopens=1, rating=4)  # fmt: skip
    make_case(session, territory_code=v1_other, created_at=march(4), **closed, level="grid",
              hours_to_close=10, rating=3)  # fmt: skip
    make_case(session, territory_code=v1_other, created_at=march(5), **closed, level="village",
              hours_to_close=20, overdue_ever=True)  # fmt: skip
    make_case(session, territory_code=v1_unit, created_at=march(30), state="in_progress",
              level="grid", due_at=NOW - dt.timedelta(hours=1), overdue_ever=True)  # fmt: skip
    make_case(session, territory_code=v2_unit, created_at=march(6), **closed, level="town",
              hours_to_close=30, rating=5)  # fmt: skip
    make_case(session, territory_code=v2_unit, created_at=march(31, 23), state="reported",
              due_at=NOW + dt.timedelta(hours=5))  # fmt: skip
    make_case(session, territory_code=v2_unit, created_at=march(7), state="rejected")
    make_case(session, territory_code=island.village_2, created_at=march(8), state="withdrawn")
    # Outside the period: the last hour of February and the first of April (local time).
    february = dt.datetime(2026, 2, 28, 23, 30, tzinfo=SHANGHAI)
    april = dt.datetime(2026, 4, 1, 0, 0, tzinfo=SHANGHAI)
    make_case(session, territory_code=v1_unit, created_at=february, **closed, level="unit",
              hours_to_close=1)  # fmt: skip
    make_case(session, territory_code=v2_unit, created_at=april, state="reported")
    return island


def report(session: Session, code: str, **kwargs):
    return resolution_report(session, territory_code=code, start=START, end=END, now=NOW, **kwargs)


def test_local_period_is_local_days_with_to_inclusive() -> None:
    start, end = local_period(dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    assert start == dt.datetime(2026, 2, 28, 16, 0, tzinfo=dt.UTC)
    assert end == dt.datetime(2026, 3, 31, 16, 0, tzinfo=dt.UTC)
    with pytest.raises(ValidationFailed) as refused:
        local_period(dt.date(2026, 3, 2), dt.date(2026, 3, 1))
    assert refused.value.fields == {"to": "2026-03-01 is before from (2026-03-02)"}


def test_town_measures(session: Session) -> None:
    island = build_cases(session)
    town = report(session, island.tree.town.code).territory
    assert town.total == 9
    assert town.by_state == {
        "reported": 1, "accepted": 0, "in_progress": 1, "returned": 0,
        "resolved": 0, "closed": 5, "rejected": 1, "withdrawn": 1,
    }  # fmt: skip
    assert town.closed == 5
    assert town.closed_at == {"unit": 0.4, "grid": 0.2, "village": 0.2, "town_and_above": 0.2}
    assert town.on_time_rate == 0.6
    assert town.median_hours_to_close == 10
    assert town.reopen_rate == 0.2
    assert town.rated == 4
    assert town.satisfaction_rate == 0.75
    assert town.overdue_now == 1


def test_per_village_in_one_report(session: Session) -> None:
    island = build_cases(session)
    result = report(session, island.tree.town.code)
    by_code = {child.code: child for child in result.children}
    assert list(by_code) == [island.village_1, island.village_2]
    first, second = by_code[island.village_1], by_code[island.village_2]
    assert (first.total, first.closed) == (5, 4)
    assert first.closed_at == {"unit": 0.5, "grid": 0.25, "village": 0.25, "town_and_above": 0}
    assert first.on_time_rate == 0.5
    assert first.median_hours_to_close == 7  # the mean of the middle two: 4 and 10
    assert first.reopen_rate == 0.25
    assert first.satisfaction_rate == pytest.approx(2 / 3)
    assert first.overdue_now == 1
    assert (second.total, second.closed, second.overdue_now) == (4, 1, 0)
    assert second.closed_at["town_and_above"] == 1
    assert second.median_hours_to_close == 30
    assert (second.on_time_rate, second.reopen_rate, second.satisfaction_rate) == (1, 0, 1)
    assert result.at_node is None  # every case of the town is in one of its villages


def test_village_report_has_its_grids_and_the_cases_at_the_village_itself(
    session: Session,
) -> None:
    island = build_cases(session)
    result = report(session, island.village_2)
    assert result.territory.total == 4
    assert [child.code for child in result.children] == [
        grid.code for grid in island.tree.grids[island.village_2]
    ]
    assert [child.total for child in result.children] == [3, 0]
    assert result.children[1].closed_at["unit"] is None  # nothing closed: no share
    assert result.children[1].median_hours_to_close is None
    assert result.at_node is not None
    assert (result.at_node.total, result.at_node.by_state["withdrawn"]) == (1, 1)


def test_unit_report_has_no_children(session: Session) -> None:
    island = build_cases(session)
    result = report(session, island.unit(1))
    assert result.children == []
    assert result.at_node is None
    assert (result.territory.total, result.territory.closed) == (3, 2)
    assert result.territory.median_hours_to_close == 3


def test_empty_period_gives_zeros_and_no_rates(session: Session) -> None:
    island = build_cases(session)
    result = resolution_report(
        session,
        territory_code=island.tree.town.code,
        start=START - dt.timedelta(days=300),
        end=START - dt.timedelta(days=200),
        now=NOW,
    )
    assert result.territory.total == 0
    assert result.territory.on_time_rate is None
    assert result.territory.median_hours_to_close is None
    assert [child.total for child in result.children] == [0, 0]


def test_scoped_to_the_callers_territory(session: Session) -> None:
    island = build_cases(session)
    grid_code = island.tree.grids[island.village_1][0].code
    leader = principal_for(
        session, make_user(session, role="grid_leader", territory_code=grid_code)
    )
    assert report(session, grid_code, principal=leader).territory.total == 3
    for outside in (island.village_2, "350305108999"):
        with pytest.raises(NotFound):
            report(session, outside, principal=leader)
    # Above the leader's grid (issue #10): their part only, and only their grid as a child.
    for above, child in ((island.tree.town.code, island.village_1), (island.village_1, grid_code)):
        partial = report(session, above, principal=leader)
        assert partial.territory.total == 3
        assert [node.code for node in partial.children] == [child]
    secretary = principal_for(
        session, make_user(session, role="village_secretary", territory_code=island.village_1)
    )
    assert report(session, island.village_1, principal=secretary).territory.total == 5
    with pytest.raises(NotFound):
        report(session, island.village_2, principal=secretary)
    resident = principal_for(session, make_user(session))
    with pytest.raises(PermissionDenied):
        report(session, island.village_1, principal=resident)


def test_missing_node_and_bad_code(session: Session) -> None:
    build_cases(session)
    with pytest.raises(NotFound):
        report(session, "350305108777")
    with pytest.raises(ValidationFailed):
        report(session, "12ab")


def test_clock_is_the_now_given(session: Session) -> None:
    island = build_cases(session)
    with clock.frozen(NOW):
        later = resolution_report(
            session,
            territory_code=island.tree.town.code,
            start=START,
            end=END,
            now=NOW + dt.timedelta(hours=6),
        )
    # The reported case of 31 March is due 5 hours after NOW: overdue 6 hours after.
    assert later.territory.overdue_now == 2
