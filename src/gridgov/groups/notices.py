"""Notices: posting one to a group or a territory (pinned, with a priority and perhaps a
required acknowledgement), members reading and acknowledging it, unit leaders marking the
households they told, the receipts by household, and the reminder to each unit leader.

A household has read a notice when any member with an account read it (their read pointer
passed the notice's message, or they opened it), or its unit leader marked it as told.
The arithmetic is :mod:`gridgov.groups.receipts` (pure); this module gathers its inputs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov import clock
from gridgov.access.policy import allows
from gridgov.access.principal import Principal
from gridgov.accounts.models import User
from gridgov.errors import NotFound, ValidationFailed
from gridgov.groups import receipts as tallying
from gridgov.groups.actions import do_post_special_message
from gridgov.groups.models import Group, GroupMember, GroupMessage
from gridgov.groups.notice_models import (
    NOTICE_PRIORITIES,
    TOLD_CHANNELS,
    Notice,
    NoticePosting,
    NoticeReceipt,
    NoticeTold,
)
from gridgov.groups.queries import groups_of_territory
from gridgov.i18n import Message
from gridgov.notify.bridges import enqueue_group_post, enqueue_sms
from gridgov.notify.outbox import enqueue
from gridgov.notify.realtime import publish
from gridgov.posts.models import Post
from gridgov.registry.models import Household, Resident
from gridgov.territory.codes import level_of
from gridgov.territory.models import Territory
from gridgov.territory.scope import within
from gridgov.validation import refuse_bad_texts

MAX_TITLE = 200
MAX_BODY = 3000
DRILL_MARK = "【演练】"
PRIORITY_MARK = {"normal": "", "important": "【重要】", "urgent": "【紧急】"}
GRID_LENGTH, UNIT_LENGTH = 15, 17


# --- posting ---------------------------------------------------------------------------------


def _check_texts(title: str, body: str, priority: str) -> tuple[str, str]:
    refuse_bad_texts({"title": title, "body": body, "priority": priority}, multi_line=("body",))
    title, body = title.strip(), body.strip()
    if not title or len(title) > MAX_TITLE:
        raise ValidationFailed.field("title", Message("1 to %(limit)s characters", limit=MAX_TITLE))
    if not body or len(body) > MAX_BODY:
        raise ValidationFailed.field("body", Message("1 to %(limit)s characters", limit=MAX_BODY))
    if priority not in NOTICE_PRIORITIES:
        raise ValidationFailed.field(
            "priority",
            Message("one of %(choices)s", choices=", ".join(NOTICE_PRIORITIES)),
        )
    return title, body


def notice_groups(session: Session, territory_code: str) -> list[Group]:
    """The groups a notice to a territory goes to: the node's own village, grid or unit
    group; else (a grid or unit without a group yet) its village's; above a village, every
    village group under it. Members of a grid's or unit's group are all in the village's."""
    groups = [g for g in groups_of_territory(session, territory_code) if g.kind != "leaders"]
    own = [g for g in groups if g.territory_code == territory_code]
    if own:
        return own[:1]
    level = level_of(territory_code)
    if level in ("grid", "unit"):
        village = groups_of_territory(session, territory_code[:12])
        return [g for g in village if g.kind == "village"][:1]
    return [g for g in groups if g.kind == "village"]


def notice_text(notice: Notice) -> str:
    mark = (DRILL_MARK if notice.drill else "") + PRIORITY_MARK[notice.priority]
    return f"{mark}{notice.title}\n{notice.body}"


def _target(
    session: Session, group: Group | None, territory_code: str | None
) -> tuple[str, list[Group]]:
    if (group is None) == (territory_code is None):
        raise ValidationFailed.field(
            "territory_code", Message("give a group or a territory, not both")
        )
    if group is not None:
        return group.territory_code, [group]
    assert territory_code is not None
    if session.scalar(select(Territory.id).where(Territory.code == territory_code)) is None:
        raise ValidationFailed.field(
            "territory_code", Message("no territory has code %(code)s", code=territory_code)
        )
    groups = notice_groups(session, territory_code)
    if not groups:
        raise ValidationFailed.field(
            "territory_code", Message("no group covers %(code)s yet", code=territory_code)
        )
    return territory_code, groups


def check_post_notice(
    session: Session,
    *,
    group: Group | None = None,
    territory_code: str | None = None,
    title: str,
    body: str,
    priority: str,
    ack_required: bool,
    actor: str,
    drill: bool = False,
    author_user_id: str | None = None,
) -> Notice:
    """Post a notice as a pinned message in its group (or each group covering the
    territory). Permission is the caller's: the adapter checked the author leads the group's
    node or the territory; emergency posts as the system. An urgent notice goes out through
    every bridge of each group, and by SMS to their members; a drill through none, and says
    it is a drill."""
    title, body = _check_texts(title, body, priority)
    code, groups = _target(session, group, territory_code)
    notice = Notice(
        group_id=group.id if group is not None else None,
        territory_code=code,
        title=title,
        body=body,
        priority=priority,
        ack_required=ack_required,
        drill=drill,
        author_user_id=author_user_id,
        created_by=actor,
    )
    session.add(notice)
    session.flush()
    author = session.get(User, author_user_id) if author_user_id else None
    for target in groups:
        message = do_post_special_message(
            session, target, kind="notice", text=notice_text(notice), author=author, pin_by=actor
        )
        session.add(NoticePosting(notice_id=notice.id, group_id=target.id, message_id=message.id))
    session.flush()
    if priority == "urgent" and not drill:
        _send_through_bridges(session, notice, groups)
    return notice


