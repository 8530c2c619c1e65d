"""``GET /api/v1/events``: authenticate, resume, then the backlog from the rows and live
events from the hub, each once and in position order (docs/events.md).

Each socket has two tasks: the receiver (``ping``, or a bad frame that closes it) and the
sender (backlog, live events from its bounded queue, heartbeats). The hub only fills
queues, so a slow socket holds up nobody but itself; when its queue overflows it is closed
with 4408 and resumes from the rows.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI, WebSocket, WebSocketDisconnect
from sqlalchemy import Connection

from gridgov.accounts.web_sessions import SESSION_COOKIE
from gridgov.api.events.auth import (
    BAD_MESSAGE,
    FORBIDDEN,
    RECONNECT_CODE,
    TOO_FAR_BEHIND,
    UNAUTHENTICATED,
    Refused,
    SocketCaller,
    caller_by_cookie,
    caller_by_token,
    same_origin,
)
from gridgov.notify.realtime import user_stream
from gridgov.notify.realtime.hub import HEARTBEAT, Hub, Subscriber
from gridgov.notify.realtime.listener import listen_url
from gridgov.notify.realtime.log import LoggedEvent, events_after
from gridgov.notify.realtime.streams import RECONNECT
from gridgov.settings import Settings

router = APIRouter(tags=["events"])
BACKLOG_BATCH = 500
# uvicorn's WebSocket options for this socket (``gridgov serve`` passes them): no
# permessage-deflate (each connection would keep zlib state of a few hundred kB to
# compress frames of a few hundred bytes: 2,000 clients, hundreds of MB), and the
# clients' own frames (auth, resume, ping) are small.
UVICORN_OPTIONS: dict[str, Any] = {"ws_per_message_deflate": False, "ws_max_size": 64 * 1024}


def hub_of(app: FastAPI) -> Hub:
    """The app's hub (one per server process), built on first use."""
    hub: Hub | None = getattr(app.state, "events_hub", None)
    if hub is None:
        settings: Settings = app.state.settings
        bind = app.state.session_maker.kw["bind"]
        engine = bind.engine if isinstance(bind, Connection) else bind
        hub = Hub(
            app.state.session_maker,
            poll_seconds=settings.events_poll_seconds,
            heartbeat_seconds=settings.events_heartbeat_seconds,
            listen_url=listen_url(engine),
        )
        app.state.events_hub = hub
    return hub


@asynccontextmanager
async def stop_hub_at_shutdown(app: FastAPI) -> AsyncIterator[None]:
    """The app's lifespan: the hub's tasks and its listening connection end with it."""
    yield
    hub: Hub | None = getattr(app.state, "events_hub", None)
    if hub is not None:
        await hub.stop()


@router.websocket("/events")
async def events_socket(websocket: WebSocket) -> None:
    await websocket.accept()
    try:
        caller = await _authenticate(websocket)
        await websocket.send_json(_welcome(websocket, caller))
        after = await _resume_frame(websocket)
        hub = hub_of(websocket.app)
        await hub.ensure_started()
        subscriber = hub.subscribe(
            caller.streams, queue_size=_settings(websocket).events_queue_size
        )
        try:
            await _serve(websocket, caller, subscriber, after)
        finally:
            hub.unsubscribe(subscriber)
    except Refused as refused:
        await _close(websocket, refused.code, refused.reason)
    except WebSocketDisconnect:
        return


def _settings(websocket: WebSocket) -> Settings:
    settings: Settings = websocket.app.state.settings
    return settings


async def _authenticate(websocket: WebSocket) -> SocketCaller:
    """The cookie's user, else the token of the first frame (within the auth delay)."""
    settings = _settings(websocket)
    maker = websocket.app.state.session_maker
    secret = websocket.cookies.get(SESSION_COOKIE)
    if secret:
        if not same_origin(websocket.headers.get("origin"), websocket.headers.get("host")):
            raise Refused(FORBIDDEN, "cross-origin connection refused")
        idle = dt.timedelta(seconds=settings.web_session_idle_seconds)
        caller = await asyncio.to_thread(caller_by_cookie, maker, secret, idle=idle)
        if caller is not None:
            return caller
    frame = await _frame(websocket, timeout=settings.events_auth_seconds, missing=UNAUTHENTICATED)
    token = frame.get("token")
    if frame.get("type") != "auth" or not isinstance(token, str) or not token:
        raise Refused(UNAUTHENTICATED, "authentication required: send {type: auth, token}")
    return await asyncio.to_thread(caller_by_token, maker, token)


async def _resume_frame(websocket: WebSocket) -> int | None:
    frame = await _frame(websocket, timeout=_settings(websocket).events_auth_seconds)
    if frame.get("type") != "resume" or "after" not in frame:
        raise Refused(BAD_MESSAGE, "expected {type: resume, after: N or null}")
    after = frame["after"]
    if after is None:
        return None
    if isinstance(after, bool) or not isinstance(after, int) or after < 0:
        raise Refused(BAD_MESSAGE, "after: a position (an integer >= 0) or null")
    return after


