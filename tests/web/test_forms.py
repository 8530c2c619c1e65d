"""web.forms.save_or_show: a form's writes in a savepoint, each refusal the form handles
answered by its page again (the writes undone), the others raised (SQLite, PostgreSQL)."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import Response

from gridgov.errors import Conflict, NotFound, ValidationFailed
from gridgov.territory.actions import check_create_territory
from gridgov.territory.models import Territory
from gridgov.web.forms import save_or_show
from tests.factories.access import ACTOR

CODE = "350305"


def _request() -> Request:
    return Request({"type": "http", "method": "POST", "path": "/x", "headers": []})


def _saving(session, refusal: Exception | None):
    def save() -> None:
        check_create_territory(session, code=CODE, level="district", name_zh="测试区", actor=ACTOR)
        if refusal is not None:
            raise refusal

    return save


def _stored(session) -> bool:
    return session.scalar(select(Territory.id).where(Territory.code == CODE)) is not None


def _page(status: int):
    return lambda refused: Response(str(refused.fields), status_code=status)


def test_a_not_found_naming_a_field_shows_the_form_again_with_the_writes_undone(
    session,
) -> None:
    refusal = NotFound("no keeper", fields={"keeper_user_id": "not found"})
    answer = save_or_show(
        _request(),
        session,
        _saving(session, refusal),
        done_url="/done",
        refused=_page(422),
        not_found=_page(404),
    )
    assert answer.status_code == 404 and b"keeper_user_id" in answer.body
    assert not _stored(session)


@pytest.mark.parametrize(
    ("refusal", "shows_not_found"),
    [
        (NotFound("no such page"), True),  # names no field: the page error
        (Conflict("stale"), True),  # the form has no ``conflict``
        (NotFound("no village", fields={"village": "not found"}), False),
    ],
)
def test_a_refusal_the_form_does_not_handle_is_raised_with_the_writes_undone(
    session, refusal: Exception, shows_not_found: bool
) -> None:
    not_found = _page(404) if shows_not_found else None
    with pytest.raises(type(refusal)):
        save_or_show(
            _request(),
            session,
            _saving(session, refusal),
            done_url="/done",
            refused=_page(422),
            not_found=not_found,
        )
    assert not _stored(session)


def test_a_refused_field_and_a_success(session) -> None:
    refused = save_or_show(
        _request(),
        session,
        _saving(session, ValidationFailed.field("capacity", "at least 0")),
        done_url="/done",
        refused=_page(422),
    )
    assert refused.status_code == 422 and not _stored(session)
    done = save_or_show(_request(), session, _saving(session, None), done_url="/done")
    assert done.status_code == 303 and done.headers["location"] == "/done"
    assert _stored(session)
