"""Every ORM write is audited automatically, after each flush, in the same transaction.
The listener is installed on the platform's sessions by
:func:`gridgov.database.sessions.session_factory` (through :func:`install_audit`).

The adapter that owns the transaction says who acts: ``session.info["actor"]`` (and
``session.info["request_id"]`` for API requests). Writes that bypass the ORM with Core
statements record theirs through :func:`record_bulk`, which builds the same rows from the
same code (:func:`audited_changes`, :func:`_entry`); a bulk import records one summary entry
through :func:`gridgov.audit.actions.do_record`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Table, event, inspect
from sqlalchemy.orm import Session, UOWTransaction, sessionmaker

from gridgov import clock
from gridgov.audit.models import AuditEntry
from gridgov.ids import new_id
from gridgov.privacy import mask
from gridgov.storage.bulk import insert_rows, table_of

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
    "webhook_key",  # a bridge route's secret (gridgov.notify.bridges)
    "send_times",  # a bridge route's rate-limit bookkeeping, written at every send
    "throttled_until",
    "throttle_count",
    "digest_due_at",  # a user's digest timer, moved at every digest
    "digest_since",
}
UNATTRIBUTED = "system:unattributed"
_AUDIT_LOG = table_of(AuditEntry)


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float | bool | dict | list):
        return value
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def audited_value(name: str, value: Any) -> Any:
    """A column value as the audit log keeps it: personal strings masked, other values plain
    JSON (bulk writers that bypass the ORM build their entries with it)."""
    return mask(name, value) if isinstance(value, str) else _plain(value)


def audited_changes(pairs: Iterable[tuple[str, Any, Any]]) -> dict[str, Any]:
    """The ``changes`` of an entry: ``{column: [before, after]}`` for the columns given as
    ``(name, before, after)`` (the changed ones, in the table's column order), audited
    values, the SKIPPED columns left out."""
    return {
        name: [audited_value(name, before), audited_value(name, after)]
        for name, before, after in pairs
        if name not in SKIPPED
    }


def _entry(
    session: Session,
    *,
    at: dt.datetime,
    actor: str | None,
    action: str,
    object_type: str,
    object_id: str | None,
    territory_code: str | None,
    changes: dict[str, Any],
) -> dict[str, Any]:
    """One audit_log row, as the ORM listener and :func:`record_bulk` both write it."""
    return {
        "id": new_id(),
        "at": at,
        "actor": actor or session.info.get("actor", UNATTRIBUTED),
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "territory_code": territory_code,
        "request_id": session.info.get("request_id"),
        "changes": changes,
    }


def _write(session: Session, entries: list[dict[str, Any]]) -> None:
    insert_rows(session.connection(), _AUDIT_LOG, entries)


# --- the ORM listener ----------------------------------------------------------------------


def _orm_changes(obj: Any, action: str) -> dict[str, Any]:
    state = inspect(obj)
    pairs = []
    for attr in state.mapper.column_attrs:
        if attr.key in SKIPPED:
            continue
        if action == "create":
            value = getattr(obj, attr.key)
            if value is not None:
                pairs.append((attr.key, None, value))
            continue
        history = state.attrs[attr.key].history
        if history.has_changes():
            before = history.deleted[0] if history.deleted else None
            after = history.added[0] if history.added else None
            pairs.append((attr.key, before, after))
    return audited_changes(pairs)


def _object_id(obj: Any) -> str | None:
    key = inspect(obj).mapper.primary_key_from_instance(obj)
    return ":".join(str(part) for part in key) if all(p is not None for p in key) else None


def _territory_code(obj: Any) -> str | None:
    if obj.__tablename__ == "territories":
        return obj.code
    return getattr(obj, "territory_code", None)


def _entries(session: Session) -> list[dict[str, Any]]:
    now = clock.now()
    entries = []
    for action, objects in (
        ("create", session.new),
        ("update", session.dirty),
        ("delete", session.deleted),
    ):
        for obj in objects:
            if not getattr(obj, "__audited__", True):
                continue
            changes = {} if action == "delete" else _orm_changes(obj, action)
            if action == "update" and not changes:
                continue
            entries.append(
                _entry(
                    session,
                    at=now,
                    actor=None,
                    action=action,
                    object_type=obj.__tablename__,
                    object_id=_object_id(obj),
                    territory_code=_territory_code(obj),
                    changes=changes,
                )
            )
    return entries


def _after_flush(session: Session, _context: UOWTransaction) -> None:
    entries = _entries(session)
    if entries:
        _write(session, entries)


_INSTALLED = "_gridgov_audit_installed"


def install_audit(target: sessionmaker[Session] | Session) -> None:
    """Audit every flush of the sessions ``target`` makes (or of that one session)."""
    # A mark on the target, not event.contains(): SQLAlchemy's event registry knows targets
    # by id(), so a sessionmaker made after another was freed could reuse its id and be
    # taken for audited while nothing listens to it.
    if getattr(target, _INSTALLED, False):
        return
    event.listen(target, "after_flush", _after_flush)
    setattr(target, _INSTALLED, True)


# --- the bulk entry point ------------------------------------------------------------------

RowChange = tuple[Mapping[str, Any] | None, Mapping[str, Any] | None]


def record_bulk(
    session: Session,
    table: Table,
    rows_before_after: Iterable[RowChange],
    *,
    actor: str | None = None,
) -> int:
    """Audit rows written with Core statements (which the listener does not see), one entry
    per row, exactly as the listener would have written for the same ORM writes; how many.

    Each item is ``(before, after)`` with column values by column name:
    ``(None, row)`` a created row (every column of the row, as inserted),
    ``(row, None)`` a deleted row, ``(before, after)`` an update of the columns in
    ``after`` (``before`` holds their old values and the primary key; an update that
    changes nothing writes no entry). The primary key and ``territory_code`` are read from
    the row (``code`` for territories). ``actor`` defaults to ``session.info["actor"]``."""
    now = clock.now()
    order = {name: index for index, name in enumerate(table.c.keys())}
    entries = []
    for before, after in rows_before_after:
        row = {**(before or {}), **(after or {})}
        if after is None:
            action, pairs = "delete", []
        elif before is None:
            action = "create"
            pairs = [(name, None, after[name]) for name in order if after.get(name) is not None]
        else:
            action = "update"
            names = sorted((name for name in after if name in order), key=order.__getitem__)
            pairs = [(n, before[n], after[n]) for n in names if _changed(before[n], after[n])]
        changes = audited_changes(pairs)
        if action == "update" and not changes:
            continue
        key = [row[column.name] for column in table.primary_key.columns]
        entries.append(
            _entry(
                session,
                at=now,
                actor=actor,
                action=action,
                object_type=table.name,
                object_id=":".join(map(str, key)) if None not in key else None,
                territory_code=row.get("code" if table.name == "territories" else "territory_code"),
                changes=changes,
            )
        )
    if entries:
        _write(session, entries)
    return len(entries)


def record_entries(
    session: Session,
    *,
    action: str,
    object_type: str,
    entries: Iterable[tuple[str | None, str | None, dict[str, Any]]],
    actor: str | None = None,
) -> int:
    """Many explicit entries of one kind in one statement (what
    :func:`gridgov.audit.actions.do_record` writes one at a time): each item is
    ``(object_id, territory_code, changes)``. Answers how many."""
    now = clock.now()
    rows = [
        _entry(
            session,
            at=now,
            actor=actor,
            action=action,
            object_type=object_type,
            object_id=object_id,
            territory_code=territory_code,
            changes=changes,
        )
        for object_id, territory_code, changes in entries
    ]
    if rows:
        _write(session, rows)
    return len(rows)


def _changed(before: Any, after: Any) -> bool:
    """As the ORM's attribute history: a value set to an equal one is no change."""
    return before is not after and before != after
