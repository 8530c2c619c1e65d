"""The request's database session: one per request, which owns the transaction (all or
nothing), and ``write_aside`` for bookkeeping beside a read."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from gridgov.storage.engine import begin_as_writer

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# ``reveal=`` values that ask for nothing (the cases' flag is a boolean, the residents' a list).
NO_REVEAL = frozenset({"", "0", "false", "no", "off"})


def _writes(request: Request) -> bool:
    return request.method not in SAFE_METHODS or getattr(request.state, "writes", False)


def writes_on_read(request: Request) -> None:
    """A route dependency (``dependencies=[Depends(writes_on_read)]``) of a read that always
    writes, e.g. the audit entry of an own-data export: its transaction begins as a writer
    (SQLite: BEGIN IMMEDIATE, which waits its turn behind other writers instead of failing
    on their lock), and the data is answered only if that entry commits with it."""
    request.state.writes = True


def writes_when_revealing(request: Request) -> None:
    """The same, for a read that writes a reveal's audit entries when ``reveal=`` asks for
    any: a reveal that cannot be audited shows nothing; a plain read stays a reader."""
    if request.query_params.get("reveal", "").strip().lower() not in NO_REVEAL:
        request.state.writes = True


def get_session(request: Request) -> Iterator[Session]:
    """One session per request; committed when the handler returned, else rolled back."""
    session: Session = request.app.state.session_maker()
    # The audit log ties every write of this request to its id (see api/headers.py).
    session.info["request_id"] = getattr(request.state, "request_id", None)
    if _writes(request):
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


@contextmanager
def write_aside(request: Request) -> Iterator[Session]:
    """A short transaction of its own that begins as a writer (waiting its turn for the
    lock) and commits when the block ends: how a reader records bookkeeping (a token's last
    use) without writing inside its read transaction. Never call it from a writer request:
    on SQLite it would wait for the request's own lock."""
    session: Session = request.app.state.session_maker()
    session.info["request_id"] = getattr(request.state, "request_id", None)
    begin_as_writer(session)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
