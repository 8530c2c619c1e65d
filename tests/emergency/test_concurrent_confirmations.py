"""Concurrent confirmations of one household, with real commits: the latest confirmed_at
stands whatever the commit order, and every confirmation is in the history."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy.orm import Session, sessionmaker

from gridgov import clock
from gridgov.database.sessions import session_factory
from gridgov.emergency.confirm import check_confirm, confirmations_of
from gridgov.emergency.models import RollCall, RollCallHousehold
from gridgov.storage.engine import begin_as_writer
from tests.emergency.rollcall_world import kept_counts, make_island, minutes, recount, start


def _world(maker: sessionmaker[Session]) -> tuple[str, str]:
    with maker() as session:
        island = make_island(session)
        roll_call = start(session, island)
        session.commit()
        return roll_call.id, island.households["plain"].id


def _confirm(maker, roll_call_id: str, household_id: str, minute: int, status: str, hold=None):
    with maker() as session:
        begin_as_writer(session)
        roll_call = session.get(RollCall, roll_call_id)
        check_confirm(
            session,
            roll_call,
            household_id=household_id,
            status=status,
            method="phone",
            confirmed_at=roll_call.started_at + minutes(minute),
            principal=None,
            actor=f"test:minute{minute}",
        )
        if hold is not None:
            hold()
        session.commit()


def _standing(maker, roll_call_id: str, household_id: str) -> tuple[RollCallHousehold, int]:
    with maker() as session:
        row = session.get(RollCallHousehold, (roll_call_id, household_id))
        history = confirmations_of(session, session.get(RollCall, roll_call_id), household_id)
        session.expunge_all()
        return row, len(history)


def test_many_confirmers_at_once_keep_the_latest_and_all_history(fresh_database) -> None:
    maker = session_factory(fresh_database.migrate().engine)
    roll_call_id, household_id = _world(maker)
    errors: list[BaseException] = []
    statuses = ["safe_at_home", "away", "moved_relatives", "moved_off_island"]

    def confirm(minute: int) -> None:
        try:
            _confirm(maker, roll_call_id, household_id, minute, statuses[minute % 4])
        except BaseException as exc:  # reported below
            errors.append(exc)

    with clock.frozen(clock.now() + minutes(60)):
        threads = [threading.Thread(target=confirm, args=(m,)) for m in (7, 3, 12, 9, 1, 11, 5, 2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert not errors
    row, history = _standing(maker, roll_call_id, household_id)
    assert history == 8 and row.confirmations == 8
    assert row.confirmed_by == "test:minute12" and row.status == statuses[0]
    with maker() as session:
        roll_call = session.get(RollCall, roll_call_id)
        assert kept_counts(session, roll_call) == recount(session, roll_call)


def test_an_earlier_confirmation_committing_last_does_not_win(fresh_database) -> None:
    """A (minute 10) writes and holds its transaction; B (minute 4) writes meanwhile and
    waits on A's row lock; A commits, then B: A stands, both are kept."""
    if fresh_database.backend == "sqlite":
        pytest.skip("SQLite runs one writer at a time: B cannot write while A is open")
    maker = session_factory(fresh_database.migrate().engine)
    roll_call_id, household_id = _world(maker)
    a_wrote, b_started = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def b() -> None:
        try:
            a_wrote.wait(10)
            b_started.set()
            _confirm(maker, roll_call_id, household_id, 4, "away")
        except BaseException as exc:
            errors.append(exc)

    def hold_a() -> None:
        a_wrote.set()
        b_started.wait(10)
        threading.Event().wait(0.3)  # B is now blocked on the row

    with clock.frozen(clock.now() + minutes(30)):
        thread = threading.Thread(target=b)
        thread.start()
        _confirm(maker, roll_call_id, household_id, 10, "safe_at_home", hold=hold_a)
        thread.join()
    assert not errors
    row, history = _standing(maker, roll_call_id, household_id)
    assert (row.status, row.confirmed_by, history) == ("safe_at_home", "test:minute10", 2)
    with maker() as session:
        roll_call = session.get(RollCall, roll_call_id)
        assert kept_counts(session, roll_call) == recount(session, roll_call)
    assert row.first_confirmed_at is not None


def test_kept_counts_equal_a_recount_after_concurrent_confirmations(fresh_database) -> None:
    """Six confirmers at once over every household, several times each: the per-node counts
    moved by each confirmation equal a recount of the lines."""
    maker = session_factory(fresh_database.migrate().engine)
    with maker() as session:
        island = make_island(session)
        roll_call = start(session, island)
        session.commit()
        roll_call_id = roll_call.id
        households = [household.id for household in island.households.values()]
        active = [h for h in households if h != island.households["moved_out"].id]
    errors: list[BaseException] = []
    statuses = ["safe_at_home", "away", "needs_help", "moved_relatives", "moved_off_island"]

    def confirm(worker: int) -> None:
        try:
            for n, household_id in enumerate(active * 2):
                status = statuses[(worker + n) % len(statuses)]
                with maker() as session:
                    begin_as_writer(session)
                    roll_call = session.get(RollCall, roll_call_id)
                    check_confirm(
                        session,
                        roll_call,
                        household_id=household_id,
                        status=status,
                        help_needed="x" if status == "needs_help" else None,
                        confirmed_at=roll_call.started_at + minutes((worker * 7 + n) % 50),
                        principal=None,
                        actor=f"test:w{worker}",
                    )
                    session.commit()
        except BaseException as exc:  # reported below
            errors.append(exc)

    with clock.frozen(clock.now() + minutes(60)):
        threads = [threading.Thread(target=confirm, args=(w,)) for w in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert not errors, errors[:1]
    with maker() as session:
        roll_call = session.get(RollCall, roll_call_id)
        kept = kept_counts(session, roll_call)
        assert kept == recount(session, roll_call)
        assert sum(node["confirmed"] for node in kept.values()) == 7


def test_one_idempotency_key_sent_at_once_is_recorded_once(fresh_database) -> None:
    """Six sends of one offline confirmation at once (a phone retrying): one history row,
    one count, and every send gets that confirmation back."""
    maker = session_factory(fresh_database.migrate().engine)
    roll_call_id, household_id = _world(maker)
    errors: list[BaseException] = []
    answers: list[tuple[str, bool]] = []

    def send() -> None:
        try:
            with maker() as session:
                begin_as_writer(session)
                roll_call = session.get(RollCall, roll_call_id)
                done = check_confirm(
                    session,
                    roll_call,
                    household_id=household_id,
                    status="moved_relatives",
                    method="message",
                    confirmed_at=roll_call.started_at + minutes(5),
                    principal=None,
                    actor="test:phone",
                    idempotency_owner="user-1",
                    idempotency_key="tap-7",
                )
                session.commit()
                answers.append((done.confirmation.id, done.created))
        except BaseException as exc:  # reported below
            errors.append(exc)

    with clock.frozen(clock.now() + minutes(30)):
        threads = [threading.Thread(target=send) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert not errors, errors[:1]
    assert len({confirmation_id for confirmation_id, _ in answers}) == 1
    assert sorted(created for _, created in answers) == [False] * 5 + [True]
    row, history = _standing(maker, roll_call_id, household_id)
    assert (history, row.confirmations, row.status) == (1, 1, "moved_relatives")
    with maker() as session:
        roll_call = session.get(RollCall, roll_call_id)
        assert kept_counts(session, roll_call) == recount(session, roll_call)
