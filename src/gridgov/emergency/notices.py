"""The urgent notice a roll-call sends to the groups of its territory: THE call site.

Today it goes through the notify outbox to the leaders under the territory (in-app). Once
the notices branch is merged, :func:`send_urgent_notice` calls
``gridgov.groups.actions.check_post_notice(session, territory_code=..., title=..., body=...,
priority="urgent", ack_required=True, actor=..., drill=roll_call.drill)`` so the territory's
groups get it with their bridges (SMS included); a drill then sends nothing through any
bridge. Both paths say "drill" (演练) on a drill's notice.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session

from gridgov.emergency.models import RollCall
from gridgov.i18n import N_, Message
from gridgov.notify.outbox import enqueue

KIND_WORDS = {
    "typhoon": N_("typhoon"),
    "flood": N_("flood"),
    "fire": N_("fire"),
    "other": N_("emergency"),
}


def notice_title(roll_call: RollCall) -> Message:
    """The title every notice and page of the roll-call shows; a drill says so."""
    if roll_call.drill:
        return Message(
            "DRILL: %(kind)s roll-call: %(title)s",
            kind=Message(KIND_WORDS[roll_call.kind]),
            title=roll_call.title,
        )
    return Message(
        "%(kind)s roll-call: %(title)s",
        kind=Message(KIND_WORDS[roll_call.kind]),
        title=roll_call.title,
    )


def payload(roll_call: RollCall, title: Message, body: Message | str = "") -> dict:
    return {
        "roll_call_id": roll_call.id,
        "drill": roll_call.drill,
        "title": str(title),
        "body": str(body),
        "title_message": title.to_json(),
        "body_message": body.to_json() if isinstance(body, Message) else None,
    }


def send_urgent_notice(
    session: Session, roll_call: RollCall, *, recipients: Iterable[str], actor: str
) -> None:
    """The roll-call's urgent notice (see the module doc for the wiring at merge)."""
    del actor  # the groups' check_post_notice records it once wired
    enqueue(
        session,
        "rollcall_notice",
        recipients,
        payload(roll_call, notice_title(roll_call), roll_call.message),
    )
