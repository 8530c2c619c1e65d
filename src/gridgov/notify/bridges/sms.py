"""The SMS bridge: urgent notices to people without the app, through a provider's template
API. Chinese providers send only pre-approved templates from signed requests: each row names
a template kind (its template id is configured per kind) and its named parameters; the
phone is the row's user's (their resident's), read when the message is sent; every request
is signed (gridgov.notify.bridges.signing, docs/bridges.md). The provider answers
``{"code": "OK"}`` when it accepted the message."""

from __future__ import annotations

import datetime as dt
import json
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov import crypto
from gridgov.accounts.models import User
from gridgov.notify.bridges import signing
from gridgov.notify.bridges.protocol import BridgeFailure, OneByOneBridge
from gridgov.notify.bridges.transport import post
from gridgov.notify.models import OutboxMessage
from gridgov.registry.models import Resident


@dataclass(frozen=True)
class SmsConfig:
    url: str
    key_id: str
    secret: str
    sign_name: str
    templates: dict[str, str]  # kind -> the provider's template id
    timeout: float


def parse_templates(text: str) -> dict[str, str]:
    """``"urgent_notice:SMS_1234,reminder:SMS_5678"`` -> ``{kind: template id}``."""
    pairs = (entry.split(":", 1) for entry in text.split(",") if ":" in entry)
    return {kind.strip(): template.strip() for kind, template in pairs if kind.strip()}


def _phone(session: Session, user_id: str) -> str:
    phone = session.scalar(
        select(Resident.phone).join(User, User.resident_id == Resident.id).where(User.id == user_id)
    )
    if not phone or phone == crypto.UNDECRYPTABLE:
        raise BridgeFailure("the user has no phone to send to")
    return phone


class SmsBridge(OneByOneBridge[SmsConfig]):
    channel = "sms"

    def send_row(self, session: Session, row: OutboxMessage, *, now: dt.datetime) -> None:
        kind = str(row.payload.get("template_kind"))
        template = self.config.templates.get(kind)
        if template is None:
            raise BridgeFailure(f"no SMS template configured for {kind!r} (GRIDGOV_SMS_TEMPLATES)")
        body = json.dumps(
            {
                "phone": _phone(session, row.recipients[0]),
                "sign_name": self.config.sign_name,
                "template_id": template,
                "params": row.payload.get("params", {}),
            },
            ensure_ascii=False,
        ).encode("utf-8")
        answer = post(
            self.config.url, body, headers=self._signed(body, now), timeout=self.config.timeout
        )
        reply = answer.json()
        if answer.status != 200 or reply.get("code") != "OK":
            raise BridgeFailure(
                f"HTTP {answer.status}: {str(reply.get('message', reply.get('code')))[:120]}"
            )

    def _signed(self, body: bytes, now: dt.datetime) -> dict[str, str]:
        stamp, nonce = signing.timestamp(now), secrets.token_hex(16)
        canonical = signing.canonical_string(
            method="POST", url=self.config.url, timestamp=stamp, nonce=nonce, body=body
        )
        return {
            "Content-Type": "application/json; charset=utf-8",
            "X-Gridgov-Timestamp": stamp,
            "X-Gridgov-Nonce": nonce,
            "Authorization": signing.authorization(
                self.config.key_id, signing.signature(self.config.secret, canonical)
            ),
        }
