"""The roll-call pages: /roll-calls (the caller's roll-calls and, for a town official or
village secretary, the start form), /roll-calls/{id} (live counts per child node, the
unconfirmed list by priority, the map of households by status, one-tap confirmation, the
shelters, all-clear and close, the closing report); /shelters is web/routes/shelters.py.

Each household is a compact card (web/rollcall_cards.py): its head's name and phone
(masked; revealed to call, audited, where the policy lets), the common statuses as big
buttons, the rest behind "more"; after a tap the page comes back at the card (``?done=``)
showing its status, who and when. Counts are of the caller's own node (counts_node).

They call the emergency package's actions and queries with the page caller's Principal,
as the API does. Live: the counts and the unconfirmed list are ``data-live-fragment``s of
the stream ``rollcall:<id>`` (static/js/chat.js refreshes them on a ``counts`` or
``state`` event).

Offline: each one-tap form carries an idempotency key and the time it was tapped
(``confirmed_at``, static/js/rollcall.js); report-queue.js keeps a confirmation made
without a connection in IndexedDB and posts it later with its ``Idempotency-Key``; the
confirmation's id is made from ("user:<id>", key) (emergency.confirm.confirmation_id_for, as the
API's ``Idempotency-Key`` does): a resend finds the first and records nothing.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import quote

from fastapi import Request
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.responses import Response

from gridgov import clock
from gridgov.access.policy import allows
from gridgov.emergency import closing, queries, shelters
from gridgov.emergency.confirm import check_confirm
from gridgov.emergency.live import stream_of
from gridgov.emergency.models import RollCall, RollCallHousehold
from gridgov.emergency.roster import export_roster
from gridgov.emergency.schemas import (
    ConfirmationCreate,
    RollCallCreate,
)
from gridgov.emergency.start import MAX_MINUTES, check_start_roll_call
from gridgov.errors import NotFound, ValidationFailed
from gridgov.http.idempotency import idempotency_owner
from gridgov.http.sessions import SessionDep
from gridgov.i18n import N_, Message
from gridgov.territory.models import Territory
from gridgov.territory.queries import node_names
from gridgov.web.auth import CallerDep
from gridgov.web.caller import PageCaller
from gridgov.web.errors import redirect
from gridgov.web.forms import FormDep, form_values, parse_form
from gridgov.web.labels import CASE_STATE_LABELS
from gridgov.web.maps import map_settings
from gridgov.web.rendering import page_language, render
from gridgov.web.rollcall_cards import Card, cards_of, line_of, reveal_phone_to_call
from gridgov.web.rollcall_labels import COMMON_STATUSES, LABELS, TAP_STATUSES
from gridgov.web.routes.groups import live_context
from gridgov.web.routing import page_router

router = page_router()
MAX_KEY = 128
MAX_VILLAGES = 500  # villages offered in a form (the shelter form, the list filter)
LIST_SIZE = 100  # roll-calls, unconfirmed lines, shelters shown
TAP_SIZE = 50  # households offered one-tap buttons
STARTERS = ("town_official", "village_secretary")
TAPPERS = frozenset({"unit_leader", "resident", "party_member"})
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# A refused tap, told next to the household's form in plain words: a field left empty
# that its status needs, or the field's name and what is wrong with it.
TAP_MISSING = {
    "help": N_("Write what help is needed"),
    "shelter_id": N_("Choose the shelter the household moved to"),
}
TAP_FIELDS = {
    "status": N_("Status"),
    "method": N_("How"),
    "people": N_("People moved"),
    "help": N_("Help needed"),
    "shelter_id": N_("Shelter"),
    "note": N_("Note"),
    "confirmed_at": N_("Time of the tap"),
    "idempotency_key": N_("Tap"),
}


@dataclass(frozen=True)
class TapError:
    """A refused tap: its household, the plain messages, and the values to show again."""

    household_id: str
    problems: list[tuple[str, str, bool]]  # field, problem, whether it was left empty
    values: dict[str, str]


# The start form's minute fields (the API's names), each with the API's default.
MINUTE_FIELDS = ("grid_after_minutes", "village_after_minutes", "help_minutes")


def start_codes(caller: PageCaller) -> list[str]:
    """The nodes the caller may start a roll-call on (their starter roles' nodes)."""
    codes = {
        scope.territory_code
        for scope in caller.principal.scopes
        if scope.role in STARTERS and scope.territory_code
    }
    return sorted(codes)


@dataclass(frozen=True)
class Place:
    """A node the start form offers: its code, its name, and whether it is under another
    one offered (a town's village, shown indented)."""

    code: str
    name: str
    nested: bool = False


def place_names(session: Session, codes: list[str], language: str) -> dict[str, str]:
    """Nodes' names in the reader's language (the Chinese name when there is no other)."""
    return node_names(session, codes, language)


def start_places(session: Session, caller: PageCaller, language: str) -> list[Place]:
    """Where the start form offers to start one, by name: each node of the caller's starter
    roles and, under a town, its active villages (the caller's own reach only)."""
    places: list[Place] = []
    for code in start_codes(caller):
        node = session.scalar(select(Territory).where(Territory.code == code))
        if node is None or node.status != "active":
            continue
        villages = []
        if node.level == "town":
            villages = list(
                session.scalars(
                    select(Territory.code)
                    .where(
                        Territory.parent_code == code,
                        Territory.level == "village",
                        Territory.status == "active",
                    )
                    .order_by(Territory.code)
                )
            )
        names = place_names(session, [code, *villages], language)
        places.append(Place(code, names.get(code) or code))
        places += [Place(v, names.get(v) or v, nested=True) for v in villages]
    return places


def may_end(caller: PageCaller, roll_call: RollCall) -> bool:
    """The rule of closing._may_end: its starter, or one who may start one on its node."""
    principal = caller.principal
    return principal.user_id == roll_call.started_by_user_id or allows(
        principal, "create", "roll_call", roll_call.territory_code
    )


# The start form's deadline as people type it: 2026-08-01 18:00 (also 2026/8/1 18:00, a
# full-width colon, or the ISO "T"), in the deployment's wall time.
DEADLINE_TEXT = re.compile(
    r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:\s+|T)(\d{1,2})[:：](\d{2})(?::\d{2}(?:\.\d+)?)?"
)


