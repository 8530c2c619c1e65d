"""A batch (cases.timers.steps.do_timer_step, as the jobs run it) writes exactly what a
batch of one (do_auto_escalate, do_warn) writes: on pairs of identical cases, one acted on
by the single-case step and its twin by the job, the case rows, the timeline events, the
outbox messages and the audit entries are the same but for the case's id."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov import clock
from gridgov.accounts.models import User
from gridgov.audit.models import AuditEntry
from gridgov.cases.actions import check_transition
from gridgov.cases.models import Case, CaseEvent
from gridgov.cases.recipients import handlers_of, handlers_of_nodes
from gridgov.cases.timers.steps import do_auto_escalate, do_timer_step, do_warn
from gridgov.cases.timers.sweep import claim_due
from gridgov.jobs.actor import JOB_ACTOR
from gridgov.jobs.escalation import run_escalation_step, run_warning_step
from gridgov.notify.models import OutboxMessage
from gridgov.posts.actions import check_start_post
from tests.cases.case_world import MONDAY_9AM, World, events, make_world, report
from tests.factories.access import make_user
from tests.factories.registry import make_resident

MINUTE = dt.timedelta(minutes=1)


def _act(session: Session, world: World, case: Case, user: User, action: str, **kw: Any) -> None:
    check_transition(
        session,
        case,
        action=action,
        principal=world.principal(session, user),
        actor=f"user:{user.username}",
        **kw,
    )


def _twins(session: Session, world: World, *, merged: bool = False) -> tuple[Case, Case]:
    """Two cases alike in everything but their ids (each with a follower when ``merged``:
    the other reporter, whose own case was merged into it)."""
    pair = []
    for _ in range(2):
        case = report(session, world, description="路灯坏了")
        if merged:
            other = report(
                session, world, reporter=world.other_reporter, household=world.other_household
            )
            _act(
                session,
                world,
                other,
                world.grid_leader,
                "reject_duplicate",
                duplicate_of_id=case.id,
            )
        pair.append(case)
    return pair[0], pair[1]


def _row(session: Session, case: Case) -> dict[str, Any]:
    session.expire(case)
    return {key: value for key, value in _columns(case).items() if key != "id"}


def _columns(obj: Any) -> dict[str, Any]:
    return {column.key: getattr(obj, column.key) for column in obj.__table__.columns}


def _last_event(session: Session, case: Case) -> dict[str, Any]:
    event = events(session, case)[-1]
    return {k: v for k, v in _columns(event).items() if k not in ("id", "case_id")}


def _messages(session: Session, case: Case) -> list[dict[str, Any]]:
    """The case's outbox messages (by kind: ids made within one millisecond are not in
    the order they were made)."""
    rows = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
    found = []
    for row in rows:
        if row.payload.get("case_id") != case.id:
            continue
        found.append(
            {
                **{k: v for k, v in _columns(row).items() if k not in ("id", "payload")},
                "payload": {k: v for k, v in row.payload.items() if k != "case_id"},
            }
        )
    return sorted(found, key=lambda message: (message["created_at"], message["kind"]))


def _audit(session: Session, case: Case) -> list[dict[str, Any]]:
    """The case's audit entries of action update (the step's own is the last)."""
    rows = session.scalars(
        select(AuditEntry)
        .where(AuditEntry.object_id == case.id, AuditEntry.action == "update")
        .order_by(AuditEntry.id)
    )
    found = [
        {k: v for k, v in _columns(row).items() if k not in ("id", "object_id")} for row in rows
    ]
    # By time, then content: ids made within one millisecond are in no particular order.
    return sorted(found, key=lambda entry: (entry["at"], repr(entry["changes"])))


def _assert_twins(session: Session, single: Case, batch: Case) -> None:
    assert _row(session, batch) == _row(session, single)
    assert _last_event(session, batch) == _last_event(session, single)
    assert len(events(session, batch)) == len(events(session, single))
    assert _messages(session, batch) == _messages(session, single)
    assert _audit(session, batch) == _audit(session, single)


def test_the_batch_escalation_writes_what_do_auto_escalate_writes(session: Session) -> None:
    session.info["actor"] = "system"
    with clock.frozen(MONDAY_9AM):
        world = make_world(session)
        single, batch = _twins(session, world, merged=True)
        _act(session, world, single, world.unit_leader, "accept")
        _act(session, world, batch, world.unit_leader, "accept")
        # A pair at the top level: only recorded as overdue, the deadline cleared.
        top_single, top_batch = _twins(session, world)
        for case in (top_single, top_batch):
            for _ in range(4):
                _act(session, world, case, world.administrator, "escalate", note="上报")
    assert (top_batch.level, batch.state) == ("district", "accepted")
    assert single.due_at is not None and top_single.due_at is not None
    now = max(single.due_at, top_single.due_at) + MINUTE
    with clock.frozen(now):
        do_auto_escalate(session, single, now=now, actor=JOB_ACTOR)
        do_auto_escalate(session, top_single, now=now, actor=JOB_ACTOR)
        assert run_escalation_step(session, now=now) == 2  # the twins, in one batch
    assert (batch.level, batch.state, batch.escalations) == ("grid", "reported", 1)
    assert batch.overdue_ever and batch.due_at is not None and batch.due_at > now
    assert (top_batch.level, top_batch.due_at, top_batch.warn_at) == ("district", None, None)
    _assert_twins(session, single, batch)
    _assert_twins(session, top_single, top_batch)
    kinds = [message["kind"] for message in _messages(session, batch)]
    assert kinds[-2:] == ["case_escalated", "case_updated"]  # both at the step's time
    assert _messages(session, batch)[-1]["recipients"] == sorted(
        [world.reporter.id, world.other_reporter.id]
    )
    assert _audit(session, batch)[-1]["changes"]["level"] == ["unit", "grid"]
    assert _last_event(session, top_batch)["action"] == "overdue"


def test_the_batch_warning_writes_what_do_warn_writes(session: Session) -> None:
    session.info["actor"] = "system"
    with clock.frozen(MONDAY_9AM):
        world = make_world(session)
        single, batch = _twins(session, world)
    assert single.warn_at is not None and single.due_at is not None
    warned = batch.warn_at
    now = single.warn_at + MINUTE
    assert now < single.due_at
    with clock.frozen(now):
        do_warn(session, single, now=now, actor=JOB_ACTOR)
        assert run_warning_step(session, now=now) == 1
        assert run_warning_step(session, now=now) == 0
    assert batch.warn_at is None
    _assert_twins(session, single, batch)
    assert [m["kind"] for m in _messages(session, batch)][-1] == "case_due_soon"
    assert _audit(session, batch)[-1]["changes"] == {"warn_at": [warned.isoformat(), None]}


def test_a_case_changed_after_the_claim_is_left_for_the_next_sweep(session: Session) -> None:
    with clock.frozen(MONDAY_9AM):
        world = make_world(session)
        case = report(session, world)
    assert case.due_at is not None
    now = case.due_at + MINUTE
    with clock.frozen(now):
        claimed = claim_due(session, "auto_escalate", now=now, limit=10)
        assert [row.id for row in claimed] == [case.id]
        # Someone accepts the case between the claim and the write: its version moves.
        _act(session, world, case, world.unit_leader, "accept")
        assert do_timer_step(session, claimed, "auto_escalate", now=now, actor=JOB_ACTOR) == []
        session.expire(case)
        assert (case.level, case.state) == ("unit", "accepted")
        assert [e.action for e in events(session, case)] == ["report", "accept"]
        # The next sweep reads it again and escalates it.
        assert run_escalation_step(session, now=now) == 1
    assert (case.level, case.state) == ("grid", "reported")
    last = session.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq.desc())
    ).first()
    assert last is not None and (last.seq, last.action) == (3, "auto_escalate")


def test_the_handlers_of_many_nodes_are_those_of_each_node(session: Session) -> None:
    with clock.frozen(MONDAY_9AM):
        world = make_world(session)
        # A grid member's post carries the grid leader's role on the other grid.
        other_grid = world.tree.all_grids()[1].code
        member = make_resident(session, household=world.other_household)
        check_start_post(
            session,
            resident_id=member.id,
            post_type="grid_member",
            territory_code=other_grid,
            start_date=MONDAY_9AM.date(),
            actor="test",
        )
        make_user(session, resident_id=member.id)
        session.flush()
        tree = world.tree
        nodes = {
            "unit": [unit.code for unit in tree.all_units()],
            "grid": [grid.code for grid in tree.all_grids()],
            "village": [village.code for village in tree.villages],
            "town": [tree.town.code],
            "district": [tree.district.code],
        }
        for level, codes in nodes.items():
            expected = {code: handlers_of(session, code, level) for code in codes}
            assert handlers_of_nodes(session, codes, level) == expected
        grids = handlers_of_nodes(session, nodes["grid"], "grid")
        assert grids[world.grid] == [world.grid_leader.id]
        assert len(grids[other_grid]) == 1  # the grid member's user
        assert handlers_of_nodes(session, nodes["district"], "district")[tree.district.code] == [
            world.administrator.id
        ]
