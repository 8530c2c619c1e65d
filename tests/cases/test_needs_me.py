"""cases.queries.what_needs_me: the home page's four lists, each within the reader's reach."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.orm import Session

from gridgov import clock
from gridgov.cases.actions import check_transition
from gridgov.cases.queries import what_needs_me
from tests.cases.case_world import MONDAY_9AM, World, make_world, report


@pytest.fixture
def world(session: Session) -> World:
    with clock.frozen(MONDAY_9AM):
        return make_world(session)


def test_the_four_lists_follow_the_case_and_the_reader(session: Session, world: World) -> None:
    with clock.frozen(MONDAY_9AM):
        case = report(session, world)  # at the unit level, reported by world.reporter
        unit_leader = world.principal(session, world.unit_leader)
        needs = what_needs_me(session, unit_leader, now=MONDAY_9AM)
        assert [c.id for c in needs.at_my_level.items] == [case.id]
        assert needs.at_my_level.total == 1 and needs.overdue.total == 0
        grid_leader = world.principal(session, world.grid_leader)
        assert what_needs_me(session, grid_leader, now=MONDAY_9AM).at_my_level.total == 0
        other = world.principal(session, world.other_unit_leader)
        assert what_needs_me(session, other, now=MONDAY_9AM).at_my_level.total == 0

    assert case.due_at is not None
    late = case.due_at + dt.timedelta(minutes=1)
    assert what_needs_me(session, unit_leader, now=late).overdue.total == 1
    assert what_needs_me(session, other, now=late).overdue.total == 0  # out of reach

    with clock.frozen(MONDAY_9AM):
        for action, extra in (("accept", {}), ("resolve", {"note": "已处理"})):
            check_transition(
                session,
                case,
                action=action,
                principal=unit_leader,
                actor=f"user:{world.unit_leader.username}",
                version=case.version,
                **extra,
            )
    assert case.state == "resolved"
    needs = what_needs_me(session, unit_leader, now=MONDAY_9AM)
    assert needs.at_my_level.total == 0
    assert [c.id for c in needs.waiting_for_feedback.items] == [case.id]
    reporter = world.principal(session, world.reporter)
    assert [
        c.id for c in what_needs_me(session, reporter, now=MONDAY_9AM).my_reports_to_rate.items
    ] == [case.id]
    other_reporter = world.principal(session, world.other_reporter)
    assert what_needs_me(session, other_reporter, now=MONDAY_9AM).my_reports_to_rate.total == 0
