"""The e-mail bridge: a member's digest through SMTP (``smtplib``).

The address is the row's user's, read when the mail is sent (a changed address is used; a
removed one means nothing to send: the row is done). STARTTLS when configured (the default),
then a login when a user is configured."""

from __future__ import annotations

import datetime as dt
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from sqlalchemy.orm import Session

from gridgov import crypto
from gridgov.accounts.models import User
from gridgov.notify.bridges.protocol import BridgeFailure, OneByOneBridge
from gridgov.notify.models import OutboxMessage


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    user: str | None
    password: str | None
    starttls: bool
    sender: str
    timeout: float


def _mail(config: SmtpConfig, to: str, row: OutboxMessage, now: dt.datetime) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = config.sender
    mail["To"] = to
    mail["Subject"] = str(row.payload.get("subject", ""))
    mail["Date"] = format_datetime(now)
    mail["Message-ID"] = make_msgid(idstring=row.id)
    mail.set_content(str(row.payload.get("body", "")))
    return mail


class EmailBridge(OneByOneBridge[SmtpConfig]):
    channel = "email"

    def send_row(self, session: Session, row: OutboxMessage, *, now: dt.datetime) -> None:
        user = session.get(User, row.recipients[0])
        if user is None or not user.email or user.email == crypto.UNDECRYPTABLE:
            return  # no address any more: nothing to send, the row is done
        try:
            self._deliver(_mail(self.config, user.email, row, now))
        except (smtplib.SMTPException, OSError) as exc:
            raise BridgeFailure(f"SMTP: {exc}"[:200]) from exc

    def _deliver(self, mail: EmailMessage) -> None:
        config = self.config
        with smtplib.SMTP(config.host, config.port, timeout=config.timeout) as server:
            if config.starttls:
                server.starttls(context=ssl.create_default_context())
            if config.user:
                server.login(config.user, config.password or "")
            server.send_message(mail)
