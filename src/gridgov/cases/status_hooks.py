"""Who hears of a case's status changes: higher layers subscribe here (groups posts a short
system message in the group a case came from), since cases may not import them.

Every status change reaches the subscribers: a person's action (cases.actions, one case)
and the system's timer steps (cases.timers.steps: escalations and auto-closes, a batch at
once, so a subscriber is given the batch's changes together and reads what it needs in one
query). A subscriber runs in the transaction of the change, after its timeline event row is
written; one that raises rolls the change back, so subscribers only write rows (their side
effects go through the outbox like everything else). ``event_seq`` names the timeline event
that recorded the change: a subscriber that must act once per change keys on it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from sqlalchemy.orm import Session

from gridgov.cases.models import Case


@dataclass(frozen=True)
class StatusChange:
    """What changed: the action recorded, the states before and after, whether the case
    went up a level, and (filled for subscribers) the case, its handling node after the
    change and the number of the timeline event recording it."""

    action: str
    from_state: str | None
    to_state: str
    actor: str
    escalated: bool = False
    case_id: str = ""
    handler_code: str = ""
    event_seq: int = 0


StatusSubscriber = Callable[[Session, Sequence[StatusChange]], None]
_subscribers: list[StatusSubscriber] = []


def subscribe_status(subscriber: StatusSubscriber) -> None:
    """Call ``subscriber`` on every status change (subscribing twice subscribes once)."""
    if subscriber not in _subscribers:
        _subscribers.append(subscriber)


def status_changed(session: Session, case: Case, change: StatusChange, *, event_seq: int) -> None:
    """One case's change (its row already holds the state after)."""
    statuses_changed(
        session,
        [replace(change, case_id=case.id, handler_code=case.handler_code, event_seq=event_seq)],
    )


def statuses_changed(session: Session, changes: Sequence[StatusChange]) -> None:
    if changes:
        for subscriber in tuple(_subscribers):
            subscriber(session, changes)
