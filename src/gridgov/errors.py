"""The exception tree of gridgov. Every error a user can cause is a DomainError.

::

    GridgovError
    ├── NotMigrated          database schema is behind the code (run `gridgov db upgrade`)
    └── DomainError          a rule of the domain refused the request; nothing was written
        ├── ValidationFailed 422  bad input; ``fields`` maps each field to why
        ├── NotFound         404  missing, or outside the caller's territory (same answer)
        ├── PermissionDenied 403  a role that may never do this
        └── Conflict         409  a duplicate, or a stale ``version``

Adapters translate these: the API into ``{"error": {"code", "message", "fields"}}``,
the CLI into a one-line reason and a non-zero exit. An error with more to say (every bad
row of an import) adds it through ``extra_body()``, next to code, message and fields.
"""

from __future__ import annotations


class GridgovError(Exception):
    """Base of every error gridgov raises on purpose."""


class NotMigrated(GridgovError):
    """The database schema is not at the code's migration head."""


class DomainError(GridgovError):
    code = "domain_error"
    status = 400

    def __init__(self, message: str, *, fields: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = dict(fields or {})

    def extra_body(self) -> dict[str, object]:
        """More the API adds to the error body (e.g. every bad row of an import)."""
        return {}


class ValidationFailed(DomainError):
    code = "validation_failed"
    status = 422

    @classmethod
    def field(cls, name: str, why: str) -> ValidationFailed:
        return cls(f"{name}: {why}", fields={name: why})


class NotFound(DomainError):
    code = "not_found"
    status = 404


class PermissionDenied(DomainError):
    code = "permission_denied"
    status = 403


class Conflict(DomainError):
    code = "conflict"
    status = 409
