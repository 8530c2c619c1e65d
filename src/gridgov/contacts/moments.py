"""The "must visit" moments: created by what happens (a death or a birth in the household,
a dispute of the household resolved, the household entering a hardship key group) or by
a member or leader by hand (a wedding, a funeral, a stay in hospital).

Each moment is announced to the household's contact member in the app (outbox, and so in
their e-mail digest) and through the bridges of the household's grid group (its WeCom
robots: ``enqueue_group_post``). A group robot's post is read by the whole grid, so it
names the unit and the due date only: never the household, the resident, the member or
the reason. Most reasons are sensitive (a death, a stay in hospital, hardship, a dispute),
and in a unit of a few dozen households even a happy one (a birth, a wedding) next to the
unit's name all but names the household; the member reads the reason in the app. A grid
without a group (or a group without a robot) gets no post; the village group is not used
instead, being wider still."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov import clock
from gridgov.contacts.models import HAND_REASONS, MustVisit
from gridgov.contacts.queries import contact_user_ids
from gridgov.contacts.rhythm import HARDSHIP_GROUPS, MUST_VISIT_DAYS
from gridgov.errors import ValidationFailed
from gridgov.groups.models import Group
from gridgov.i18n import N_, Message
from gridgov.notify.bridges import enqueue_group_post
from gridgov.notify.outbox import enqueue
from gridgov.registry.events import LifeEvent
from gridgov.registry.models import Household
from gridgov.territory.codes import CODE_LENGTH
from gridgov.territory.models import Territory

MAX_NOTE = 255
GROUP_LANGUAGE = "zh-CN"  # what a grid group reads
GRID_LENGTH = CODE_LENGTH["grid"]
# The title of the notices stored before they named the household: still translated.
EARLIER_TITLES = (N_("Visit due by %(due_on)s"),)


def do_add_moments(
    session: Session,
    household: Household,
    *,
    reason: str,
    on: dt.date,
    actor: str,
    note: str = "",
    source_id: str | None = None,
) -> list[MustVisit]:
    """The moments ``reason`` creates for ``household`` from day ``on`` (one per follow-up
    day), each announced to the household's contact member through the outbox."""
    moments = [
        MustVisit(
            household_id=household.id,
            territory_code=household.territory_code,
            reason=reason,
            note=note,
            created_on=on,
            due_on=on + dt.timedelta(days=days),
            source_id=source_id,
            created_by=actor,
        )
        for days in MUST_VISIT_DAYS[reason]
    ]
    session.add_all(moments)
    session.flush()
    for moment in moments:
        _announce(session, moment)
    return moments


def _announce(session: Session, moment: MustVisit) -> None:
    # The member's own message names the household (they look after it; the group's
    # post below never does).
    household = session.get(Household, moment.household_id)
    title = Message(
        "Visit household %(household)s by %(due_on)s",
        household=f"{household.household_no} {household.address}" if household else "",
        due_on=moment.due_on.isoformat(),
    )
    body = Message(MOMENT_WORDS.get(moment.reason, moment.reason))
    enqueue(
        session,
        "contact_must_visit",
        contact_user_ids(session, [moment.household_id]),
        {
            "must_visit_id": moment.id,
            "household_id": moment.household_id,
            "reason": moment.reason,
            "due_on": moment.due_on.isoformat(),
            "title": str(title),
            "body": str(body),
            "title_message": title.to_json(),
            "body_message": body.to_json(),
        },
    )
    _post_to_grid_group(session, moment)


def grid_group(session: Session, territory_code: str) -> Group | None:
    """The active group of the grid ``territory_code`` lies in (none above a grid)."""
    if len(territory_code) < GRID_LENGTH:
        return None
    return session.scalar(
        select(Group).where(
            Group.kind == "grid",
            Group.territory_code == territory_code[:GRID_LENGTH],
            Group.status == "active",
        )
    )


def group_post_text(session: Session, moment: MustVisit) -> str:
    """What the grid group's robot says: the unit (or grid) and the due date, no more."""
    place = session.scalar(select(Territory.name_zh).where(Territory.code == moment.territory_code))
    return Message(
        "Must-visit: a household in %(place)s is due a visit by %(due_on)s. Its contact "
        "member sees the details in the app.",
        place=place or moment.territory_code,
        due_on=moment.due_on.isoformat(),
    ).render(GROUP_LANGUAGE)


def _post_to_grid_group(session: Session, moment: MustVisit) -> None:
    group = grid_group(session, moment.territory_code)
    if group is not None:
        enqueue_group_post(
            session, group_id=group.id, text=group_post_text(session, moment), priority="normal"
        )


MOMENT_WORDS = {
    "death": N_("a death in the household"),
    "birth": N_("a birth in the household"),
    "dispute_followup": N_("follow-up of a resolved dispute"),
    "key_group": N_("the household entered a hardship key group"),
    "wedding": N_("a wedding"),
    "funeral": N_("a funeral"),
    "hospital": N_("a stay in hospital"),
    "hardship": N_("hardship"),
    "other": N_("other"),
}


def check_add_hand_moment(
    session: Session,
    household: Household,
    *,
    reason: str,
    due_on: dt.date,
    note: str,
    actor: str,
) -> MustVisit:
    """A moment recorded by hand, for what the registry does not record."""
    if reason not in HAND_REASONS:
        raise ValidationFailed.field(
            "reason", Message("must be one of %(choices)s", choices=", ".join(HAND_REASONS))
        )
    today = clock.today()
    if due_on < today:
        raise ValidationFailed.field("due_on", Message("cannot be in the past"))
    if len(note) > MAX_NOTE:
        raise ValidationFailed.field(
            "note", Message("at most %(limit)s characters", limit=MAX_NOTE)
        )
    moment = MustVisit(
        household_id=household.id,
        territory_code=household.territory_code,
        reason=reason,
        note=note,
        created_on=today,
        due_on=due_on,
        created_by=actor,
    )
    session.add(moment)
    session.flush()
    _announce(session, moment)
    return moment


def moments_of_life_event(session: Session, event: LifeEvent) -> Mapping[str, Any] | None:
    """Registry subscriber (death, birth): the household is due a visit."""
    if event.household_id is None:
        return None
    household = session.get(Household, event.household_id)
    if household is None or household.status != "active":
        return None
    moments = do_add_moments(
        session,
        household,
        reason=event.kind,
        on=event.occurred_on,
        actor=event.actor,
        source_id=event.resident_id,
    )
    return {"must_visits": [moment.id for moment in moments]}


def moments_of_resolved_dispute(
    session: Session, *, case_id: str, category_code: str, household_id: str | None, actor: str
) -> None:
    """Cases hook: a ``dispute.*`` case of a household resolved: follow-ups at 1, 3, 7 days."""
    if household_id is None or not category_code.startswith("dispute."):
        return
    household = session.get(Household, household_id)
    if household is None or household.status != "active":
        return
    do_add_moments(
        session,
        household,
        reason="dispute_followup",
        on=clock.today(),
        actor=actor,
        source_id=case_id,
    )


def moments_of_hardship(
    session: Session, *, resident_id: str, household_id: str, key_groups: list[str], actor: str
) -> None:
    """Registry hook: the household entered ``low_income`` or ``extreme_poverty``: a visit
    is due within 7 days."""
    if not set(key_groups) & set(HARDSHIP_GROUPS):
        return
    household = session.get(Household, household_id)
    if household is None or household.status != "active":
        return
    do_add_moments(
        session,
        household,
        reason="key_group",
        on=clock.today(),
        actor=actor,
        source_id=resident_id,
    )
