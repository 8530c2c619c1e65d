"""Message to case: a leader turns a message into a case, its category suggested from the
text, its place from the message's location (else the author's household), its image carried
over as the case's report photo; the message and the case link to each other. Later status
changes of the case (accepted, escalated, resolved, closed, declined) post a short system
message back into the group, in the message's thread (a subscription to
cases.status_hooks, installed by database/hooks.py)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov.access.policy import allows
from gridgov.access.principal import Principal
from gridgov.accounts.models import User
from gridgov.cases.models import Case, CaseCategory
from gridgov.cases.photos import check_add_photo
from gridgov.cases.status_hooks import StatusChange
from gridgov.errors import Conflict, ValidationFailed
from gridgov.groups.actions import do_post_system_message
from gridgov.groups.case_models import MessageCase
from gridgov.groups.case_prefill import suggest_category
from gridgov.groups.models import Group, GroupAttachment, GroupMessage
from gridgov.groups.queries import moderates
from gridgov.i18n import N_, Message, translate
from gridgov.registry.models import Household, Resident
from gridgov.territory.codes import ancestors
from gridgov.territory.models import Territory

# What the group hears of each status a case reaches (rendered in Chinese, the villages'
# language: the message is stored once for every member).
STATUS_TEXTS = {
    "accepted": N_("Reported problem #%(ref)s was accepted by %(handler)s"),
    "escalated": N_("Reported problem #%(ref)s was escalated to %(handler)s"),
    "resolved": N_("Reported problem #%(ref)s was resolved by %(handler)s"),
    "closed": N_("Reported problem #%(ref)s is closed"),
    "rejected": N_("Reported problem #%(ref)s was declined by %(handler)s"),
}
GROUP_LANGUAGE = "zh-CN"


def case_reference(case: Case) -> str:
    """A short reference people can say aloud (the id's last six characters)."""
    return case_reference_of(case.id)


def case_reference_of(case_id: str) -> str:
    return case_id[-6:].upper()


def _active_categories(session: Session) -> list[tuple[str, str]]:
    return list(
        session.execute(
            select(CaseCategory.code, CaseCategory.name_zh).where(CaseCategory.active.is_(True))
        )
    )


def prefill_category(session: Session, message: GroupMessage) -> str:
    return suggest_category(message.text or "", _active_categories(session))


def _author_household(session: Session, message: GroupMessage) -> str | None:
    if message.author_user_id is None:
        return None
    return session.scalar(
        select(Resident.household_id)
        .join(User, User.resident_id == Resident.id)
        .where(User.id == message.author_user_id)
    )


def may_make_case(session: Session, principal: Principal, message: GroupMessage) -> bool:
    """A leader who moderates the message's group, or who leads the author's household's
    node (a grid leader in the village's group, for the villagers of their grid)."""
    group = session.get(Group, message.group_id)
    if group is not None and moderates(principal, group):
        return True
    household_id = _author_household(session, message)
    household = session.get(Household, household_id) if household_id else None
    return household is not None and allows(principal, "update", "group", household.territory_code)


def _carry_photo(
    session: Session, message: GroupMessage, case: Case, *, data_dir: Path, actor: str
) -> None:
    if message.attachment_id is None:
        return
    attachment = session.get(GroupAttachment, message.attachment_id)
    if attachment is None or not attachment.content_type.startswith("image/"):
        return
    data = (data_dir / attachment.path).read_bytes()
    check_add_photo(
        session, case, data=data, kind="report", data_dir=data_dir, max_bytes=len(data), actor=actor
    )


def check_message_to_case(
    session: Session,
    message: GroupMessage,
    *,
    principal: Principal,
    category_code: str | None,
    description: str | None,
    data_dir: Path,
) -> Case:
    """Make a case of ``message`` (the adapter checked the caller leads its group)."""
    # Lazily: intake locates cases with shapely, which the CLI's start must not load.
    from gridgov.cases.intake import check_report_case

    if message.recalled_at is not None:
        raise ValidationFailed.field("message", Message("the message was recalled"))
    if session.get(MessageCase, message.id) is not None:
        raise Conflict(Message("this message is already a case"))
    text = (description or message.text or "").strip()
    if not text:
        raise ValidationFailed.field("description", Message("describe the problem"))
    located = message.lon is not None and message.lat is not None
    case, _ = check_report_case(
        session,
        category_code=category_code or prefill_category(session, message),
        description=text,
        channel="grid_group",
        actor=principal.actor,
        reporter_user_id=message.author_user_id,
        reporter_name=message.author_name,
        lon=message.lon if located else None,
        lat=message.lat if located else None,
        household_id=None if located else _author_household(session, message),
    )
    _carry_photo(session, message, case, data_dir=data_dir, actor=principal.actor)
    session.add(
        MessageCase(
            message_id=message.id,
            case_id=case.id,
            group_id=message.group_id,
            created_by=principal.actor,
        )
    )
    session.flush()
    return case


def handler_name(session: Session, code: str) -> str:
    """宫下村第3网格: the names from the village down to the handling node."""
    codes = [c for c in [*ancestors(code), code] if len(c) >= 12] or [code]
    names = dict(
        session.execute(
            select(Territory.code, Territory.name_zh).where(Territory.code.in_(codes))
        ).all()
    )
    return "".join(names.get(c, "") for c in codes) or code


def _status_text(change: StatusChange) -> str | None:
    if change.escalated:
        return STATUS_TEXTS["escalated"]
    if change.from_state == change.to_state:
        return None
    return STATUS_TEXTS.get(change.to_state)


def post_case_status(session: Session, changes: Sequence[StatusChange]) -> None:
    """The status-hook subscriber: a system message in the thread of the message each case
    came from (a reply to it: the group's members see it, with nothing of the reporter but
    what their message said), once per change (keyed on the case's timeline event)."""
    told = {change.case_id: change for change in changes if _status_text(change) is not None}
    if not told:
        return
    links = session.scalars(select(MessageCase).where(MessageCase.case_id.in_(sorted(told))))
    for link in sorted(links, key=lambda link: link.case_id):
        change = told[link.case_id]
        group = session.get(Group, link.group_id)
        if group is None or group.status != "active" or change.event_seq <= link.posted_event_seq:
            continue
        template = _status_text(change)
        assert template is not None
        text = translate(
            GROUP_LANGUAGE,
            template,
            ref=case_reference_of(change.case_id),
            handler=handler_name(session, change.handler_code),
        )
        do_post_system_message(session, group, text, actor=change.actor, reply_to=link.message_id)
        link.posted_event_seq = change.event_seq
    session.flush()
