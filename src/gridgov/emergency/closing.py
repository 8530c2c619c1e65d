"""The end of a roll-call: the all-clear (an evacuation's moved households are asked to
confirm their return), then closing it with its report."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov import clock
from gridgov.access.policy import allows
from gridgov.access.principal import Principal
from gridgov.cases.models import Case
from gridgov.emergency.live import publish_state
from gridgov.emergency.models import MOVED, RollCall, RollCallHousehold
from gridgov.emergency.notices import notice_title, payload
from gridgov.emergency.start import list_recipients, unit_names
from gridgov.emergency.times import times_by_node, times_of
from gridgov.errors import Conflict, NotFound
from gridgov.i18n import Message
from gridgov.notify.outbox import enqueue
from gridgov.territory.codes import CODE_LENGTH


def _may_end(principal: Principal | None, roll_call: RollCall) -> None:
    """The leader who started it, or one who may start one on its node; else 404 (they
    see it, but ending it is not theirs: same answer as a roll-call out of reach)."""
    if principal is None or principal.user_id == roll_call.started_by_user_id:
        return
    if not allows(principal, "create", "roll_call", roll_call.territory_code):
        raise NotFound(Message("no roll-call has id %(id)s", id=roll_call.id))


def check_all_clear(
    session: Session, roll_call: RollCall, *, principal: Principal | None, actor: str
) -> RollCall:
    """End the evacuation (the leader who started it, or one who may start one there): only
    a roll-call that ordered evacuation has an all-clear (another one is simply closed).
    Each unit's leaders get the list of their moved households to confirm return (status
    ``returned``)."""
    _may_end(principal, roll_call)
    if not roll_call.evacuation:
        raise Conflict(
            Message("only a roll-call that ordered evacuation has an all-clear: close it"),
            fields={"evacuation": Message("no evacuation was ordered")},
        )
    if roll_call.state != "open":
        raise Conflict(
            Message("the roll-call is %(state)s, not open", state=roll_call.state),
            fields={"state": Message("not open")},
        )
    roll_call.state = "all_clear"
    roll_call.all_clear_at = clock.now()
    roll_call.all_clear_by = actor
    session.flush()
    _ask_for_return(session, roll_call)
    publish_state(session, roll_call)
    return roll_call


def _ask_for_return(session: Session, roll_call: RollCall) -> None:
    rows = session.execute(
        select(RollCallHousehold.territory_code, RollCallHousehold.household_no)
        .where(
            RollCallHousehold.roll_call_id == roll_call.id,
            RollCallHousehold.status.in_(MOVED),
        )
        .order_by(RollCallHousehold.territory_code, RollCallHousehold.household_no)
    ).all()
    by_node: dict[str, list[str]] = defaultdict(list)
    for code, number in rows:
        by_node[code].append(number)
    recipients = list_recipients(session, sorted(by_node))
    names = unit_names(session, list(by_node))
    title = Message("All clear: %(title)s", title=notice_title(roll_call))
    for code, numbers in sorted(by_node.items()):
        body = Message(
            "%(count)s moved households at %(node)s to confirm their return",
            count=len(numbers),
            node=names.get(code, code),
        )
        enqueue(
            session,
            "rollcall_all_clear",
            recipients[code],
            payload(roll_call, title, body) | {"node": code, "household_nos": numbers},
        )


def check_close(
    session: Session, roll_call: RollCall, *, principal: Principal | None, actor: str
) -> RollCall:
    """Close the roll-call and keep its report: an evacuation only after its all-clear
    (409 before), another one while open."""
    _may_end(principal, roll_call)
    if roll_call.state == "closed":
        raise Conflict(
            Message("the roll-call is closed already"), fields={"state": Message("closed")}
        )
    if roll_call.evacuation and roll_call.state == "open":
        raise Conflict(
            Message("the evacuation is still on: give the all-clear first, then close"),
            fields={"state": Message("no all-clear yet")},
        )
    roll_call.report = build_report(session, roll_call)
    roll_call.state = "closed"
    roll_call.closed_at = clock.now()
    roll_call.closed_by = actor
    session.flush()
    publish_state(session, roll_call)
    return roll_call


def build_report(session: Session, roll_call: RollCall) -> dict[str, Any]:
    """Times to 50/90/100% confirmed per village and grid and overall, the priority
    households' times, and the help cases with how they ended."""
    rows = session.execute(
        select(
            RollCallHousehold.territory_code,
            RollCallHousehold.first_confirmed_at,
            RollCallHousehold.priority,
            RollCallHousehold.status,
            RollCallHousehold.help_case_id,
            RollCallHousehold.household_no,
        ).where(RollCallHousehold.roll_call_id == roll_call.id)
    ).all()
    start = roll_call.started_at
    pairs = [(row.territory_code, row.first_confirmed_at) for row in rows]
    priority = [(row.territory_code, row.first_confirmed_at) for row in rows if row.priority]
    statuses: dict[str, int] = defaultdict(int)
    for row in rows:
        statuses[row.status] += 1
    return {
        "drill": roll_call.drill,
        "households": len(rows),
        "statuses": dict(sorted(statuses.items())),
        "overall": times_of(start, [when for _, when in pairs]),
        "villages": times_by_node(start, pairs, CODE_LENGTH["village"]),
        "grids": times_by_node(start, pairs, CODE_LENGTH["grid"]),
        "priority": {
            "households": len(priority),
            "overall": times_of(start, [when for _, when in priority]),
            "villages": times_by_node(start, priority, CODE_LENGTH["village"]),
        },
        "help_cases": _help_cases(session, [row for row in rows if row.help_case_id]),
    }


def _help_cases(session: Session, rows: list[Any]) -> list[dict[str, Any]]:
    ids = [row.help_case_id for row in rows]
    cases = {case.id: case for case in session.scalars(select(Case).where(Case.id.in_(ids)))}
    out = []
    for row in rows:
        case = cases.get(row.help_case_id)
        out.append(
            {
                "case_id": row.help_case_id,
                "household_no": row.household_no,
                "state": case.state if case else None,
                "level": case.level if case else None,
                "escalations": case.escalations if case else None,
                "closed_at": case.closed_at.isoformat() if case and case.closed_at else None,
            }
        )
    return out
