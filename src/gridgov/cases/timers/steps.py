"""The system steps on cases (escalate, warn, auto-close), for a batch of cases at once; one
case is a batch of one (:func:`do_auto_escalate`, :func:`do_warn`, :func:`do_auto_close`).

:func:`do_timer_step` plans each case in Python (cases.timers.rules: the new column values
and the timeline event; cases.notices: the messages) and writes the whole batch with one
statement per table (storage.bulk: on PostgreSQL the rows travel as one JSON parameter):

- one ``UPDATE cases ... WHERE id = :id AND version = :version`` (version + 1,
  ``updated_at`` now); a row whose version moved meanwhile is not written and is left for
  the next sweep (its event, messages and audit entry are dropped with it): PostgreSQL
  answers the ids it wrote (RETURNING), elsewhere a short summed rowcount makes it redo
  the batch's UPDATE row by row in a savepoint;
- one INSERT of the timeline events (``seq`` = the case's last + 1, read for the batch at
  once, cases.timers.sweep.Sweep.prepare);
- one INSERT of the outbox messages (the handlers of every node the batch reaches are read
  in two queries per level, Sweep.load_handlers);
- the audit entries through audit.recorder.record_bulk (the rows its ORM listener writes).

Actions only flush (here: execute); the adapter owns the transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import bindparam, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from gridgov import clock
from gridgov.audit.recorder import record_bulk
from gridgov.cases.models import Case, CaseEvent
from gridgov.cases.notices import AUDIENCE, HANDLERS, notices_for
from gridgov.cases.status_hooks import StatusChange, statuses_changed
from gridgov.cases.timers.rules import WRITTEN, Planned, Planner, TimerCase
from gridgov.cases.timers.sweep import Sweep
from gridgov.errors import Conflict
from gridgov.i18n import Message
from gridgov.ids import new_id
from gridgov.notify.models import OutboxMessage
from gridgov.notify.outbox import KINDS
from gridgov.storage.bulk import insert_rows, json_value, recordset, table_of

OnFailure = Callable[[TimerCase, Exception], None]
_table = table_of(Case)


def do_timer_step(
    session: Session,
    cases: Sequence[TimerCase],
    action: str,
    *,
    now: dt.datetime,
    actor: str,
    on_failure: OnFailure | None = None,
) -> list[str]:
    """The system's ``action`` (a key of rules.DUE) on each of ``cases`` at ``now``, as
    ``actor``; the ids of the cases written (a case whose version moved since it was read
    is left). A case that cannot be planned (refused by the workflow, bad data) raises,
    or with ``on_failure`` is handed to it and skipped."""
    if not cases:
        return []
    sweep = Sweep.load(session)
    planner = Planner(top_level=sweep.top_level, calendar=sweep.calendar, now=now, actor=actor)
    planned = []
    for case in cases:
        try:
            planned.append(planner.plan(case, action))
        except Exception as exc:
            if on_failure is None:
                raise
            on_failure(case, exc)
    if not planned:
        return []
    sweep.prepare(session, [step.case for step in planned])
    return _write(session, planned, now=now, actor=actor, sweep=sweep)


def _write(
    session: Session, planned: list[Planned], *, now: dt.datetime, actor: str, sweep: Sweep
) -> list[str]:
    """``now`` is the step's time (the events' ``at``, the level start); the bookkeeping
    times (``updated_at``, the outbox's ``created_at``, the audit entry's ``at``) are the
    clock's, as the ORM would set them at a flush."""
    stamp = clock.now()
    written = _update(session, planned, stamp)
    if not written:
        return []
    connection = session.connection()
    events = [
        {"id": new_id(), "case_id": step.case.id, "seq": sweep.next_seq(step.case.id), "at": now}
        | step.event
        for step in written
    ]
    insert_rows(connection, table_of(CaseEvent), events)
    statuses_changed(
        session,
        [
            StatusChange(
                action=event["action"],
                from_state=step.case.state,
                to_state=step.after.state,
                actor=actor,
                escalated=step.outcome.escalated,
                case_id=step.case.id,
                handler_code=step.after.handler_code,
                event_seq=event["seq"],
            )
            for step, event in zip(written, events, strict=True)
            if step.outcome.escalated or step.after.state != step.case.state
        ],
    )
    insert_rows(connection, table_of(OutboxMessage), _messages(session, written, sweep, stamp))
    record_bulk(
        session,
        _table,
        [
            ({"id": s.case.id, "territory_code": s.case.territory_code, **s.before}, s.values)
            for s in written
        ],
        actor=actor,
    )
    ids = [step.case.id for step in written]
    _expire_loaded(session, ids)
    return ids