async def _frame(
    websocket: WebSocket, *, timeout: float | None, missing: int = BAD_MESSAGE
) -> dict[str, Any]:
    """The next frame as a JSON object; closes the socket on silence or bad JSON."""
    try:
        text = await asyncio.wait_for(websocket.receive_text(), timeout=timeout)
    except TimeoutError:
        raise Refused(missing, "no frame in time") from None
    except KeyError:  # a binary frame
        raise Refused(BAD_MESSAGE, "text frames of JSON only") from None
    try:
        frame = json.loads(text)
    except ValueError:
        raise Refused(BAD_MESSAGE, "not JSON") from None
    if not isinstance(frame, dict):
        raise Refused(BAD_MESSAGE, "a JSON object with a type, please")
    return frame


def _welcome(websocket: WebSocket, caller: SocketCaller) -> dict[str, Any]:
    return {
        "type": "welcome",
        "user_id": caller.user_id,
        "position": caller.position,
        "heartbeat_seconds": _settings(websocket).events_heartbeat_seconds,
    }


async def _serve(
    websocket: WebSocket, caller: SocketCaller, subscriber: Subscriber, after: int | None
) -> None:
    sender = asyncio.create_task(_send(websocket, caller, subscriber, after))
    receiver = asyncio.create_task(_receive(websocket))
    done, pending = await asyncio.wait({sender, receiver}, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect, Refused):
            await task
    for task in done:
        task.result()  # Refused closes the socket; a disconnect ends quietly


async def _receive(websocket: WebSocket) -> None:
    """After ``resume`` a client may only ``ping``; anything else is a protocol error."""
    while True:
        frame = await _frame(websocket, timeout=None)
        if frame.get("type") != "ping":
            raise Refused(BAD_MESSAGE, "unexpected frame: only ping after resume")
        await websocket.send_json({"type": "pong"})


async def _send(
    websocket: WebSocket, caller: SocketCaller, subscriber: Subscriber, after: int | None
) -> None:
    cursor = caller.position if after is None else after
    if cursor < caller.pruned_upto:
        await websocket.send_json({"type": "reset", "position": caller.pruned_upto})
        cursor = caller.pruned_upto
    cursor = await _send_backlog(websocket, caller, subscriber, cursor)
    await websocket.send_json({"type": "caught_up", "position": cursor})
    await _send_live(websocket, caller, subscriber, cursor)


async def _send_backlog(
    websocket: WebSocket, caller: SocketCaller, subscriber: Subscriber, cursor: int
) -> int:
    """Everything of the caller's streams after ``cursor`` from the rows. Live events queue
    up meanwhile; if the queue overflowed, drop it and read the rows again (they hold
    everything the queue lost)."""
    maker = websocket.app.state.session_maker
    while True:
        subscriber.overflowed.clear()
        while True:
            batch = await asyncio.to_thread(_read_backlog, maker, cursor, caller.streams)
            for event in batch:
                await _deliver(websocket, caller, event)
                cursor = event.position
            if len(batch) < BACKLOG_BATCH:
                break
        if not subscriber.overflowed.is_set():
            return cursor
        _drain(subscriber)


def _read_backlog(maker: Any, cursor: int, streams: frozenset[str]) -> list[LoggedEvent]:
    with maker() as session:
        return events_after(session, cursor, streams=streams, limit=BACKLOG_BATCH)


def _drain(subscriber: Subscriber) -> None:
    while not subscriber.queue.empty():
        subscriber.queue.get_nowait()


async def _deliver(websocket: WebSocket, caller: SocketCaller, event: LoggedEvent) -> None:
    """Send one event; a ``reconnect`` event on the caller's own stream (their groups or
    their sign-in changed) then closes the socket, so the client authenticates again and
    its streams are resolved again, resuming after this event."""
    await websocket.send_text(event.frame)
    if event.kind == RECONNECT and event.stream == user_stream(caller.user_id):
        raise Refused(RECONNECT_CODE, "reconnect: streams or sign-in changed")


async def _send_live(
    websocket: WebSocket, caller: SocketCaller, subscriber: Subscriber, cursor: int
) -> None:
    while True:
        if subscriber.overflowed.is_set():
            raise Refused(TOO_FAR_BEHIND, "too far behind: resume")
        event = await subscriber.queue.get()
        if event is HEARTBEAT:
            await websocket.send_json({"type": "heartbeat", "position": cursor})
        elif event.position > cursor:  # else: already sent from the rows
            await _deliver(websocket, caller, event)
            cursor = event.position


async def _close(websocket: WebSocket, code: int, reason: str) -> None:
    with contextlib.suppress(RuntimeError, WebSocketDisconnect):
        await websocket.close(code=code, reason=reason)
