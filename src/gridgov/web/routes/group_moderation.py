"""A group's members and moderation, for its leaders: mute for a time, remove, invitation
codes for people not in the registry and the approval of those who redeemed one."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Form, Request
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import Response

from gridgov import clock
from gridgov.accounts.models import User
from gridgov.errors import NotFound, ValidationFailed
from gridgov.groups.actions import (
    check_create_invitation,
    check_decide_invitation,
    check_mute_member,
    check_remove_member,
)
from gridgov.groups.models import Group, GroupInvitation, GroupMember
from gridgov.groups.queries import access_group
from gridgov.http.sessions import SessionDep
from gridgov.i18n import Message
from gridgov.web.auth import CallerDep
from gridgov.web.errors import redirect
from gridgov.web.rendering import render
from gridgov.web.routing import page_router

router = page_router()


# --- members and moderation -------------------------------------------------------------


def _members(session: Session, group: Group) -> list[dict[str, Any]]:
    rows = session.execute(
        select(GroupMember.user_id, User.display_name, User.username, GroupMember.muted_until)
        .join(User, User.id == GroupMember.user_id)
        .where(GroupMember.group_id == group.id, GroupMember.left_at.is_(None))
        .order_by(User.display_name, User.username)
    ).all()
    now = clock.now()
    return [
        {
            "user_id": user_id,
            "name": display or username,
            "muted_until": muted if muted is not None and muted > now else None,
        }
        for user_id, display, username, muted in rows
    ]


def _invitations(session: Session, group: Group) -> list[dict[str, Any]]:
    rows = session.execute(
        select(GroupInvitation.id, User.display_name, User.username)
        .join(User, User.id == GroupInvitation.requested_by)
        .where(GroupInvitation.group_id == group.id, GroupInvitation.status == "requested")
        .order_by(GroupInvitation.requested_at)
    ).all()
    return [{"id": i, "requester_name": d or u} for i, d, u in rows]


def _members_page(
    request: Request, session: Session, group: Group, *, new_code: str | None = None
) -> Response:
    context = {
        "group": group,
        "members": _members(session, group),
        "invitations": _invitations(session, group),
        "new_code": new_code,
        "done": request.query_params.get("done"),
    }
    return render(request, "groups/members.html", context)


@router.get("/groups/{group_id}/members")
def members_page(
    request: Request, group_id: str, session: SessionDep, caller: CallerDep
) -> Response:
    group = access_group(session, group_id, caller.principal, action="update")
    return _members_page(request, session, group)


def _minutes(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise ValidationFailed.field("minutes", Message("a number of minutes")) from None


@router.post("/groups/{group_id}/members/{user_id}/mute")
def mute_member(
    request: Request,
    group_id: str,
    user_id: str,
    session: SessionDep,
    caller: CallerDep,
    minutes: Annotated[str, Form(max_length=8)] = "60",
) -> Response:
    group = access_group(session, group_id, caller.principal, action="update")
    check_mute_member(
        session, group, user_id=user_id, minutes=_minutes(minutes), actor=caller.actor
    )
    return redirect(request, f"/groups/{group.id}/members?done=muted")


@router.post("/groups/{group_id}/members/{user_id}/remove")
def remove_member(
    request: Request,
    group_id: str,
    user_id: str,
    session: SessionDep,
    caller: CallerDep,
    reason: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    group = access_group(session, group_id, caller.principal, action="update")
    check_remove_member(
        session, group, user_id=user_id, reason=reason or "removed on the page", actor=caller.actor
    )
    return redirect(request, f"/groups/{group.id}/members?done=removed")


@router.post("/groups/{group_id}/invitations")
def create_invitation(
    request: Request, group_id: str, session: SessionDep, caller: CallerDep
) -> Response:
    group = access_group(session, group_id, caller.principal, action="update")
    invitation = check_create_invitation(session, group, actor=caller.actor)
    return _members_page(request, session, group, new_code=invitation.code)


@router.post("/groups/{group_id}/invitations/{invitation_id}")
def decide_invitation(
    request: Request,
    group_id: str,
    invitation_id: str,
    session: SessionDep,
    caller: CallerDep,
    decision: Annotated[str, Form(max_length=16)] = "",
) -> Response:
    group = access_group(session, group_id, caller.principal, action="update")
    invitation = session.get(GroupInvitation, invitation_id)
    if invitation is None or invitation.group_id != group.id:
        raise NotFound(Message("no invitation has id %(id)s", id=invitation_id))
    if decision not in ("approve", "refuse"):
        raise ValidationFailed.field("decision", Message("approve or refuse"))
    check_decide_invitation(session, invitation, approve=decision == "approve", actor=caller.actor)
    return redirect(request, f"/groups/{group.id}/members?done={decision}")
