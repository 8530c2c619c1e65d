"""Request-scoped dependencies. The request owns the transaction: all or nothing."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Query, Request
from sqlalchemy.orm import Session

from gridgov.storage.engine import begin_as_writer
from gridgov.validation import MAX_OFFSET

MAX_LIMIT = 1000
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_session(request: Request) -> Iterator[Session]:
    """One session per request; committed when the handler returned, else rolled back."""
    session: Session = request.app.state.session_maker()
    # The audit log ties every write of this request to its id (see api/headers.py).
    session.info["request_id"] = getattr(request.state, "request_id", None)
    if request.method not in SAFE_METHODS:
        begin_as_writer(session)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


# scope="function": commit before the response is sent, so a failed commit is an error.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


class Paging:
    def __init__(
        self,
        limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
        offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
    ) -> None:
        self.limit = limit
        self.offset = offset


PagingDep = Annotated[Paging, Depends()]
