"""What people hear of a workflow step: one outbox message to those who must act (the
handlers of the new level, or the reporter side), written in the step's transaction and
delivered after commit (notify.outbox, jobs.delivery).

:func:`notices_for` says what a step sends (kind, audience, payload) for any step, a
person's (:func:`notify` enqueues them) or the system's (cases.timers.steps writes a batch's
at once): one function builds every payload."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Final, Protocol

from sqlalchemy.orm import Session

from gridgov.cases import workflow
from gridgov.cases.models import Case
from gridgov.cases.recipients import followers_of, handlers_of
from gridgov.notify.outbox import enqueue

# Who hears: the handlers of the case's (new) level on its handling node, and the reporter
# side (the reporter and the followers).
HANDLERS: Final = "handlers"
AUDIENCE: Final = "audience"


class CaseAfterStep(Protocol):
    """What a notice reads of the case as it is after the step (an ORM case or a row)."""

    @property
    def id(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def category_code(self) -> str: ...
    @property
    def state(self) -> str: ...
    @property
    def level(self) -> str: ...
    @property
    def due_at(self) -> dt.datetime | None: ...


@dataclass(frozen=True)
class Notice:
    kind: str
    to: tuple[str, ...]  # HANDLERS and/or AUDIENCE
    payload: dict[str, Any]


def _payload(case: CaseAfterStep, title: str, body: str = "") -> dict[str, Any]:
    return {
        "case_id": case.id,
        "title": f"{title}: {case.title or case.category_code}",
        "body": body,
        "state": case.state,
        "level": case.level,
    }


def notices_for(
    case: CaseAfterStep, outcome: workflow.Outcome, *, from_level: str, note: str
) -> list[Notice]:
    """The messages a step sends: the one to those who must act, if any; then, when the
    case went up, the reporter side hears where it went."""
    notices = []
    message = _message(case, outcome, from_level=from_level, note=note)
    if message is not None:
        kind, to, title, body = message
        notices.append(Notice(kind, to, _payload(case, title, body or note)))
    if outcome.escalated:
        body = f"from the {from_level} level to the {case.level} level"
        notices.append(Notice("case_updated", (AUDIENCE,), _payload(case, "Case escalated", body)))
    return notices


def _message(
    case: CaseAfterStep, outcome: workflow.Outcome, *, from_level: str, note: str
) -> tuple[str, tuple[str, ...], str, str] | None:
    """(kind, audience, title, body) of the one message to those who must act, if any."""
    if outcome.escalated:
        why = f": {note}" if note else " (overdue)" if outcome.action == "auto_escalate" else ""
        return (
            "case_escalated",
            (HANDLERS,),
            "Escalated to you",
            f"from the {from_level} level{why}",
        )
    if outcome.reopened:
        return "case_reopened", (HANDLERS, AUDIENCE), "Reopened", "the reporter was not satisfied"
    if outcome.action == "resolve":
        return "case_resolved", (AUDIENCE,), "Resolved, please rate", ""
    if outcome.closed:
        return "case_closed", (AUDIENCE,), "Closed", ""
    if outcome.action == "supply":
        return "case_assigned", (HANDLERS,), "Information supplied", ""
    if outcome.action == "warn":
        due = case.due_at.isoformat() if case.due_at else ""
        return "case_due_soon", (HANDLERS,), "Due soon", f"due at {due}"
    if outcome.action in ("return", "reject_duplicate", "reject_out_of_scope", "withdraw"):
        return "case_updated", (AUDIENCE,), f"Case {case.state}", ""
    return None


def notify(
    session: Session, case: Case, outcome: workflow.Outcome, *, from_level: str, note: str
) -> None:
    """Enqueue the step's notices for one ORM case (after the step)."""
    for notice in notices_for(case, outcome, from_level=from_level, note=note):
        recipients: list[str] = []
        if HANDLERS in notice.to:
            recipients += handlers_of(session, case.handler_code, case.level)
        if AUDIENCE in notice.to:
            recipients += followers_of(session, case)
        enqueue(session, notice.kind, recipients, notice.payload)
