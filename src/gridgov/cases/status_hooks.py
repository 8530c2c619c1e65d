"""Who hears of a case's status changes: higher layers subscribe here (groups posts a short
system message in the group a case came from), since cases may not import them.

A subscriber runs in the transaction of the change, after its event row is written; one
that raises rolls the change back, so subscribers only write rows (their side effects go
through the outbox like everything else).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from gridgov.cases.models import Case


@dataclass(frozen=True)
class StatusChange:
    """What changed: the action recorded and the states before and after."""

    action: str
    from_state: str | None
    to_state: str
    actor: str


StatusSubscriber = Callable[[Session, Case, StatusChange], None]
_subscribers: list[StatusSubscriber] = []


def subscribe_status(subscriber: StatusSubscriber) -> None:
    """Call ``subscriber`` on every status change (subscribing twice subscribes once)."""
    if subscriber not in _subscribers:
        _subscribers.append(subscriber)


def status_changed(session: Session, case: Case, change: StatusChange) -> None:
    for subscriber in tuple(_subscribers):
        subscriber(session, case, change)
