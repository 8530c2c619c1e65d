"""The WeCom robot bridge against a fake webhook on loopback: shape, byte limits, the
20-a-minute limit (merging when behind, nothing dropped), 45009, retries and dead letters."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov import clock
from gridgov.jobs.bridges import deliver_bridges_step
from gridgov.notify.bridges import enqueue_group_image, enqueue_group_post
from gridgov.notify.bridges.models import BridgeRoute
from gridgov.notify.bridges.outcomes import MAX_ATTEMPTS
from gridgov.notify.bridges.routes import check_add_route
from gridgov.notify.models import OutboxMessage
from tests.conftest import TEST_NOW
from tests.notify.bridges.fakes import Received, http_server, wecom_ok

GROUP = "g-gongxia"


def _route(session: Session, url: str, key: str = "robot-key-0001") -> BridgeRoute:
    return check_add_route(
        session, kind="wecom", group_id=GROUP, key=key, base_url=url, actor="test:bridges"
    )


def _contents(received: list[Received]) -> list[str]:
    out = []
    for got in received:
        body = got.json()
        out.append(body[body["msgtype"]]["content"])
    return out


def test_a_post_reaches_the_robot_with_its_key_priority_and_mentions(session: Session) -> None:
    with http_server(wecom_ok) as fake:
        _route(session, fake.url)
        (row,) = enqueue_group_post(
            session,
            group_id=GROUP,
            text="今晚停水",
            priority="important",
            mentioned_mobiles=["13800000001"],
        )
        assert deliver_bridges_step(session) == 1

    (got,) = fake.received
    assert got.path == "/cgi-bin/webhook/send" and got.query == {"key": ["robot-key-0001"]}
    assert got.json() == {
        "msgtype": "text",
        "text": {"content": "【重要】今晚停水", "mentioned_mobile_list": ["13800000001"]},
    }
    assert row.delivered_at == clock.now() and row.attempts == 0
    assert deliver_bridges_step(session) == 0  # sent once


def test_long_texts_are_split_between_characters_within_the_byte_limits(session) -> None:
    text = "台风预警：" + "请各户做好防范，" * 400  # about 9,600 bytes of UTF-8
    with http_server(wecom_ok) as fake:
        _route(session, fake.url)
        enqueue_group_post(session, group_id=GROUP, text=text, priority="normal")
        enqueue_group_post(
            session,
            group_id=GROUP,
            text="# 标题\n" + "正文" * 1500,
            priority="normal",
            format="markdown",
        )
        deliver_bridges_step(session)

    texts = [got.json() for got in fake.received]
    plain = [body["text"]["content"] for body in texts if body["msgtype"] == "text"]
    markdown = [body["markdown"]["content"] for body in texts if body["msgtype"] == "markdown"]
    assert all(len(part.encode()) <= 2048 for part in plain) and len(plain) == 5
    assert all(len(part.encode()) <= 4096 for part in markdown) and len(markdown) == 3
    assert "".join(plain) == text  # nothing lost, no character cut in two
    assert "".join(markdown) == "# 标题\n" + "正文" * 1500


def test_25_urgent_notices_in_a_minute_arrive_as_at_most_20_requests(session) -> None:
    texts = [f"紧急通知第{n}号：水库泄洪，请下游住户转移" for n in range(25)]
    with http_server(wecom_ok) as fake:
        _route(session, fake.url)
        for n, text in enumerate(texts):  # one every two seconds, the worker running between
            with clock.frozen(TEST_NOW + dt.timedelta(seconds=2 * n)):
                enqueue_group_post(session, group_id=GROUP, text=text, priority="urgent")
                deliver_bridges_step(session)
        within_the_minute = len(fake.received)
        with clock.frozen(TEST_NOW + dt.timedelta(seconds=61)):
            deliver_bridges_step(session)

    assert within_the_minute == 20
    arrived = "\n".join(_contents(fake.received))
    assert all(f"【紧急】{text}" in arrived for text in texts)  # nothing dropped
    assert len(fake.received) <= 40
    pending = session.scalars(select(OutboxMessage).where(OutboxMessage.delivered_at.is_(None)))
    assert pending.all() == []


def test_a_burst_beyond_the_budget_is_merged_in_order(session: Session) -> None:
    texts = [f"通知{n:02d}：明早八点在村部开会" for n in range(25)]
    with http_server(wecom_ok) as fake:
        _route(session, fake.url)
        for n, text in enumerate(texts):
            mobiles = [f"1380000{n:04d}"] if n % 10 == 0 else []
            enqueue_group_post(
                session, group_id=GROUP, text=text, priority="normal", mentioned_mobiles=mobiles
            )
        assert deliver_bridges_step(session) == 25

    assert len(fake.received) < 20  # behind: merged
    merged = "\n\n".join(_contents(fake.received))
    assert merged == "\n\n".join(texts)  # every text, in order
    mentioned = [
        m for got in fake.received for m in got.json()["text"].get("mentioned_mobile_list", [])
    ]
    assert sorted(mentioned) == ["13800000000", "13800000010", "13800000020"]


def test_errcode_45009_pauses_the_route_without_counting_attempts(session) -> None:
    answers = iter([(200, {"errcode": 45009, "errmsg": "api freq out of limit"})])

    def answer(_got: Received) -> tuple[int, Any]:
        return next(answers, (200, {"errcode": 0, "errmsg": "ok"}))

    with http_server(answer) as fake:
        route = _route(session, fake.url)
        (row,) = enqueue_group_post(session, group_id=GROUP, text="演练通知", priority="normal")
        assert deliver_bridges_step(session) == 0
        assert row.delivered_at is None and row.attempts == 0
        assert route.throttled_until == clock.now() + dt.timedelta(minutes=1)
        with clock.frozen(TEST_NOW + dt.timedelta(seconds=30)):
            assert deliver_bridges_step(session) == 0  # still paused: nothing is sent
        with clock.frozen(TEST_NOW + dt.timedelta(seconds=61)):
            assert deliver_bridges_step(session) == 1
    assert len(fake.received) == 2 and row.delivered_at is not None


def test_failures_back_off_then_dead_letter_and_never_block_another_route(session) -> None:
    def busy(_got: Received) -> tuple[int, Any]:
        return 500, {"errcode": -1, "errmsg": "busy"}

    with http_server(busy) as broken, http_server(wecom_ok) as working:
        _route(session, broken.url, key="broken-robot-1")
        check_add_route(
            session,
            kind="wecom",
            group_id="g-other",
            key="good-robot-1",
            base_url=working.url,
            actor="test:bridges",
        )
        (failing,) = enqueue_group_post(session, group_id=GROUP, text="甲", priority="normal")
        at = TEST_NOW
        waits = []
        for attempt in range(1, MAX_ATTEMPTS + 1):
            with clock.frozen(at):
                (fine,) = enqueue_group_post(
                    session, group_id="g-other", text=f"乙{attempt}", priority="normal"
                )
                deliver_bridges_step(session)
                assert fine.delivered_at == at  # the other route is not held up
                assert failing.attempts == attempt
            if failing.next_attempt_at is not None:
                waits.append(failing.next_attempt_at - at)
                # Not tried before its time.
                with clock.frozen(failing.next_attempt_at - dt.timedelta(seconds=1)):
                    deliver_bridges_step(session)
                    assert failing.attempts == attempt
                at = failing.next_attempt_at
    assert waits == [dt.timedelta(seconds=30 * 2**n) for n in range(MAX_ATTEMPTS - 1)]
    assert failing.dead_at is not None and failing.delivered_at is None
    assert "busy" in (failing.last_error or "")
    assert "broken-robot-1" not in (failing.last_error or "")  # the key never leaks
    assert len(broken.received) == MAX_ATTEMPTS and len(working.received) == MAX_ATTEMPTS


def test_an_unreachable_robot_is_a_failure_not_a_crash(session: Session) -> None:
    with http_server(wecom_ok) as fake:
        url = fake.url
    _route(session, url)  # the server is gone: connection refused
    (row,) = enqueue_group_post(session, group_id=GROUP, text="hello", priority="normal")
    assert deliver_bridges_step(session) == 1
    assert row.attempts == 1 and row.delivered_at is None and "no answer" in row.last_error


def test_images_go_as_base64_and_md5(session: Session) -> None:
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256))
    with http_server(wecom_ok) as fake:
        _route(session, fake.url)
        enqueue_group_image(session, group_id=GROUP, image=png)
        deliver_bridges_step(session)
    (got,) = fake.received
    body = got.json()
    import base64
    import hashlib

    assert body["msgtype"] == "image"
    assert base64.b64decode(body["image"]["base64"]) == png
    assert body["image"]["md5"] == hashlib.md5(png).hexdigest()
