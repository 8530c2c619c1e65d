"""The enqueue functions other packages call: rows in the caller's transaction."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from gridgov import crypto
from gridgov.crypto import KeyRing
from gridgov.database.key_rotation import do_reencrypt_encrypted_columns
from gridgov.errors import ValidationFailed
from gridgov.notify.bridges import enqueue_group_image, enqueue_group_post, enqueue_sms
from gridgov.notify.bridges.enqueue import mentioned_mobiles
from gridgov.notify.bridges.routes import check_add_route, do_set_route_active
from gridgov.notify.models import OutboxMessage
from tests.factories.access import make_user
from tests.factories.registry import make_household, make_resident
from tests.factories.territory import make_tree

ACTOR = "test:bridges"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _route(session: Session, group_id: str = "g-village-1", key: str = "key-00000001"):
    return check_add_route(
        session,
        kind="wecom",
        group_id=group_id,
        key=key,
        base_url="http://127.0.0.1:9/",
        actor=ACTOR,
    )


def test_a_group_post_gets_one_row_per_active_route_of_that_group(session: Session) -> None:
    first, second = _route(session), _route(session, key="key-00000002")
    _route(session, group_id="g-other")
    off = _route(session, key="key-00000003")
    do_set_route_active(session, off, active=False, actor=ACTOR)

    rows = enqueue_group_post(
        session,
        group_id="g-village-1",
        text="台风“海燕”今晚登陆，请转移",
        priority="urgent",
        mentioned_mobiles=["13800000001", "@all"],
    )

    assert sorted(row.route_id for row in rows) == sorted([first.id, second.id])
    assert {(row.channel, row.kind, row.delivered_at) for row in rows} == {
        ("wecom", "group_post", None)
    }
    stored = session.get(OutboxMessage, rows[0].id)
    assert stored.payload["text"] == "台风“海燕”今晚登陆，请转移"
    assert stored.payload["priority"] == "urgent"
    # The mobiles are personal: encrypted in the row, read back whole.
    assert "13800000001" not in str(stored.payload)
    assert mentioned_mobiles(stored.payload) == ["13800000001", "@all"]


def test_a_group_without_routes_gets_nothing(session: Session) -> None:
    assert enqueue_group_post(session, group_id="g-none", text="hi", priority="normal") == []


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"priority": "loud"}, "priority"),
        ({"text": "   "}, "text"),
        ({"text": "a\x00b"}, "text"),
        ({"mentioned_mobiles": ["138-0000"]}, "mentioned_mobiles"),
        ({"format": "html"}, "format"),
    ],
)
def test_bad_posts_are_refused_naming_the_field(session: Session, kwargs, field) -> None:
    _route(session)
    given = {"group_id": "g-village-1", "text": "hello", "priority": "normal", **kwargs}
    with pytest.raises(ValidationFailed) as refused:
        enqueue_group_post(session, **given)
    assert set(refused.value.fields) == {field}


def test_the_webhook_key_is_encrypted_at_rest(session: Session) -> None:
    route = _route(session, key="secret-robot-key-123")
    raw = session.execute(
        text("SELECT webhook_key FROM bridge_routes WHERE id = :id"), {"id": route.id}
    ).scalar_one()
    assert "secret-robot-key-123" not in raw and raw.startswith("v1:")
    session.expire_all()
    assert session.get(type(route), route.id).webhook_key == "secret-robot-key-123"


def test_route_fields_are_checked_together(session: Session) -> None:
    with pytest.raises(ValidationFailed) as refused:
        check_add_route(
            session, kind="fax", group_id="a b", key="x", base_url="ftp://x", actor=ACTOR
        )
    assert set(refused.value.fields) == {"kind", "group_id", "key", "base_url"}


def test_images_carry_base64_and_md5_and_are_bounded(session: Session) -> None:
    _route(session)
    (row,) = enqueue_group_image(session, group_id="g-village-1", image=PNG)
    assert row.kind == "group_image" and len(row.payload["md5"]) == 32
    with pytest.raises(ValidationFailed) as too_big:
        enqueue_group_image(session, group_id="g-village-1", image=PNG + b"\x00" * 2 * 1024 * 1024)
    assert set(too_big.value.fields) == {"image"}
    with pytest.raises(ValidationFailed):
        enqueue_group_image(session, group_id="g-village-1", image=b"GIF89a....")


def test_sms_rows_go_to_users_with_a_phone_who_take_sms(session: Session) -> None:
    tree = make_tree(session, villages=1, grids_per_village=1, units_per_grid=1)
    household = make_household(session, unit=tree.all_units()[0])
    with_phone = make_user(session, resident_id=make_resident(session, household=household).id)
    opted_out = make_user(session, resident_id=make_resident(session, household=household).id)
    opted_out.sms_enabled = False
    no_resident = make_user(session)
    session.flush()

    rows = enqueue_sms(
        session,
        user_ids=[with_phone.id, opted_out.id, no_resident.id, with_phone.id],
        template_kind="urgent_notice",
        params={"title": "台风预警", "village": "宫下村"},
    )

    assert [row.recipients for row in rows] == [[with_phone.id]]
    assert rows[0].payload == {
        "template_kind": "urgent_notice",
        "params": {"title": "台风预警", "village": "宫下村"},
    }
    assert session.scalars(select(OutboxMessage).where(OutboxMessage.channel == "sms")).all()


@pytest.mark.parametrize(
    ("template_kind", "params", "field"),
    [
        ("Urgent Notice", {}, "template_kind"),
        ("urgent_notice", {"title": "a\x07"}, "params.title"),
        ("urgent_notice", {f"p{n}": "x" for n in range(21)}, "params"),
    ],
)
def test_bad_sms_are_refused_naming_the_field(session, template_kind, params, field) -> None:
    with pytest.raises(ValidationFailed) as refused:
        enqueue_sms(session, user_ids=[], template_kind=template_kind, params=params)
    assert set(refused.value.fields) == {field}


def test_key_rotation_rewrites_the_webhook_key_and_the_users_email(session: Session) -> None:
    route = _route(session, key="robot-secret-key-9")
    user = make_user(session)
    user.email = "wei@example.org"
    session.flush()
    ring = crypto.key_ring()
    older = next(key_id for key_id in ring.ciphers if key_id != ring.current_id)
    rotated = do_reencrypt_encrypted_columns(
        session, ring=KeyRing(hash_key=ring.hash_key, current_id=older, ciphers=ring.ciphers)
    )
    assert rotated.by_column["bridge_routes.webhook_key"] >= 1
    assert rotated.by_column["users.email"] >= 1
    stored = session.execute(
        text(
            "SELECT b.webhook_key, u.email FROM bridge_routes b, users u "
            "WHERE b.id = :route AND u.id = :user"
        ),
        {"route": route.id, "user": user.id},
    ).one()
    assert all(value.startswith(f"v1:{older}:") for value in stored)
