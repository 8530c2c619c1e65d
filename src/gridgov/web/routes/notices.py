"""Notices on the pages: posting one to a group (its leaders), the notice page (reading it
counts the reader's household; acknowledge when asked), its household read and
acknowledgement statistics by grid and unit (a fragment chat.js refreshes when the notice's
groups publish), the reminder through the unit leaders, and "told in person" marks.

Reads go through the notice's groups: a notice is within reach when one of the groups it
was posted to is (``access_group``), else it is the not-found page, as for a group.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Form, Request
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import Response

from gridgov.access.principal import Principal
from gridgov.accounts.models import User
from gridgov.errors import NotFound, ValidationFailed
from gridgov.groups import receipts as tallying
from gridgov.groups.models import Group
from gridgov.groups.notice_models import Notice, NoticePosting
from gridgov.groups.notices import (
    access_notice,
    check_mark_told,
    check_post_notice,
    do_read_notice,
    do_remind,
    household_states,
    manages,
    receipt_of,
    reminder_lists,
)
from gridgov.groups.queries import access_group
from gridgov.http.sessions import SessionDep, writes_on_read
from gridgov.i18n import Message
from gridgov.registry.models import Household, Resident
from gridgov.territory.models import Territory
from gridgov.web.auth import CallerDep
from gridgov.web.caller import PageCaller
from gridgov.web.errors import redirect
from gridgov.web.group_views import PRIORITY_LABELS
from gridgov.web.rendering import page_language, render
from gridgov.web.routes.groups import LABELS, is_htmx, live_context
from gridgov.web.routing import page_router

router = page_router()


@dataclass(frozen=True)
class StatsRow:
    level: str  # grid or unit
    code: str
    name: str
    households: int
    read: int
    acknowledged: int


@dataclass(frozen=True)
class Stats:
    households: int
    read: int
    acknowledged: int
    ack_required: bool
    rows: list[StatsRow]


def notice_in_reach(
    session: Session, notice_id: str, principal: Principal
) -> tuple[Notice, list[Group]]:
    """The notice (``groups.notices.access_notice``: a member of a group it reached, or a
    leader of its territory) and those of its groups the caller reads (links, live streams)."""
    notice = access_notice(session, notice_id, principal)
    group_ids = session.scalars(
        select(NoticePosting.group_id).where(NoticePosting.notice_id == notice.id)
    ).all()
    groups = []
    for group_id in group_ids:
        try:
            groups.append(access_group(session, group_id, principal))
        except NotFound:
            continue
    return notice, groups


def notice_stats(session: Session, notice: Notice, language: str) -> Stats:
    places, states = household_states(session, notice)
    receipts = tallying.tally(places, states)
    codes = list(receipts.by_grid) + list(receipts.by_unit)
    zh = language.startswith("zh")
    names = {
        code: (name_zh if zh or not name_en else name_en)
        for code, name_zh, name_en in session.execute(
            select(Territory.code, Territory.name_zh, Territory.name_en).where(
                Territory.code.in_(codes)
            )
        )
    }
    rows = []
    for grid_code in sorted(receipts.by_grid):
        rows.append(_row("grid", grid_code, names, receipts.by_grid[grid_code]))
        for unit_code in sorted(c for c in receipts.by_unit if c.startswith(grid_code)):
            rows.append(_row("unit", unit_code, names, receipts.by_unit[unit_code]))
    total = receipts.total
    return Stats(total.households, total.read, total.acknowledged, notice.ack_required, rows)


def _row(level: str, code: str, names: dict[str, str], tally: tallying.Tally) -> StatsRow:
    return StatsRow(
        level, code, names.get(code, code), tally.households, tally.read, tally.acknowledged
    )


def _household_of(session: Session, user: User) -> str | None:
    if user.resident_id is None:
        return None
    return session.scalar(select(Resident.household_id).where(Resident.id == user.resident_id))


def _to_tell(session: Session, notice: Notice, caller: PageCaller) -> list[dict[str, str]]:
    """The households this caller (a unit or grid leader) must still tell."""
    for reminder in reminder_lists(session, notice):
        if reminder.leader_user_id == caller.user.id:
            numbers = dict(
                session.execute(
                    select(Household.id, Household.household_no).where(
                        Household.id.in_(reminder.household_ids)
                    )
                ).all()
            )
            return [{"id": h, "label": numbers.get(h, h)} for h in reminder.household_ids]
    return []


def _author_name(session: Session, notice: Notice) -> str:
    author = session.get(User, notice.author_user_id) if notice.author_user_id else None
    return author.display_name if author is not None else notice.created_by.split(":", 1)[-1]


@router.get("/notices/{notice_id}", dependencies=[Depends(writes_on_read)])
def notice_page(
    request: Request, notice_id: str, session: SessionDep, caller: CallerDep
) -> Response:
    """Opening the notice is reading it: the reader's household counts as having read."""
    notice, groups = notice_in_reach(session, notice_id, caller.principal)
    live = live_context(session)  # read before the statistics: the socket resumes after it
    do_read_notice(
        session,
        notice,
        user_id=caller.user.id,
        household_id=_household_of(session, caller.user),
        acknowledge=False,
    )
    context = _page_context(request, session, notice, groups, caller)
    context.update(live, done=request.query_params.get("done"))
    return render(request, "groups/notice.html", context)


