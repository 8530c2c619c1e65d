"""Workflow writes on a case: a person's action (:func:`check_transition`). The system's
steps (escalate, warn, auto-close) are cases.timers.steps.

cases.workflow decides what the case becomes; this module checks the request, writes the
case, its timers (cases.timers.case_timers), one timeline event, and the notifications (the
outbox, delivered after commit). Actions only flush: the adapter owns the transaction.

Timers: a new level or a reopen starts the level's deadline again; ``return`` stops it
(the case waits on the reporter) and ``supply`` starts it again; ``resolve`` starts the
feedback timer; a final state clears every timer. An overdue case at the top level keeps
``overdue_ever`` and loses its deadline (nothing above to escalate to).
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from gridgov import clock
from gridgov.access.checks import require
from gridgov.access.principal import Principal
from gridgov.access.roles import LEADS
from gridgov.cases import workflow
from gridgov.cases.levels import handler_code_for, rank
from gridgov.cases.models import Case, CaseEvent, CaseFollower
from gridgov.cases.notices import notify
from gridgov.cases.queries import access_case
from gridgov.cases.recipients import followers_of
from gridgov.cases.resolutions import announce_resolved
from gridgov.cases.states import OPEN_STATES
from gridgov.cases.status_hooks import StatusChange, status_changed
from gridgov.cases.timers import case_timers
from gridgov.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from gridgov.i18n import Message
from gridgov.validation import refuse_bad_texts

# Actions that need a note, and what the note is.
NOTE_REQUIRED: dict[str, str] = {
    "resolve": "the resolution note is required",
    "escalate": "the reason for escalating is required",
    "return": "say what information is missing",
    "reject_out_of_scope": "say why the case is out of scope",
}
MAX_NOTE = 4000
MAX_COMMENT = 500


# --- who the actor is --------------------------------------------------------------------


def roles_at_level(principal: Principal, case: Case) -> frozenset[str]:
    """The principal's roles that handle the case at its level: a handling role held on the
    handling node or on an ancestor of it, of that level or above; the administrator."""
    roles = set()
    for scope in principal.scopes:
        if scope.role == "administrator":
            roles.add(scope.role)
            continue
        level = LEADS.get(scope.role)
        if level is None or scope.territory_code is None:
            continue
        if case.handler_code.startswith(scope.territory_code) and rank(level) >= rank(case.level):
            roles.add(scope.role)
    return frozenset(roles)


# Only the reporter themself withdraws: a follower (a merged case's reporter) would drop
# someone else's case. Followers confirm and rate, and supply information.
REPORTER_ONLY = ("withdraw",)


def is_reporter(
    session: Session, principal: Principal, case: Case, action: str | None = None
) -> bool:
    """The reporter, or a follower (the reporters of cases merged into it), who speak for
    the case's reporter side; for ``withdraw`` the reporter only."""
    if case.reporter_user_id is not None and case.reporter_user_id == principal.user_id:
        return True
    if action in REPORTER_ONLY:
        return False
    follows = session.scalar(
        select(func.count())
        .select_from(CaseFollower)
        .where(CaseFollower.case_id == case.id, CaseFollower.user_id == principal.user_id)
    )
    return bool(follows)


def snapshot_of(session: Session, case: Case) -> workflow.CaseSnapshot:
    return workflow.CaseSnapshot(
        state=case.state,
        level=case.level,
        top_level=_top_level(session, case),
        reopens=case.reopens,
        dissatisfactions=case.dissatisfactions,
        escalations=case.escalations,
    )


def _top_level(session: Session, case: Case) -> str:
    top = case_timers.top_level(session)
    # A case handled above the deployment's top (data from before a change) stays there.
    return top if rank(top) >= rank(case.level) else case.level


def available_actions_for(session: Session, case: Case, principal: Principal) -> list[str]:
    """What the principal may do to the case now (for the UI)."""
    offered = workflow.available_actions(
        snapshot_of(session, case),
        actor_roles_at_level=roles_at_level(principal, case),
        is_reporter=is_reporter(session, principal, case),
    )
    return [
        action
        for action in offered
        if action not in REPORTER_ONLY or is_reporter(session, principal, case, action)
    ]


# --- a person's action -------------------------------------------------------------------


