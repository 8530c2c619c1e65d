"""The one Protocol every outbound bridge follows, and the failures it raises.

A bridge consumes the outbox rows of its channel (``OutboxMessage.channel``). The bridge job
step (gridgov.jobs.bridges) claims the rows that are due, asks the bridge to :meth:`plan`
the requests it may make now for one target (a route, or the channel when it has none),
then has it :meth:`send` each request. A request carries one row or, when a rate-limited
bridge is behind, several rows merged. What the step does with the outcome is the same for
every bridge: sent rows are delivered; a failure counts an attempt and waits (exponential
backoff) until a dead letter; :class:`Throttled` pauses the route without counting one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from sqlalchemy.orm import Session

from gridgov.notify.bridges.models import BridgeRoute
from gridgov.notify.models import OutboxMessage


class BridgeFailure(Exception):
    """A request failed (network, an error answer, a row that cannot be sent): its rows are
    tried again later, and become dead letters after too many attempts."""


class Throttled(BridgeFailure):
    """The far end asks to slow down (WeCom errcode 45009): the route pauses; the rows'
    attempts are not counted (nothing is wrong with them)."""


@dataclass(frozen=True)
class Request:
    """One request a bridge makes: the rows it carries (several when merged), in order, and
    what the bridge will send for them (its own shape: WeCom's JSON bodies, say)."""

    messages: tuple[OutboxMessage, ...]
    content: Any = None
    cost: int = 1  # how much of a rate budget it takes (a long text split in two costs 2)


@dataclass(frozen=True)
class Plan:
    """The requests to make now, in order, and the rows left for later with when to try
    them (a rate limit reached)."""

    requests: list[Request]
    later: list[OutboxMessage] = field(default_factory=list)
    later_at: dt.datetime | None = None


class Bridge(Protocol):
    channel: str

    def plan(
        self,
        session: Session,
        route: BridgeRoute | None,
        pending: Sequence[OutboxMessage],
        *,
        now: dt.datetime,
    ) -> Plan:
        """The requests for ``pending`` (the due rows of one target, oldest first)."""
        ...

    def send(
        self, session: Session, route: BridgeRoute | None, request: Request, *, now: dt.datetime
    ) -> None:
        """Make one request; return when the far end accepted it, raise BridgeFailure (or
        Throttled) when not."""
        ...


def one_by_one(pending: Sequence[OutboxMessage]) -> Plan:
    """The plan of a bridge with no rate limit: a request per row."""
    return Plan(requests=[Request(messages=(row,)) for row in pending])


ConfigT = TypeVar("ConfigT")


class OneByOneBridge(Generic[ConfigT]):
    """A :class:`Bridge` with no rate limit that sends each row on its own (SMS, e-mail):
    its configuration, the plan of a request per row, and :meth:`send` handing the one row
    to :meth:`send_row`, which a subclass writes."""

    channel: str

    def __init__(self, config: ConfigT) -> None:
        self.config = config

    def plan(
        self,
        session: Session,
        route: BridgeRoute | None,
        pending: Sequence[OutboxMessage],
        *,
        now: dt.datetime,
    ) -> Plan:
        return one_by_one(pending)

    def send(
        self, session: Session, route: BridgeRoute | None, request: Request, *, now: dt.datetime
    ) -> None:
        (row,) = request.messages
        self.send_row(session, row, now=now)

    def send_row(self, session: Session, row: OutboxMessage, *, now: dt.datetime) -> None:
        """Send one row; return when the far end accepted it (or there is nothing to send),
        raise BridgeFailure when not."""
        raise NotImplementedError
