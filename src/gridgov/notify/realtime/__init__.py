"""Realtime events: rows written in the writer's transaction, numbered in commit order,
pushed after commit to the WebSocket clients allowed to see their stream.

- :func:`publish` (``publish.py``): write an event in the caller's transaction;
- :func:`register_streams` (``streams.py``): who may receive which stream;
- ``log.py``: reading the rows after a position, the retention job's pruning;
- ``hub.py``: the in-process fan-out to sockets (bounded queue per socket);
- ``listener.py``: PostgreSQL ``LISTEN`` so every server process's hub wakes.

The protocol the clients speak is in docs/events.md.
"""

from gridgov.notify.realtime.publish import on_published, publish
from gridgov.notify.realtime.streams import (
    ask_to_reconnect,
    register_streams,
    streams_for,
    user_stream,
)

__all__ = [
    "ask_to_reconnect",
    "on_published",
    "publish",
    "register_streams",
    "streams_for",
    "user_stream",
]
