"""The caller as a Principal: their user and the roles they hold today, each on a node.

Routes that read or write scoped data take ``PrincipalDep`` and go through
``gridgov.accounts.access`` (one object) or a query's ``principal=`` (lists, in SQL).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from gridgov.accounts.principal import Principal, principal_for
from gridgov.api.deps import SessionDep
from gridgov.api.security import CurrentUserDep


def current_principal(session: SessionDep, user: CurrentUserDep) -> Principal:
    """Built fresh on every request, so an ended role or a handover counts at once."""
    return principal_for(session, user)


PrincipalDep = Annotated[Principal, Depends(current_principal)]
