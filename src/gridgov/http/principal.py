"""The caller as a Principal: their user and the roles they hold today, each on a node.

Routes that read or write scoped data take ``PrincipalDep`` and go through a domain's
``access_*`` (one object, in its ``queries.py``) or a query's ``principal=`` (lists, in SQL).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from gridgov.access.principal import Principal
from gridgov.accounts.principal import principal_for
from gridgov.http.bearer import CurrentUserDep
from gridgov.http.sessions import SessionDep


def current_principal(session: SessionDep, user: CurrentUserDep) -> Principal:
    """Built fresh on every request, so an ended role or a handover counts at once."""
    return principal_for(session, user)


PrincipalDep = Annotated[Principal, Depends(current_principal)]
