"""/password: change one's own password (the only page after a reset). The checks are the
API's: a wrong current password counts toward the same lockout; the user's other sessions
and tokens end, this session stays."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Request
from starlette.responses import Response

from gridgov.accounts.actions import check_new_password
from gridgov.accounts.login import check_current_password
from gridgov.errors import ValidationFailed
from gridgov.http.sessions import SessionDep
from gridgov.notify.realtime import ask_to_reconnect
from gridgov.web.auth import PasswordCallerDep
from gridgov.web.errors import redirect
from gridgov.web.rendering import render
from gridgov.web.routing import client_ip, page_router

router = page_router()


@router.get("/password")
def password_page(request: Request, caller: PasswordCallerDep) -> Response:
    return render(request, "password.html", {"errors": {}, "changed": False})


@router.post("/password")
def change_password(
    request: Request,
    session: SessionDep,
    caller: PasswordCallerDep,
    current_password: Annotated[str, Form(max_length=1024)] = "",
    new_password: Annotated[str, Form(max_length=1024)] = "",
    repeat_password: Annotated[str, Form(max_length=1024)] = "",
) -> Response:
    user = caller.user
    error = check_current_password(session, user, current_password, ip=client_ip(request))
    if error is not None:
        if isinstance(error, ValidationFailed):
            errors = {"current_password": "wrong"}
            return render(request, "password.html", {"errors": errors}, status=422)
        return render(request, "password.html", {"errors": {"locked": error.message}}, status=423)
    if new_password != repeat_password:
        errors = {"repeat_password": "mismatch"}
        return render(request, "password.html", {"errors": errors}, status=422)
    try:
        with session.begin_nested():
            check_new_password(
                session,
                user,
                current_password=current_password,
                new_password=new_password,
                keep_web_session_id=caller.web_session.id,
            )
            ask_to_reconnect(session, user.id)  # sockets of the ended sessions close
    except ValidationFailed as refused:
        errors = {"new_password": refused.fields.get("new_password", refused.message)}
        return render(request, "password.html", {"errors": errors}, status=422)
    return redirect(request, "/?password=changed")
