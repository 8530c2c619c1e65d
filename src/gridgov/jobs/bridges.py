"""The bridge job step: send the due outbox rows of the bridges' channels (WeCom, e-mail,
SMS) through their bridge (gridgov.notify.bridges), after the writes that made them
committed.

Rows are claimed oldest first with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL (several workers
take different rows), then grouped by target: a WeCom route, or a channel without routes.
A route's row is locked too (skipped when another worker holds it), so two workers never
spend one robot's minute twice. Each target runs in a savepoint of its own: a bridge that
fails, times out or raises records the failure on its rows (backoff, then a dead letter)
and the other targets go on; the inbox step is another step, so a failing bridge never
holds up the in-app notifications (or the chat, which writes rows and never waits on a
bridge).

Sending is at least once: a request that reached the far end and then failed to be
recorded (the step's commit failed) is sent again.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov import clock
from gridgov.notify.bridges.digest import claim_due_digests, do_digest_user
from gridgov.notify.bridges.models import BridgeRoute
from gridgov.notify.bridges.outcomes import do_defer, do_mark_sent, do_record_failure
from gridgov.notify.bridges.protocol import Bridge, Throttled
from gridgov.notify.bridges.ratelimit import backoff
from gridgov.notify.bridges.registry import bridge_for
from gridgov.notify.models import OutboxMessage

log = logging.getLogger("gridgov.jobs.bridges")
THROTTLE_BASE = dt.timedelta(minutes=1)
THROTTLE_CAP = dt.timedelta(minutes=10)
Target = tuple[str, str | None]


def claim_due(session: Session, *, now: dt.datetime, batch: int) -> list[OutboxMessage]:
    query = (
        select(OutboxMessage)
        .where(
            OutboxMessage.channel != "inbox",
            OutboxMessage.delivered_at.is_(None),
            OutboxMessage.dead_at.is_(None),
            OutboxMessage.discarded_at.is_(None),
            OutboxMessage.next_attempt_at <= now,
        )
        .order_by(OutboxMessage.created_at, OutboxMessage.id)
        .limit(batch)
        .with_for_update(skip_locked=True)
    )
    return list(session.scalars(query))


def _lock_route(session: Session, route_id: str) -> BridgeRoute | None:
    return session.scalar(
        select(BridgeRoute).where(BridgeRoute.id == route_id).with_for_update(skip_locked=True)
    )


def _send_all(
    session: Session,
    bridge: Bridge,
    route: BridgeRoute | None,
    rows: list[OutboxMessage],
    now: dt.datetime,
) -> int:
    plan = bridge.plan(session, route, rows, now=now)
    done = 0
    for index, request in enumerate(plan.requests):
        try:
            bridge.send(session, route, request, now=now)
        except Throttled as exc:
            assert route is not None  # only a route's robot throttles
            route.throttle_count += 1
            pause = backoff(route.throttle_count, base=THROTTLE_BASE, cap=THROTTLE_CAP)
            route.throttled_until = now + pause
            waiting = [row for later in plan.requests[index:] for row in later.messages]
            do_defer([*waiting, *plan.later], until=route.throttled_until)
            log.warning(
                "bridge route %s throttled (%s) until %s", route.id, exc, route.throttled_until
            )
            return done
        except Exception as exc:
            do_record_failure(request.messages, f"{type(exc).__name__}: {exc}", now=now)
        else:
            do_mark_sent(request.messages, now=now)
            if route is not None:
                route.throttle_count = 0
        done += len(request.messages)
    if plan.later:
        do_defer(plan.later, until=plan.later_at or now)
    return done


def _deliver_target(
    session: Session, target: Target, rows: list[OutboxMessage], now: dt.datetime
) -> int:
    channel, route_id = target
    route = None
    if route_id is not None:
        route = _lock_route(session, route_id)
        if route is None:
            return 0  # another worker sends through this robot now: left for the next round
        if not route.active:
            do_record_failure(rows, "the route was switched off", now=now)
            return len(rows)
        if route.throttled_until is not None and route.throttled_until > now:
            do_defer(rows, until=route.throttled_until)
            return 0
    bridge = bridge_for(channel)
    if bridge is None:
        do_record_failure(rows, f"the {channel} bridge is not configured", now=now)
        return len(rows)
    return _send_all(session, bridge, route, rows, now)


def deliver_bridges_step(
    session: Session, *, now: dt.datetime | None = None, batch: int = 200
) -> int:
    """Send one batch of due bridge rows; how many rows were sent or failed (0: none was
    due). Only flushes; the caller commits."""
    now = now or clock.now()
    targets: dict[Target, list[OutboxMessage]] = defaultdict(list)
    for row in claim_due(session, now=now, batch=batch):
        targets[(row.channel, row.route_id)].append(row)
    handled = 0
    for target, rows in targets.items():
        try:
            with session.begin_nested():
                handled += _deliver_target(session, target, rows, now)
                session.flush()
        except Exception as exc:  # a bug or a database refusal in one target: the others go on
            log.exception("bridge target %s failed", target)
            do_record_failure(rows, f"{type(exc).__name__}: {exc}", now=now)
            session.flush()
            handled += len(rows)
    return handled


def digest_step(session: Session, *, now: dt.datetime | None = None, batch: int = 200) -> int:
    """Write the e-mail digests that are due (one outbox row each; the bridge step sends
    them) and set each user's next digest time; how many users were handled."""
    now = now or clock.now()
    users = claim_due_digests(session, now=now, batch=batch)
    for user in users:
        do_digest_user(session, user, now=now)
    return len(users)
