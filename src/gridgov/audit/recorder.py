"""Every ORM write is audited automatically, after each flush, in the same transaction.

The listener is installed on the platform's sessions by
:func:`gridgov.database.sessions.session_factory` (through :func:`install_audit`).

The adapter that owns the transaction says who acts: ``session.info["actor"]`` (and
``session.info["request_id"]`` for API requests). Bulk writes that bypass the ORM (imports)
record one entry themselves through :func:`gridgov.audit.actions.do_record`; set-based
updates (moving households) write, through :func:`record_bulk_changes`, the very entries
this listener would have written for the same changes made through the ORM.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

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


def _audited_changes(action: str, pairs: Iterable[tuple[str, Any, Any]]) -> dict[str, Any]:
    """``{column: [before, after]}`` as the log keeps it, from (column, before, after) of
    the changed columns: a create keeps the columns that are set."""
    changes: dict[str, Any] = {}
    for name, before, after in pairs:
        if name in SKIPPED:
            continue
        if action == "create":
            if after is not None:
                changes[name] = [None, audited_value(name, after)]
        else:
            changes[name] = [audited_value(name, before), audited_value(name, after)]
    return changes


def _changes(obj: Any, action: str) -> dict[str, Any]:
    state = inspect(obj)
    pairs = []
    for attr in state.mapper.column_attrs:
        if action == "create":
            pairs.append((attr.key, None, getattr(obj, attr.key)))
            continue
        history = state.attrs[attr.key].history
        if history.has_changes():
            before = history.deleted[0] if history.deleted else None
            after = history.added[0] if history.added else None
            pairs.append((attr.key, before, after))
    return _audited_changes(action, pairs)


def _object_id(obj: Any) -> str | None:
    key = inspect(obj).mapper.primary_key_from_instance(obj)
    return ":".join(str(part) for part in key) if all(p is not None for p in key) else None


def _territory_code(obj: Any) -> str | None:
    if obj.__tablename__ == "territories":
        return obj.code
    return getattr(obj, "territory_code", None)


def _entry(
    session: Session,
    *,
    at: Any,
    actor: str,
    action: str,
    object_type: str,
    object_id: str | None,
    territory_code: str | None,
    changes: dict[str, Any],
) -> dict[str, Any]:
    """One audit_log row, ready for a Core INSERT."""
    return {
        "id": new_id(),
        "at": at,
        "actor": actor,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "territory_code": territory_code,
        "request_id": session.info.get("request_id"),
        "changes": changes,
    }


def _entries(session: Session) -> list[dict[str, Any]]:
    now, actor = clock.now(), session.info.get("actor", UNATTRIBUTED)
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
                _entry(
                    session,
                    at=now,
                    actor=actor,
                    action=action,
                    object_type=obj.__tablename__,
                    object_id=_object_id(obj),
                    territory_code=_territory_code(obj),
                    changes=changes,
                )
            )
    return entries


def _insert(session: Session, entries: list[dict[str, Any]]) -> None:
    """Audit rows in one executemany, on the session's connection (no ORM flush)."""
    session.connection().execute(insert(AuditEntry), entries)


class RowChange(NamedTuple):
    """What a set-based write did to one row: its id, its territory code after the write
    and ``{column: (before, after)}`` in plain column values (masking is done here)."""

    object_id: str
    territory_code: str | None
    values: Mapping[str, tuple[Any, Any]]


def record_bulk_changes(
    session: Session,
    table_name: str,
    changes: Iterable[RowChange],
    *,
    actor: str,
    action: str = "update",
) -> int:
    """Audit rows written set-based (Core UPDATE or INSERT): one entry per changed row, the
    same entry the flush listener writes for that change made through the ORM (skipped
    columns left out, personal values masked, unchanged rows not recorded), inserted with
    one executemany. Answers how many entries were written."""
    now = clock.now()
    entries = []
    for change in changes:
        pairs = (
            (name, before, after)
            for name, (before, after) in change.values.items()
            if action == "create" or before != after  # as the ORM's history sees a change
        )
        audited = _audited_changes(action, pairs)
        if action == "update" and not audited:
            continue
        entries.append(
            _entry(
                session,
                at=now,
                actor=actor,
                action=action,
                object_type=table_name,
                object_id=change.object_id,
                territory_code=change.territory_code,
                changes=audited,
            )
        )
    if entries:
        _insert(session, entries)
    return len(entries)


def _after_flush(session: Session, _context: UOWTransaction) -> None:
    entries = _entries(session)
    if entries:
        _insert(session, entries)


def install_audit(target: sessionmaker[Session] | Session) -> None:
    """Audit every flush of the sessions ``target`` makes (or of that one session)."""
    if not event.contains(target, "after_flush", _after_flush):
        event.listen(target, "after_flush", _after_flush)
