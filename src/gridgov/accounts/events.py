"""A user account linked to a resident (on creation), published to the packages above
accounts that react: groups add the user to the groups of their household's village, grid
and unit. Subscriptions are made in :mod:`gridgov.database.hooks`. (Role assignments are
published as leadership through :mod:`gridgov.posts.events`.)
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

AccountSubscriber = Callable[[Session, str, str], None]  # (session, user_id, actor)

_subscribers: list[AccountSubscriber] = []


def subscribe_accounts(subscriber: AccountSubscriber) -> None:
    """Call ``subscriber`` whenever a user is linked to a resident (once if subscribed twice)."""
    if subscriber not in _subscribers:
        _subscribers.append(subscriber)


def publish_account_linked(session: Session, user_id: str, *, actor: str) -> None:
    for subscriber in _subscribers:
        subscriber(session, user_id, actor)
