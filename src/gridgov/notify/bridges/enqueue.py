"""What other packages call to send through the bridges: rows in the caller's transaction.

Nothing leaves the platform here: each function writes outbox rows (gridgov.notify.models,
one per route or per person) in the caller's transaction, so a write that rolls back sends
nothing; the bridge job step (gridgov.jobs.bridges) sends them after commit, with retries.

Phone numbers are personal: the mobiles a WeCom post @-mentions are stored encrypted in the
row's payload, and an SMS row names its user, whose phone (their resident's) is read only
when the message is sent.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov import clock, crypto
from gridgov.accounts.models import User
from gridgov.errors import ValidationFailed
from gridgov.i18n import Message
from gridgov.ids import new_id
from gridgov.notify.bridges.models import BridgeRoute
from gridgov.notify.models import OutboxMessage
from gridgov.registry.models import Resident
from gridgov.validation import FieldProblem, clean_text

PRIORITIES: Final = ("normal", "important", "urgent")
FORMATS: Final = ("text", "markdown")
# The outbox kinds the bridges carry (the inbox's are gridgov.notify.outbox.KINDS).
GROUP_POST, GROUP_IMAGE, SMS, DIGEST = "group_post", "group_image", "sms", "digest"
TEXT_MAX: Final = 20_000  # longer posts are split by the bridge; this bounds one row
IMAGE_MAX_BYTES: Final = 2 * 1024 * 1024  # WeCom's limit for a robot's image
_MOBILE = re.compile(r"\+?[0-9]{5,20}|@all")
_TEMPLATE_KIND = re.compile(r"[a-z][a-z0-9_]{0,31}")
PARAM_MAX: Final = 20  # named parameters of one SMS template
PARAM_VALUE_MAX: Final = 200


def _check_priority(priority: str) -> None:
    if priority not in PRIORITIES:
        raise ValidationFailed.field(
            "priority", Message("must be one of %(choices)s", choices=", ".join(PRIORITIES))
        )


def _sealed_mobiles(mobiles: Iterable[str]) -> str | None:
    given = list(dict.fromkeys(mobiles))
    for mobile in given:
        if not isinstance(mobile, str) or _MOBILE.fullmatch(mobile) is None:
            raise ValidationFailed.field(
                "mentioned_mobiles", Message("a mobile number or @all, not %(value)s", value=mobile)
            )
    return crypto.encrypt(json.dumps(given)) if given else None


def mentioned_mobiles(payload: Mapping[str, Any]) -> list[str]:
    """The mobiles a group post's row @-mentions (decrypted)."""
    sealed = payload.get("mentioned_mobiles")
    return list(json.loads(crypto.decrypt(sealed))) if isinstance(sealed, str) else []


def active_routes(session: Session, group_id: str) -> list[BridgeRoute]:
    return list(
        session.scalars(
            select(BridgeRoute)
            .where(BridgeRoute.group_id == group_id, BridgeRoute.active.is_(True))
            .order_by(BridgeRoute.created_at, BridgeRoute.id)
        )
    )


def _route_rows(
    session: Session, group_id: str, kind: str, payload: dict[str, Any]
) -> list[OutboxMessage]:
    now = clock.now()
    rows = [
        OutboxMessage(
            id=new_id(),  # increasing within the process: sent in (created_at, id) order
            kind=kind,
            channel=route.kind,
            route_id=route.id,
            recipients=[],
            payload=payload,
            next_attempt_at=now,
        )
        for route in active_routes(session, group_id)
    ]
    session.add_all(rows)
    session.flush()
    return rows


def enqueue_group_post(
    session: Session,
    *,
    group_id: str,
    text: str,
    priority: str,
    mentioned_mobiles: Iterable[str] = (),
    format: str = "text",
) -> list[OutboxMessage]:
    """A post of group ``group_id`` for every active outbound route of the group (a WeCom
    robot): one outbox row per route (none when the group has no route). ``priority`` is
    normal, important or urgent (shown in front of the text); ``mentioned_mobiles`` are the
    mobiles to @-mention (``@all`` for everyone); ``format`` text or markdown. Flushes."""
    _check_priority(priority)
    if format not in FORMATS:
        raise ValidationFailed.field(
            "format", Message("must be one of %(choices)s", choices=", ".join(FORMATS))
        )
    try:
        cleaned = clean_text(text, max_length=TEXT_MAX, multi_line=True)
    except FieldProblem as exc:
        raise ValidationFailed.field("text", exc.why) from exc
    payload = {
        "group_id": group_id,
        "text": cleaned,
        "priority": priority,
        "format": format,
        "mentioned_mobiles": _sealed_mobiles(mentioned_mobiles),
    }
    return _route_rows(session, group_id, GROUP_POST, payload)


