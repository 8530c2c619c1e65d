"""The timer jobs: which rows a sweep claims, batches, a bad row, several workers at once
(PostgreSQL, FOR UPDATE SKIP LOCKED), and a restart that loses nothing."""

from __future__ import annotations

import datetime as dt
import logging
import threading

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from gridgov import clock
from gridgov.cases.actions import check_transition
from gridgov.cases.models import Case, CaseEvent
from gridgov.database.sessions import session_factory
from gridgov.jobs.escalation import (
    STEPS,
    run_auto_close_step,
    run_escalation_step,
    run_warning_step,
)
from gridgov.notify.models import OutboxMessage
from gridgov.storage.engine import create_engine_for
from tests.cases.case_world import MONDAY_9AM, World, make_world, report

HOUR = dt.timedelta(hours=1)


def _escalations(session: Session) -> int:
    return session.scalar(
        select(func.count()).select_from(CaseEvent).where(CaseEvent.action == "auto_escalate")
    )


def _report_at(session: Session, world: World, at: dt.datetime, count: int = 1) -> list[Case]:
    with clock.frozen(at):
        return [report(session, world, description=f"第{i}件") for i in range(count)]


def test_steps_are_in_the_order_the_worker_runs_them() -> None:
    assert (run_escalation_step, run_warning_step, run_auto_close_step) == STEPS


def test_a_sweep_claims_only_open_overdue_cases_oldest_first_in_batches(
    session: Session,
) -> None:
    with clock.frozen(MONDAY_9AM):
        world = make_world(session)
    early = _report_at(session, world, MONDAY_9AM, 2)
    late = _report_at(session, world, MONDAY_9AM + 2 * HOUR)[0]
    withdrawn = _report_at(session, world, MONDAY_9AM)[0]
    with clock.frozen(MONDAY_9AM):
        check_transition(
            session,
            withdrawn,
            action="withdraw",
            principal=world.principal(session, world.reporter),
            actor="user:reporter",
        )
    assert early[0].due_at is not None and late.due_at is not None
    assert early[0].due_at < late.due_at
    now = early[0].due_at
    with clock.frozen(now):
        assert run_escalation_step(session, now=now, batch=1) == 1
        assert run_escalation_step(session, now=now, batch=5) == 1  # the other early one
        assert run_escalation_step(session, now=now) == 0
    assert [case.level for case in early] == ["grid", "grid"]
    assert (late.level, withdrawn.level, withdrawn.state) == ("unit", "unit", "withdrawn")
    with clock.frozen(late.due_at):
        assert run_escalation_step(session, now=late.due_at) == 1
    assert late.level == "grid"
    assert _escalations(session) == 3


def test_a_bad_row_is_logged_and_skipped_and_the_rest_goes_through(
    session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    with clock.frozen(MONDAY_9AM):
        world = make_world(session)
    good, bad = _report_at(session, world, MONDAY_9AM, 2)
    # Broken data as a bad manual edit could leave it: no limit the calendar understands.
    bad.deadlines = {"grid": {"fortnights": 1}}
    session.flush()
    assert good.due_at is not None
    now = good.due_at
    with clock.frozen(now), caplog.at_level(logging.ERROR, logger="gridgov.jobs.escalation"):
        assert run_escalation_step(session, now=now) == 1
    assert (good.level, bad.level) == ("grid", "unit")
    assert bad.due_at == now  # still due: tried again at the next sweep
    assert f"failed on case {bad.id}" in caplog.text
    assert _escalations(session) == 1


def _world_with_overdue_cases(maker: sessionmaker[Session], count: int) -> dt.datetime:
    """A world and ``count`` cases, committed; the instant they are all overdue."""
    with maker() as session, session.begin(), clock.frozen(MONDAY_9AM):
        world = make_world(session)
        cases = [report(session, world, description=f"第{i}件") for i in range(count)]
        due = max(case.due_at for case in cases if case.due_at is not None)
    return due + dt.timedelta(minutes=1)


def _sweep_until_done(maker: sessionmaker[Session], now: dt.datetime, batch: int) -> int:
    total = 0
    while True:
        with maker() as session, session.begin():
            done = run_escalation_step(session, now=now, batch=batch)
        if not done:
            return total
        total += done


def _counts(maker: sessionmaker[Session]) -> tuple[int, int, int]:
    with maker() as session:
        events = _escalations(session)
        at_grid = session.scalar(
            select(func.count())
            .select_from(Case)
            .where(Case.level == "grid", Case.escalations == 1)
        )
        escalated_messages = session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.kind == "case_escalated")
        )
    return events, at_grid, escalated_messages


def test_two_workers_sweeping_at_once_never_escalate_a_case_twice(
    fresh_database, caplog: pytest.LogCaptureFixture
) -> None:
    if fresh_database.backend == "sqlite":
        pytest.skip("SQLite has one writer at a time: concurrent sweeps are PostgreSQL's case")
    maker = session_factory(fresh_database.migrate().engine)
    count = 60
    now = _world_with_overdue_cases(maker, count)
    done: list[int] = []
    start = threading.Barrier(2)

    def worker() -> None:
        start.wait()
        done.append(_sweep_until_done(maker, now, batch=7))

    with clock.frozen(now), caplog.at_level(logging.ERROR, logger="gridgov.jobs.escalation"):
        threads = [threading.Thread(target=worker) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    assert sum(done) == count
    assert _counts(maker) == (count, count, count)
    assert "failed on case" not in caplog.text  # SKIP LOCKED: no worker touched another's row


def test_a_restart_loses_nothing(fresh_database) -> None:
    db = fresh_database.migrate()
    maker = session_factory(db.engine)
    count = 12
    now = _world_with_overdue_cases(maker, count)
    with clock.frozen(now):
        # The first worker escalates one batch and commits...
        with maker() as session, session.begin():
            assert run_escalation_step(session, now=now, batch=5) == 5
        # ...then dies in the middle of the next one: its transaction never commits.
        with maker() as session:
            session.begin()
            assert run_escalation_step(session, now=now, batch=5) == 5
            session.rollback()
        db.engine.dispose()
        assert _counts(maker) == (5, 5, 5)
        # A new process (a new engine) finds the rest where the rows say they are.
        engine = create_engine_for(db.url)
        try:
            restarted = session_factory(engine)
            assert _sweep_until_done(restarted, now, batch=5) == count - 5
            assert _counts(restarted) == (count, count, count)
        finally:
            engine.dispose()
