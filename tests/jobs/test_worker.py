"""The job worker: steps in their own transactions, rounds until idle, a clean stop, the
CLI (`gridgov worker --once`) and the worker inside `gridgov serve`."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import threading
import time
from zoneinfo import ZoneInfo

from sqlalchemy import extract, func, select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from gridgov import clock
from gridgov.cases.calendar import load_calendar
from gridgov.cases.categories import seed_categories
from gridgov.cases.intake import check_report_case
from gridgov.cases.models import CalendarDay, Case
from gridgov.cli.main import app
from gridgov.database.sessions import session_factory
from gridgov.jobs.worker import STEPS, Step, Worker, embedded_worker
from gridgov.notify.models import Notification, OutboxMessage
from gridgov.notify.outbox import enqueue
from gridgov.settings import Settings
from tests.factories.access import make_user
from tests.factories.registry import make_household
from tests.factories.territory import make_tree

SHANGHAI = ZoneInfo("Asia/Shanghai")
runner = CliRunner()


def _countdown(name: str, amounts: list[int], calls: list[str]) -> Step:
    def run(_session: Session) -> int:
        calls.append(name)
        return amounts.pop(0) if amounts else 0

    return Step(name, run)


def test_the_registered_steps_are_calendar_timers_then_delivery() -> None:
    assert [step.name for step in STEPS] == [
        "calendar",
        "escalation",
        "warning",
        "auto_close",
        "rollcall_escalation",
        "contact_digest",
        "contact_summary",
        "deliver_outbox",
        "prune_events",
        "digests",
        "deliver_bridges",
    ]


def test_a_worker_runs_on_the_settings_it_was_given(session: Session, session_maker) -> None:
    calendar_step = [step for step in STEPS if step.name == "calendar"]

    def seeded_years() -> set[int]:
        years = select(extract("year", CalendarDay.day)).distinct()
        return {int(year) for year in session.scalars(years)}

    # 20:00 UTC on 31 December 2026 is already 2027 in Beijing: the calendar step seeds
    # this year and next in the worker's timezone.
    with clock.frozen(dt.datetime(2026, 12, 31, 20, tzinfo=dt.UTC)):
        in_utc = Settings(environment="test", timezone="UTC", working_hours="09:00-10:00")
        Worker(session_maker, settings=in_utc, steps=calendar_step).run_until_idle()
        assert seeded_years() == {2026, 2027}
        assert load_calendar(session).periods == ((dt.time(9), dt.time(10)),)
        in_beijing = Settings(environment="test")
        Worker(session_maker, settings=in_beijing, steps=calendar_step).run_until_idle()
        assert seeded_years() == {2026, 2027, 2028}
        assert len(load_calendar(session).periods) == 2


def test_rounds_run_until_one_finds_no_work() -> None:
    calls: list[str] = []
    steps = [_countdown("a", [3, 1], calls), _countdown("b", [2], calls)]
    result = Worker(sessionmaker(), steps=steps).run_until_idle()
    assert result.counts == {"a": 4, "b": 2}
    assert result.errors == {}
    assert calls == ["a", "b", "a", "b", "a", "b"]


def test_a_failing_step_is_rolled_back_and_does_not_stop_the_others(
    session_maker: sessionmaker[Session], session: Session
) -> None:
    user = make_user(session)
    session.commit()

    def writes_then_fails(s: Session) -> int:
        enqueue(s, "case_updated", [user.id], {"title": "lost"})
        s.flush()
        raise RuntimeError("boom")

    def writes(s: Session) -> int:
        enqueue(s, "case_updated", [user.id], {"title": "kept"})
        return 1

    worker = Worker(session_maker, steps=[Step("bad", writes_then_fails), Step("good", writes)])
    result = worker.run_round()
    assert result.counts == {"bad": 0, "good": 1}
    assert result.errors == {"bad": "RuntimeError: boom"}
    titles = [row.payload["title"] for row in session.scalars(select(OutboxMessage))]
    assert titles == ["kept"]


def test_run_forever_sleeps_when_idle_and_stops_on_the_event() -> None:
    calls: list[str] = []
    stop = threading.Event()
    worker = Worker(
        sessionmaker(), steps=[_countdown("a", [1, 1], calls)], interval=0.02, stop=stop
    )
    thread = threading.Thread(target=worker.run_forever)
    thread.start()
    deadline = time.monotonic() + 5
    while len(calls) < 5 and time.monotonic() < deadline:
        time.sleep(0.01)
    stop.set()
    thread.join(timeout=5)
    assert not thread.is_alive()
    assert len(calls) >= 5  # it kept polling after the work ran out


def test_embedded_worker_delivers_in_the_background(fresh_database) -> None:
    maker = session_factory(fresh_database.migrate().engine)
    with embedded_worker(maker, enabled=False) as none:
        assert none is None
    with maker() as setup, setup.begin():
        user_id = make_user(setup).id
    with embedded_worker(maker, enabled=True, interval=0.05) as worker:
        assert worker is not None
        with maker() as writer, writer.begin():
            enqueue(writer, "case_updated", [user_id], {"title": "hello"})
        deadline = time.monotonic() + 10
        delivered = 0
        while time.monotonic() < deadline and not delivered:
            time.sleep(0.05)
            with maker() as check:
                delivered = check.scalar(select(func.count()).select_from(Notification)) or 0
    assert worker.stop.is_set()
    assert delivered == 1


def test_cli_once_escalates_an_overdue_case_and_delivers_its_notices(
    session: Session, cli_bound: None
) -> None:
    tree = make_tree(session, villages=1, grids_per_village=1, units_per_grid=1)
    village, grid = tree.villages[0], tree.all_grids()[0]
    unit = tree.units[grid.code][0]
    seed_categories(session, actor="test")
    since = dt.date(2026, 1, 5)  # roles in force when the case is reported (frozen clock)
    grid_leader = make_user(session, role="grid_leader", territory_code=grid.code, start_date=since)
    secretary = make_user(
        session, role="village_secretary", territory_code=village.code, start_date=since
    )
    household = make_household(session, unit=unit)
    with clock.frozen(dt.datetime(2026, 3, 2, 9, tzinfo=SHANGHAI)):
        case, _created = check_report_case(
            session,
            category_code="facility.streetlight",  # handled at the grid first
            description="The street light at the pier is out.",
            channel="cli",
            actor="test",
            household_id=household.id,
        )
    session.commit()
    assert case.level == "grid" and case.due_at is not None
    first_due = case.due_at
    with clock.frozen(first_due + dt.timedelta(minutes=1)):
        answer = runner.invoke(app, ["worker", "--once", "--json"])
    assert answer.exit_code == 0, answer.output
    counts = json.loads(answer.output)["counts"]
    assert counts["calendar"] > 0  # a new deployment gets this year's and next year's holidays
    assert counts["escalation"] == 1
    assert counts["deliver_outbox"] >= 2  # the intake's notice and the escalation's
    session.expire_all()
    escalated = session.get(Case, case.id)
    assert escalated.level == "village" and escalated.handler_code == village.code
    assert escalated.due_at > first_due + dt.timedelta(minutes=1)
    inbox = {
        (row.user_id, row.kind)
        for row in session.scalars(select(Notification).where(Notification.case_id == case.id))
    }
    assert (grid_leader.id, "case_assigned") in inbox
    assert any(user == secretary.id for user, _kind in inbox)
    pending = select(func.count()).select_from(OutboxMessage)
    assert session.scalar(pending.where(OutboxMessage.delivered_at.is_(None))) == 0
    # Nothing is left: a second run finds no work.
    with clock.frozen(first_due + dt.timedelta(minutes=2)):
        again = runner.invoke(app, ["worker", "--once"])
    assert again.exit_code == 0
    for name in ("calendar", "escalation", "deliver_outbox"):
        assert f"{name}: 0" in again.output


def test_the_worker_process_delivers_and_stops_cleanly_on_sigterm(fresh_database) -> None:
    maker = session_factory(fresh_database.migrate().engine)
    with maker() as setup, setup.begin():
        user_id = make_user(setup).id
        enqueue(setup, "case_updated", [user_id], {"title": "from the process"})
    env = {**os.environ, "GRIDGOV_DATABASE_URL": fresh_database.url}
    command = [sys.executable, "-c", "from gridgov.cli.main import app; app()"]
    process = subprocess.Popen(
        [*command, "worker", "--interval", "0.2"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        delivered = 0
        while time.monotonic() < deadline and not delivered and process.poll() is None:
            time.sleep(0.2)
            with maker() as check:
                delivered = check.scalar(select(func.count()).select_from(Notification)) or 0
        assert delivered == 1
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, err
    assert "gridgov worker running" in out
    assert "SIGTERM received, stopping" in err


def test_cli_once_now_acts_at_the_given_time(session: Session, cli_bound: None) -> None:
    tree = make_tree(session, villages=1, grids_per_village=1, units_per_grid=1)
    unit = tree.units[tree.all_grids()[0].code][0]
    seed_categories(session, actor="test")
    household = make_household(session, unit=unit)
    with clock.frozen(dt.datetime(2026, 3, 2, 9, tzinfo=SHANGHAI)):
        case, _created = check_report_case(
            session,
            category_code="facility.streetlight",
            description="The street light at the pier is out.",
            channel="cli",
            actor="test",
            household_id=household.id,
        )
    session.commit()
    assert case.due_at is not None
    before_due = (case.due_at - dt.timedelta(minutes=1)).isoformat()
    answer = runner.invoke(app, ["worker", "--once", "--json", "--now", before_due])
    assert answer.exit_code == 0, answer.output
    assert json.loads(answer.output)["counts"]["escalation"] == 0
    after_due = (case.due_at + dt.timedelta(minutes=1)).isoformat()
    answer = runner.invoke(app, ["worker", "--once", "--json", "--now", after_due])
    assert json.loads(answer.output)["counts"]["escalation"] == 1
    session.expire_all()
    assert session.get(Case, case.id).level == "village"


def test_cli_now_needs_once_and_an_offset() -> None:
    answer = runner.invoke(app, ["worker", "--now", "2026-03-02T09:00+08:00"])
    assert answer.exit_code == 2 and "--now goes with --once only" in answer.output
    answer = runner.invoke(app, ["worker", "--once", "--now", "2026-03-02T09:00"])
    assert answer.exit_code == 2 and "give the offset" in answer.output
    answer = runner.invoke(app, ["worker", "--once", "--now", "tomorrow"])
    assert answer.exit_code == 2 and "not an ISO 8601 time" in answer.output
