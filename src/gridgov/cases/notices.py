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
from gridgov.i18n import N_, Message
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


# The levels as a sentence names them ("from the grid level"), for translation with it.
LEVEL_WORDS: Final = {
    "unit": N_("unit"),
    "grid": N_("grid"),
    "village": N_("village"),
    "town": N_("town"),
    "district": N_("district"),
}


def _level(code: str) -> Message | str:
    word = LEVEL_WORDS.get(code)
    return Message(word) if word is not None else code


def _payload(case: CaseAfterStep, title: Message, body: Message | str = "") -> dict[str, Any]:
    """What the outbox carries: the texts in English (``title``, ``body``) and as messages
    (``title_message``, ``body_message``: id and parameters), rendered for each reader when
    shown. A body that is a person's own words (a note) has no message."""
    return {
        "case_id": case.id,
        "title": str(title),
        "body": str(body),
        "title_message": title.to_json(),
        "body_message": body.to_json() if isinstance(body, Message) else None,
        "state": case.state,
        "level": case.level,
    }


def _case_name(case: CaseAfterStep) -> str:
    return case.title or case.category_code


def new_case_payload(case: Case) -> dict[str, Any]:
    """The payload of a new case's message to the handlers of its level."""
    title = Message("New case: %(case)s", case=_case_name(case))
    body = Message(
        "new case at %(level)s level: %(case)s", level=_level(case.level), case=case.title
    )
    return {**_payload(case, title, body), "handler_code": case.handler_code}


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
        body = Message(
            "from the %(from_level)s level to the %(level)s level",
            from_level=_level(from_level),
            level=_level(case.level),
        )
        title = Message("Case escalated: %(case)s", case=_case_name(case))
        notices.append(Notice("case_updated", (AUDIENCE,), _payload(case, title, body)))
    return notices


_STATE_TITLES: Final = {
    "returned": N_("Case returned: %(case)s"),
    "rejected": N_("Case rejected: %(case)s"),
    "withdrawn": N_("Case withdrawn: %(case)s"),
}


def _escalation_body(outcome: workflow.Outcome, *, from_level: str, note: str) -> Message:
    level = _level(from_level)
    if note:
        return Message("from the %(level)s level: %(note)s", level=level, note=note)
    if outcome.action == "auto_escalate":
        return Message("from the %(level)s level (overdue)", level=level)
    return Message("from the %(level)s level", level=level)


def _message(
    case: CaseAfterStep, outcome: workflow.Outcome, *, from_level: str, note: str
) -> tuple[str, tuple[str, ...], Message, Message | str] | None:
    """(kind, audience, title, body) of the one message to those who must act, if any."""
    name = _case_name(case)
    if outcome.escalated:
        body = _escalation_body(outcome, from_level=from_level, note=note)
        return "case_escalated", (HANDLERS,), Message("Escalated to you: %(case)s", case=name), body
    if outcome.reopened:
        title = Message("Reopened: %(case)s", case=name)
        body = Message("the reporter was not satisfied")
        return "case_reopened", (HANDLERS, AUDIENCE), title, body
    if outcome.action == "resolve":
        title = Message("Resolved, please rate: %(case)s", case=name)
        return "case_resolved", (AUDIENCE,), title, ""
    if outcome.closed:
        return "case_closed", (AUDIENCE,), Message("Closed: %(case)s", case=name), ""
    if outcome.action == "supply":
        title = Message("Information supplied: %(case)s", case=name)
        return "case_assigned", (HANDLERS,), title, ""
    if outcome.action == "warn":
        due = case.due_at.isoformat() if case.due_at else ""
        title = Message("Due soon: %(case)s", case=name)
        return "case_due_soon", (HANDLERS,), title, Message("due at %(due)s", due=due)
    if outcome.action in ("return", "reject_duplicate", "reject_out_of_scope", "withdraw"):
        state_title = _STATE_TITLES.get(case.state)
        title = (
            Message(state_title, case=name)
            if state_title is not None
            else Message("Case %(state)s: %(case)s", state=case.state, case=name)
        )
        return "case_updated", (AUDIENCE,), title, ""
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
