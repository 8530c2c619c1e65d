"""Who hears that a case was resolved, inside the transaction that resolved it: packages
above cases (contacts: a resolved dispute makes its household due follow-up visits)
subscribe here, installed by gridgov.database.hooks; cases imports none of them."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

# fn(session, *, case_id, category_code, household_id, actor)
ResolvedSubscriber = Callable[..., None]

_subscribers: list[ResolvedSubscriber] = []


def on_resolved(subscriber: ResolvedSubscriber) -> None:
    """Call ``subscriber`` whenever a case is resolved (subscribing twice subscribes once)."""
    if subscriber not in _subscribers:
        _subscribers.append(subscriber)


def announce_resolved(
    session: Session, *, case_id: str, category_code: str, household_id: str | None, actor: str
) -> None:
    for subscriber in tuple(_subscribers):
        subscriber(
            session,
            case_id=case_id,
            category_code=category_code,
            household_id=household_id,
            actor=actor,
        )