def _send_through_bridges(session: Session, notice: Notice, groups: Sequence[Group]) -> None:
    """The one place an urgent notice leaves through the bridges (WeCom robots of each
    group; SMS to the members of the groups)."""
    for target in groups:
        enqueue_group_post(
            session, group_id=target.id, text=notice_text(notice), priority=notice.priority
        )
    members = session.scalars(
        select(GroupMember.user_id)
        .where(
            GroupMember.group_id.in_([target.id for target in groups]),
            GroupMember.left_at.is_(None),
        )
        .distinct()
    ).all()
    if members:
        enqueue_sms(
            session,
            user_ids=sorted(members),
            template_kind="urgent_notice",
            params={"title": notice.title[:20]},
        )


# --- reading, acknowledging, telling --------------------------------------------------------


def do_read_notice(
    session: Session, notice: Notice, *, user_id: str, household_id: str | None, acknowledge: bool
) -> NoticeReceipt:
    """A member opened the notice (and perhaps acknowledged it): recorded once, the
    acknowledgement added when it comes."""
    receipt = receipt_of(session, notice, user_id)
    now = clock.now()
    changed = receipt is None
    if receipt is None:
        receipt = NoticeReceipt(
            notice_id=notice.id, user_id=user_id, household_id=household_id, read_at=now
        )
        session.add(receipt)
    if acknowledge and receipt.acknowledged_at is None:
        receipt.acknowledged_at = now
        changed = True
    session.flush()
    if changed:
        announce_counts(session, notice)
    return receipt


def announce_counts(session: Session, notice: Notice) -> None:
    """Tell the notice's groups that its read counts changed (a leader's open notice page
    reloads its statistics): the event carries the notice's id only, after commit."""
    group_ids = session.scalars(
        select(NoticePosting.group_id).where(NoticePosting.notice_id == notice.id)
    ).all()
    for group_id in group_ids:
        publish(
            session,
            stream=f"group:{group_id}",
            kind="read_counts",
            payload={"notice_id": notice.id},
        )


def check_mark_told(
    session: Session,
    notice: Notice,
    *,
    household_id: str,
    channel: str,
    confirmed: bool,
    user_id: str,
) -> NoticeTold:
    """A leader told a household in person or by phone (the adapter checked the leader
    leads the household's node). Marking again updates the mark."""
    refuse_bad_texts({"household_id": household_id, "channel": channel})
    if channel not in TOLD_CHANNELS:
        raise ValidationFailed.field(
            "channel", Message("one of %(choices)s", choices=", ".join(TOLD_CHANNELS))
        )
    household = session.get(Household, household_id)
    if household is None or not household.territory_code.startswith(notice.territory_code):
        raise ValidationFailed.field(
            "household_id",
            Message("no household this notice reaches has id %(id)s", id=household_id),
        )
    told = session.scalar(
        select(NoticeTold).where(
            NoticeTold.notice_id == notice.id, NoticeTold.household_id == household_id
        )
    )
    if told is None:
        told = NoticeTold(notice_id=notice.id, household_id=household_id)
        session.add(told)
    told.channel, told.confirmed = channel, confirmed
    told.told_by_user_id, told.told_at = user_id, clock.now()
    session.flush()
    announce_counts(session, notice)
    return told


# --- receipts ----------------------------------------------------------------------------


def _places(session: Session, notice: Notice) -> list[tallying.HouseholdPlace]:
    rows = session.execute(
        select(Household.id, Household.territory_code)
        .where(
            within(Household.territory_code, notice.territory_code), Household.status == "active"
        )
        .order_by(Household.territory_code, Household.household_no)
    ).all()
    return [
        tallying.HouseholdPlace(
            household_id,
            code[:GRID_LENGTH] if len(code) >= GRID_LENGTH else None,
            code if len(code) == UNIT_LENGTH else None,
        )
        for household_id, code in rows
    ]


def _read_by_pointer(session: Session, notice: Notice) -> set[str]:
    """Households of members whose read pointer passed the notice's message."""
    rows = session.scalars(
        select(Resident.household_id)
        .select_from(NoticePosting)
        .join(GroupMessage, GroupMessage.id == NoticePosting.message_id)
        .join(
            GroupMember,
            (GroupMember.group_id == NoticePosting.group_id)
            & (GroupMember.read_seq >= GroupMessage.seq),
        )
        .join(User, User.id == GroupMember.user_id)
        .join(Resident, Resident.id == User.resident_id)
        .where(NoticePosting.notice_id == notice.id)
    )
    return set(rows)


