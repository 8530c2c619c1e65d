"""The hub of one server process: reads the event log after its last position whenever it
is woken (a commit in this process, a PostgreSQL notification from any process, or its poll)
and puts each event into the bounded queue of every socket subscribed to its stream.

The hub never waits on a socket: ``Subscriber.offer`` is ``put_nowait``; a full queue marks
the subscriber as overflowed and its own sender task closes it (the client resumes from the
rows). The log is read in a worker thread so the event loop never blocks on the database.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from sqlalchemy.orm import Session, sessionmaker

from gridgov.notify.realtime.listener import PostgresListener
from gridgov.notify.realtime.log import LoggedEvent, events_after, log_bounds
from gridgov.notify.realtime.publish import on_published

log = logging.getLogger(__name__)
READ_BATCH = 1000


# Queued by the hub's beat: time for the socket to send a heartbeat (one timer for all the
# sockets of the process, instead of a timeout on every socket's wait).
HEARTBEAT = None


@dataclass(eq=False)
class Subscriber:
    """One socket's share of the hub: its streams, its bounded queue (events, and
    ``HEARTBEAT`` marks), and whether it fell behind (the queue filled up)."""

    streams: frozenset[str]
    queue: asyncio.Queue[LoggedEvent | None]
    overflowed: asyncio.Event = field(default_factory=asyncio.Event)

    def offer(self, event: LoggedEvent) -> None:
        if self.overflowed.is_set():
            return
        try:
            self.queue.put_nowait(event)
        except asyncio.QueueFull:
            self.overflowed.set()

    def beat(self) -> None:
        """A heartbeat mark, unless the queue is full (then the socket has work anyway)."""
        with contextlib.suppress(asyncio.QueueFull):
            self.queue.put_nowait(HEARTBEAT)


class Hub:
    """Fan-out of the log to this process's sockets. Started lazily by the first socket
    (``ensure_started``), stopped with the app."""

    def __init__(
        self,
        session_maker: sessionmaker[Session],
        *,
        poll_seconds: float,
        heartbeat_seconds: float = 25.0,
        listen_url: str | None = None,
    ) -> None:
        self._session_maker = session_maker
        self._poll_seconds = poll_seconds
        self._heartbeat_seconds = heartbeat_seconds
        self._listen_url = listen_url
        self._by_stream: dict[str, set[Subscriber]] = defaultdict(set)
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._beat_task: asyncio.Task[None] | None = None
        self._listener: PostgresListener | None = None
        self._unregister: Callable[[], None] | None = None
        self._start_lock = asyncio.Lock()
        self.position = 0  # the last position fanned out

    async def ensure_started(self) -> None:
        async with self._start_lock:
            if self._task is not None:
                return
            bounds = await asyncio.to_thread(self._read_bounds)
            self.position = bounds[0]
            loop = asyncio.get_running_loop()

            def wake_from_any_thread(_last: int) -> None:
                if loop.is_closed():  # served by a server that ended without stopping us
                    self._stop_listening()
                    return
                loop.call_soon_threadsafe(self.wake)

            self._unregister = on_published(wake_from_any_thread)
            if self._listen_url:
                self._listener = PostgresListener(self._listen_url, on_notify=self.wake)
                self._listener.start()
            self._task = asyncio.create_task(self._run(), name="gridgov-events-hub")
            self._beat_task = asyncio.create_task(self._beat(), name="gridgov-events-beat")

    def _stop_listening(self) -> None:
        if self._unregister is not None:
            self._unregister()
            self._unregister = None

    async def stop(self) -> None:
        self._stop_listening()
        if self._listener is not None:
            await self._listener.stop()
        for task in (self._task, self._beat_task):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._task = self._beat_task = None

    def wake(self) -> None:
        self._wake.set()

    def subscribe(self, streams: Iterable[str], *, queue_size: int) -> Subscriber:
        subscriber = Subscriber(frozenset(streams), asyncio.Queue(maxsize=queue_size))
        for stream in subscriber.streams:
            self._by_stream[stream].add(subscriber)
        return subscriber

    def unsubscribe(self, subscriber: Subscriber) -> None:
        for stream in subscriber.streams:
            members = self._by_stream.get(stream)
            if members is not None:
                members.discard(subscriber)
                if not members:
                    del self._by_stream[stream]

    @property
    def subscriber_count(self) -> int:
        return len({s for members in self._by_stream.values() for s in members})

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self._poll_seconds)
            self._wake.clear()
            try:
                await self._fan_out_new()
            except Exception:  # the database is away: try again at the next wake or poll
                log.exception("events hub: reading the log failed")

    async def _beat(self) -> None:
        while True:
            await asyncio.sleep(self._heartbeat_seconds)
            for subscriber in {s for members in self._by_stream.values() for s in members}:
                subscriber.beat()

    async def _fan_out_new(self) -> None:
        while True:
            batch = await asyncio.to_thread(self._read_after, self.position)
            for event in batch:
                for subscriber in tuple(self._by_stream.get(event.stream, ())):
                    subscriber.offer(event)
                self.position = event.position
            if len(batch) < READ_BATCH:
                return

    def _read_after(self, position: int) -> list[LoggedEvent]:
        with self._session_maker() as session:
            return events_after(session, position, limit=READ_BATCH)

    def _read_bounds(self) -> tuple[int, int]:
        with self._session_maker() as session:
            return log_bounds(session)
