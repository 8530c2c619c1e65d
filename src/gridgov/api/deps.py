"""Request-scoped dependencies of the API: paging, and the request's session (kept in
``gridgov.http.sessions``, which the pages share; re-exported here for the routers)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query

from gridgov.http.sessions import (
    NO_REVEAL,
    SAFE_METHODS,
    SessionDep,
    get_session,
    write_aside,
    writes_on_read,
    writes_when_revealing,
)
from gridgov.validation import MAX_OFFSET

__all__ = [
    "MAX_LIMIT",
    "NO_REVEAL",
    "SAFE_METHODS",
    "Paging",
    "PagingDep",
    "SessionDep",
    "get_session",
    "write_aside",
    "writes_on_read",
    "writes_when_revealing",
]

MAX_LIMIT = 1000


class Paging:
    def __init__(
        self,
        limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
        offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
    ) -> None:
        self.limit = limit
        self.offset = offset


PagingDep = Annotated[Paging, Depends()]
