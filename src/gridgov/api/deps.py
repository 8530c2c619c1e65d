"""Request-scoped dependencies. The request owns the transaction: all or nothing."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Query, Request
from sqlalchemy.orm import Session

MAX_LIMIT = 1000


def get_session(request: Request) -> Iterator[Session]:
    """One session per request; committed when the handler returned, else rolled back."""
    session: Session = request.app.state.session_maker()
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


def actor_of(request: Request) -> str:
    """Who is acting. Until accounts land the API serves loopback only, as 'api:local'."""
    return "api:local"


ActorDep = Annotated[str, Depends(actor_of)]


class Paging:
    def __init__(
        self,
        limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
        offset: Annotated[int, Query(ge=0)] = 0,
    ) -> None:
        self.limit = limit
        self.offset = offset


PagingDep = Annotated[Paging, Depends()]
