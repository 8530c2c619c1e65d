"""The case pages (inbox, case page and its action forms, report form, my reports) through
a TestClient, on SQLite and PostgreSQL: the same access and workflow rules as the API."""

from __future__ import annotations

import gzip
import io
import re
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gridgov.accounts.models import User
from gridgov.cases.models import Case, CasePhoto
from tests.factories.cases import centre, draw_polygons, make_case
from tests.factories.registry import make_household, make_resident
from tests.factories.territory import Tree, make_tree
from tests.web.helpers import csrf_of, make_person, sign_in


def _png() -> bytes:
    """A small PNG, as a phone's camera would send a picture."""
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 80, 40)).save(buffer, format="PNG")
    return buffer.getvalue()


PNG = _png()
VERSION = re.compile(r'name="version" value="(\d+)"')
KEY = re.compile(r'name="idempotency_key" value="([0-9a-f]+)"')


@dataclass
class Place:
    tree: Tree
    villager: User
    case: Case  # in the grid leader's grid, reported by the villager
    elsewhere: Case  # in the other village


def _place(session: Session) -> Place:
    tree = make_tree(session, villages=2, grids_per_village=1, units_per_grid=1)
    draw_polygons(session, tree)
    grid, other = tree.all_grids()
    unit = tree.units[grid.code][0]
    household = make_household(session, unit=unit)
    resident = make_resident(session, household=household)
    villager = make_person(session, "villager.cases", resident_id=resident.id)
    make_person(session, "grid.cases", role="grid_leader", territory_code=grid.code)
    case = make_case(
        session,
        category_code="sanitation.sewage",
        household=household,
        reporter=villager,
        description="河边有污水直排",
    )
    elsewhere = make_case(
        session, category_code="sanitation.sewage", unit=tree.units[other.code][0]
    )
    session.commit()
    return Place(tree, villager, case, elsewhere)


def _act(client: TestClient, case_id: str, **fields: str):
    page = client.get(f"/cases/{case_id}")
    data = {"csrf_token": csrf_of(page.text), **fields}
    return client.post(f"/cases/{case_id}/actions", data=data, follow_redirects=False)


# --- inbox --------------------------------------------------------------------------------


def test_the_inbox_lists_the_leaders_cases_by_tab_within_reach(client, session) -> None:
    place = _place(session)
    sign_in(client, "grid.cases")
    for tab in ("mine", "my_level"):
        page = client.get(f"/cases?tab={tab}")
        assert page.status_code == 200
        assert f"/cases/{place.case.id}" in page.text
        assert f"/cases/{place.elsewhere.id}" not in page.text
    waiting = client.get("/cases?tab=waiting_for_feedback")
    assert f"/cases/{place.case.id}" not in waiting.text
    assert client.get("/cases?tab=nonsense").status_code == 422


def test_the_inbox_pages(client, session) -> None:
    place = _place(session)
    grid = place.tree.all_grids()[0]
    for n in range(21):
        make_case(
            session,
            category_code="sanitation.sewage",
            unit=place.tree.units[grid.code][0],
            description=f"第{n}件",
        )
    session.commit()
    sign_in(client, "grid.cases")
    first = client.get("/cases?tab=mine")
    second = client.get("/cases?tab=mine&offset=20")
    assert first.text.count('class="case-row"') == 20
    assert second.text.count('class="case-row"') == 2
    assert 'rel="next"' in first.text and 'rel="prev"' in second.text


# --- the case page ------------------------------------------------------------------------


def test_the_case_page_offers_the_callers_actions_only(client, session) -> None:
    place = _place(session)
    sign_in(client, "grid.cases")
    page = client.get(f"/cases/{place.case.id}")
    assert page.status_code == 200
    offered = set(re.findall(r'data-action="([a-z_]+)"', page.text))
    assert {"accept", "start", "return", "escalate", "reject_out_of_scope"} <= offered
    assert not offered & {"rate", "withdraw", "supply", "resolve", "auto_close"}
    assert 'data-event="report"' in page.text and "data-case-map" in page.text


def test_the_reporter_sees_withdraw_and_no_handler_action(client, session) -> None:
    place = _place(session)
    sign_in(client, "villager.cases")
    page = client.get(f"/cases/{place.case.id}")
    offered = set(re.findall(r'data-action="([a-z_]+)"', page.text))
    assert offered == {"withdraw"}


def test_a_case_out_of_reach_is_the_not_found_page(client, session) -> None:
    place = _place(session)
    sign_in(client, "grid.cases")
    out_of_reach = client.get(f"/cases/{place.elsewhere.id}")
    missing = client.get("/cases/0000000000000000000000000000000x")
    assert out_of_reach.status_code == missing.status_code == 404
    assert "data-case-id" not in out_of_reach.text
    post = client.post(
        f"/cases/{place.elsewhere.id}/actions",
        data={"csrf_token": csrf_of(client.get("/cases").text), "action": "accept"},
    )
    assert post.status_code == 404


