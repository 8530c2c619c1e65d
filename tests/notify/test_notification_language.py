"""Notifications are stored as messages and shown in each reader's language: the API
(Accept-Language, else the reader's own setting) and the home page (the reader's setting),
on real workflow steps, on SQLite and PostgreSQL."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov import clock
from gridgov.accounts.actions import check_set_preferences
from gridgov.accounts.models import User
from gridgov.cases.actions import check_transition
from gridgov.cases.models import Case
from gridgov.jobs.delivery import deliver_outbox_step
from gridgov.notify.models import Notification
from tests.cases.case_world import MONDAY_9AM, World, make_world, report
from tests.factories.access import bearer
from tests.web.helpers import csrf_of, make_person, sign_in

NOTE = "超出本级能力"


def _escalated(session: Session, world: World) -> Case:
    """A case the unit escalates to the grid by hand, its notices delivered."""
    case = report(session, world)
    check_transition(
        session,
        case,
        action="escalate",
        principal=world.principal(session, world.unit_leader),
        actor=f"user:{world.unit_leader.username}",
        note=NOTE,
    )
    deliver_outbox_step(session)
    return case


def _escalation_row(session: Session, user: User) -> Notification:
    return session.scalars(
        select(Notification).where(
            Notification.user_id == user.id, Notification.kind == "case_escalated"
        )
    ).one()


def test_the_row_keeps_the_message_and_its_english_text(session: Session) -> None:
    with clock.frozen(MONDAY_9AM):
        world = make_world(session)
        case = _escalated(session, world)
    row = _escalation_row(session, world.grid_leader)
    name = case.title or case.category_code
    assert row.title == f"Escalated to you: {name}"
    assert row.title_message == {"id": "Escalated to you: %(case)s", "params": {"case": name}}
    assert row.body == f"from the unit level: {NOTE}"
    assert row.body_message == {
        "id": "from the %(level)s level: %(note)s",
        "params": {"level": {"id": "unit", "params": {}}, "note": NOTE},
    }
    assert row.title_in("zh-CN") == f"上报给您：{name}"
    assert row.body_in("zh-CN") == f"由单元一级上报：{NOTE}"


def test_the_api_follows_accept_language_else_the_readers_setting(
    client: TestClient, session: Session
) -> None:
    with clock.frozen(MONDAY_9AM):
        world = make_world(session)
        case = _escalated(session, world)
    session.commit()
    name = case.title or case.category_code
    auth = bearer(session, world.grid_leader)

    def escalation(headers: dict[str, str]) -> tuple[dict, str]:
        answer = client.get("/api/v1/notifications", headers={**auth, **headers})
        assert answer.status_code == 200, answer.text
        items = [item for item in answer.json()["items"] if item["kind"] == "case_escalated"]
        assert len(items) == 1
        return items[0], answer.headers["content-language"]

    item, language = escalation({"Accept-Language": "zh-CN,zh;q=0.9"})
    assert (item["title"], item["body"], language) == (
        f"上报给您：{name}",
        f"由单元一级上报：{NOTE}",
        "zh-CN",
    )
    item, language = escalation({"Accept-Language": "en-GB"})
    assert (item["title"], item["body"], language) == (
        f"Escalated to you: {name}",
        f"from the unit level: {NOTE}",
        "en",
    )
    # No header: the reader's own language (zh-CN by default, then English once chosen).
    assert escalation({})[0]["title"] == f"上报给您：{name}"
    check_set_preferences(session, world.grid_leader, language="en", actor="test")
    session.commit()
    item, language = escalation({})
    assert (item["title"], language) == (f"Escalated to you: {name}", "en")


def test_the_home_page_shows_it_in_chinese_then_in_english_after_switching(
    client: TestClient, session: Session
) -> None:
    with clock.frozen(MONDAY_9AM):
        world = make_world(session)
        make_person(session, "wang.grid", role="grid_leader", territory_code=world.grid)
        case = _escalated(session, world)
    session.commit()
    name = case.title or case.category_code
    assert sign_in(client, "wang.grid").status_code == 303
    home = client.get("/")
    assert home.status_code == 200
    assert f"上报给您：{name}" in home.text and f"由单元一级上报：{NOTE}" in home.text
    assert "Escalated to you" not in home.text
    switched = client.post(
        "/settings/language",
        data={"language": "en", "next": "/", "csrf_token": csrf_of(home.text)},
        follow_redirects=False,
    )
    assert switched.status_code == 303, switched.text
    home = client.get("/")
    assert f"Escalated to you: {name}" in home.text
    assert f"from the unit level: {NOTE}" in home.text
    assert "上报给您" not in home.text


def test_a_row_without_a_message_shows_its_stored_text(
    client: TestClient, session: Session
) -> None:
    from gridgov.notify.outbox import enqueue
    from tests.factories.access import make_user

    user = make_user(session)
    enqueue(session, "case_updated", [user.id], {"title": "Old text kept", "body": "as stored"})
    deliver_outbox_step(session)
    session.commit()
    answer = client.get(
        "/api/v1/notifications", headers={**bearer(session, user), "Accept-Language": "zh-CN"}
    )
    assert [(i["title"], i["body"]) for i in answer.json()["items"]] == [
        ("Old text kept", "as stored")
    ]
