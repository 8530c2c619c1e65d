"""Message to case and back: a grid leader turns a villager's message into a case (category
suggested, place from the author's household, image carried over); the case's status
changes post a short system message in the group."""

from __future__ import annotations

import io

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov.accounts.principal import principal_for
from gridgov.cases.actions import check_transition
from gridgov.cases.models import Case, CasePhoto
from gridgov.groups.actions import Draft, check_post_message
from gridgov.groups.case_models import MessageCase
from gridgov.groups.models import GroupMessage
from tests.factories.access import bearer, make_user
from tests.factories.cases import make_categories
from tests.factories.groups import World, group_of, make_world


@pytest.fixture
def world(session: Session) -> World:
    make_categories(session)
    return make_world(session)


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(out, format="PNG")
    return out.getvalue()


def test_round_trip_with_the_status_message_back_in_the_group(
    client: TestClient, session: Session, world: World
) -> None:
    village = world.village(0)
    grid = world.tree.grids[village.code][0]
    unit = world.tree.units[grid.code][0]
    villager = world.villagers[unit.code][0]
    group = group_of(session, "village", village.code)
    uploaded = client.post(
        f"/api/v1/groups/{group.id}/images",
        files={"file": ("a.png", png(), "image/png")},
        headers=bearer(session, villager),
    )
    assert uploaded.status_code == 201, uploaded.text
    message = check_post_message(
        session,
        group,
        Draft(text="村口的路灯坏了三天了", attachment_id=uploaded.json()["id"]),
        principal=principal_for(session, villager),
    )
    leader = world.grid_leaders[grid.code]
    refused = client.post(
        f"/api/v1/messages/{message.id}/case", json={}, headers=bearer(session, villager)
    )
    assert refused.status_code == 403
    made = client.post(
        f"/api/v1/messages/{message.id}/case", json={}, headers=bearer(session, leader)
    )
    assert made.status_code == 201, made.text
    case = session.get(Case, made.json()["case_id"])
    assert case is not None
    assert case.category_code == "facility.streetlight"
    assert case.territory_code == unit.code
    assert session.scalar(select(CasePhoto.case_id).where(CasePhoto.case_id == case.id))
    link = session.get(MessageCase, message.id)
    assert link is not None and link.case_id == case.id
    linked = client.get(f"/api/v1/messages/{message.id}/case", headers=bearer(session, leader))
    assert linked.status_code == 200 and linked.json()["case_id"] == case.id
    again = client.post(
        f"/api/v1/messages/{message.id}/case", json={}, headers=bearer(session, leader)
    )
    assert again.status_code == 409

    handler = principal_for(session, leader)
    for action in ("accept", "resolve"):
        check_transition(
            session, case, action=action, principal=handler, actor=handler.actor, note="修好了"
        )
    said = session.scalars(
        select(GroupMessage.text)
        .where(GroupMessage.group_id == group.id, GroupMessage.kind == "system")
        .order_by(GroupMessage.seq)
    ).all()
    ref = case.id[-6:].upper()
    assert len(said) == 2
    assert said[-1] == f"反映的问题 #{ref} 已由{village.name_zh}{grid.name_zh}办结"


def _thread(session: Session, message_id: str) -> list[str]:
    return list(
        session.scalars(
            select(GroupMessage.text)
            .where(GroupMessage.reply_to_id == message_id, GroupMessage.kind == "system")
            .order_by(GroupMessage.seq)
        )
    )


def test_escalation_by_the_sweep_and_auto_close_are_told_once_in_the_thread(
    session: Session, world: World, tmp_path
) -> None:
    import datetime as dt

    from gridgov import clock
    from gridgov.cases.status_hooks import StatusChange
    from gridgov.groups.to_case import check_message_to_case, handler_name, post_case_status
    from gridgov.jobs.escalation import run_auto_close_step, run_escalation_step

    village = world.village(0)
    grid = world.tree.grids[village.code][0]
    unit = world.tree.units[grid.code][0]
    group = group_of(session, "village", village.code)
    message = check_post_message(
        session,
        group,
        Draft(text="村口的路灯坏了三天了"),
        principal=principal_for(session, world.villagers[unit.code][0]),
    )
    leader = principal_for(session, world.grid_leaders[grid.code])
    case = check_message_to_case(
        session, message, principal=leader, category_code=None, description=None, data_dir=tmp_path
    )
    ref = case.id[-6:].upper()
    assert case.due_at is not None
    overdue = case.due_at + dt.timedelta(seconds=1)
    with clock.frozen(overdue):
        assert run_escalation_step(session, now=overdue) == 1
        assert run_escalation_step(session, now=overdue) == 0  # a re-run: nothing more
    session.refresh(case)
    told = _thread(session, message.id)
    assert told == [f"反映的问题 #{ref} 已上报至{handler_name(session, case.handler_code)}"]
    # The same change delivered again (a sweep re-run after a crash) is not told twice.
    last = session.get(MessageCase, message.id)
    assert last is not None and last.posted_event_seq > 0
    again = StatusChange(
        action="auto_escalate",
        from_state="reported",
        to_state="reported",
        actor="system",
        escalated=True,
        case_id=case.id,
        handler_code=case.handler_code,
        event_seq=last.posted_event_seq,
    )
    post_case_status(session, [again])
    assert len(_thread(session, message.id)) == 1

    with clock.frozen(overdue):
        secretary = make_user(session, role="village_secretary", territory_code=village.code)
        handler = principal_for(session, secretary)  # the case is the village's now
        for action in ("accept", "resolve"):
            check_transition(
                session, case, action=action, principal=handler, actor=handler.actor, note="修好"
            )
    session.refresh(case)
    assert case.feedback_due_at is not None
    closing = case.feedback_due_at + dt.timedelta(seconds=1)
    with clock.frozen(closing):
        assert run_auto_close_step(session, now=closing) == 1
    told = _thread(session, message.id)
    assert len(told) == 4
    assert told[-1] == f"反映的问题 #{ref} 已结案"