def _check_request(
    action: str, *, note: str, rating: int | None, comment: str | None
) -> tuple[str, str | None]:
    if action not in workflow.RULES:
        raise ValidationFailed.field(
            "action",
            Message("unknown action; one of: %(ACTIONS)s", ACTIONS=", ".join(workflow.ACTIONS)),
        )
    if action in workflow.SYSTEM_ACTIONS:
        raise PermissionDenied(Message("%(action)s is taken by the system only", action=action))
    refuse_bad_texts({"note": note, "comment": comment}, multi_line=("note", "comment"))
    note = note.replace("\r\n", "\n") if note else note
    comment = comment.replace("\r\n", "\n") if comment else comment
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise ValidationFailed.field(
            "note", Message("at most %(MAX_NOTE)s characters", MAX_NOTE=MAX_NOTE)
        )
    if action in NOTE_REQUIRED and not note:
        raise ValidationFailed.field("note", NOTE_REQUIRED[action])
    if action == "rate" and (rating is None or not 1 <= rating <= 5):
        raise ValidationFailed.field("rating", Message("a rating is 1 to 5"))
    comment = (comment or "").strip() or None
    if comment is not None and len(comment) > MAX_COMMENT:
        raise ValidationFailed.field(
            "comment", Message("at most %(MAX_COMMENT)s characters", MAX_COMMENT=MAX_COMMENT)
        )
    return note, comment


def _duplicate_target(
    session: Session, case: Case, principal: Principal, duplicate_of_id: str | None
) -> Case:
    if not duplicate_of_id:
        raise ValidationFailed.field("duplicate_of", Message("name the case this one duplicates"))
    if duplicate_of_id == case.id:
        raise ValidationFailed.field("duplicate_of", Message("a case cannot duplicate itself"))
    try:
        other = access_case(session, duplicate_of_id, principal)
    except NotFound:
        raise ValidationFailed.field(
            "duplicate_of",
            Message("no case has id %(duplicate_of_id)s", duplicate_of_id=duplicate_of_id),
        ) from None
    if other.state not in OPEN_STATES:
        raise ValidationFailed.field(
            "duplicate_of", Message("that case is %(state)s, not open", state=other.state)
        )
    if other.category_code != case.category_code:
        raise ValidationFailed.field("duplicate_of", Message("that case is of another category"))
    return other


def check_transition(
    session: Session,
    case: Case,
    *,
    action: str,
    principal: Principal,
    actor: str,
    note: str = "",
    version: int | None = None,
    rating: int | None = None,
    comment: str | None = None,
    duplicate_of_id: str | None = None,
) -> Case:
    """Take ``action`` on ``case`` (already read through cases.queries.access_case).

    409 when ``version`` is stale (nothing changed); 403 when the caller may not take this
    action on this case whatever its state; 422 naming ``action`` when the state does not
    allow it, or naming the field that is missing or wrong."""
    refuse_bad_texts({"action": action, "duplicate_of": duplicate_of_id})
    note, comment = _check_request(action, note=note, rating=rating, comment=comment)
    if version is not None and version != case.version:
        raise Conflict(
            Message(
                "the case changed meanwhile (version %(version)s, not %(version2)s): reload it",
                version=case.version,
                version2=version,
            ),
            fields={"version": Message("stale")},
        )
    if workflow.RULES[action].actor == workflow.HANDLER:
        require(principal, "update", "case")
    try:
        outcome = workflow.transition(
            snapshot_of(session, case),
            action,
            actor_roles_at_level=roles_at_level(principal, case),
            is_reporter=is_reporter(session, principal, case, action),
            rating=rating,
        )
    except workflow.TransitionRefused as refused:
        if refused.who:
            raise PermissionDenied(refused.reason) from None
        raise ValidationFailed.field(refused.field, refused.reason) from None
    details: dict[str, Any] = {}
    other = None
    if action == "reject_duplicate":
        other = _duplicate_target(session, case, principal, duplicate_of_id)
        details["duplicate_of"] = other.id
    if action == "rate":
        details["rating"] = rating
        if comment:
            details["comment"] = comment
    now = clock.now()
    with _stale_is_conflict():
        if action == "rate":
            case.rating, case.rating_comment = rating, comment
        if other is not None:
            case.duplicate_of_id = other.id
            _merge_followers(session, case, other, actor=actor, now=now)
        _apply(session, case, outcome, actor=actor, note=note, details=details, now=now)
        session.flush()
    return case


