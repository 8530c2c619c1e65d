"""The urgent notice a roll-call sends to the groups of its territory: THE call site.

:func:`send_urgent_notice` posts it as an urgent notice (acknowledgement required) in the
territory's groups (gridgov.groups.notices: the village groups under a town, the node's own
group below), which sends it through every bridge of those groups, SMS included; a drill's
notice sends nothing through any bridge and is marked as a drill (演练). The leaders under the
territory also get it in the app, through the notify outbox. Both say "drill" on a drill.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session

from gridgov.emergency.models import RollCall
from gridgov.groups.notices import MAX_BODY, MAX_TITLE, check_post_notice, notice_groups
from gridgov.i18n import N_, Message
from gridgov.notify.outbox import enqueue

# The groups' language: villagers read the notice in Chinese (the in-app copy follows each
# reader's language).
GROUP_LANGUAGE = "zh-CN"

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
    """The roll-call's urgent notice: in the territory's groups (with their bridges, none for
    a drill) and in the app of the leaders under the territory."""
    # The notice marks a drill itself (groups.notices.notice_text): its title is the plain one.
    title = Message(
        "%(kind)s roll-call: %(title)s",
        kind=Message(KIND_WORDS[roll_call.kind]),
        title=roll_call.title,
    ).render(GROUP_LANGUAGE)
    body = roll_call.message.strip() or title
    # A territory with no group yet (loaded in bulk, say) still gets its roll-call: the
    # leaders' in-app copy below goes out whatever the groups.
    if notice_groups(session, roll_call.territory_code):
        check_post_notice(
            session,
            territory_code=roll_call.territory_code,
            title=title[:MAX_TITLE],
            body=body[:MAX_BODY],
            priority="urgent",
            ack_required=True,
            actor=actor,
            drill=roll_call.drill,
        )
    enqueue(
        session,
        "rollcall_notice",
        recipients,
        payload(roll_call, notice_title(roll_call), roll_call.message),
    )
