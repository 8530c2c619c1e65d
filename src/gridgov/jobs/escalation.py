"""The case timer jobs: escalate overdue cases, warn before due, close unrated ones.

Timers are rows (``cases.due_at``, ``warn_at``, ``feedback_due_at``): each step claims the
rows whose time has come, oldest first, in batches, and acts on each as cases.actions'
system steps do (through cases.bulk_steps for a whole batch at once, see below). On
PostgreSQL the claim is ``FOR UPDATE SKIP LOCKED``, so several workers sweep at once
without taking the same case twice; each action also moves the case's version, so a
writer that read the row before is refused (409) rather than overwriting.
Nothing lives in memory: a worker that stops loses nothing, the next sweep finds the rows.

Escalation and the warning run the batch path (cases.bulk_steps): the claimed rows are
read as plain columns, each case's change is planned in Python (a case whose data cannot
be planned is logged and skipped, and tried again at the next sweep), and the whole batch
is written with one statement per table (cases, case_events, outbox, audit_log), in one
savepoint. If writing fails, the savepoint is rolled back and the batch is done again case
by case through cases.actions, as below.

The auto-close step (and that fallback) acts through cases.actions on ORM cases. A batch
is acted on in one savepoint and flushed once. If it fails, it is rolled back to the
savepoint and tried again case by case, each in a savepoint of its own: a case that fails
(bad data) is logged and skipped, the others go through, and it is tried again at the next
sweep.

Every step has the signature ``step(session, *, now, batch=500) -> int`` (how many cases it
acted on) and only flushes; the worker commits after each step (jobs/worker.py).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from gridgov.cases import bulk_steps
from gridgov.cases.actions import SYSTEM_ACTOR, do_auto_close, do_auto_escalate, do_warn
from gridgov.cases.models import OPEN_STATES, Case
from gridgov.cases.sweep import Sweep

Step = Callable[..., int]
Act = Callable[..., Case]
Plan = Callable[..., bulk_steps.Change]
DEFAULT_BATCH = 500
# The warning is for cases a handler works on; a returned case waits on its reporter.
WARNABLE_STATES = ("reported", "accepted", "in_progress")
log = logging.getLogger("gridgov.jobs.escalation")


def _claim(session: Session, query: Select[Any]) -> list[Case]:
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return list(session.scalars(query))


def _bulk_sweep(
    session: Session,
    *,
    timer: InstrumentedAttribute[Any],
    condition: ColumnElement[bool],
    plan: Plan,
    act: Act,
    now: dt.datetime,
    batch: int,
) -> int:
    """As :func:`_sweep`, through cases.bulk_steps: claim the rows' columns (no ORM
    objects), plan each case, write the batch at once; ``act`` is the single-case step the
    batch falls back to when writing fails."""
    session.info.setdefault("actor", SYSTEM_ACTOR)
    query = (
        select(*bulk_steps.CLAIM_COLUMNS)
        .where(timer <= now, condition)
        .order_by(timer, Case.id)
        .limit(batch)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True, of=Case)
    rows = list(session.execute(query))
    if not rows:
        return 0
    name = act.__name__
    try:
        with session.begin_nested():
            sweep = Sweep.load(session)
            sweep.prepare(session, rows)
            shared = bulk_steps.Batch(sweep=sweep, now=now)
            changes = []
            for row in rows:
                try:
                    changes.append(plan(session, row, batch=shared))
                except Exception:
                    log.exception("%s failed on case %s; retried at the next sweep", name, row.id)
            return len(bulk_steps.write_changes(session, changes, now=now, sweep=sweep))
    except Exception:
        log.warning("%s: a batch failed, retrying case by case", name, exc_info=True)
    # The claimed rows are still ours (locked on PostgreSQL): act on each as an ORM case.
    ids = [row.id for row in rows]
    cases = list(
        session.scalars(
            select(Case).where(Case.id.in_(ids), timer <= now, condition).order_by(timer, Case.id)
        )
    )
    return _one_by_one(session, cases, act, now)


def _sweep(
    session: Session,
    *,
    timer: InstrumentedAttribute[Any],
    condition: ColumnElement[bool],
    act: Act,
    now: dt.datetime,
    batch: int,
) -> int:
    """Claim up to ``batch`` cases whose ``timer`` is at or before ``now`` (oldest first)
    and act on them; how many were acted on."""
    # The audit log's actor, unless the adapter already named one.
    session.info.setdefault("actor", SYSTEM_ACTOR)
    cases = _claim(
        session,
        select(Case).where(timer <= now, condition).order_by(timer, Case.id).limit(batch),
    )
    if not cases:
        return 0
    try:
        return _all_at_once(session, cases, act, now)
    except Exception:
        log.warning("%s: a batch failed, retrying case by case", act.__name__, exc_info=True)
    return _one_by_one(session, cases, act, now)


def _all_at_once(session: Session, cases: list[Case], act: Act, now: dt.datetime) -> int:
    """The fast path: every case in one savepoint and one flush (a few statements for the
    whole batch, not several per case)."""
    sweep = Sweep.load(session)
    sweep.prepare(session, cases)
    with session.begin_nested():
        for case in cases:
            act(session, case, now=now, sweep=sweep)
        session.flush()
    return len(cases)


def _one_by_one(session: Session, cases: list[Case], act: Act, now: dt.datetime) -> int:
    """After a failed batch (rolled back to its savepoint): each case in a savepoint of its
    own, so one bad case is logged and skipped and the others go through."""
    done = 0
    for case in cases:
        try:
            with session.begin_nested():
                sweep = Sweep.load(session)
                sweep.prepare(session, [case])
                act(session, case, now=now, sweep=sweep)
                session.flush()
        except Exception:
            log.exception("%s failed on case %s; retried at the next sweep", act.__name__, case.id)
            continue
        done += 1
    return done


def run_escalation_step(session: Session, *, now: dt.datetime, batch: int = DEFAULT_BATCH) -> int:
    """Escalate up to ``batch`` open cases whose deadline has passed."""
    return _bulk_sweep(
        session,
        timer=Case.due_at,
        condition=Case.state.in_(OPEN_STATES),
        plan=bulk_steps.plan_auto_escalate,
        act=do_auto_escalate,
        now=now,
        batch=batch,
    )


def run_warning_step(session: Session, *, now: dt.datetime, batch: int = DEFAULT_BATCH) -> int:
    """Warn the handlers of up to ``batch`` cases whose warning time has come."""
    return _bulk_sweep(
        session,
        timer=Case.warn_at,
        condition=Case.state.in_(WARNABLE_STATES),
        plan=bulk_steps.plan_warn,
        act=do_warn,
        now=now,
        batch=batch,
    )


def run_auto_close_step(session: Session, *, now: dt.datetime, batch: int = DEFAULT_BATCH) -> int:
    """Close up to ``batch`` resolved cases whose reporter did not rate in time."""
    return _sweep(
        session,
        timer=Case.feedback_due_at,
        condition=Case.state == "resolved",
        act=do_auto_close,
        now=now,
        batch=batch,
    )


# What the worker runs, in this order: escalate first, so that a case overdue and due for
# a warning in the same sweep is escalated, not warned about a deadline already gone.
STEPS: tuple[Step, ...] = (run_escalation_step, run_warning_step, run_auto_close_step)
