"""A test message through one route, sent at once (not through the outbox), so that the
person who set the route up sees at once whether the robot answers (``gridgov groups bridge
test``). It counts against the robot's minute like any other message."""

from __future__ import annotations

from sqlalchemy.orm import Session

from gridgov import clock
from gridgov.notify.bridges.enqueue import GROUP_POST
from gridgov.notify.bridges.models import BridgeRoute
from gridgov.notify.bridges.protocol import BridgeFailure
from gridgov.notify.bridges.registry import bridge_for
from gridgov.notify.models import OutboxMessage


def send_test_message(session: Session, route: BridgeRoute, text: str) -> None:
    """Send ``text`` through ``route`` now; raises BridgeFailure (or Throttled) saying why
    it did not go. Flushes the route's rate-limit bookkeeping."""
    bridge = bridge_for(route.kind)
    if bridge is None:
        raise BridgeFailure(f"the {route.kind} bridge is not configured")
    probe = OutboxMessage(  # never added to the session: nothing is queued
        kind=GROUP_POST,
        channel=route.kind,
        route_id=route.id,
        recipients=[],
        payload={"group_id": route.group_id, "text": text, "priority": "normal"},
    )
    now = clock.now()
    plan = bridge.plan(session, route, [probe], now=now)
    if not plan.requests:
        raise BridgeFailure(
            f"the robot's budget for this minute is spent; try after {plan.later_at}"
        )
    for request in plan.requests:
        bridge.send(session, route, request, now=now)
    session.flush()