def _local_time(field: str, text: str) -> dt.datetime | None:
    """A date and time typed as YYYY-MM-DD HH:MM (the deployment's wall time) as an aware
    time; anything else is refused naming the field and the form expected."""
    text = text.strip()
    if not text:
        return None
    found = DEADLINE_TEXT.fullmatch(text)
    try:
        if found is None:
            raise ValueError(text)
        year, month, day, hour, minute = (int(part) for part in found.groups())
        local = dt.datetime(year, month, day, hour, minute)
    except ValueError:
        raise ValidationFailed.field(
            field, Message("write the date and time as YYYY-MM-DD HH:MM, e.g. 2026-08-01 18:00")
        ) from None
    return clock.from_local(local)


def _phone_time(text: object) -> dt.datetime | None:
    if not isinstance(text, str) or not text:
        return None
    try:
        when = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo is not None else None


def _on_server_clock(confirmed_at: object, sent_at: str) -> object:
    """A tap's time on the server's clock: the phone said when it was tapped and when it was
    sent, both by its own clock; the tap was that long before now. Without the sent time
    (a plain form), the ``confirmed_at`` as given (the API's rule checks it)."""
    tapped, sent = _phone_time(confirmed_at), _phone_time(sent_at)
    if tapped is None or sent is None:
        return confirmed_at
    waited = max(sent - tapped, dt.timedelta(0))
    return (clock.now() - waited).isoformat()


