"""PostgreSQL ``LISTEN`` for the hub: every commit that published, in any process, sends
``NOTIFY gridgov_events`` (see :mod:`.publish`); this connection hears it and wakes the hub,
which reads the rows itself (the notification's payload is only a hint). When the
connection drops it reconnects with backoff and wakes the hub once, so a notification lost
meanwhile costs nothing but a read."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

import psycopg
from sqlalchemy import Engine

from gridgov.notify.realtime.publish import NOTIFY_CHANNEL

log = logging.getLogger(__name__)
MAX_BACKOFF_SECONDS = 30.0


def listen_url(engine: Engine) -> str | None:
    """The libpq URL of ``engine`` if it is PostgreSQL (options such as search_path kept)."""
    if engine.dialect.name != "postgresql":
        return None
    return engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


class PostgresListener:
    def __init__(self, url: str, *, on_notify: Callable[[], None]) -> None:
        self._url = url
        self._on_notify = on_notify
        self._task: asyncio.Task[None] | None = None
        self.connected = asyncio.Event()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="gridgov-events-listen")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        backoff = 0.5
        while True:
            try:
                await self._listen()
            except (psycopg.Error, OSError) as exc:
                if self.connected.is_set():  # it had worked: start the backoff again
                    backoff = 0.5
                log.warning("events listener: %s; reconnecting in %.1f s", exc, backoff)
            self.connected.clear()
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)

    async def _listen(self) -> None:
        async with await psycopg.AsyncConnection.connect(self._url, autocommit=True) as conn:
            await conn.execute(f"LISTEN {NOTIFY_CHANNEL}")
            self.connected.set()
            self._on_notify()  # whatever committed while we were not listening
            async for _notification in conn.notifies():
                self._on_notify()