def _image_kind(image: bytes) -> str | None:
    if image.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if image.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    return None


def enqueue_group_image(session: Session, *, group_id: str, image: bytes) -> list[OutboxMessage]:
    """An image (JPEG or PNG, at most 2 MB) for every active route of the group, carried
    as WeCom wants it: base64 and the MD5 of the raw bytes. Flushes."""
    if len(image) > IMAGE_MAX_BYTES:
        raise ValidationFailed.field(
            "image", Message("at most %(most)s bytes", most=IMAGE_MAX_BYTES)
        )
    if _image_kind(image) is None:
        raise ValidationFailed.field("image", Message("a JPEG or PNG image"))
    payload = {
        "group_id": group_id,
        "image_base64": base64.b64encode(image).decode("ascii"),
        "md5": hashlib.md5(image, usedforsecurity=False).hexdigest(),
    }
    return _route_rows(session, group_id, GROUP_IMAGE, payload)


def _check_sms(template_kind: str, params: Mapping[str, Any]) -> dict[str, str]:
    if not isinstance(template_kind, str) or _TEMPLATE_KIND.fullmatch(template_kind) is None:
        raise ValidationFailed.field(
            "template_kind", Message("a lower-case name such as urgent_notice")
        )
    if not isinstance(params, Mapping) or len(params) > PARAM_MAX:
        raise ValidationFailed.field(
            "params", Message("at most %(most)s named parameters", most=PARAM_MAX)
        )
    cleaned: dict[str, str] = {}
    for name, value in params.items():
        try:
            cleaned[str(name)] = clean_text(str(value), max_length=PARAM_VALUE_MAX)
        except FieldProblem as exc:
            raise ValidationFailed.field(f"params.{name}", exc.why) from exc
    return cleaned


def sms_reachable(session: Session, user_ids: Iterable[str]) -> list[str]:
    """Of ``user_ids``, the active users who take SMS and whose resident has a phone."""
    wanted = sorted(set(user_ids))
    if not wanted:
        return []
    rows = session.execute(
        select(User.id, Resident.phone)
        .join(Resident, Resident.id == User.resident_id)
        .where(User.id.in_(wanted), User.is_active.is_(True), User.sms_enabled.is_(True))
        .order_by(User.id)
    ).all()
    return [user_id for user_id, phone in rows if phone and phone != crypto.UNDECRYPTABLE]


def enqueue_sms(
    session: Session, *, user_ids: Iterable[str], template_kind: str, params: Mapping[str, Any]
) -> list[OutboxMessage]:
    """An SMS from the provider's template ``template_kind`` (its id is configured per kind:
    GRIDGOV_SMS_TEMPLATES) with the named ``params``, one outbox row per user that can get
    one (:func:`sms_reachable`: active, SMS not turned off, a phone on their resident); the
    others are left out. Which users lack the app is the caller's choice. Flushes."""
    cleaned = _check_sms(template_kind, params)
    now = clock.now()
    rows = [
        OutboxMessage(
            id=new_id(),  # increasing within the process: sent in (created_at, id) order
            kind=SMS,
            channel="sms",
            recipients=[user_id],
            payload={"template_kind": template_kind, "params": cleaned},
            next_attempt_at=now,
        )
        for user_id in sms_reachable(session, user_ids)
    ]
    session.add_all(rows)
    session.flush()
    return rows


def enqueue_digest(
    session: Session, *, user_id: str, subject: str, body: str, count: int
) -> OutboxMessage:
    """One e-mail digest for ``user_id`` (the address is read when it is sent). Flushes."""
    row = OutboxMessage(
        id=new_id(),  # increasing within the process: sent in (created_at, id) order
        kind=DIGEST,
        channel="email",
        recipients=[user_id],
        payload={"subject": subject, "body": body, "count": count},
        next_attempt_at=clock.now(),
    )
    session.add(row)
    session.flush()
    return row
