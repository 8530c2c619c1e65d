"""The ``Idempotency-Key`` header, shared by the API (cases, visits) and the pages (the offline
queues): a caller that sends the same key again gets what its first request created, never
a second one. Keys are compared per owner (:func:`idempotency_owner`), so two users' equal
keys are two requests."""

from __future__ import annotations

from typing import Annotated

from fastapi import Header

MAX_IDEMPOTENCY_KEY = 128

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=MAX_IDEMPOTENCY_KEY,
        description="The same key again from the same caller returns what the first request "
        "created (200), never a second one.",
    ),
]


def idempotency_owner(user_id: str) -> str:
    """The owner of a signed-in user's keys (cases and visits store it with the key)."""
    return f"user:{user_id}"
