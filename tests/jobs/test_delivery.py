"""The delivery step: outbox rows become inbox notifications, once each."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gridgov.database.sessions import session_factory
from gridgov.jobs.delivery import MAX_ATTEMPTS, deliver_outbox_step
from gridgov.notify.models import Notification, OutboxMessage
from gridgov.notify.outbox import enqueue
from tests.factories.access import make_user


def _message(session: Session, recipients: list[str], title: str = "A case for you") -> str:
    message = enqueue(
        session,
        "case_assigned",
        recipients,
        {"case_id": "c1", "title": title, "body": "Please look at it."},
    )
    assert message is not None
    session.flush()
    return message.id


def test_each_recipient_gets_one_notification_and_the_row_is_delivered(session: Session) -> None:
    alice, bob = make_user(session), make_user(session)
    message_id = _message(session, [alice.id, bob.id, alice.id])
    assert deliver_outbox_step(session) == 1
    rows = session.scalars(select(Notification).order_by(Notification.user_id)).all()
    assert sorted(row.user_id for row in rows) == sorted([alice.id, bob.id])
    assert {(row.kind, row.case_id, row.title, row.body) for row in rows} == {
        ("case_assigned", "c1", "A case for you", "Please look at it.")
    }
    assert session.get(OutboxMessage, message_id).delivered_at is not None
    assert deliver_outbox_step(session) == 0  # nothing left


def test_a_bad_row_is_recorded_and_never_blocks_the_others(session: Session) -> None:
    alice = make_user(session)
    bad_user = _message(session, ["no-such-user"], title="to nobody")
    bad_payload = enqueue(session, "case_updated", [alice.id], {"body": "no title"})
    good = _message(session, [alice.id])
    session.flush()
    assert deliver_outbox_step(session) == 3
    assert session.get(OutboxMessage, good).delivered_at is not None
    for message_id in (bad_user, bad_payload.id):
        message = session.get(OutboxMessage, message_id)
        assert message.delivered_at is None
        assert message.attempts == 1
        assert message.last_error
    assert "title" in session.get(OutboxMessage, bad_payload.id).last_error
    assert session.scalar(select(func.count()).select_from(Notification)) == 1
    # Retried until MAX_ATTEMPTS, then left for a person to look at.
    for _ in range(MAX_ATTEMPTS):
        deliver_outbox_step(session)
    assert session.get(OutboxMessage, bad_user).attempts == MAX_ATTEMPTS
    assert deliver_outbox_step(session) == 0


def test_batches_take_the_oldest_first(session: Session) -> None:
    alice = make_user(session)
    ids = [_message(session, [alice.id], title=f"m{i}") for i in range(5)]
    assert deliver_outbox_step(session, batch=2) == 2
    delivered = [session.get(OutboxMessage, i).delivered_at is not None for i in ids]
    assert delivered.count(True) == 2


def test_two_concurrent_deliverers_never_deliver_a_message_twice(fresh_database) -> None:
    if fresh_database.backend == "sqlite":
        pytest.skip("SQLite has one writer at a time: deliverers cannot run concurrently")
    maker = session_factory(fresh_database.migrate().engine)
    with maker() as setup, setup.begin():
        users = [make_user(setup).id for _ in range(3)]
        for i in range(300):
            enqueue(setup, "case_assigned", users[: 1 + i % 3], {"title": f"message {i}"})
    handled: list[int] = []
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def deliverer() -> None:
        try:
            start.wait()
            while True:
                with maker() as session, session.begin():
                    count = deliver_outbox_step(session, batch=7)
                handled.append(count)
                if count == 0:
                    return
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=deliverer) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    assert sum(handled) == 300
    with maker() as check:
        per_pair = check.execute(
            select(Notification.outbox_id, Notification.user_id, func.count())
            .group_by(Notification.outbox_id, Notification.user_id)
            .having(func.count() > 1)
        ).all()
        assert per_pair == []
        expected = sum(1 + i % 3 for i in range(300))
        assert check.scalar(select(func.count()).select_from(Notification)) == expected
        pending = select(func.count()).select_from(OutboxMessage)
        assert check.scalar(pending.where(OutboxMessage.delivered_at.is_(None))) == 0
