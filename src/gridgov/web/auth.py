"""The pages' dependencies for who is asking.

- ``OptionalCallerDep``: the signed-in caller or None (the sign-in page).
- ``PasswordCallerDep``: a signed-in caller, even one whose password was reset (the
  password page, sign-out).
- ``CallerDep``: a signed-in caller who may use the platform; anyone else is sent to sign in
  (or to change a reset password first).
- ``PrincipalDep``: that caller's Principal, for the domains' ``access_*`` and queries.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from gridgov.access.principal import Principal
from gridgov.http.sessions import SessionDep
from gridgov.web.caller import PageCaller, load_caller
from gridgov.web.errors import PasswordChangeFirst, SignInRequired


def optional_caller(request: Request, session: SessionDep) -> PageCaller | None:
    return load_caller(request, session)


OptionalCallerDep = Annotated[PageCaller | None, Depends(optional_caller)]


def password_caller(caller: OptionalCallerDep) -> PageCaller:
    if caller is None:
        raise SignInRequired
    return caller


PasswordCallerDep = Annotated[PageCaller, Depends(password_caller)]


def signed_in_caller(caller: PasswordCallerDep) -> PageCaller:
    if caller.user.must_change_password:
        raise PasswordChangeFirst
    return caller


CallerDep = Annotated[PageCaller, Depends(signed_in_caller)]


def page_principal(caller: CallerDep) -> Principal:
    return caller.principal


PrincipalDep = Annotated[Principal, Depends(page_principal)]