def _list_page(
    request: Request,
    session: Session,
    caller: PageCaller,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    found, total = queries.list_roll_calls(
        session, territory=None, principal=caller.principal, limit=LIST_SIZE, offset=0
    )
    context = {
        "roll_calls": found,
        "total": total,
        "start_places": start_places(session, caller, page_language(request, caller)),
        "values": values or {"kind": "typhoon"},
        "errors": errors or {},
        "minute_defaults": {
            name: RollCallCreate.model_fields[name].default for name in MINUTE_FIELDS
        },
        "max_minutes": MAX_MINUTES,
        **LABELS,
    }
    return render(request, "rollcalls/list.html", context, status=status)


@router.get("/roll-calls")
def roll_calls_page(request: Request, session: SessionDep, caller: CallerDep) -> Response:
    return _list_page(request, session, caller)


@router.post("/roll-calls")
def start_roll_call(
    request: Request, session: SessionDep, caller: CallerDep, form: FormDep
) -> Response:
    """Start one (then its page), or the form again naming the field (422)."""
    values = form_values(form)
    for choice in ("evacuation", "drill"):  # a choice in words: "1" yes, "0" (or none) no
        values[choice] = str(values.get(choice, "")) in ("1", "on")
    for name in MINUTE_FIELDS:  # left empty: the API's default
        if not str(values.get(name, "")).strip():
            values.pop(name, None)
    typed_deadline = str(values.pop("deadline_at", ""))
    try:
        deadline = _local_time("deadline_at", typed_deadline)
        with session.begin_nested():
            body = parse_form(RollCallCreate, values)
            roll_call = check_start_roll_call(
                session,
                **(body.model_dump() | {"deadline_at": deadline}),
                principal=caller.principal,
                actor=caller.actor,
            )
    except ValidationFailed as refused:
        errors = dict(refused.fields or {"form": refused.message})
        values["deadline_at"] = typed_deadline  # shown again as typed
        return _list_page(request, session, caller, values=values, errors=errors, status=422)
    return redirect(request, f"/roll-calls/{roll_call.id}")


# Roles that read every household of their node (SUB): they get the counts table of it.
COUNTING_ROLES = (
    "administrator",
    "town_official",
    "village_secretary",
    "grid_leader",
    "unit_leader",
)


def counts_node(caller: PageCaller, roll_call: RollCall) -> str | None:
    """The node whose counts the caller sees: the widest of their counting posts that meets
    the roll-call (a unit leader: their unit; a town official: the roll-call's node); None
    for one who reads only households (a resident, a contact party member): no table."""
    found: list[str] = []
    for scope in caller.principal.scopes:
        code = scope.territory_code
        if scope.role not in COUNTING_ROLES:
            continue
        if code is None or roll_call.territory_code.startswith(code):
            found.append(roll_call.territory_code)
        elif code.startswith(roll_call.territory_code):
            found.append(code)
    return min(found, key=len) if found else None


def _counts_context(session: Session, roll_call: RollCall, caller: PageCaller) -> dict[str, Any]:
    node = counts_node(caller, roll_call)
    picture = queries.live_picture(session, roll_call, node=node) if node else None
    return {"roll_call": roll_call, "picture": picture, "counts_node": node}


def _unconfirmed_context(
    session: Session,
    roll_call: RollCall,
    caller: PageCaller,
    *,
    territory: str | None = None,
    offset: int = 0,
) -> dict[str, Any]:
    """The unconfirmed list, a page of LIST_SIZE (``offset``), of ``territory`` (a node
    inside the roll-call: 422 naming the field otherwise) or of all the caller may read."""
    territory = queries.node_within(roll_call, territory or None)
    offset = max(offset, 0)
    lines, total = queries.list_households(
        session,
        roll_call,
        status="unconfirmed",
        territory=territory,
        principal=caller.principal,
        limit=LIST_SIZE,
        offset=offset,
    )
    return {
        "roll_call": roll_call,
        "unconfirmed": lines,
        "unconfirmed_total": total,
        "unconfirmed_offset": offset,
        "unconfirmed_territory": territory or "",
        "list_size": LIST_SIZE,
        "escalated_after": escalated_after,
        **LABELS,
    }


def _list_query(request: Request) -> tuple[str | None, int]:
    """The unconfirmed list's filter and page from the address (``territory``, ``offset``)."""
    territory = request.query_params.get("territory") or None
    text = request.query_params.get("offset") or "0"
    if not text.isdigit() or len(text) > 9:
        raise ValidationFailed.field("offset", Message("a whole number, 0 or more"))
    return territory, int(text)


def _tap_lines(session: Session, roll_call: RollCall, caller: PageCaller) -> list[queries.Line]:
    """The households the caller confirms with one tap: a unit leader's, a contact's, a
    resident's own (those their roles let them read)."""
    if roll_call.state == "closed" or not caller.principal.roles & TAPPERS:
        return []
    lines, _ = queries.list_households(
        session,
        roll_call,
        status=None,
        territory=None,
        principal=caller.principal,
        limit=TAP_SIZE,
        offset=0,
    )
    return lines


# A grid leader lists their grid's unconfirmed households; a village secretary, their
# village's households escalated to the village (escalation.py moves them up).
LEADER_LISTS = {"grid_leader": None, "village_secretary": "village"}
LEADER_METHODS = ("phone", "in_person")  # a leader confirms by phone or on the spot


@dataclass(frozen=True)
class LeaderList:
    role: str
    code: str
    name: str
    lines: list[queries.Line]
    total: int
    done: list[queries.Line] = field(default_factory=list)  # just confirmed, shown first
    cards: list[Card] = field(default_factory=list)


def escalated_after(roll_call: RollCall, row: RollCallHousehold) -> int | None:
    """Minutes between the start and the line's escalation (its reason), or None."""
    if row.escalated_at is None:
        return None
    return max(int((row.escalated_at - roll_call.started_at).total_seconds() // 60), 0)


def _leader_lists(
    session: Session,
    roll_call: RollCall,
    caller: PageCaller,
    language: str,
    done: list[queries.Line],
) -> list[LeaderList]:
    """For each grid leader's or village secretary's post of the caller that meets the
    roll-call's node: the unconfirmed households they confirm with one tap there, priority
    first (a grid leader: all of their grid's; a secretary: those escalated to the village)."""
    if roll_call.state == "closed":
        return []
    posts: list[tuple[str, str]] = []
    for scope in caller.principal.scopes:
        code = scope.territory_code
        if scope.role not in LEADER_LISTS or code is None:
            continue
        if code.startswith(roll_call.territory_code):
            node = code
        elif roll_call.territory_code.startswith(code):
            node = roll_call.territory_code
        else:
            continue
        if (scope.role, node) not in posts:
            posts.append((scope.role, node))
    names = place_names(session, [node for _, node in posts], language)
    found = []
    for role, node in posts:
        lines, total = queries.list_households(
            session,
            roll_call,
            status="unconfirmed",
            territory=node,
            principal=caller.principal,
            limit=TAP_SIZE,
            offset=0,
            escalated=LEADER_LISTS[role],
        )
        # The households just confirmed here stay on the list, done, at the top.
        shown = {line.row.household_id for line in lines}
        kept = [
            line
            for line in done
            if line.row.territory_code.startswith(node) and line.row.household_id not in shown
        ]
        found.append(LeaderList(role, node, names.get(node) or node, lines, total, kept))
    return found


MAX_DONE = 20  # households a page keeps shown as just confirmed (``?done=``)


def _done_lines(
    session: Session, roll_call: RollCall, caller: PageCaller, request: Request
) -> list[queries.Line]:
    """The households named in ``?done=`` (just confirmed by this caller) that the caller
    may read; the others are left out without a word."""
    found = []
    for household_id in dict.fromkeys(request.query_params.getlist("done")[:MAX_DONE]):
        try:
            found.append(line_of(session, roll_call, household_id, caller.principal))
        except NotFound:
            continue
    return found


def _needs_help_lines(
    session: Session, roll_call: RollCall, caller: PageCaller, node: str | None
) -> tuple[list[queries.Line], int]:
    """A leader's households that need help (a drill opens no case: this is where they are
    listed), priority first."""
    if node is None:
        return [], 0
    return queries.list_households(
        session,
        roll_call,
        status="needs_help",
        territory=None,
        principal=caller.principal,
        limit=LIST_SIZE,
        offset=0,
    )


def _filter_places(session: Session, node: str | None, language: str) -> list[Place]:
    """The nodes the unconfirmed list may be filtered by: the children of the caller's
    counts node and theirs (villages and their grids), by name."""
    if node is None:
        return []
    level = queries.child_length(node)
    if level == len(node):
        return []
    grand = queries.child_length(node.ljust(level, "0"))
    lengths = {level, grand}
    codes = list(
        session.scalars(
            select(Territory.code)
            .where(
                Territory.code.startswith(node),
                func.length(Territory.code).in_(sorted(lengths)),
                Territory.status == "active",
            )
            .order_by(Territory.code)
            .limit(MAX_VILLAGES)
        )
    )
    names = place_names(session, codes, language)
    return [Place(code, names.get(code) or code, nested=len(code) > level) for code in codes]


def _detail(
    request: Request,
    session: Session,
    caller: PageCaller,
    roll_call: RollCall,
    *,
    errors: dict[str, str] | None = None,
    tap_error: TapError | None = None,
    revealed: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    live = live_context(session)  # read before the counts: the socket resumes after it
    territory, offset = _list_query(request) if request.method == "GET" else (None, 0)
    loads, _ = shelters.list_shelters(
        session,
        territory=roll_call.territory_code,
        principal=caller.principal,
        limit=LIST_SIZE,
        offset=0,
    )
    statuses = TAP_STATUSES + (("returned",) if roll_call.state == "all_clear" else ())
    language = page_language(request, caller)
    principal = caller.principal
    tap_lines = _tap_lines(session, roll_call, caller)
    done = _done_lines(session, roll_call, caller, request)
    leader_lists = _leader_lists(session, roll_call, caller, language, done)
    if tap_error is not None:
        shown = {line.row.household_id for line in tap_lines} | {
            line.row.household_id for found in leader_lists for line in found.lines
        }
        if tap_error.household_id not in shown:  # its form is not on the page: at the top
            errors = {field: problem for field, problem, _ in tap_error.problems} | (errors or {})
            tap_error = None
    counts = _counts_context(session, roll_call, caller)
    needs_help, needs_help_total = _needs_help_lines(
        session, roll_call, caller, counts["counts_node"]
    )
    tap_cards = cards_of(session, principal, tap_lines, revealed=revealed)
    leader_lists = [
        replace(
            found,
            cards=cards_of(session, principal, found.done + found.lines, revealed=revealed),
        )
        for found in leader_lists
    ]
    context = {
        **counts,
        **_unconfirmed_context(session, roll_call, caller, territory=territory, offset=offset),
        **live,
        "stream": stream_of(roll_call),
        "tap_lines": tap_lines,
        "tap_cards": tap_cards,
        "own_only": bool(tap_cards) and all(card.own for card in tap_cards),
        "done_ids": {line.row.household_id for line in done},
        "focus_household": next(iter(revealed or {}), None),
        "needs_help_cards": cards_of(session, principal, needs_help, revealed=revealed),
        "needs_help_total": needs_help_total,
        "filter_places": _filter_places(session, counts["counts_node"], language),
        "common_statuses": COMMON_STATUSES
        + (("returned",) if roll_call.state == "all_clear" else ()),
        "leader_lists": leader_lists,
        "leader_methods": LEADER_METHODS,
        "tap_statuses": statuses,
        "new_key": secrets.token_hex(16),
        "shelters": loads,
        "may_end": may_end(caller, roll_call),
        "errors": errors or {},
        "tap_error": tap_error,
        "tap_missing": TAP_MISSING,
        "tap_fields": TAP_FIELDS,
        "map": map_settings(request),
        "map_values": json.dumps({}),
        "report_names": _report_names(session, roll_call, language),
        "CASE_STATE_LABELS": CASE_STATE_LABELS,
    }
    return render(request, "rollcalls/page.html", context, status=status)


def _report_names(session: Session, roll_call: RollCall, language: str) -> dict[str, str]:
    """The names of the closing report's villages and grids (the tree's, as they are now)."""
    report = roll_call.report or {}
    codes = [*report.get("villages", {}), *report.get("grids", {})]
    return place_names(session, codes, language)


@router.get("/roll-calls/{roll_call_id}")
def roll_call_page(
    request: Request, roll_call_id: str, session: SessionDep, caller: CallerDep
) -> Response:
    roll_call = queries.access_roll_call(session, roll_call_id, caller.principal)
    return _detail(request, session, caller, roll_call)


@router.get("/roll-calls/{roll_call_id}/counts")
def counts_fragment(
    request: Request, roll_call_id: str, session: SessionDep, caller: CallerDep
) -> Response:
    roll_call = queries.access_roll_call(session, roll_call_id, caller.principal)
    return render(request, "rollcalls/_counts.html", _counts_context(session, roll_call, caller))


@router.get("/roll-calls/{roll_call_id}/unconfirmed")
def unconfirmed_fragment(
    request: Request, roll_call_id: str, session: SessionDep, caller: CallerDep
) -> Response:
    roll_call = queries.access_roll_call(session, roll_call_id, caller.principal)
    territory, offset = _list_query(request)
    context = _unconfirmed_context(session, roll_call, caller, territory=territory, offset=offset)
    return render(request, "rollcalls/_unconfirmed.html", context)


@router.post("/roll-calls/{roll_call_id}/households/{household_id}/phone")
def reveal_phone(
    request: Request, roll_call_id: str, household_id: str, session: SessionDep, caller: CallerDep
) -> Response:
    """Show a household's head's phone in full to call it (audited, as the policy's reveal
    of a roll-call's phones), on the page again at the household's card."""
    roll_call = queries.access_roll_call(session, roll_call_id, caller.principal)
    revealed = reveal_phone_to_call(session, roll_call, household_id, caller.principal)
    return _detail(request, session, caller, roll_call, revealed=revealed)


@router.get("/roll-calls/{roll_call_id}/map.geojson")
def roll_call_points(
    request: Request, roll_call_id: str, session: SessionDep, caller: CallerDep
) -> Response:
    """The page's map data (emergency.queries.geojson): above a grid, a point per child node
    with its counts (``label`` in the page's language; a click asks for the node's own,
    ``?territory=CODE``); in a grid or unit (``?territory=``), the households by status,
    masked where the caller may not read them, each readable one linking to its page."""
    roll_call = queries.access_roll_call(session, roll_call_id, caller.principal)
    territory = request.query_params.get("territory") or None
    collection = queries.geojson(session, roll_call, caller.principal, territory=territory)
    collection["features"] = [f for f in collection["features"] if f["geometry"] is not None]
    language = page_language(request, caller)
    for feature in collection["features"]:
        properties = feature["properties"]
        if "household_id" in properties:
            properties["id"] = properties["household_id"]
            properties["href"] = f"/households/{properties['household_id']}"
        elif "code" in properties:
            properties["label"] = Message(
                "%(unconfirmed)s of %(households)s households unconfirmed, %(help)s need help",
                unconfirmed=properties["unconfirmed"],
                households=properties["households"],
                help=properties["needs_help"],
            ).render(language)
    body = json.dumps(collection, ensure_ascii=False, separators=(",", ":"))
    return Response(content=body, media_type="application/geo+json")


@router.post("/roll-calls/{roll_call_id}/confirmations")
def confirm(
    request: Request, roll_call_id: str, session: SessionDep, caller: CallerDep, form: FormDep
) -> Response:
    """One tap: record the confirmation (then the page again), once per idempotency key."""
    roll_call = queries.access_roll_call(session, roll_call_id, caller.principal, "update")
    values = form_values(form)
    key = str(request.headers.get("idempotency-key") or values.get("idempotency_key") or "")
    key = key.strip()[:MAX_KEY] or secrets.token_hex(16)
    values.pop("idempotency_key", None)
    sent_at = str(request.headers.get("x-sent-at") or values.pop("sent_at", "") or "")
    values.pop("sent_at", None)
    values["confirmed_at"] = _on_server_clock(values.get("confirmed_at"), sent_at)
    household_id = str(values.get("household_id") or "")
    quoted = quote(household_id, safe="")
    back = f"/roll-calls/{roll_call.id}?done={quoted}#household-{quoted}"
    try:
        with session.begin_nested():
            body = parse_form(ConfirmationCreate, values).model_dump()
            body["help_needed"] = body.pop("help")
            check_confirm(
                session,
                roll_call,
                **body,
                principal=caller.principal,
                actor=caller.actor,
                channel="api",
                idempotency_owner=idempotency_owner(caller.user.id),
                idempotency_key=key,
            )  # a tap that arrived before is given back, not recorded again
    except ValidationFailed as refused:
        # Told next to the household's form; the page (rollcall.js) puts its URL back on
        # the roll-call and scrolls to the household.
        fields = dict(refused.fields or {"form": refused.message})
        shown = {name: str(values.get(name) or "") for name in ("help", "people", "note")}
        problems = [
            (field, str(problem), not str(values.get(field) or "").strip())
            for field, problem in fields.items()
        ]
        refused_tap = TapError(str(values.get("household_id") or ""), problems, shown)
        return _detail(request, session, caller, roll_call, tap_error=refused_tap, status=422)
    return redirect(request, back)


@router.post("/roll-calls/{roll_call_id}/all-clear")
def all_clear(
    request: Request, roll_call_id: str, session: SessionDep, caller: CallerDep
) -> Response:
    roll_call = queries.access_roll_call(session, roll_call_id, caller.principal, "update")
    closing.check_all_clear(session, roll_call, principal=caller.principal, actor=caller.actor)
    return redirect(request, f"/roll-calls/{roll_call.id}")


@router.post("/roll-calls/{roll_call_id}/close")
def close(request: Request, roll_call_id: str, session: SessionDep, caller: CallerDep) -> Response:
    roll_call = queries.access_roll_call(session, roll_call_id, caller.principal, "update")
    closing.check_close(session, roll_call, principal=caller.principal, actor=caller.actor)
    return redirect(request, f"/roll-calls/{roll_call.id}")


@router.get("/roll-calls/{roll_call_id}/roster.xlsx")
def roster(request: Request, roll_call_id: str, session: SessionDep, caller: CallerDep) -> Response:
    """The API's roster (one sheet per unit, the lines the caller may read), phones masked."""
    roll_call = queries.access_roll_call(session, roll_call_id, caller.principal)
    content = export_roster(
        session,
        roll_call,
        caller.principal,
        language=page_language(request, caller),
    )
    return Response(
        content=content,
        media_type=XLSX_TYPE,
        headers={"Content-Disposition": f'attachment; filename="roll-call-{roll_call.id}.xlsx"'},
    )
