"""The groups' own error answers."""

from __future__ import annotations

from gridgov.errors import DomainError


class TooManyMessages(DomainError):
    """429: the member posted more messages in the last minute than the limit allows."""

    code = "too_many_messages"
    status = 429


class QuotaExceeded(DomainError):
    """413: the group's attachments would pass its quota."""

    code = "attachment_quota_exceeded"
    status = 413
