"""Start a roll-call: its row, then one row per current household under its node in ONE
set-based INSERT ... SELECT (a town of 100,000 households in seconds), the urgent notice,
and each unit leader's list of households, priority first.

The household rows carry their priority and its reasons, computed in the same statement
from one grouped pass over the node's residents (members in a priority key group, counted
among those present) and the household's dangerous-house flag.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from sqlalchemy import Integer, case, func, literal, select
from sqlalchemy.orm import Session

from gridgov import clock
from gridgov.access.checks import require_target
from gridgov.access.principal import Principal
from gridgov.cases.recipients import handlers_of_nodes
from gridgov.emergency.counters import build_counts
from gridgov.emergency.live import publish_state
from gridgov.emergency.models import KINDS, RollCall, RollCallHousehold
from gridgov.emergency.notices import GROUP_LANGUAGE, notice_title, payload, send_urgent_notice
from gridgov.emergency.priority import DANGEROUS_HOUSE, PRESENT_STATUSES, PRIORITY_KEY_GROUPS
from gridgov.i18n import Message
from gridgov.ids import new_id
from gridgov.notify.models import OutboxMessage
from gridgov.registry.models import Household, Resident, ResidentKeyGroup
from gridgov.storage.bulk import insert_rows, table_of
from gridgov.territory.codes import CODE_LENGTH
from gridgov.territory.models import Territory
from gridgov.territory.queries import node_names
from gridgov.territory.scope import within
from gridgov.validation import Problems, clean_text

STARTABLE_LEVELS = ("town", "village", "grid")
MAX_MINUTES = 24 * 60


def _clean(
    session: Session,
    problems: Problems,
    *,
    territory_code: str,
    kind: str,
    title: str,
    message: str,
    deadline_at: dt.datetime | None,
    minutes: dict[str, int],
    now: dt.datetime,
) -> tuple[str, str]:
    node = session.scalar(
        select(Territory).where(Territory.code == territory_code, Territory.status == "active")
    )
    if node is None or node.level not in STARTABLE_LEVELS:
        problems.add(
            "territory_code",
            Message("not an active town, village or grid"),
        )
    if kind not in KINDS:
        problems.add("kind", Message("one of %(kinds)s", kinds=", ".join(KINDS)))
    clean_title = problems.check("title", clean_text, title, max_length=200) or ""
    clean_message = ""
    if message and message.strip():
        clean_message = (
            problems.check("message", clean_text, message, max_length=2000, multi_line=True) or ""
        )
    if deadline_at is not None and deadline_at <= now:
        problems.add("deadline_at", Message("must be after the start"))
    for name, value in minutes.items():
        if not 1 <= value <= MAX_MINUTES:
            problems.add(name, Message("between 1 and %(most)s minutes", most=MAX_MINUTES))
    return clean_title, clean_message


def check_start_roll_call(
    session: Session,
    *,
    territory_code: str,
    kind: str,
    title: str,
    message: str = "",
    deadline_at: dt.datetime | None = None,
    evacuation: bool = False,
    drill: bool = False,
    grid_after_minutes: int = 60,
    village_after_minutes: int = 30,
    help_minutes: int = 30,
    principal: Principal | None,
    actor: str,
) -> RollCall:
    """Start a roll-call over ``territory_code`` (a town, village or grid the caller may
    start one on: a town official or village secretary on their node; the CLI anywhere)."""
    if principal is not None:
        require_target(principal, "create", "roll_call", territory_code, field="territory_code")
    now = clock.now()
    problems = Problems()
    minutes = {
        "grid_after_minutes": grid_after_minutes,
        "village_after_minutes": village_after_minutes,
        "help_minutes": help_minutes,
    }
    clean_title, clean_message = _clean(
        session,
        problems,
        territory_code=territory_code,
        kind=kind,
        title=title,
        message=message,
        deadline_at=deadline_at,
        minutes=minutes,
        now=now,
    )
    problems.raise_if_any()
    roll_call = RollCall(
        territory_code=territory_code,
        kind=kind,
        title=clean_title,
        message=clean_message,
        deadline_at=deadline_at,
        evacuation=evacuation,
        drill=drill,
        state="open",
        **minutes,
        started_at=now,
        started_by=actor,
        started_by_user_id=principal.user_id if principal else None,
    )
    session.add(roll_call)
    session.flush()
    roll_call.household_count = insert_households(session, roll_call)
    build_counts(session, roll_call.id)
    session.flush()
    _send_lists(session, roll_call, actor=actor)
    publish_state(session, roll_call)
    return roll_call


def _present(territory_code: str) -> Any:
    return (
        within(Resident.territory_code, territory_code),
        Resident.residence_status.in_(PRESENT_STATUSES),
    )


def _people(territory_code: str) -> Any:
    """Per household under the node: the people present (a plain grouped count)."""
    return (
        select(Resident.household_id.label("household_id"), func.count().label("people"))
        .where(*_present(territory_code))
        .group_by(Resident.household_id)
        .subquery("people")
    )


def _member_tags(territory_code: str) -> Any:
    """Per household with a present member in a priority key group: a 0/1 per group (the
    tagged residents only: a few percent of them)."""
    tags = [
        func.max(case((ResidentKeyGroup.key_group_code == code, 1), else_=0)).label(code)
        for code in PRIORITY_KEY_GROUPS
    ]
    return (
        select(Resident.household_id.label("household_id"), *tags)
        .select_from(ResidentKeyGroup)
        .join(Resident, Resident.id == ResidentKeyGroup.resident_id)
        .where(ResidentKeyGroup.key_group_code.in_(PRIORITY_KEY_GROUPS), *_present(territory_code))
        .group_by(Resident.household_id)
        .subquery("members")
    )


def insert_households(session: Session, roll_call: RollCall) -> int:
    """One INSERT ... SELECT of the node's active households; the number inserted."""
    members = _member_tags(roll_call.territory_code)
    people = _people(roll_call.territory_code)
    reasons = [
        case((members.c[code] == 1, literal(f"{code},")), else_=literal(""))
        for code in PRIORITY_KEY_GROUPS
    ]
    reasons.append(
        case((Household.dangerous_since.is_not(None), literal(f"{DANGEROUS_HOUSE},")), else_="")
    )
    reason_text: Any = reasons[0]
    for part in reasons[1:]:
        reason_text = reason_text.op("||")(part)
    escalate_at = roll_call.started_at + dt.timedelta(minutes=roll_call.grid_after_minutes)
    source = (
        select(
            literal(roll_call.id).label("roll_call_id"),
            Household.id,
            Household.territory_code,
            Household.household_no,
            (reason_text != "").label("priority"),
            reason_text.label("priority_reasons"),
            func.coalesce(people.c.people, 0).cast(Integer).label("people"),
            literal("unconfirmed").label("status"),
            literal(escalate_at, RollCallHousehold.escalate_at.type).label("escalate_at"),
            literal(0).label("confirmations"),
        )
        .select_from(Household)
        .outerjoin(members, members.c.household_id == Household.id)
        .outerjoin(people, people.c.household_id == Household.id)
        .where(within(Household.territory_code, roll_call.territory_code))
        .where(Household.status == "active")
    )
    table = table_of(RollCallHousehold)
    names = [
        "roll_call_id",
        "household_id",
        "territory_code",
        "household_no",
        "priority",
        "priority_reasons",
        "people",
        "status",
        "escalate_at",
        "confirmations",
    ]
    session.execute(table.insert().from_select(names, source))
    # Counted, not the INSERT's rowcount (which psycopg does not give for INSERT ... SELECT).
    counted = select(func.count()).where(table.c.roll_call_id == roll_call.id)
    return int(session.scalar(counted) or 0)


