"""Hand one outbox message to the in-app inbox: one Notification per recipient.

The message's payload carries what people read: ``title`` (required), ``body`` and
``case_id`` (optional), and the texts as messages to render in each reader's language,
``title_message`` and ``body_message`` (optional: ``gridgov.i18n.Message.to_json()``).
A message that cannot be delivered raises :class:`BadMessage` (or the database refuses it,
e.g. an unknown user id); the delivery job records the error on the message and goes on
with the others.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from gridgov.i18n import Message
from gridgov.notify.models import Notification, OutboxMessage

TITLE_MAX = 200


class BadMessage(ValueError):
    """An outbox message that can never become a notification as it is."""


def _text(payload: dict, key: str, *, required: bool) -> str:
    value = payload.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise BadMessage(f"payload {key!r} must be a non-empty string")
    return value


def _message(payload: dict, key: str) -> dict[str, Any] | None:
    value = payload.get(key)
    if value is None:
        return None
    message = Message.from_json(value)
    if message is None:
        raise BadMessage(f"payload {key!r} must be a message (id and parameters)")
    return message.to_json()


def do_deliver_to_inbox(
    session: Session, message: OutboxMessage, *, now: dt.datetime
) -> list[Notification]:
    """Write the message into each recipient's inbox and mark it delivered (flushes, so a
    refused row fails here, inside the caller's savepoint)."""
    payload = message.payload if isinstance(message.payload, dict) else {}
    if not isinstance(message.recipients, list) or not all(
        isinstance(user_id, str) for user_id in message.recipients
    ):
        raise BadMessage("recipients must be a list of user ids")
    title = _text(payload, "title", required=True)[:TITLE_MAX]
    body = _text(payload, "body", required=False)
    title_message = _message(payload, "title_message")
    body_message = _message(payload, "body_message")
    case_id = payload.get("case_id")
    if case_id is not None and not isinstance(case_id, str):
        raise BadMessage("payload 'case_id' must be a string")
    notifications = [
        Notification(
            user_id=user_id,
            outbox_id=message.id,
            kind=message.kind,
            case_id=case_id,
            title=title,
            body=body,
            title_message=title_message,
            body_message=body_message,
            created_at=now,
        )
        for user_id in sorted(set(message.recipients))
    ]
    session.add_all(notifications)
    message.delivered_at = now
    session.flush()
    return notifications