@contextlib.contextmanager
def _stale_is_conflict() -> Iterator[None]:
    """A concurrent writer that got there first makes our versioned UPDATE miss (at the
    flush, or at a query's autoflush): 409, and the adapter rolls everything back."""
    try:
        yield
    except StaleDataError:
        raise Conflict(
            Message("the case changed meanwhile: reload it"), fields={"version": Message("stale")}
        ) from None


def _merge_followers(
    session: Session, case: Case, other: Case, *, actor: str, now: dt.datetime
) -> None:
    """The reporter and followers of ``case`` follow ``other`` from now on."""
    users = set(followers_of(session, case))
    if case.reporter_user_id:
        users.add(case.reporter_user_id)
    already = set(
        session.scalars(select(CaseFollower.user_id).where(CaseFollower.case_id == other.id))
    )
    already.add(other.reporter_user_id or "")
    # A Core insert, as intake does: the audit log's object_id (64 characters) cannot hold
    # this table's two-id key; the merge is on both timelines and in the case's audit row.
    for user_id in sorted(users - already):
        session.execute(
            insert(CaseFollower).values(case_id=other.id, user_id=user_id, reason="merged")
        )
    _append_event(
        session,
        other,
        action="merged",
        from_state=other.state,
        from_level=other.level,
        actor=actor,
        note="",
        details={"merged_case_id": case.id},
        now=now,
    )
    session.flush()


# --- writing the outcome -----------------------------------------------------------------


def _apply(
    session: Session,
    case: Case,
    outcome: workflow.Outcome,
    *,
    actor: str,
    note: str,
    details: dict[str, Any],
    now: dt.datetime,
) -> None:
    from_state, from_level = case.state, case.level
    case.state = outcome.state
    case.reopens, case.dissatisfactions = outcome.reopens, outcome.dissatisfactions
    case.escalations = outcome.escalations
    if outcome.level != case.level:
        case.level = outcome.level
        case.handler_code = handler_code_for(case.territory_code, outcome.level)
    _set_fields(case, outcome, note=note, now=now)
    _set_timers(session, case, outcome, now=now)
    event_details = dict(details)
    if outcome.escalated:
        event_details["escalated_to"] = case.handler_code
    event = _append_event(
        session,
        case,
        action=outcome.recorded_as,
        from_state=from_state,
        from_level=from_level,
        actor=actor,
        note=note,
        details=event_details,
        now=now,
    )
    notify(session, case, outcome, from_level=from_level, note=note)
    status_changed(
        session,
        case,
        StatusChange(
            action=outcome.recorded_as,
            from_state=from_state,
            to_state=case.state,
            actor=actor,
            escalated=outcome.escalated,
        ),
        event_seq=event.seq,
    )
    if outcome.action == "resolve":
        announce_resolved(
            session,
            case_id=case.id,
            category_code=case.category_code,
            household_id=case.household_id,
            actor=actor,
        )


def _set_fields(case: Case, outcome: workflow.Outcome, *, note: str, now: dt.datetime) -> None:
    if outcome.action == "resolve":
        case.resolution_note, case.resolved_at, case.resolved_level = note, now, case.level
    elif outcome.action == "rate" and not outcome.closed:
        # Reopened or escalated: the resolution did not hold.
        case.resolved_at = case.resolved_level = None
    if outcome.closed:
        case.closed_at = now


def _set_timers(
    session: Session, case: Case, outcome: workflow.Outcome, *, now: dt.datetime
) -> None:
    if outcome.final:
        case_timers.clear_timers(case)
    elif outcome.action == "resolve":
        case.due_at = case.warn_at = None
        case_timers.set_feedback_timer(case, now=now)
    elif outcome.escalated or outcome.reopened or outcome.action == "supply":
        case_timers.set_level_timers(session, case, now=now)
    elif outcome.action == "return":
        case.due_at = case.warn_at = None  # the reporter has the case now


def _append_event(
    session: Session,
    case: Case,
    *,
    action: str,
    from_state: str | None,
    from_level: str | None,
    actor: str,
    note: str,
    details: dict[str, Any],
    now: dt.datetime,
) -> CaseEvent:
    last = session.scalar(select(func.max(CaseEvent.seq)).where(CaseEvent.case_id == case.id))
    seq = (last or 0) + 1
    event = CaseEvent(
        case_id=case.id,
        seq=seq,
        action=action,
        from_state=from_state,
        to_state=case.state,
        from_level=from_level,
        to_level=case.level,
        actor=actor,
        note=note,
        details=details,
        at=now,
    )
    session.add(event)
    return event
