"""The system steps over a whole batch of cases at once: what jobs.escalation runs.

cases.actions' ``do_auto_escalate`` and ``do_warn`` act on one ORM case: a versioned UPDATE,
a timeline event, outbox messages and (through the audit recorder, after the flush) an
audit entry, several statements per case. Here a batch of claimed rows (plain columns, no
ORM objects) is planned in Python, one :class:`Change` per case, and written with one
statement per table for the whole batch (on PostgreSQL the batch's rows travel as one
JSON parameter read by ``json_to_recordset``; elsewhere as an executemany):

- one ``UPDATE cases ... WHERE id = :id AND version = :version`` (version + 1,
  ``updated_at`` now); a row whose version moved meanwhile is not written and is left for
  the next sweep (its event, messages and audit entry are dropped with it): PostgreSQL
  answers the ids it wrote (RETURNING), elsewhere a short summed rowcount makes it redo
  the batch's UPDATE row by row in a savepoint;
- one INSERT of the timeline events (``seq`` = the case's last + 1, from one grouped query,
  cases.sweep.Sweep.prepare);
- one INSERT of the outbox messages, one message per case and kind, exactly those
  cases.notices would enqueue (the handlers of every node the batch reaches are read in
  two queries per level, cases.sweep.Sweep.load_handlers, not two per node);
- one INSERT of audit entries, one per case, as the audit recorder would have built from the
  ORM unit of work (it does not see Core statements): action ``update`` on ``cases``, the
  actor of ``session.info``, and ``{"column": [before, after]}`` for the columns whose value
  changed.

The rules are the same as the single-case steps (workflow.transition decides, cases.timers'
deadline rules set the timers); tests/jobs/test_escalation_bulk.py checks that the rows,
events, messages and audit entries are those the single-case steps write.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from sqlalchemy import (
    JSON,
    DateTime,
    Row,
    String,
    bindparam,
    column,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from gridgov import clock
from gridgov.audit.models import AuditEntry
from gridgov.audit.recorder import SKIPPED, UNATTRIBUTED, audited_value
from gridgov.cases import workflow
from gridgov.cases.actions import SYSTEM_ACTOR
from gridgov.cases.levels import handler_code_for, rank
from gridgov.cases.models import Case, CaseEvent
from gridgov.cases.sla import Limit, deadline, warning_time
from gridgov.cases.sweep import Sweep
from gridgov.cases.timers import WARNING_SHARE, limit_for
from gridgov.ids import new_id
from gridgov.notify.models import OutboxMessage
from gridgov.notify.outbox import KINDS
from gridgov.storage.base import UTCDateTime

# What a step reads of a claimed case (jobs.escalation selects these, not ORM objects).
CLAIM_COLUMNS = (
    Case.id,
    Case.version,
    Case.state,
    Case.level,
    Case.territory_code,
    Case.handler_code,
    Case.title,
    Case.category_code,
    Case.reporter_user_id,
    Case.deadlines,
    Case.level_started_at,
    Case.due_at,
    Case.warn_at,
    Case.feedback_due_at,
    Case.overdue_ever,
    Case.escalations,
    Case.reopens,
    Case.dissatisfactions,
)
Claimed = Row[Any]
# The columns a step may write, in the table's order (the audit entry lists changes so).
WRITTEN = (
    "level",
    "handler_code",
    "state",
    "level_started_at",
    "due_at",
    "warn_at",
    "feedback_due_at",
    "escalations",
    "overdue_ever",
)
_COLUMN_ORDER = {column.key: i for i, column in enumerate(Case.__table__.columns)}
assert all(name in _COLUMN_ORDER for name in WRITTEN)

_table = Case.__table__
# SQLite (and any backend but PostgreSQL): an executemany, checked by its summed rowcount.
_UPDATE = (
    update(_table)
    .where(_table.c.id == bindparam("b_id"), _table.c.version == bindparam("b_version"))
    .values({name: bindparam(name, type_=_table.c[name].type) for name in WRITTEN})
    .values(
        version=bindparam("b_new_version", type_=_table.c.version.type),
        updated_at=bindparam("b_updated_at", type_=_table.c.updated_at.type),
    )
)


def _record_type(column: Any) -> Any:
    """The type of a column in a ``json_to_recordset`` column list (no length, no
    collation: the assignment to the real column converts)."""
    if isinstance(column.type, String):
        return String()
    if isinstance(column.type, UTCDateTime):
        return DateTime(timezone=True)
    return column.type


def _recordset(pairs: Sequence[tuple[str, Any]], parameter: str) -> Any:
    """PostgreSQL: the rows of a batch as one JSON parameter, read back as a table ``v``
    (``json_to_recordset``): one statement whatever the batch, and no per-row parameters
    for the driver to adapt (a JSON document is encoded in C)."""
    columns = [column(name, _record_type(of)) for name, of in pairs]
    return (
        func.json_to_recordset(bindparam(parameter, type_=JSON))
        .table_valued(*columns)
        .render_derived(name="v", with_types=True)
    )


def _recordset_update() -> Any:
    """PostgreSQL: ``UPDATE cases ... FROM json_to_recordset(:rows)``, answering the ids
    of the rows it wrote (a row whose version moved is not among them)."""
    pairs = [("b_id", _table.c.id), ("b_version", _table.c.version)]
    pairs += [(name, _table.c[name]) for name in WRITTEN]
    rows = _recordset(pairs, "b_rows")
    return (
        update(_table)
        .where(_table.c.id == rows.c.b_id, _table.c.version == rows.c.b_version)
        .values({name: rows.c[name] for name in WRITTEN})
        .values(
            version=_table.c.version + 1,
            updated_at=bindparam("b_updated_at", type_=_table.c.updated_at.type),
        )
        .returning(_table.c.id)
    )


_RECORDSET_UPDATE = _recordset_update()


class _Plain(dict[tuple[dt.datetime, dt.tzinfo | None], str]):
    """Values as JSON carries them: an instant as ISO 8601 with its offset (as the audit
    recorder writes it, and as json_to_recordset reads it back). The instants of a batch
    are few (the step's time, the new deadlines), so each is converted once."""

    def __missing__(self, key: tuple[dt.datetime, dt.tzinfo | None]) -> str:
        instant, zone = key
        if zone is None:
            raise ValueError("naive datetime given to a UTC column")
        text = self[key] = instant.isoformat()
        return text

    def __call__(self, value: Any) -> Any:
        if isinstance(value, dt.datetime):
            return self[value, value.tzinfo]
        return value


class HandlersOf(NamedTuple):
    """The recipients of a message: the handlers of this node at this level, read for the
    whole batch at once when it is written (cases.sweep.Sweep.load_handlers)."""

    handler_code: str
    level: str


@dataclass
class Change:
    """What one step does to one case: its new column values (every column of WRITTEN),
    its timeline event and its outbox messages (kind, recipients, payload)."""

    row: Claimed
    before: dict[str, Any]
    values: dict[str, Any]
    event: dict[str, Any]
    messages: list[tuple[str, list[str] | HandlersOf, dict[str, Any]]] = field(default_factory=list)


# --- planning (no writes) ----------------------------------------------------------------


def _written(row: Claimed) -> dict[str, Any]:
    """The row's values of the columns a step writes (before the step)."""
    mapping = row._mapping
    return {name: mapping[name] for name in WRITTEN}


def _event(row: Claimed, values: dict[str, Any], action: str, details: dict[str, Any]) -> dict:
    return {
        "action": action,
        "from_state": row.state,
        "to_state": values["state"],
        "from_level": row.level,
        "to_level": values["level"],
        "actor": SYSTEM_ACTOR,
        "note": "",
        "details": details,
    }


def _payload(row: Claimed, values: dict[str, Any], title: str, body: str) -> dict[str, Any]:
    """As cases.notices._payload (the case after the step)."""
    return {
        "case_id": row.id,
        "title": f"{title}: {row.title or row.category_code}",
        "body": body,
        "state": values["state"],
        "level": values["level"],
    }


def _due(row: Claimed) -> dict[str, Any]:
    return {"due_at": row.due_at.isoformat() if row.due_at else None}


OutcomeKey = tuple[str, str, str, str, int, int, int]


@dataclass
class Batch:
    """What the plans of one batch share: the sweep (top level, calendar, handlers, event
    numbers, followers), the step's time, and what is the same for many cases, computed
    once: the outcome of a step from a given snapshot (workflow.transition is pure) and the
    timers of a level started now from a given limit."""

    sweep: Sweep
    now: dt.datetime
    outcomes: dict[OutcomeKey, workflow.Outcome] = field(default_factory=dict)
    timers: dict[Limit | None, tuple[dt.datetime | None, dt.datetime | None]] = field(
        default_factory=dict
    )

    def outcome(self, row: Claimed, action: str) -> workflow.Outcome:
        """As cases.actions._system: the system's ``action`` on the case; the top level is
        the deployment's, or the case's own when it is handled above it (data from before
        a change)."""
        key = (
            action,
            row.state,
            row.level,
            self.sweep.top_level,
            row.reopens,
            row.dissatisfactions,
            row.escalations,
        )
        if key not in self.outcomes:
            top = self.sweep.top_level
            snapshot = workflow.CaseSnapshot(
                state=row.state,
                level=row.level,
                top_level=top if rank(top) >= rank(row.level) else row.level,
                reopens=row.reopens,
                dissatisfactions=row.dissatisfactions,
                escalations=row.escalations,
            )
            self.outcomes[key] = workflow.transition(
                snapshot,
                action,
                actor_roles_at_level=frozenset({workflow.SYSTEM_ROLE}),
                is_reporter=False,
            )
        return self.outcomes[key]

    def level_timers(self, deadlines: dict[str, Any] | None, level: str) -> dict[str, Any]:
        """As cases.timers.set_level_timers: the level starts now, due and warning from the
        case's limit for it over the working calendar (none without a limit)."""
        limit = limit_for(deadlines or {}, level)
        if limit not in self.timers:
            if limit is None:
                self.timers[limit] = (None, None)
            else:
                calendar = self.sweep.calendar
                due = deadline(calendar, self.now, limit)
                warn = warning_time(calendar, self.now, due, WARNING_SHARE)
                self.timers[limit] = (due, warn)
        due, warn = self.timers[limit]
        return {
            "level_started_at": self.now,
            "feedback_due_at": None,
            "due_at": due,
            "warn_at": warn,
        }


def plan_auto_escalate(session: Session, row: Claimed, *, batch: Batch) -> Change:
    """cases.actions.do_auto_escalate for one claimed row: up one level with the level's
    new deadline, or at the top level only recorded as overdue (deadline cleared)."""
    sweep = batch.sweep
    outcome = batch.outcome(row, "auto_escalate")
    before = _written(row)
    values = dict(before)
    values.update(state=outcome.state, escalations=outcome.escalations, overdue_ever=True)
    details = _due(row)
    if not outcome.escalated:
        values.update(due_at=None, warn_at=None)
        return Change(row, before, values, _event(row, values, outcome.recorded_as, details))
    values["level"] = outcome.level
    values["handler_code"] = handler_code_for(row.territory_code, outcome.level)
    values.update(batch.level_timers(row.deadlines, outcome.level))
    details["escalated_to"] = values["handler_code"]
    change = Change(row, before, values, _event(row, values, outcome.recorded_as, details))
    # As cases.notices.notify: the new level's handlers, then the reporter side.
    handlers = HandlersOf(values["handler_code"], values["level"])
    body = f"from the {row.level} level (overdue)"
    change.messages.append(
        ("case_escalated", handlers, _payload(row, values, "Escalated to you", body))
    )
    body = f"from the {row.level} level to the {values['level']} level"
    change.messages.append(
        (
            "case_updated",
            sweep.followers.get(row.id, []),
            _payload(row, values, "Case escalated", body),
        )
    )
    return change


def plan_warn(session: Session, row: Claimed, *, batch: Batch) -> Change:
    """cases.actions.do_warn for one claimed row: the warning is recorded, cleared, and the
    handlers of the level hear that the case is due soon."""
    outcome = batch.outcome(row, "warn")
    before = _written(row)
    values = dict(before)
    values.update(state=outcome.state, escalations=outcome.escalations, warn_at=None)
    change = Change(row, before, values, _event(row, values, outcome.recorded_as, _due(row)))
    handlers = HandlersOf(row.handler_code, row.level)
    due = row.due_at.isoformat() if row.due_at else ""
    change.messages.append(
        ("case_due_soon", handlers, _payload(row, values, "Due soon", f"due at {due}"))
    )
    return change


# --- writing -----------------------------------------------------------------------------


def _update_params(change: Change, stamp: dt.datetime) -> dict[str, Any]:
    return {
        **change.values,
        "b_id": change.row.id,
        "b_version": change.row.version,
        "b_new_version": change.row.version + 1,
        "b_updated_at": stamp,
    }


def _update(
    session: Session, changes: list[Change], stamp: dt.datetime, plain: _Plain
) -> list[Change]:
    """The versioned UPDATE of every case at once; the changes written (a row whose version
    moved meanwhile is not)."""
    if session.get_bind().dialect.name == "postgresql":
        rows = [
            {
                "b_id": change.row.id,
                "b_version": change.row.version,
                **{name: plain(change.values[name]) for name in WRITTEN},
            }
            for change in changes
        ]
        parameters = {"b_rows": rows, "b_updated_at": stamp}
        written = set(session.connection().execute(_RECORDSET_UPDATE, parameters).scalars())
        return [change for change in changes if change.row.id in written]
    return _update_each(session, changes, stamp)


def _update_each(session: Session, changes: list[Change], stamp: dt.datetime) -> list[Change]:
    """One executemany. When a row's version moved (the summed rowcount falls short), the
    batch's UPDATE is undone and done again row by row to learn which rows to leave."""
    params = [_update_params(change, stamp) for change in changes]
    savepoint = session.begin_nested()
    result = session.connection().execute(_UPDATE, params)
    if result.rowcount == len(params):
        savepoint.commit()
        return changes
    savepoint.rollback()
    connection = session.connection()
    return [
        change
        for change, one in zip(changes, params, strict=True)
        if connection.execute(_UPDATE, one).rowcount == 1
    ]


_AUDITED = tuple(
    sorted((name for name in WRITTEN if name not in SKIPPED), key=_COLUMN_ORDER.__getitem__)
)


def _audit_changes(change: Change, plain: _Plain) -> dict[str, Any]:
    """As the audit recorder: ``[before, after]`` of each column whose value changed, in
    the table's column order (recorder.audited_value; instants through ``plain``, the same)."""
    changes = {}
    old, values = change.before, change.values
    for name in _AUDITED:
        before, after = old[name], values[name]
        if before is not after and before != after:
            changes[name] = [
                plain(before) if isinstance(before, dt.datetime) else audited_value(name, before),
                plain(after) if isinstance(after, dt.datetime) else audited_value(name, after),
            ]
    return changes


def write_changes(
    session: Session, changes: Sequence[Change], *, now: dt.datetime, sweep: Sweep
) -> list[str]:
    """Write the planned changes (one statement per table); the ids of the cases written.

    ``now`` is the step's time (the events' ``at``, the level start); the bookkeeping times
    (``updated_at``, the outbox's ``created_at``, the audit entry's ``at``) are the clock's,
    as the ORM would set them at the flush."""
    if not changes:
        return []
    stamp = clock.now()
    plain = _Plain()
    written = _update(session, list(changes), stamp, plain)
    if not written:
        return []
    events = []
    for change in written:
        seq = sweep.next_seq(change.row.id)
        events.append(
            {"id": new_id(), "case_id": change.row.id, "seq": seq, "at": now, **change.event}
        )
    _insert(session, CaseEvent.__table__, events, plain)
    nodes = [
        recipients
        for change in written
        for _kind, recipients, _payload in change.messages
        if isinstance(recipients, HandlersOf)
    ]
    sweep.load_handlers(session, nodes)
    messages = []
    for change in written:
        for kind, recipients, payload in change.messages:
            if kind not in KINDS:
                raise ValueError(f"unknown notification kind {kind!r}")
            if isinstance(recipients, HandlersOf):
                users = sorted(set(sweep.handlers[recipients]))
            else:
                users = sorted(set(recipients))
            if users:  # as notify.outbox.enqueue: no recipient, no message
                messages.append(
                    {
                        "id": new_id(),
                        "kind": kind,
                        "recipients": users,
                        "payload": payload,
                        "created_at": stamp,
                        "attempts": 0,
                    }
                )
    if messages:
        _insert(session, OutboxMessage.__table__, messages, plain)
    actor = session.info.get("actor", UNATTRIBUTED)
    request_id = session.info.get("request_id")
    entries = []
    for change in written:
        audited = _audit_changes(change, plain)
        if audited:
            entries.append(
                {
                    "id": new_id(),
                    "at": stamp,
                    "actor": actor,
                    "action": "update",
                    "object_type": Case.__tablename__,
                    "object_id": change.row.id,
                    "territory_code": change.row.territory_code,
                    "request_id": request_id,
                    "changes": audited,
                }
            )
    if entries:
        _insert(session, AuditEntry.__table__, entries, plain)
    ids = [change.row.id for change in written]
    _expire_loaded(session, ids)
    return ids


def _insert(session: Session, table: Any, rows: list[dict[str, Any]], plain: _Plain) -> None:
    """Many rows in one statement: on PostgreSQL ``INSERT ... SELECT FROM
    json_to_recordset(:rows)``; elsewhere an INSERT with RETURNING, which SQLAlchemy sends
    as a multi-row VALUES per page ("insertmanyvalues") rather than one INSERT per row."""
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        connection.execute(insert(table).returning(table.c.id), rows).all()
        return
    names = tuple(rows[0])
    instants = [name for name in names if isinstance(table.c[name].type, UTCDateTime)]
    for row in rows:
        for name in instants:
            row[name] = plain(row[name])
    connection.execute(_recordset_insert(table, names), {"b_rows": rows})


_INSERTS: dict[tuple[str, tuple[str, ...]], Any] = {}


def _recordset_insert(table: Any, names: tuple[str, ...]) -> Any:
    key = (table.name, names)
    if key not in _INSERTS:
        rows = _recordset([(name, table.c[name]) for name in names], "b_rows")
        _INSERTS[key] = insert(table).from_select(names, select(*rows.c))
    return _INSERTS[key]


def _expire_loaded(session: Session, ids: list[str]) -> None:
    """Cases of these ids already loaded in the session read their new values on next use."""
    for case_id in ids:
        loaded = session.identity_map.get(identity_key(Case, case_id))
        if loaded is not None:
            session.expire(loaded)
