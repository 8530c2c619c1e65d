"""The errors of logging in. Each carries the HTTP status the API answers with."""

from __future__ import annotations

from gridgov.errors import DomainError, PermissionDenied


class NotAuthenticated(DomainError):
    """No token, or one that is unknown, expired or revoked; or wrong login details."""

    code = "not_authenticated"
    status = 401
    headers = {"WWW-Authenticate": "Bearer"}  # noqa: RUF012 - read-only, RFC 6750


class AccountLocked(DomainError):
    code = "account_locked"
    status = 423

    def __init__(self, message: str, *, minutes: int | None = None) -> None:
        super().__init__(message)
        self.minutes = minutes  # how long until it may be tried again (the pages say it)


class TooManyAttempts(DomainError):
    code = "too_many_attempts"
    status = 429
    headers = {"Retry-After": "60"}  # noqa: RUF012 - read-only


class PasswordChangeRequired(PermissionDenied):
    code = "password_change_required"
