"""/: the home page, by role: what needs me now, and my notifications (marked read in
place with htmx)."""

from __future__ import annotations

from fastapi import Request
from sqlalchemy.orm import Session
from starlette.responses import Response

from gridgov import clock
from gridgov.access.roles import LEADS
from gridgov.cases.queries import what_needs_me
from gridgov.contacts.card_data import own_card
from gridgov.http.sessions import SessionDep
from gridgov.notify.actions import do_mark_all_read
from gridgov.notify.queries import list_notifications, unread_count
from gridgov.web.auth import CallerDep
from gridgov.web.caller import PageCaller
from gridgov.web.errors import redirect
from gridgov.web.labels import CASE_STATE_LABELS, LEVEL_LABELS, ROLE_LABELS
from gridgov.web.nav import widest_role
from gridgov.web.rendering import render
from gridgov.web.routes.visits import visits_to_confirm
from gridgov.web.routing import page_router

router = page_router()
NOTIFICATIONS_SHOWN = 5


@router.get("/")
def home(request: Request, session: SessionDep, caller: CallerDep) -> Response:
    principal = caller.principal
    needs = what_needs_me(session, principal, now=clock.now())
    context = {
        "role": widest_role(principal),
        "leads": bool(principal.roles & set(LEADS)),
        "needs": needs,
        "visits_to_confirm": visits_to_confirm(session, principal),
        # A resident's own contact card, on screen: their party member and leaders to call.
        "my_card": own_card(session, principal.household_id, issued=clock.today()),
        **_notifications(session, caller),
        "password_changed": request.query_params.get("password") == "changed",
        "now": clock.now(),
        "ROLE_LABELS": ROLE_LABELS,
        "STATE_LABELS": CASE_STATE_LABELS,
        "LEVEL_LABELS": LEVEL_LABELS,
    }
    return render(request, "home.html", context)


def _notifications(session: Session, caller: PageCaller) -> dict[str, object]:
    notifications, _total = list_notifications(
        session, user_id=caller.user.id, limit=NOTIFICATIONS_SHOWN, offset=0
    )
    return {
        "notifications": notifications,
        "unread": unread_count(session, user_id=caller.user.id),
    }


@router.post("/notifications/read-all")
def read_all(request: Request, session: SessionDep, caller: CallerDep) -> Response:
    """Mark every notification read; htmx gets the section back, a plain form the page."""
    do_mark_all_read(session, user_id=caller.user.id, now=clock.now())
    if request.headers.get("hx-request") != "true":
        return redirect(request, "/")
    return render(request, "partials/notifications.html", _notifications(session, caller))
