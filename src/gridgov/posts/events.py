"""A post's start and end, published to the packages above posts that react to them.

Like :mod:`gridgov.registry.events`: the posts' actions call every subscriber in the same
transaction after a post starts or ends (a handover is an end then a start); a subscriber
that fails rolls the change back. Groups subscribe (a new leader joins the groups of their
node, the one leaving leaves them); subscriptions are made in :mod:`gridgov.database.hooks`.
Role assignments publish here too (accounts sits above posts): a role held on a node is
leadership the same way a post is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

POST_EVENTS = ("started", "ended")


@dataclass(frozen=True)
class PostEvent:
    """``resident_id`` for a post; ``user_id`` for a role assignment (the other is None)."""

    kind: str
    post_type: str
    territory_code: str | None
    actor: str
    resident_id: str | None = None
    user_id: str | None = None


PostSubscriber = Callable[[Session, PostEvent], None]

_subscribers: list[PostSubscriber] = []


def subscribe_posts(subscriber: PostSubscriber) -> None:
    """Call ``subscriber`` on every post started or ended (subscribing twice subscribes once)."""
    if subscriber not in _subscribers:
        _subscribers.append(subscriber)


def publish_post_event(session: Session, event: PostEvent) -> None:
    if event.kind not in POST_EVENTS:
        raise ValueError(f"not a post event: {event.kind}")
    for subscriber in _subscribers:
        subscriber(session, event)