def test_a_leader_accepts_and_resolves_and_the_villager_rates(client, session) -> None:
    place = _place(session)
    sign_in(client, "grid.cases")
    version = place.case.version
    accepted = _act(client, place.case.id, action="accept", version=str(version))
    assert accepted.status_code == 303
    assert accepted.headers["location"] == f"/cases/{place.case.id}?done=accept"
    session.refresh(place.case)
    assert place.case.state == "accepted"
    resolved = _act(
        client, place.case.id, action="resolve", version=str(place.case.version), note="已清理"
    )
    assert resolved.status_code == 303
    client.post("/signout", data={"csrf_token": csrf_of(client.get("/").text)})
    sign_in(client, "villager.cases")
    mine = client.get("/my-reports")
    assert 'class="form rate-form"' in mine.text
    session.refresh(place.case)
    rated = client.post(
        f"/cases/{place.case.id}/actions",
        data={
            "csrf_token": csrf_of(mine.text),
            "action": "rate",
            "version": str(place.case.version),
            "rating": "5",
            "comment": "很快",
            "next": "/my-reports",
        },
        follow_redirects=False,
    )
    assert rated.status_code == 303 and rated.headers["location"] == "/my-reports?done=rate"
    session.refresh(place.case)
    assert (place.case.state, place.case.rating) == ("closed", 5)


def test_a_stale_version_shows_the_conflict_and_changes_nothing(client, session) -> None:
    place = _place(session)
    sign_in(client, "grid.cases")
    stale = place.case.version
    assert _act(client, place.case.id, action="accept", version=str(stale)).status_code == 303
    again = _act(client, place.case.id, action="start", version=str(stale))
    assert again.status_code == 409
    assert "data-conflict" in again.text
    session.refresh(place.case)
    assert place.case.state == "accepted"
    assert VERSION.search(again.text).group(1) == str(place.case.version)  # the fresh one


def test_a_note_the_workflow_requires_is_asked_for(client, session) -> None:
    place = _place(session)
    sign_in(client, "grid.cases")
    page = client.get(f"/cases/{place.case.id}")
    assert re.search(
        r'id="note-escalate" name="note" rows="3" maxlength="4000" required', page.text
    )
    refused = _act(client, place.case.id, action="escalate", version=str(place.case.version))
    assert refused.status_code == 422
    assert 'id="note-escalate-error"' in refused.text
    session.refresh(place.case)
    assert place.case.state == "reported" and place.case.level == "grid"


def test_a_role_without_the_right_gets_the_403_page(client, session) -> None:
    place = _place(session)
    sign_in(client, "villager.cases")
    refused = _act(client, place.case.id, action="accept", version=str(place.case.version))
    assert refused.status_code == 403
    session.refresh(place.case)
    assert place.case.state == "reported"


def test_an_action_without_its_csrf_token_is_refused(client, session) -> None:
    place = _place(session)
    sign_in(client, "grid.cases")
    refused = client.post(
        f"/cases/{place.case.id}/actions",
        data={"action": "accept", "version": str(place.case.version)},
    )
    assert refused.status_code == 403
    session.refresh(place.case)
    assert place.case.state == "reported"


# --- report form --------------------------------------------------------------------------


def _report(client: TestClient, *, files=None, key: str | None = None, **fields: str):
    form = client.get("/report")
    assert form.status_code == 200
    data = {
        "csrf_token": csrf_of(form.text),
        "idempotency_key": key or KEY.search(form.text).group(1),
        **fields,
    }
    return client.post("/report", data=data, files=files, follow_redirects=False)


def _count(session: Session, user: User) -> int:
    session.expire_all()
    return session.scalar(
        select(func.count()).select_from(Case).where(Case.reporter_user_id == user.id)
    )


def test_a_villager_reports_with_a_photo_and_a_point(client, session) -> None:
    place = _place(session)
    grid = place.tree.all_grids()[0]
    lon, lat = centre(place.tree.units[grid.code][0])
    sign_in(client, "villager.cases")
    form = client.get("/report")
    assert 'capture="environment"' in form.text and "data-report-map" in form.text
    sent = _report(
        client,
        category_code="facility.streetlight",
        description="村口路灯不亮",
        where="point",
        lon=str(lon),
        lat=str(lat),
        files={"photo": ("light.png", io.BytesIO(PNG), "image/png")},
    )
    assert sent.status_code == 303, sent.text
    case_id = sent.headers["location"].rsplit("/", 1)[1]
    confirmation = client.get(sent.headers["location"])
    assert confirmation.status_code == 200 and case_id in confirmation.text
    case = session.get(Case, case_id)
    assert case is not None and case.located_by == "point" and case.handler_code == grid.code
    photos = session.scalars(select(CasePhoto).where(CasePhoto.case_id == case_id)).all()
    assert len(photos) == 1
    picture = client.get(f"/cases/{case_id}/photos/{photos[0].id}")
    assert picture.status_code == 200 and picture.content == PNG
    assert case_id in client.get("/my-reports").text


