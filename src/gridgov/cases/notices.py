"""What people hear of a workflow step: one outbox message to those who must act (the
handlers of the new level, or the reporter side), written in the step's transaction and
delivered after commit (notify.outbox, jobs.delivery)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from gridgov.cases import workflow
from gridgov.cases.models import Case
from gridgov.cases.recipients import followers_of, handlers_of
from gridgov.cases.sweep import Sweep
from gridgov.notify.outbox import enqueue


def _payload(case: Case, title: str, body: str = "") -> dict[str, Any]:
    return {
        "case_id": case.id,
        "title": title,
        "body": body,
        "state": case.state,
        "level": case.level,
    }


def _audience(session: Session, case: Case, sweep: Sweep | None = None) -> list[str]:
    """The reporter and the followers (cases.recipients.followers_of)."""
    if sweep is not None and case.id in sweep.followers:
        return sweep.followers[case.id]
    return followers_of(session, case)


def notify(
    session: Session,
    case: Case,
    outcome: workflow.Outcome,
    *,
    from_level: str,
    note: str,
    sweep: Sweep | None,
) -> None:
    name = case.title or case.category_code
    message = _message(session, case, outcome, from_level=from_level, note=note, sweep=sweep)
    if message is not None:
        kind, recipients, title, body = message
        enqueue(session, kind, recipients, _payload(case, f"{title}: {name}", body or note))
    if outcome.escalated:  # the reporter and followers hear where it went
        body = f"from the {from_level} level to the {case.level} level"
        enqueue(
            session,
            "case_updated",
            _audience(session, case, sweep),
            _payload(case, f"Case escalated: {name}", body),
        )


def _message(
    session: Session,
    case: Case,
    outcome: workflow.Outcome,
    *,
    from_level: str,
    note: str,
    sweep: Sweep | None,
) -> tuple[str, list[str], str, str] | None:
    """(kind, recipients, title, body) of the one message this step sends, if any."""

    def handlers() -> list[str]:
        if sweep is not None:
            return sweep.handlers_of(session, case.handler_code, case.level)
        return handlers_of(session, case.handler_code, case.level)

    if outcome.escalated:
        why = f": {note}" if note else " (overdue)" if outcome.action == "auto_escalate" else ""
        return "case_escalated", handlers(), "Escalated to you", f"from the {from_level} level{why}"
    if outcome.reopened:
        everyone = [*handlers(), *_audience(session, case, sweep)]
        return "case_reopened", everyone, "Reopened", "the reporter was not satisfied"
    if outcome.action == "resolve":
        return "case_resolved", _audience(session, case, sweep), "Resolved, please rate", ""
    if outcome.closed:
        return "case_closed", _audience(session, case, sweep), "Closed", ""
    if outcome.action == "supply":
        return "case_assigned", handlers(), "Information supplied", ""
    if outcome.action == "warn":
        due = case.due_at.isoformat() if case.due_at else ""
        return "case_due_soon", handlers(), "Due soon", f"due at {due}"
    if outcome.action in ("return", "reject_duplicate", "reject_out_of_scope", "withdraw"):
        return "case_updated", _audience(session, case, sweep), f"Case {case.state}", ""
    return None