@router.get("/notices/{notice_id}/stats")
def notice_stats_fragment(
    request: Request, notice_id: str, session: SessionDep, caller: CallerDep
) -> Response:
    notice, _groups = notice_in_reach(session, notice_id, caller.principal)
    if not manages(caller.principal, notice):
        raise NotFound(Message("no notice has id %(notice_id)s", notice_id=notice_id))
    stats = notice_stats(session, notice, page_language(request, caller))
    return render(request, "groups/_notice_stats.html", {"stats": stats})


@router.post("/notices/{notice_id}/acknowledge")
def acknowledge_notice(
    request: Request, notice_id: str, session: SessionDep, caller: CallerDep
) -> Response:
    notice, _groups = notice_in_reach(session, notice_id, caller.principal)
    do_read_notice(
        session,
        notice,
        user_id=caller.user.id,
        household_id=_household_of(session, caller.user),
        acknowledge=True,
    )
    return redirect(request, f"/notices/{notice.id}?done=acknowledged")


@router.post("/notices/{notice_id}/remind")
def remind(request: Request, notice_id: str, session: SessionDep, caller: CallerDep) -> Response:
    """One action: each unit leader (else grid leader) gets the list of whom to tell."""
    notice, groups = notice_in_reach(session, notice_id, caller.principal)
    if not manages(caller.principal, notice):
        raise NotFound(Message("no notice has id %(notice_id)s", notice_id=notice_id))
    lists = do_remind(session, notice, actor=caller.actor)
    names = dict(
        session.execute(
            select(User.id, User.display_name).where(
                User.id.in_([r.leader_user_id for r in lists if r.leader_user_id])
            )
        ).all()
    )
    reminders = [
        {"leader_name": names.get(r.leader_user_id or "", "—"), "households": r.household_ids}
        for r in lists
    ]
    context = _page_context(request, session, notice, groups, caller)
    context.update(reminders=reminders, done="reminded")
    return render(request, "groups/notice.html", context)


def _page_context(
    request: Request, session: Session, notice: Notice, groups: list[Group], caller: PageCaller
) -> dict[str, Any]:
    receipt = receipt_of(session, notice, caller.user.id)
    leader = manages(caller.principal, notice)
    language = page_language(request, caller)
    return {
        "notice": {
            "id": notice.id,
            "title": notice.title,
            "body": notice.body,
            "priority": notice.priority,
            "ack_required": notice.ack_required,
            "drill": notice.drill,
            "at": notice.created_at,
            "author_name": _author_name(session, notice),
            "groups": groups,
        },
        "acknowledged": receipt is not None and receipt.acknowledged_at is not None,
        "stats": notice_stats(session, notice, language) if leader else None,
        "stats_streams": " ".join(f"group:{group.id}" for group in groups),
        "can_remind": leader,
        "reminders": [],
        "to_tell": _to_tell(session, notice, caller),
        "done": None,
        **live_context(session),
        **LABELS,
    }


@router.post("/notices/{notice_id}/told")
def mark_told(
    request: Request,
    notice_id: str,
    session: SessionDep,
    caller: CallerDep,
    household_id: Annotated[str, Form(max_length=64)] = "",
    channel: Annotated[str, Form(max_length=16)] = "in_person",
) -> Response:
    """A unit leader told a household (only one on their own list of whom to tell)."""
    notice, _groups = notice_in_reach(session, notice_id, caller.principal)
    mine = {h["id"] for h in _to_tell(session, notice, caller)}
    if household_id not in mine:
        raise ValidationFailed.field(
            "household_id", Message("not a household you are asked to tell")
        )
    check_mark_told(
        session,
        notice,
        household_id=household_id,
        channel=channel,
        confirmed=False,
        user_id=caller.user.id,
    )
    return redirect(request, f"/notices/{notice.id}?done=told")


# --- posting ----------------------------------------------------------------------------


@router.get("/groups/{group_id}/notices/new")
def notice_form(
    request: Request, group_id: str, session: SessionDep, caller: CallerDep
) -> Response:
    group = access_group(session, group_id, caller.principal, action="update")
    context = {"group": group, "errors": {}, "values": {}, "PRIORITY_LABELS": PRIORITY_LABELS}
    return render(request, "groups/notice_new.html", context)


@router.post("/groups/{group_id}/notices")
def post_notice(
    request: Request,
    group_id: str,
    session: SessionDep,
    caller: CallerDep,
    title: Annotated[str, Form(max_length=400)] = "",
    body: Annotated[str, Form(max_length=8000)] = "",
    priority: Annotated[str, Form(max_length=16)] = "normal",
    ack_required: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    """A leader of the group's node posts a notice (pinned; urgent: through the bridges)."""
    group = access_group(session, group_id, caller.principal, action="update")
    values = {"title": title, "body": body, "priority": priority, "ack_required": ack_required}
    try:
        with session.begin_nested():
            notice = check_post_notice(
                session,
                group=group,
                title=title,
                body=body,
                priority=priority,
                ack_required=ack_required == "true",
                actor=caller.actor,
                author_user_id=caller.user.id,
            )
    except ValidationFailed as refused:
        context = {
            "group": group,
            "errors": dict(refused.fields),
            "values": values,
            "PRIORITY_LABELS": PRIORITY_LABELS,
        }
        return render(request, "groups/notice_new.html", context, status=422)
    if is_htmx(request):
        return Response(status_code=204, headers={"HX-Redirect": f"/notices/{notice.id}"})
    return redirect(request, f"/notices/{notice.id}")
