"""Which streams a caller may receive: their own ``user:<id>`` stream, plus whatever the
capabilities' resolvers say (groups: the member's groups; emergency: the roll-calls the
caller may see). Capabilities sit above this layer, so they register resolvers from
``gridgov.database.hooks`` rather than this module importing them."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from sqlalchemy.orm import Session

from gridgov.access.principal import Principal
from gridgov.notify.realtime.publish import publish

# The kind of event, on a user's own stream, that makes their sockets reconnect (closed with
# 4000): publish it when their groups change or they sign out, so streams are resolved
# again and a socket never outlives its right to them (docs/events.md).
RECONNECT = "reconnect"

StreamResolver = Callable[[Session, Principal], Iterable[str]]

_resolvers: list[StreamResolver] = []


def register_streams(resolver: StreamResolver) -> Callable[[], None]:
    """Add a resolver (registering the same one twice keeps one); returns its remover."""
    if resolver not in _resolvers:
        _resolvers.append(resolver)
    return lambda: _resolvers.remove(resolver) if resolver in _resolvers else None


def ask_to_reconnect(session: Session, user_id: str) -> None:
    """After this transaction commits, the user's open sockets close with 4000 and their
    clients reconnect: call it when a change takes streams away (left a group, signed out)."""
    publish(session, stream=user_stream(user_id), kind=RECONNECT, payload={})


def user_stream(user_id: str) -> str:
    return f"user:{user_id}"


def streams_for(session: Session, principal: Principal) -> frozenset[str]:
    """Every stream ``principal`` may receive now (resolved when a socket authenticates)."""
    streams = {user_stream(principal.user_id)}
    for resolver in _resolvers:
        streams.update(resolver(session, principal))
    return frozenset(streams)