def test_the_same_key_twice_makes_one_case(client, session) -> None:
    place = _place(session)
    sign_in(client, "villager.cases")
    before = _count(session, place.villager)
    fields = {"category_code": "other", "description": "桥栏杆松了", "where": "household"}
    first = _report(client, key="a" * 32, **fields)
    second = _report(client, key="a" * 32, **fields)
    assert first.status_code == second.status_code == 303
    assert first.headers["location"] == second.headers["location"]
    assert _count(session, place.villager) == before + 1


def test_the_idempotency_key_header_wins(client, session) -> None:
    place = _place(session)
    sign_in(client, "villager.cases")
    form = client.get("/report")
    data = {
        "csrf_token": csrf_of(form.text),
        "idempotency_key": "form-key",
        "category_code": "other",
        "description": "离线时写的",
        "where": "household",
    }
    before = _count(session, place.villager)
    for form_key in ("form-key", "another-form-key"):
        answer = client.post(
            "/report",
            data={**data, "idempotency_key": form_key},
            headers={"Idempotency-Key": "draft-1"},
            follow_redirects=False,
        )
        assert answer.status_code == 303
    assert _count(session, place.villager) == before + 1


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"description": "没选类别", "where": "household"}, "category_code"),
        ({"category_code": "other", "description": "  ", "where": "household"}, "description"),
        ({"category_code": "other", "description": "没点地图", "where": "point"}, "lon"),
        (
            {
                "category_code": "other",
                "description": "海里",
                "where": "point",
                "lon": "0",
                "lat": "0",
            },
            "lon",
        ),
        ({"category_code": "other", "description": "哪里", "where": "moon"}, "location"),
    ],
)
def test_bad_input_shows_the_form_again_naming_the_field(client, session, fields, field) -> None:
    place = _place(session)
    sign_in(client, "villager.cases")
    before = _count(session, place.villager)
    answer = _report(client, **fields)
    assert answer.status_code == 422
    assert f'data-field="{field}"' in answer.text
    assert "data-report-form" in answer.text
    assert _count(session, place.villager) == before


def test_a_bad_photo_loses_nothing_and_names_the_file(client, session) -> None:
    place = _place(session)
    sign_in(client, "villager.cases")
    before = _count(session, place.villager)
    answer = _report(
        client,
        category_code="other",
        description="照片坏了",
        where="household",
        files={"photo": ("x.png", io.BytesIO(b"not a picture"), "image/png")},
    )
    assert answer.status_code == 422 and 'data-field="file"' in answer.text
    assert "照片坏了" in answer.text
    assert _count(session, place.villager) == before


def test_a_report_without_its_csrf_token_is_refused(client, session) -> None:
    place = _place(session)
    sign_in(client, "villager.cases")
    before = _count(session, place.villager)
    answer = client.post(
        "/report", data={"category_code": "other", "description": "x", "where": "household"}
    )
    assert answer.status_code == 403
    assert _count(session, place.villager) == before


def test_pages_need_a_signed_in_caller(client, session) -> None:
    for path in ("/cases", "/report", "/my-reports"):
        answer = client.get(path, follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"].startswith("/signin")


# --- weight -------------------------------------------------------------------------------

SCRIPT = re.compile(r'<script src="(/static/[^"]+)"')
KB = 1024


def _script_weight(client: TestClient, html: str) -> int:
    """The gzip-compressed bytes of the scripts a page loads."""
    total = 0
    for path in SCRIPT.findall(html):
        answer = client.get(path)
        assert answer.status_code == 200, path
        total += len(gzip.compress(answer.content, compresslevel=6))
    return total


def test_the_case_pages_javascript_stays_light(client, session) -> None:
    place = _place(session)
    sign_in(client, "grid.cases")
    with_map = {"/report": 700 * KB, f"/cases/{place.case.id}": 700 * KB}
    without_map = {"/cases": 300 * KB, "/my-reports": 300 * KB}
    for path, budget in {**with_map, **without_map}.items():
        page = client.get(path)
        assert page.status_code == 200, path
        weight = _script_weight(client, page.text)
        assert 0 < weight < budget, (path, weight)
    assert "leaflet" not in client.get("/cases").text  # no map, no map library