def _grid_of(code: str) -> str | None:
    return code[: CODE_LENGTH["grid"]] if len(code) >= CODE_LENGTH["grid"] else None


def list_recipients(session: Session, codes: list[str]) -> dict[str, list[str]]:
    """Who gets a node's list: the unit's leaders; a unit without one: its grid leaders;
    a household not placed in a unit (or no grid leader either): the village secretaries."""
    units = [code for code in codes if len(code) == CODE_LENGTH["unit"]]
    unit_leaders = handlers_of_nodes(session, units, "unit")
    grids = sorted({g for g in map(_grid_of, codes) if g})
    grid_leaders = handlers_of_nodes(session, grids, "grid")
    villages = sorted({code[: CODE_LENGTH["village"]] for code in codes})
    secretaries = handlers_of_nodes(session, villages, "village")
    chosen: dict[str, list[str]] = {}
    for code in codes:
        grid = _grid_of(code)
        chosen[code] = (
            unit_leaders.get(code)
            or (grid_leaders.get(grid) if grid else None)
            or secretaries.get(code[: CODE_LENGTH["village"]])
            or []
        )
    return chosen


def unit_names(session: Session, codes: list[str]) -> dict[str, str]:
    """The nodes' names for the lists sent to leaders: the tree's Chinese name (the name the
    cadres use; node_names falls back to nothing, the caller to the code)."""
    return node_names(session, codes, GROUP_LANGUAGE)


