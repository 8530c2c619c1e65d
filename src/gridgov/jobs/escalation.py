"""The case timer jobs: a thin poller over cases.timers.

Each step claims up to ``batch`` cases whose timer has come (cases.timers.sweep.claim_due:
oldest first; ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so several workers sweep at once
without taking the same case twice) and acts on them with the one cases function
(cases.timers.steps.do_timer_step) as the jobs' actor. Each write also moves the case's
version, so a writer that read the row before is refused (409) rather than overwriting.

A case that cannot be planned (bad data) is logged and skipped, and tried again at the next
sweep. If writing the batch fails, it is rolled back to its savepoint and done again case by
case (a batch of one each, in a savepoint of its own), so one bad case does not hold up the
others.

Every step has the signature ``step(session, *, now, batch=500) -> int`` (how many cases it
acted on) and only flushes; the worker commits after each step (jobs/worker.py).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from sqlalchemy.orm import Session

from gridgov.cases.timers.rules import TimerCase
from gridgov.cases.timers.steps import do_timer_step
from gridgov.cases.timers.sweep import claim_due
from gridgov.jobs.actor import JOB_ACTOR

Step = Callable[..., int]
DEFAULT_BATCH = 500
log = logging.getLogger("gridgov.jobs.escalation")


def _sweep(session: Session, action: str, *, now: dt.datetime, batch: int) -> int:
    cases = claim_due(session, action, now=now, limit=batch)
    if not cases:
        return 0

    def skip(case: TimerCase, _exc: Exception) -> None:
        log.exception("%s failed on case %s; retried at the next sweep", action, case.id)

    try:
        with session.begin_nested():
            written = do_timer_step(
                session, cases, action, now=now, actor=JOB_ACTOR, on_failure=skip
            )
            return len(written)
    except Exception:
        log.warning("%s: a batch failed, retrying case by case", action, exc_info=True)
    done = 0
    for case in cases:  # still ours: locked on PostgreSQL
        try:
            with session.begin_nested():
                done += len(do_timer_step(session, [case], action, now=now, actor=JOB_ACTOR))
        except Exception:
            log.exception("%s failed on case %s; retried at the next sweep", action, case.id)
    return done


def run_escalation_step(session: Session, *, now: dt.datetime, batch: int = DEFAULT_BATCH) -> int:
    """Escalate up to ``batch`` open cases whose deadline has passed."""
    return _sweep(session, "auto_escalate", now=now, batch=batch)


def run_warning_step(session: Session, *, now: dt.datetime, batch: int = DEFAULT_BATCH) -> int:
    """Warn the handlers of up to ``batch`` cases whose warning time has come."""
    return _sweep(session, "warn", now=now, batch=batch)


def run_auto_close_step(session: Session, *, now: dt.datetime, batch: int = DEFAULT_BATCH) -> int:
    """Close up to ``batch`` resolved cases whose reporter did not rate in time."""
    return _sweep(session, "auto_close", now=now, batch=batch)


# What the worker runs, in this order (rules.DUE's): escalate first, so that a case overdue
# and due for a warning in the same sweep is escalated, not warned about a deadline gone.
STEPS: tuple[Step, ...] = (run_escalation_step, run_warning_step, run_auto_close_step)
