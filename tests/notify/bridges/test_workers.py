"""The bridge step among others: the inbox's dead letters, the worker's rounds with real
commits, and two workers on one robot (PostgreSQL) never exceeding its minute."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gridgov.database.sessions import session_factory
from gridgov.jobs.bridges import deliver_bridges_step
from gridgov.jobs.delivery import MAX_ATTEMPTS, deliver_outbox_step
from gridgov.jobs.worker import Worker
from gridgov.notify.bridges import enqueue_group_post
from gridgov.notify.bridges.outcomes import list_dead_letters
from gridgov.notify.bridges.routes import check_add_route
from gridgov.notify.models import OutboxMessage
from gridgov.notify.outbox import enqueue
from tests.notify.bridges.fakes import http_server, wecom_ok


def test_an_inbox_message_that_keeps_failing_is_a_dead_letter_too(session: Session) -> None:
    message = enqueue(session, "case_assigned", ["no-such-user"], {"title": "lost"})
    assert message is not None
    session.flush()
    for _ in range(MAX_ATTEMPTS):
        deliver_outbox_step(session)
    assert message.dead_at is not None
    rows, total = list_dead_letters(session, channel="inbox", limit=10, offset=0)
    assert total == 1 and rows[0].id == message.id


def test_the_inbox_step_leaves_bridge_rows_alone_and_the_bridge_step_inbox_rows(
    session: Session,
) -> None:
    check_add_route(
        session,
        kind="wecom",
        group_id="g-1",
        key="robot-key-0001",
        base_url="http://127.0.0.1:9",
        actor="test",
    )
    (post,) = enqueue_group_post(session, group_id="g-1", text="hi", priority="normal")
    inbox = enqueue(session, "case_assigned", ["no-such-user"], {"title": "x"})
    session.flush()
    assert deliver_outbox_step(session) == 1  # the inbox row only (it fails: no such user)
    assert post.attempts == 0
    assert deliver_bridges_step(session) == 1  # the post only (refused: port 9 is closed)
    assert inbox is not None and inbox.attempts == 1 and post.attempts == 1


def test_a_worker_round_sends_what_a_committed_transaction_enqueued(fresh_database) -> None:
    maker = session_factory(fresh_database.migrate().engine)
    with http_server(wecom_ok) as fake:
        with maker() as setup, setup.begin():
            check_add_route(
                setup,
                kind="wecom",
                group_id="g-1",
                key="robot-key-0001",
                base_url=fake.url,
                actor="test",
            )
        with maker() as rolled_back, rolled_back.begin():
            enqueue_group_post(rolled_back, group_id="g-1", text="never", priority="normal")
            rolled_back.rollback()
        with maker() as writer, writer.begin():
            enqueue_group_post(writer, group_id="g-1", text="通知已发布", priority="urgent")
        result = Worker(maker).run_until_idle()
    assert result.errors == {} and result.counts["deliver_bridges"] == 1
    assert [got.json()["text"]["content"] for got in fake.received] == ["【紧急】通知已发布"]


def test_two_workers_share_one_robot_without_exceeding_its_minute(fresh_database) -> None:
    if fresh_database.backend == "sqlite":
        pytest.skip("SQLite has one writer at a time: workers cannot run concurrently")
    maker = session_factory(fresh_database.migrate().engine)
    with http_server(wecom_ok) as fake:
        with maker() as setup, setup.begin():
            check_add_route(
                setup,
                kind="wecom",
                group_id="g-1",
                key="robot-key-0001",
                base_url=fake.url,
                actor="test",
            )
            for n in range(60):
                enqueue_group_post(setup, group_id="g-1", text=f"第{n}条", priority="normal")
        errors: list[BaseException] = []
        start = threading.Barrier(2)

        def worker() -> None:
            try:
                start.wait()
                for _ in range(5):
                    with maker() as session, session.begin():
                        deliver_bridges_step(session, batch=7)
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

        threads = [threading.Thread(target=worker) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        # On a loaded machine one worker may skip every round the other holds the route: a
        # few rounds alone then use what is left of the minute (how much the race delivered
        # is not the point; that it never exceeds the budget nor sends twice is).
        for _ in range(10):
            with maker() as session, session.begin():
                deliver_bridges_step(session, batch=7)
    assert not errors
    assert len(fake.received) <= 20  # one minute on a frozen clock: one budget
    sent = [text for got in fake.received for text in got.json()["text"]["content"].split("\n\n")]
    with maker() as check:
        delivered = check.scalars(
            select(OutboxMessage.payload).where(OutboxMessage.delivered_at.is_not(None))
        ).all()
        waiting = check.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.delivered_at.is_(None))
        )
    # Every row marked delivered was sent exactly once, nothing else was; the others wait.
    assert sorted(sent) == sorted(payload["text"] for payload in delivered)
    assert len(delivered) + waiting == 60 and len(delivered) >= 20