def _send_lists(session: Session, roll_call: RollCall, *, actor: str) -> None:
    """The urgent notice to every leader under the node, and the lists of households to
    confirm: ONE list per recipient and village (a unit leader: their unit; a grid leader:
    all their units without a unit leader; a village secretary: every unit of the village
    left to them), priority households first, then by unit and number, with the same
    households grouped by unit. Recipients of the same list share one outbox row; all rows
    are written in one statement."""
    rows = session.execute(
        select(
            RollCallHousehold.territory_code,
            RollCallHousehold.household_id,
            RollCallHousehold.household_no,
            RollCallHousehold.priority,
        )
        .where(RollCallHousehold.roll_call_id == roll_call.id)
        .order_by(
            RollCallHousehold.territory_code,
            RollCallHousehold.priority.desc(),
            RollCallHousehold.household_no,
        )
    ).all()
    by_node: dict[str, list[list[Any]]] = defaultdict(list)
    for code, household_id, household_no, priority in rows:
        by_node[code].append([household_id, household_no, bool(priority)])
    recipients = list_recipients(session, sorted(by_node))
    # (village, the nodes one recipient gets there) -> the recipients of that list
    lists: dict[tuple[str, tuple[str, ...]], list[str]] = defaultdict(list)
    for (user, village), codes in sorted(_nodes_per_recipient(recipients).items()):
        lists[(village, tuple(sorted(codes)))].append(user)
    names = unit_names(session, [*by_node, *{village for village, _ in lists}])
    now = clock.now()
    outbox = [
        {
            "id": new_id(),
            "kind": "rollcall_households",
            "recipients": users,
            "payload": _list_payload(roll_call, village, codes, by_node, names),
            "created_at": now,
            "attempts": 0,
        }
        for (village, codes), users in sorted(lists.items())
    ]
    insert_rows(session.connection(), table_of(OutboxMessage), outbox)
    leaders = sorted({user for users in recipients.values() for user in users})
    send_urgent_notice(session, roll_call, recipients=leaders, actor=actor)


def _nodes_per_recipient(recipients: dict[str, list[str]]) -> dict[tuple[str, str], set[str]]:
    """(user, village) -> the nodes whose list goes to that user in that village."""
    nodes: dict[tuple[str, str], set[str]] = defaultdict(set)
    for code, users in recipients.items():
        for user in set(users):
            nodes[(user, code[: CODE_LENGTH["village"]])].add(code)
    return nodes


def _list_payload(
    roll_call: RollCall,
    village: str,
    codes: tuple[str, ...],
    by_node: dict[str, list[list[Any]]],
    names: dict[str, str],
) -> dict[str, Any]:
    """One recipient's list in one village: ``households`` ([id, number, priority, node])
    priority first, then by node and number; ``units`` its nodes (code, name, count)."""
    # The units by name and size only: the households themselves once, in ``households``
    # (each with its node); repeating them here doubled the JSON a start writes (a town's
    # start went from 2.3 s to 3.1 s, bench/rollcall.py).
    units = [
        {"code": code, "name": names.get(code, code), "count": len(by_node[code])} for code in codes
    ]
    flat = [[*entry, code] for code in codes for entry in by_node[code]]
    flat.sort(key=lambda entry: (not entry[2], entry[3], entry[1]))
    title = Message("Households to confirm: %(title)s", title=notice_title(roll_call))
    if len(codes) == 1:
        node = codes[0]
        body = Message(
            "%(count)s households at %(node)s, priority first",
            count=len(flat),
            node=names.get(node, node),
        )
    else:
        node = village
        body = Message(
            "%(count)s households in %(units)s places of %(node)s, priority first",
            count=len(flat),
            units=len(codes),
            node=names.get(village, village),
        )
    return payload(roll_call, title, body) | {"node": node, "units": units, "households": flat}
