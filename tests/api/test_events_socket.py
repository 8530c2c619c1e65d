"""GET /api/v1/events: authentication (cookie, first-frame token, refusals), resume with
nothing lost or duplicated (the late-committing transaction included), stream resolvers,
heartbeats, slow clients, and two server processes on PostgreSQL."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import urllib.request
from collections.abc import Iterator

import pytest

from gridgov import clock
from gridgov.database.sessions import session_factory
from gridgov.notify.realtime import ask_to_reconnect, publish, register_streams
from gridgov.notify.realtime.log import log_bounds, prune_events
from tests.api.events_live import (
    OPEN_WAIT,
    ProcessServer,
    ThreadServer,
    close_code,
    make_caller,
    open_socket,
    publish_now,
    receive,
    receive_events,
    run_client,
    until_caught_up,
)


@pytest.fixture
def server(fresh_database, tmp_path) -> Iterator[ThreadServer]:
    fresh_database.migrate()
    live = ThreadServer(
        fresh_database, tmp_path, events_auth_seconds=1.0, events_heartbeat_seconds=0.5
    )
    yield live
    live.stop()


def test_a_token_in_the_first_frame_authenticates(server) -> None:
    caller = make_caller(server.maker)

    async def scenario() -> None:
        socket, welcome = await open_socket(server.url, token=caller.token, after=None)
        assert welcome["user_id"] == caller.user_id
        assert await until_caught_up(socket) == []
        publish_now(server.maker, "user:someone-else", note="not for this caller")
        publish_now(server.maker, f"user:{caller.user_id}", note="for you")
        [event] = await receive_events(socket, 1)
        assert (event["stream"], event["payload"]) == (
            f"user:{caller.user_id}",
            {"note": "for you"},
        )
        await socket.close()

    run_client(scenario())


def test_the_session_cookie_authenticates_from_the_same_origin_only(server) -> None:
    caller = make_caller(server.maker)

    async def scenario() -> None:
        socket, welcome = await open_socket(
            server.url, cookie=caller.cookie, origin=server.http_url, after=0
        )
        assert welcome["user_id"] == caller.user_id
        await until_caught_up(socket)
        publish_now(server.maker, f"user:{caller.user_id}", n=1)
        assert [e["payload"] for e in await receive_events(socket, 1)] == [{"n": 1}]
        await socket.close()

    run_client(scenario())


def test_a_foreign_origin_is_closed_with_4403(server) -> None:
    caller = make_caller(server.maker)

    async def scenario() -> tuple[int, str]:
        from websockets.asyncio.client import connect

        headers = {"Cookie": f"gridgov_session={caller.cookie}"}
        async with connect(
            server.url,
            additional_headers=headers,
            origin="http://evil.example",
            open_timeout=OPEN_WAIT,
            proxy=None,
        ) as socket:
            return await close_code(socket)

    assert run_client(scenario()) == (4403, "cross-origin connection refused")


@pytest.mark.parametrize(
    "first_frame",
    [
        None,  # silence: no auth frame within events_auth_seconds
        {"type": "auth", "token": "not-a-token"},
        {"type": "resume", "after": 0},
        "not json",
    ],
)
def test_no_valid_authentication_is_closed_with_4401_or_4400(server, first_frame) -> None:
    caller = make_caller(server.maker)

    async def scenario() -> tuple[int, str]:
        from websockets.asyncio.client import connect

        # A token in the URL is never read.
        async with connect(
            f"{server.url}?token={caller.token}", open_timeout=OPEN_WAIT, proxy=None
        ) as socket:
            if first_frame is not None:
                text = first_frame if isinstance(first_frame, str) else json.dumps(first_frame)
                await socket.send(text)
            return await close_code(socket)

    code, reason = run_client(scenario())
    if first_frame == "not json":
        assert (code, reason) == (4400, "not JSON")
    elif first_frame is None:
        assert (code, reason) == (4401, "no frame in time")
    elif first_frame["type"] == "auth":
        assert (code, reason) == (4401, "the token is unknown, expired or revoked")
    else:
        assert (code, reason) == (4401, "authentication required: send {type: auth, token}")


def test_a_bad_resume_or_frame_is_closed_with_4400(server) -> None:
    caller = make_caller(server.maker)

    async def scenario() -> list[tuple[int, str]]:
        codes = []
        for resume in ({"type": "resume", "after": -1}, {"type": "resume"}, {"type": "hello"}):
            socket, _ = await open_socket(server.url, token=caller.token)
            await socket.send(json.dumps(resume))
            codes.append(await close_code(socket))
        socket, _ = await open_socket(server.url, token=caller.token, after=None)
        await until_caught_up(socket)
        await socket.send(json.dumps({"type": "ping"}))
        assert (await receive(socket))["type"] in {"pong", "heartbeat"}
        await socket.send(json.dumps({"type": "resume", "after": 0}))  # a second resume
        codes.append(await close_code(socket))
        return codes

    assert [code for code, _ in run_client(scenario())] == [4400, 4400, 4400, 4400]


def test_resuming_after_a_disconnect_loses_and_repeats_nothing(server) -> None:
    caller = make_caller(server.maker)
    stream = f"user:{caller.user_id}"

    async def scenario() -> None:
        for n in range(5):
            publish_now(server.maker, stream, n=n)
        socket, _ = await open_socket(server.url, token=caller.token, after=0)
        first = await receive_events(socket, 2)  # mid-stream: three more are on their way
        await socket.close()
        for n in range(5, 8):
            publish_now(server.maker, stream, n=n)
        socket, _ = await open_socket(server.url, token=caller.token, after=first[-1]["position"])
        rest = await until_caught_up(socket)
        publish_now(server.maker, stream, n=8)
        live = await receive_events(socket, 1)
        received = [e["payload"]["n"] for e in first + rest + live]
        assert received == list(range(9))
        positions = [e["position"] for e in first + rest + live]
        assert positions == sorted(set(positions))
        publish_now(server.maker, stream, n=9)
        assert [e["payload"]["n"] for e in await receive_events(socket, 1)] == [9]
        await socket.close()

    run_client(scenario())


def test_an_event_committed_late_reaches_a_client_resuming_after_a_later_one(
    server, fresh_database
) -> None:
    """Transaction A writes first and commits after B. A client receives B live,
    disconnects, and resumes after B's position: A's event comes next."""
    if fresh_database.backend == "sqlite":
        pytest.skip("SQLite runs one writer at a time: B cannot write while A is open")
    caller = make_caller(server.maker)
    stream = f"user:{caller.user_id}"

    async def scenario() -> None:
        socket, _ = await open_socket(server.url, token=caller.token, after=None)
        await until_caught_up(socket)
        with server.maker() as a:
            publish(a, stream=stream, kind="tick", payload={"tx": "A, written first"})
            a.flush()
            publish_now(server.maker, stream, tx="B, committed first")
            [b_event] = await receive_events(socket, 1)
            assert b_event["payload"] == {"tx": "B, committed first"}
            await socket.close()
            a.commit()
        socket, _ = await open_socket(server.url, token=caller.token, after=b_event["position"])
        assert [e["payload"] for e in await until_caught_up(socket)] == [{"tx": "A, written first"}]
        await socket.close()

    run_client(scenario())


def test_registered_resolvers_give_a_caller_more_streams(server) -> None:
    caller, other = make_caller(server.maker), make_caller(server.maker)
    remove = register_streams(
        lambda session, principal: ["group:village1"] if principal.user_id == caller.user_id else []
    )
    try:

        async def scenario() -> None:
            member, _ = await open_socket(server.url, token=caller.token, after=None)
            outsider, _ = await open_socket(server.url, token=other.token, after=None)
            await until_caught_up(member)
            await until_caught_up(outsider)
            publish_now(server.maker, "group:village1", text="台风来了")
            publish_now(server.maker, f"user:{other.user_id}", text="yours")
            assert [e["payload"] for e in await receive_events(member, 1)] == [{"text": "台风来了"}]
            assert [e["payload"] for e in await receive_events(outsider, 1)] == [{"text": "yours"}]
            await member.close()
            await outsider.close()

        run_client(scenario())
    finally:
        remove()


def test_heartbeats_come_at_the_interval(server) -> None:
    caller = make_caller(server.maker)

    async def scenario() -> list[dict]:
        socket, _ = await open_socket(server.url, token=caller.token, after=None)
        caught_up = await until_caught_up(socket)
        beats = [await receive(socket, timeout=3), await receive(socket, timeout=3)]
        await socket.close()
        return caught_up + beats

    frames = run_client(scenario())
    assert [f["type"] for f in frames] == ["heartbeat", "heartbeat"]


def test_a_slow_client_does_not_hold_up_a_fast_one(fresh_database, tmp_path) -> None:
    """The slow client reads nothing (its library stops reading once one frame waits):
    the server's send to it blocks, its queue of 4 overflows and it is closed with 4408,
    while the fast client receives every event."""
    fresh_database.migrate()
    server = ThreadServer(fresh_database, tmp_path, events_queue_size=4)
    try:
        fast_caller, slow_caller = make_caller(server.maker), make_caller(server.maker)
        remove = register_streams(lambda session, principal: ["group:all"])

        async def scenario() -> tuple[int, tuple[int, str]]:
            fast, _ = await open_socket(server.url, token=fast_caller.token, after=None)
            slow, _ = await open_socket(
                server.url, token=slow_caller.token, after=None, max_queue=1, compression=None
            )
            await until_caught_up(fast)
            await until_caught_up(slow)
            # 60 frames of 200 kB, sent uncompressed to the slow client: far more than the
            # loopback buffers hold, so the server's send to it blocks.
            bulk = "x" * 200_000
            for n in range(60):
                publish_now(server.maker, "group:all", n=n, bulk=bulk)
            fast_events = await receive_events(fast, 60, timeout=30)
            await fast.close()
            return len(fast_events), await close_code(slow, timeout=30)

        try:
            received, (code, reason) = run_client(scenario())
        finally:
            remove()
        assert received == 60
        assert (code, reason) == (4408, "too far behind: resume")
    finally:
        server.stop()


@pytest.mark.postgresql
def test_two_server_processes_each_deliver_every_event(fresh_database, tmp_path) -> None:
    """An event published by a request to process A reaches a socket of process B (through
    PostgreSQL NOTIFY) and one of A."""
    if fresh_database.backend != "postgresql":
        pytest.skip("several server processes share PostgreSQL only")
    fresh_database.migrate()
    maker = session_factory(fresh_database.engine)
    caller = make_caller(maker)
    servers = [ProcessServer(fresh_database.url, tmp_path / name) for name in ("a", "b")]
    process_a, process_b = servers
    try:

        async def scenario() -> None:
            on_b, _ = await open_socket(process_b.url, token=caller.token, after=None)
            on_a, _ = await open_socket(process_a.url, token=caller.token, after=None)
            await until_caught_up(on_b)
            await until_caught_up(on_a)
            body = {"stream": f"user:{caller.user_id}", "payload": {"text": "through A"}}
            assert await asyncio.to_thread(process_a.post, "/test-publish", body) == 200
            [from_b] = await receive_events(on_b, 1)
            [from_a] = await receive_events(on_a, 1)
            assert from_b["payload"] == from_a["payload"] == {"text": "through A"}
            assert from_b["position"] == from_a["position"]
            await on_a.close()
            await on_b.close()

        run_client(scenario())
    finally:
        for process in servers:
            process.stop()


def test_a_client_resuming_from_a_pruned_position_is_told_to_reset(server) -> None:
    caller = make_caller(server.maker)
    stream = f"user:{caller.user_id}"
    for n in range(3):
        publish_now(server.maker, stream, n=n)
    with server.maker() as session:
        prune_events(session, before=clock.now() + dt.timedelta(seconds=1), batch=2)
        session.commit()
        _, pruned = log_bounds(session)

    async def scenario() -> list[dict]:
        socket, _ = await open_socket(server.url, token=caller.token, after=0)
        first = await receive(socket)
        rest = await until_caught_up(socket)
        await socket.close()
        return [first, *rest]

    reset, *events = run_client(scenario())
    assert reset == {"type": "reset", "position": pruned}
    assert [e["payload"] for e in events] == [{"n": 2}]


def test_a_reconnect_event_closes_the_users_sockets_and_streams_are_resolved_again(
    server,
) -> None:
    """Left a group: ask_to_reconnect closes the socket (4000); resolved again on the new
    connection, the group's stream is no longer sent."""
    caller = make_caller(server.maker)
    members = {caller.user_id}
    remove = register_streams(
        lambda session, principal: ["group:g1"] if principal.user_id in members else []
    )
    try:

        async def scenario() -> tuple[tuple[int, str], list[dict]]:
            socket, _ = await open_socket(server.url, token=caller.token, after=None)
            await until_caught_up(socket)
            members.clear()
            with server.maker() as session:
                ask_to_reconnect(session, caller.user_id)
                session.commit()
            [reconnect] = await receive_events(socket, 1)
            closed = await close_code(socket)
            publish_now(server.maker, "group:g1", text="after leaving")
            publish_now(server.maker, f"user:{caller.user_id}", text="still yours")
            socket, _ = await open_socket(
                server.url, token=caller.token, after=reconnect["position"]
            )
            events = await until_caught_up(socket)
            await socket.close()
            return closed, [reconnect, *events]

        closed, events = run_client(scenario())
    finally:
        remove()
    assert closed == (4000, "reconnect: streams or sign-in changed")
    assert [(e["kind"], e["payload"]) for e in events] == [
        ("reconnect", {}),
        ("tick", {"text": "still yours"}),
    ]


def test_logging_out_closes_the_tokens_socket_and_it_cannot_come_back(server) -> None:
    caller = make_caller(server.maker)

    def logout() -> int:
        request = urllib.request.Request(
            f"{server.http_url}/api/v1/auth/logout",
            headers={"Authorization": f"Bearer {caller.token}"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=10) as answer:
            return int(answer.status)

    async def scenario() -> tuple[tuple[int, str], tuple[int, str]]:
        socket, _ = await open_socket(server.url, token=caller.token, after=None)
        await until_caught_up(socket)
        assert await asyncio.to_thread(logout) == 204
        closed = await close_code(socket)
        from websockets.asyncio.client import connect

        async with connect(server.url, open_timeout=OPEN_WAIT, proxy=None) as again:
            await again.send(json.dumps({"type": "auth", "token": caller.token}))
            return closed, await close_code(again)

    closed, refused = run_client(scenario())
    assert closed == (4000, "reconnect: streams or sign-in changed")
    assert refused == (4401, "the token is unknown, expired or revoked")
