"""Cases left in a state no step of the platform can get them out of ("stuck"), found by
query: what a crash, a bad migration or a bug would leave behind. Used by the crash-safety
test; an operator can run it against a live database (it only reads).

A case is stuck when:

- ``no timer``: it waits on a handler (reported, accepted, in_progress) without a deadline,
  although its deadlines give its level a limit and it is not an overdue case at the top
  level (whose deadline is cleared on purpose: nothing is above); or it is resolved without
  the feedback timer that closes it;
- ``timer on a final case``: closed, rejected or withdrawn with a timer still set;
- ``no handler node``: not final, and its ``handler_code`` is not its location's ancestor at
  its level, or names no active territory node;
- ``timeline``: it has no event, or its last event does not end in its state and level.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.orm import Session, aliased

from gridgov.cases.levels import rank
from gridgov.cases.models import Case, CaseEvent
from gridgov.cases.timers.case_timers import top_level
from gridgov.cases.timers.rules import DUE, limit_for
from gridgov.cases.workflow import FINAL_STATES
from gridgov.territory.codes import CODE_LENGTH
from gridgov.territory.models import Territory

WAITING_ON_HANDLER = DUE["warn"].states  # reported, accepted, in_progress


@dataclass(frozen=True)
class StuckCase:
    case_id: str
    state: str
    level: str
    reason: str


def _handler_code_expected() -> ColumnElement[str]:
    lengths = case(
        *((Case.level == level, length) for level, length in CODE_LENGTH.items()), else_=0
    )
    return func.substr(Case.territory_code, 1, lengths)


def _no_timer(session: Session) -> list[StuckCase]:
    candidates = session.execute(
        select(Case.id, Case.state, Case.level, Case.deadlines, Case.overdue_ever).where(
            or_(
                and_(Case.state.in_(WAITING_ON_HANDLER), Case.due_at.is_(None)),
                and_(Case.state == "resolved", Case.feedback_due_at.is_(None)),
            )
        )
    ).all()
    if not candidates:
        return []
    top = rank(top_level(session))
    found = []
    for case_id, state, level, deadlines, overdue_ever in candidates:
        if state in WAITING_ON_HANDLER:
            if limit_for(deadlines or {}, level) is None:
                continue  # a category without limits never escalates by itself
            if overdue_ever and rank(level) >= top:
                continue  # overdue at the top level: nothing above to escalate to
        found.append(StuckCase(case_id, state, level, "no timer"))
    return found


def _timer_on_final(session: Session) -> list[StuckCase]:
    rows = session.execute(
        select(Case.id, Case.state, Case.level).where(
            Case.state.in_(FINAL_STATES),
            or_(
                Case.due_at.is_not(None),
                Case.warn_at.is_not(None),
                Case.feedback_due_at.is_not(None),
            ),
        )
    )
    return [StuckCase(*row, "timer on a final case") for row in rows]


def _no_handler_node(session: Session) -> list[StuckCase]:
    handler = aliased(Territory)
    rows = session.execute(
        select(Case.id, Case.state, Case.level)
        .outerjoin(handler, handler.code == Case.handler_code)
        .where(
            Case.state.not_in(FINAL_STATES),
            or_(
                Case.handler_code != _handler_code_expected(),
                handler.code.is_(None),
                handler.status != "active",
            ),
        )
    )
    return [StuckCase(*row, "no handler node") for row in rows]


def _timeline_disagrees(session: Session) -> list[StuckCase]:
    last_seq = (
        select(CaseEvent.case_id, func.max(CaseEvent.seq).label("seq"))
        .group_by(CaseEvent.case_id)
        .subquery()
    )
    last = aliased(CaseEvent)
    rows = session.execute(
        select(Case.id, Case.state, Case.level)
        .outerjoin(last_seq, last_seq.c.case_id == Case.id)
        .outerjoin(last, and_(last.case_id == Case.id, last.seq == last_seq.c.seq))
        .where(or_(last.id.is_(None), last.to_state != Case.state, last.to_level != Case.level))
    )
    return [StuckCase(*row, "timeline") for row in rows]


def stuck_cases(session: Session) -> list[StuckCase]:
    """Every stuck case with why (a case may appear once per reason)."""
    return [
        *_no_timer(session),
        *_timer_on_final(session),
        *_no_handler_node(session),
        *_timeline_disagrees(session),
    ]
