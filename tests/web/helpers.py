"""Signing in through the real pages with a TestClient, reading a page's CSRF token, and
submitting a page's form with it."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy.orm import Session

from gridgov import clock
from gridgov.accounts.actions import check_assign_role, check_create_user
from gridgov.accounts.models import User

PASSWORD = "Lantern-Harbour-42"
CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]{64})"')
META_CSRF = re.compile(r'<meta name="csrf-token" content="([0-9a-f]{64})">')


def make_person(
    session: Session,
    username: str,
    *,
    role: str | None = None,
    territory_code: str | None = None,
    password: str = PASSWORD,
    resident_id: str | None = None,
    display_name: str = "",
) -> User:
    """A user with a known password (``PASSWORD``), holding ``role`` on ``territory_code``."""
    user = check_create_user(
        session,
        username=username,
        password=password,
        display_name=display_name,
        resident_id=resident_id,
        actor="test:factory",
    )
    if role is not None:
        check_assign_role(
            session,
            user_id=user.id,
            role=role,
            territory_code=territory_code,
            start_date=clock.today(),
            actor="test:factory",
        )
    return user


def csrf_of(html: str) -> str:
    found = CSRF.search(html) or META_CSRF.search(html)
    assert found is not None, "the page carries no CSRF token"
    return found.group(1)


def sign_in(client: TestClient, login: str, password: str = PASSWORD, *, next: str = "/"):
    """POST the sign-in form as a browser does (its CSRF token from the form); the answer."""
    form = client.get("/signin")
    assert form.status_code == 200, form.text
    return client.post(
        "/signin",
        data={"login": login, "password": password, "next": next, "csrf_token": csrf_of(form.text)},
        follow_redirects=False,
    )


def submit_form(
    client: TestClient,
    login: str,
    page: str,
    action: str,
    data: dict[str, str],
    **options: Any,
) -> Response:
    """Sign in as ``login``, open ``page`` and POST ``data`` to ``action`` with the page's
    CSRF token, as a browser submits the page's form; the answer (``options`` go to the
    POST: ``follow_redirects=False``)."""
    sign_in(client, login)
    shown = client.get(page)
    assert shown.status_code == 200, shown.text
    return client.post(action, data={"csrf_token": csrf_of(shown.text), **data}, **options)
