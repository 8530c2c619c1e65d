"""The monthly public summary of a village's contact ledger: totals only, no person named,
posted to the village's group by the worker (step ``contact_summary``).

On the first days of a month (``SUMMARY_DAYS``) the step posts the past month's summary in
the group of every village where the programme runs (a village with a group and a party
member marked, now or before), once per village and month: a ``contact_summaries`` row is
the claim, inserted before the post in a savepoint; a second worker's insert of the same
row waits for the first's commit, then fails, and that worker posts nothing for the
village. A worker that was down through those days posts nothing late: the summary is
the month's news, not a record (the report keeps the figures)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import and_, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gridgov import clock
from gridgov.contacts.models import ContactSummary, PartyMember
from gridgov.contacts.report import contact_report
from gridgov.groups.actions import do_post_system_message
from gridgov.groups.models import Group
from gridgov.i18n import Message

SUMMARY_DAYS = 7  # the summary of the past month goes out from the 1st to the 7th
DEFAULT_BATCH = 50
GROUP_LANGUAGE = "zh-CN"  # what the village group reads
VILLAGE_LENGTH = 12


def month_span(first_day: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last day of the month of ``first_day``."""
    start = first_day.replace(day=1)
    following = (start + dt.timedelta(days=32)).replace(day=1)
    return start, following - dt.timedelta(days=1)


def previous_month(day: dt.date) -> dt.date:
    """The first day of the month before ``day``'s."""
    return (day.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def monthly_summary(session: Session, village_code: str, month: dt.date) -> Message:
    """The village's totals for the month of ``month`` as one message."""
    start, end = month_span(month)
    report = contact_report(session, territory_code=village_code, start=start, end=end)
    figures = report.territory.figures
    return Message(
        "Contact ledger %(month)s: %(assigned)s of %(households)s households have a party "
        "member; %(visits)s visits, %(confirmed)s confirmed by the household; "
        "%(contacted)s households contacted in the last 30 days; must-visit moments met in "
        "time %(met)s of %(due)s.",
        month=start.strftime("%Y-%m"),
        assigned=figures["assigned"],
        households=figures["households"],
        visits=report.visits,
        confirmed=report.confirmed,
        contacted=figures["contacted_30d"],
        met=report.must_visit["met_in_time"],
        due=report.must_visit["due"],
    )


def waiting_groups(session: Session, month: dt.date, *, limit: int) -> list[Group]:
    """Village groups with the programme and no summary for ``month`` yet, by village."""
    programme = select(func.substr(PartyMember.territory_code, 1, VILLAGE_LENGTH)).distinct()
    return list(
        session.scalars(
            select(Group)
            .outerjoin(
                ContactSummary,
                and_(
                    ContactSummary.village_code == Group.territory_code,
                    ContactSummary.month == month,
                ),
            )
            .where(
                Group.kind == "village",
                Group.status == "active",
                Group.territory_code.in_(programme),
                ContactSummary.village_code.is_(None),
            )
            .order_by(Group.territory_code)
            .limit(limit)
        )
    )


def _claim(session: Session, village_code: str, month: dt.date, group: Group) -> bool:
    """Insert the month's row for the village in a savepoint; False when another worker
    has it (on PostgreSQL the insert waits for that worker's commit, then fails)."""
    try:
        with session.begin_nested():
            session.add(
                ContactSummary(
                    village_code=village_code, month=month, group_id=group.id, posted_at=clock.now()
                )
            )
            session.flush()
    except IntegrityError:
        return False
    return True


def run_summary_step(
    session: Session, *, today: dt.date | None = None, batch: int = DEFAULT_BATCH, actor: str
) -> int:
    """Post the past month's summary in up to ``batch`` village groups that lack it (only
    in the first ``SUMMARY_DAYS`` days of a month); how many were posted."""
    day = today or clock.today()
    if day.day > SUMMARY_DAYS:
        return 0
    month = previous_month(day)
    posted = 0
    for group in waiting_groups(session, month, limit=batch):
        if not _claim(session, group.territory_code, month, group):
            continue
        text = monthly_summary(session, group.territory_code, month).render(GROUP_LANGUAGE)
        message = do_post_system_message(session, group, text, actor=actor)
        row = session.get(ContactSummary, (group.territory_code, month))
        assert row is not None
        row.message_id = message.id
        posted += 1
    session.flush()
    return posted
