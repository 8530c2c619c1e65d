"""Escalation in minutes, on a clock the test moves: unconfirmed 60 minutes after the start
to the grid leader, 30 minutes later to the village secretary, with the reason; and a help
case past its minutes escalates like any case."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov import clock
from gridgov.cases.models import Case
from gridgov.emergency.escalation import run_rollcall_escalation_step
from gridgov.emergency.models import RollCallHousehold
from gridgov.jobs.escalation import run_escalation_step
from gridgov.notify.models import OutboxMessage
from tests.emergency.rollcall_world import (
    Island,
    kept_counts,
    make_island,
    minutes,
    recount,
    start,
)
from tests.emergency.test_confirm import confirm


@pytest.fixture
def island(session: Session) -> Island:
    return make_island(session)


def _escalated(session: Session, roll_call_id: str) -> dict[str, str | None]:
    rows = session.scalars(
        select(RollCallHousehold).where(RollCallHousehold.roll_call_id == roll_call_id)
    )
    return {row.household_no: row.escalated_to for row in rows}


def _messages(session: Session) -> list[OutboxMessage]:
    return list(
        session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "rollcall_escalated"))
    )


def test_unconfirmed_go_to_the_grid_leader_then_the_village_secretary(
    session: Session, island: Island
) -> None:
    roll_call = start(session, island, territory=island.village, by="secretary")
    t0 = roll_call.started_at
    with clock.frozen(t0 + minutes(10)):
        confirm(session, island, roll_call, "unit_leader", "plain")
    assert run_rollcall_escalation_step(session, now=t0 + minutes(59)) == 0
    assert run_rollcall_escalation_step(session, now=t0 + minutes(60)) == 5
    escalated = _escalated(session, roll_call.id)
    assert escalated["A001"] is None  # confirmed in time
    assert {escalated[n] for n in ("A002", "A003", "A004", "A005", "B001")} == {"grid"}
    to_grid = [m for m in _messages(session) if m.payload["node"] == island.grid]
    assert to_grid[0].recipients == [island.users["grid_leader"].id]
    assert "60 minutes after the start" in to_grid[0].payload["body"]
    assert sorted(to_grid[0].payload["household_nos"]) == ["A002", "A003", "A004", "A005"]
    # Confirmed meanwhile: it goes no further.
    with clock.frozen(t0 + minutes(70)):
        confirm(session, island, roll_call, "unit_leader", "elderly")
    assert run_rollcall_escalation_step(session, now=t0 + minutes(89)) == 0
    assert run_rollcall_escalation_step(session, now=t0 + minutes(90)) == 4
    escalated = _escalated(session, roll_call.id)
    assert escalated["A002"] == "grid"
    assert {escalated[n] for n in ("A003", "A004", "A005", "B001")} == {"village"}
    to_village = [m for m in _messages(session) if m.payload["level"] == "village"]
    assert to_village[0].recipients == [island.users["secretary"].id]
    assert run_rollcall_escalation_step(session, now=t0 + minutes(600)) == 0
    session.expire_all()
    assert kept_counts(session, roll_call) == recount(session, roll_call)
    assert kept_counts(session, roll_call)[island.unit]["escalated"] == 1  # A005


def test_a_grid_without_a_grid_leader_goes_to_the_village_secretary_at_the_grid_step(
    session: Session, island: Island
) -> None:
    """B001's grid has no grid leader: at 60 minutes its household is shown to the
    secretary (it was shown to nobody until the village step)."""
    roll_call = start(session, island, territory=island.village, by="secretary")
    t0 = roll_call.started_at
    assert run_rollcall_escalation_step(session, now=t0 + minutes(60)) == 6
    second_grid = island.tree.grids[island.village][1].code
    to_secretary = [m for m in _messages(session) if island.users["secretary"].id in m.recipients]
    assert len(to_secretary) == 1
    assert to_secretary[0].payload["household_nos"] == ["B001"]
    assert [(e["node"], e["level"]) for e in to_secretary[0].payload["nodes"]] == [
        (second_grid, "grid")
    ]
    to_grid_leader = [
        m for m in _messages(session) if island.users["grid_leader"].id in m.recipients
    ]
    assert "B001" not in to_grid_leader[0].payload["household_nos"]


def test_minutes_are_set_per_roll_call(session: Session, island: Island) -> None:
    roll_call = start(session, island, grid_after_minutes=15, village_after_minutes=5)
    t0 = roll_call.started_at
    assert run_rollcall_escalation_step(session, now=t0 + minutes(15)) == 7
    assert run_rollcall_escalation_step(session, now=t0 + minutes(19)) == 0
    assert run_rollcall_escalation_step(session, now=t0 + minutes(20)) == 7


def test_a_help_case_past_its_minutes_escalates_at_night_too(
    session: Session, island: Island
) -> None:
    # Saturday 2026-12-05, 23:00 in Asia/Shanghai: no working time for days.
    night = clock.from_local(__import__("datetime").datetime(2026, 12, 5, 23, 0))
    with clock.frozen(night):
        roll_call = start(session, island, help_minutes=20)
        done = confirm(
            session, island, roll_call, "unit_leader", "elderly", status="needs_help", help="被困"
        )
    case = session.get(Case, done.help_case_id)
    assert case.due_at == night + minutes(20)
    assert run_escalation_step(session, now=night + minutes(19)) == 0
    assert run_escalation_step(session, now=night + minutes(20)) == 1
    session.refresh(case)
    assert case.level == "village" and case.escalations == 1
    assert case.due_at == night + minutes(40)  # the grid's minutes again, at the village


def test_one_message_per_recipient_per_sweep_whatever_their_nodes(
    session: Session, island: Island
) -> None:
    """A grid leader of two grids (and a secretary of two villages) gets ONE message a sweep
    listing every node's households, not one per node."""
    from gridgov.accounts.actions import check_assign_role

    second_grid = island.tree.grids[island.village][1].code
    for user, role, code in (
        ("grid_leader", "grid_leader", second_grid),
        ("secretary", "village_secretary", island.other_village),
    ):
        check_assign_role(
            session,
            user_id=island.users[user].id,
            role=role,
            territory_code=code,
            start_date=clock.today(),
            actor="test",
        )
    roll_call = start(session, island)
    t0 = roll_call.started_at
    assert run_rollcall_escalation_step(session, now=t0 + minutes(60)) == 7
    grid_leader = island.users["grid_leader"].id
    theirs = [m for m in _messages(session) if grid_leader in m.recipients]
    assert len(theirs) == 1
    assert theirs[0].payload["household_nos"] == ["A001", "A002", "A003", "A004", "A005", "B001"]
    assert [entry["node"] for entry in theirs[0].payload["nodes"]] == [island.grid, second_grid]
    assert "6 households still unconfirmed 60 minutes" in theirs[0].payload["body"]
    secretary = island.users["secretary"].id
    # The other village's grids have no grid leader: the secretary had them at 60 minutes.
    before = {m.id for m in _messages(session) if secretary in m.recipients}
    assert len(before) == 1
    assert run_rollcall_escalation_step(session, now=t0 + minutes(90)) == 7
    to_secretary = [
        m for m in _messages(session) if secretary in m.recipients and m.id not in before
    ]
    assert len(to_secretary) == 1
    assert [entry["node"] for entry in to_secretary[0].payload["nodes"]] == [
        island.village,
        island.other_village,
    ]
    assert len(to_secretary[0].payload["household_nos"]) == 7