def _messages(
    session: Session, written: list[Planned], sweep: Sweep, stamp: dt.datetime
) -> list[dict[str, Any]]:
    """The outbox rows of the batch's notices (cases.notices), as notify.outbox.enqueue
    would write them (no recipient, no message)."""
    notices = [
        (step, notice)
        for step in written
        for notice in notices_for(step.after, step.outcome, from_level=step.case.level, note="")
    ]
    sweep.load_handlers(
        session,
        [(s.after.handler_code, s.after.level) for s, notice in notices if HANDLERS in notice.to],
    )
    messages = []
    for step, notice in notices:
        if notice.kind not in KINDS:
            raise ValueError(f"unknown notification kind {notice.kind!r}")
        users: set[str] = set()
        if HANDLERS in notice.to:
            users.update(sweep.handlers[step.after.handler_code, step.after.level])
        if AUDIENCE in notice.to:
            users.update(sweep.followers.get(step.case.id, []))
        if users:
            messages.append(
                {
                    "id": new_id(),
                    "kind": notice.kind,
                    "recipients": sorted(users),
                    "payload": notice.payload,
                    "created_at": stamp,
                    "attempts": 0,
                }
            )
    return messages


# --- the versioned UPDATE ----------------------------------------------------------------

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


def _recordset_update() -> Any:
    """PostgreSQL: ``UPDATE cases ... FROM json_to_recordset(:b_rows)``, answering the ids
    of the rows it wrote (a row whose version moved is not among them)."""
    pairs = [("b_id", _table.c.id), ("b_version", _table.c.version)]
    pairs += [(name, _table.c[name]) for name in WRITTEN]
    rows = recordset(pairs, "b_rows")
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


def _update(session: Session, planned: list[Planned], stamp: dt.datetime) -> list[Planned]:
    """The versioned UPDATE of every case at once; the steps written."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        rows = [
            {
                "b_id": step.case.id,
                "b_version": step.case.version,
                **{name: json_value(step.values[name]) for name in WRITTEN},
            }
            for step in planned
        ]
        parameters = {"b_rows": rows, "b_updated_at": stamp}
        written = set(connection.execute(_RECORDSET_UPDATE, parameters).scalars())
        return [step for step in planned if step.case.id in written]
    params = [
        {
            **step.values,
            "b_id": step.case.id,
            "b_version": step.case.version,
            "b_new_version": step.case.version + 1,
            "b_updated_at": stamp,
        }
        for step in planned
    ]
    savepoint = session.begin_nested()
    if session.connection().execute(_UPDATE, params).rowcount == len(params):
        savepoint.commit()
        return planned
    # A row's version moved: undo, and learn row by row which rows to leave.
    savepoint.rollback()
    connection = session.connection()
    return [
        step
        for step, one in zip(planned, params, strict=True)
        if connection.execute(_UPDATE, one).rowcount == 1
    ]


def _expire_loaded(session: Session, ids: list[str]) -> None:
    """Cases of these ids already loaded in the session read their new values on next use."""
    for case_id in ids:
        loaded = session.identity_map.get(identity_key(Case, case_id))
        if loaded is not None:
            session.expire(loaded)


# --- one case: a batch of one ------------------------------------------------------------


def _one(session: Session, case: Case, action: str, *, now: dt.datetime, actor: str) -> Case:
    session.flush()  # the step reads the row as the session has it
    if not do_timer_step(session, [TimerCase.of(case)], action, now=now, actor=actor):
        raise Conflict(
            Message("the case changed meanwhile: reload it"), fields={"version": Message("stale")}
        )
    return case


def do_auto_escalate(session: Session, case: Case, *, now: dt.datetime, actor: str) -> Case:
    """An overdue open case goes up one level with a new deadline; at the top level it is
    only recorded as overdue and its deadline is cleared (nothing above)."""
    return _one(session, case, "auto_escalate", now=now, actor=actor)


def do_warn(session: Session, case: Case, *, now: dt.datetime, actor: str) -> Case:
    """The warning before due: recorded, and the handlers hear of it (once)."""
    return _one(session, case, "warn", now=now, actor=actor)


def do_auto_close(session: Session, case: Case, *, now: dt.datetime, actor: str) -> Case:
    """No rating within the feedback time: closed as resolved."""
    return _one(session, case, "auto_close", now=now, actor=actor)
