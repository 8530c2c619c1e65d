"""A user's delivery preferences: an optional e-mail address, the digest's rhythm (off,
daily, weekly) and whether urgent notices may come by SMS. Set by the user themselves
(``PATCH /api/v1/users/me/preferences``)."""

from __future__ import annotations

from typing import Final

from sqlalchemy.orm import Session

from gridgov import clock
from gridgov.accounts.models import DIGEST_RHYTHMS, User
from gridgov.i18n import Message
from gridgov.notify.bridges.schedule import next_digest_at
from gridgov.validation import EMAIL_PATTERN, Problems, clean_chars

EMAIL_MAX: Final = 120  # fits users.email's ciphertext (EncryptedString(256))
UNCHANGED: Final = object()  # a field the request left out


def _clean_email(problems: Problems, value: str | None) -> str | None:
    if value is None:
        return None
    text = (problems.check("email", clean_chars, value) or "").strip()
    if not text:
        return None
    if len(text) > EMAIL_MAX:
        problems.add("email", Message("at most %(most)s characters", most=EMAIL_MAX))
    elif EMAIL_PATTERN.fullmatch(text) is None:
        problems.add("email", Message("not an e-mail address (name@example.org)"))
    return text


def check_set_delivery_preferences(
    session: Session,
    user: User,
    *,
    email: str | object | None = UNCHANGED,
    digest_rhythm: str | None = None,
    sms_enabled: bool | None = None,
    actor: str,
) -> User:
    """Change the preferences given (``email=None`` removes the address; a blank one too).
    A digest rhythm other than off needs an address. Choosing a rhythm starts its timer:
    the first digest gathers what comes from now on."""
    problems = Problems()
    new_email = user.email if email is UNCHANGED else _clean_email(problems, email)  # type: ignore[arg-type]
    rhythm = user.digest_rhythm if digest_rhythm is None else digest_rhythm
    if rhythm not in DIGEST_RHYTHMS:
        problems.add(
            "digest_rhythm",
            Message("must be one of %(choices)s", choices=", ".join(DIGEST_RHYTHMS)),
        )
    elif rhythm != "off" and not new_email and "email" not in problems:
        field = "digest_rhythm" if digest_rhythm is not None else "email"
        problems.add(field, Message("an e-mail digest needs an e-mail address"))
    problems.raise_if_any()
    if rhythm != user.digest_rhythm:
        now = clock.now()
        user.digest_since = now if rhythm != "off" else None
        user.digest_due_at = next_digest_at(rhythm, now, clock.zone())
        user.digest_rhythm = rhythm
    user.email = new_email
    if sms_enabled is not None:
        user.sms_enabled = sms_enabled
    session.flush()
    return user
