"""Every ORM write is audited automatically, after each flush, in the same transaction.

The listener is installed on the platform's sessions by
:func:`gridgov.database.sessions.session_factory` (through :func:`install_audit`).

The adapter that owns the transaction says who acts: ``session.info["actor"]`` (and
``session.info["request_id"]`` for API requests). Bulk writes that bypass the ORM (imports)
record one entry themselves through :func:`gridgov.audit.actions.do_record`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, insert, inspect
from sqlalchemy.orm import Session, UOWTransaction, sessionmaker

from gridgov import clock
from gridgov.audit.models import AuditEntry
from gridgov.ids import new_id
from gridgov.privacy import mask

# Columns never copied into the log (secrets, and bookkeeping every write changes).
SKIPPED = {
    "password_hash",
    "token_hash",
    "id_number_hash",
    "phone_hash",
    "last_used_at",  # a token in use would write an entry a minute
    "updated_at",
    "created_at",
    "version",
    "updated_by",
}
UNATTRIBUTED = "system:unattributed"


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float | bool | dict | list):
        return value
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def audited_value(name: str, value: Any) -> Any:
    """A column value as the audit log keeps it: personal strings masked, other values plain
    JSON (bulk writers that bypass the ORM build their entries with it)."""
    return mask(name, value) if isinstance(value, str) else _plain(value)


def _changes(obj: Any, action: str) -> dict[str, Any]:
    state = inspect(obj)
    changes: dict[str, Any] = {}
    for attr in state.mapper.column_attrs:
        if attr.key in SKIPPED:
            continue
        history = state.attrs[attr.key].history
        if action == "create":
            value = getattr(obj, attr.key)
            if value is not None:
                changes[attr.key] = [None, audited_value(attr.key, value)]
        elif history.has_changes():
            before = history.deleted[0] if history.deleted else None
            after = history.added[0] if history.added else None
            changes[attr.key] = [audited_value(attr.key, before), audited_value(attr.key, after)]
    return changes


def _object_id(obj: Any) -> str | None:
    key = inspect(obj).mapper.primary_key_from_instance(obj)
    return ":".join(str(part) for part in key) if all(p is not None for p in key) else None


def _territory_code(obj: Any) -> str | None:
    if obj.__tablename__ == "territories":
        return obj.code
    return getattr(obj, "territory_code", None)


def _entries(session: Session) -> list[dict[str, Any]]:
    now, actor = clock.now(), session.info.get("actor", UNATTRIBUTED)
    request_id = session.info.get("request_id")
    entries = []
    for action, objects in (
        ("create", session.new),
        ("update", session.dirty),
        ("delete", session.deleted),
    ):
        for obj in objects:
            if not getattr(obj, "__audited__", True):
                continue
            changes = {} if action == "delete" else _changes(obj, action)
            if action == "update" and not changes:
                continue
            entries.append(
                {
                    "id": new_id(),
                    "at": now,
                    "actor": actor,
                    "action": action,
                    "object_type": obj.__tablename__,
                    "object_id": _object_id(obj),
                    "territory_code": _territory_code(obj),
                    "request_id": request_id,
                    "changes": changes,
                }
            )
    return entries


def _after_flush(session: Session, _context: UOWTransaction) -> None:
    entries = _entries(session)
    if entries:
        session.connection().execute(insert(AuditEntry.__table__), entries)


def install_audit(target: sessionmaker[Session] | Session) -> None:
    """Audit every flush of the sessions ``target`` makes (or of that one session)."""
    if not event.contains(target, "after_flush", _after_flush):
        event.listen(target, "after_flush", _after_flush)
