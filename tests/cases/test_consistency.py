"""cases.consistency.stuck_cases: none for cases the workflow made; each way a case can be
left stuck is found and named."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from gridgov import clock
from gridgov.cases.actions import check_transition
from gridgov.cases.consistency import stuck_cases
from gridgov.cases.models import Case
from tests.cases.case_world import MONDAY_9AM, World, make_world, report


@pytest.fixture
def world(session: Session) -> Iterator[World]:
    with clock.frozen(MONDAY_9AM):
        yield make_world(session)


def _act(session: Session, world: World, case: Case, action: str, note: str = "") -> None:
    check_transition(
        session,
        case,
        action=action,
        principal=world.principal(session, world.administrator),
        actor="test",
        note=note,
    )


def _reasons(session: Session) -> set[tuple[str, str]]:
    session.expire_all()
    return {(stuck.case_id, stuck.reason) for stuck in stuck_cases(session)}


def test_cases_the_workflow_made_are_not_stuck(session: Session, world: World) -> None:
    reported = report(session, world)
    resolved = report(session, world, description="路灯坏了")
    _act(session, world, resolved, "accept")
    _act(session, world, resolved, "resolve", note="修好了")
    returned = report(session, world, description="垃圾没人收")
    _act(session, world, returned, "return", note="哪一栋?")
    rejected = report(session, world, description="不归我们管")
    _act(session, world, rejected, "reject_out_of_scope", note="交通部门")
    session.flush()
    assert {reported.state, resolved.state, returned.state, rejected.state} == {
        "reported",
        "resolved",
        "returned",
        "rejected",
    }
    assert stuck_cases(session) == []


def test_each_way_of_being_stuck_is_named(session: Session, world: World) -> None:
    no_timer = report(session, world)
    final_with_timer = report(session, world, description="b")
    _act(session, world, final_with_timer, "reject_out_of_scope", note="no")
    lost_handler = report(session, world, description="c")
    timeline = report(session, world, description="d")
    session.flush()
    cases = Case.__table__
    session.execute(update(cases).where(cases.c.id == no_timer.id).values(due_at=None))
    session.execute(
        update(cases)
        .where(cases.c.id == final_with_timer.id)
        .values(due_at=MONDAY_9AM + dt.timedelta(days=1))
    )
    session.execute(
        update(cases).where(cases.c.id == lost_handler.id).values(handler_code=world.village)
    )
    session.execute(update(cases).where(cases.c.id == timeline.id).values(state="accepted"))
    assert _reasons(session) == {
        (no_timer.id, "no timer"),
        (final_with_timer.id, "timer on a final case"),
        (lost_handler.id, "no handler node"),
        (timeline.id, "timeline"),
    }