def household_states(
    session: Session, notice: Notice
) -> tuple[list[tallying.HouseholdPlace], list[tallying.HouseholdState]]:
    places = _places(session, notice)
    receipts = session.execute(
        select(NoticeReceipt.household_id, NoticeReceipt.acknowledged_at).where(
            NoticeReceipt.notice_id == notice.id, NoticeReceipt.household_id.is_not(None)
        )
    ).all()
    read = {household for household, _ in receipts} | _read_by_pointer(session, notice)
    acknowledged = {household for household, at in receipts if at is not None}
    told = dict(
        session.execute(
            select(NoticeTold.household_id, NoticeTold.confirmed).where(
                NoticeTold.notice_id == notice.id
            )
        ).all()
    )
    states = tallying.household_states(
        places,
        read_by_member={h for h in read if h},
        acknowledged_by_member={h for h in acknowledged if h},
        told=told,
    )
    return places, states


# --- reminders ---------------------------------------------------------------------------


def _leaders(session: Session, post_type: str, code: str) -> dict[str, str]:
    """Node code -> the user id of its current ``post_type`` holder who has an account."""
    rows = session.execute(
        select(Post.territory_code, User.id)
        .join(User, User.resident_id == Post.resident_id)
        .where(
            Post.post_type == post_type, Post.end_date.is_(None), within(Post.territory_code, code)
        )
    ).all()
    return {str(node): str(user_id) for node, user_id in rows}


@dataclass(frozen=True)
class ReminderList:
    leader_user_id: str | None
    household_ids: list[str]


def reminder_lists(session: Session, notice: Notice) -> list[ReminderList]:
    places, states = household_states(session, notice)
    scope = notice.territory_code[:12] if len(notice.territory_code) > 12 else notice.territory_code
    lists = tallying.reminder_lists(
        places,
        states,
        unit_leaders=_leaders(session, "unit_leader", scope),
        grid_leaders=_leaders(session, "grid_leader", scope),
        acknowledgement_required=notice.ack_required,
    )
    return [ReminderList(leader, households) for leader, households in lists.items()]


def household_numbers(session: Session, notice: Notice) -> dict[str, str]:
    """Household id -> its number, for the households the notice reaches."""
    rows = session.execute(
        select(Household.id, Household.household_no).where(
            within(Household.territory_code, notice.territory_code)
        )
    )
    return dict(rows.all())


def do_remind(session: Session, notice: Notice, *, actor: str) -> list[ReminderList]:
    """Send each leader their list of households still to tell (through the outbox)."""
    lists = reminder_lists(session, notice)
    numbers = household_numbers(session, notice)
    for reminder in lists:
        if reminder.leader_user_id is None:
            continue
        listed = "、".join(numbers.get(h, h) for h in reminder.household_ids)
        enqueue(
            session,
            "notice_reminder",
            [reminder.leader_user_id],
            {
                "title": Message("Please tell these households: %(title)s", title=notice.title),
                "body": listed,
                "title_message": Message(
                    "Please tell these households: %(title)s", title=notice.title
                ).to_json(),
                "notice_id": notice.id,
            },
        )
    notice.last_reminded_at = clock.now()
    session.flush()
    return lists


# --- permission-checked reads ------------------------------------------------------------


def _missing(notice_id: str) -> NotFound:
    return NotFound(Message("no notice has id %(notice_id)s", notice_id=notice_id))


def manages(principal: Principal, notice: Notice) -> bool:
    """A leader of the notice's territory (or above): sees receipts, reminds."""
    return allows(principal, "update", "group", notice.territory_code)


def access_notice(
    session: Session, notice_id: str, principal: Principal, action: str = "read"
) -> Notice:
    """The notice if the caller may ``action`` it (read: a member of a group it was posted
    in, or a leader of its territory; manage: that leader), else the NotFound of a missing
    one."""
    notice = session.get(Notice, notice_id)
    if notice is None:
        raise _missing(notice_id)
    if manages(principal, notice):
        return notice
    if action == "read" and session.scalar(
        select(NoticePosting.group_id)
        .join(GroupMember, GroupMember.group_id == NoticePosting.group_id)
        .where(
            NoticePosting.notice_id == notice.id,
            GroupMember.user_id == principal.user_id,
            GroupMember.left_at.is_(None),
        )
        .limit(1)
    ):
        return notice
    raise _missing(notice_id)


def receipt_of(session: Session, notice: Notice, user_id: str) -> NoticeReceipt | None:
    return session.scalar(
        select(NoticeReceipt).where(
            NoticeReceipt.notice_id == notice.id, NoticeReceipt.user_id == user_id
        )
    )
