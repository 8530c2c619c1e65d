"""The weekly digest: each current member with an account hears, once a week (the week
starts on Monday), how many of their households are due a visit and how many overdue.
A member with nothing due gets no message, but the week is marked done all the same."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from gridgov import clock
from gridgov.accounts.models import User
from gridgov.contacts.due import moment_rows, rhythm_rows
from gridgov.contacts.models import ContactAssignment, ContactDigest, ContactState, PartyMember
from gridgov.i18n import Message
from gridgov.notify.outbox import enqueue

DEFAULT_BATCH = 200


def week_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def member_counts(session: Session, member: PartyMember, day: dt.date) -> tuple[int, int]:
    """(due, overdue) of the member's households: rhythm and open moments."""
    village = member.territory_code[:12]
    rows = rhythm_rows(session, village, day, [ContactState.member_id == member.id]).subquery()
    moments = moment_rows(village, day, [ContactAssignment.member_id == member.id]).subquery()
    due = overdue = 0
    for table in (rows, moments):
        for state, count in session.execute(
            select(table.c.state, func.count()).group_by(table.c.state)
        ):
            due += count if state == "due" else 0
            overdue += count if state == "overdue" else 0
    return due, overdue


def run_digest_step(
    session: Session, *, today: dt.date | None = None, batch: int = DEFAULT_BATCH
) -> int:
    """Send this week's digest to up to ``batch`` members who have not had it; how many."""
    day = today or clock.today()
    week = week_of(day)
    waiting = session.execute(
        select(PartyMember, User.id)
        .join(User, User.resident_id == PartyMember.resident_id)
        .outerjoin(
            ContactDigest,
            and_(ContactDigest.member_id == PartyMember.id, ContactDigest.week == week),
        )
        .where(PartyMember.ended_on.is_(None), ContactDigest.member_id.is_(None))
        .order_by(PartyMember.id)
        .limit(batch)
    ).all()
    for member, user_id in waiting:
        due, overdue = member_counts(session, member, day)
        if due or overdue:
            title = Message(
                "Your contacts this week: %(due)s due, %(overdue)s overdue",
                due=due,
                overdue=overdue,
            )
            enqueue(
                session,
                "contact_digest",
                [user_id],
                {"title": str(title), "title_message": title.to_json(), "week": week.isoformat()},
            )
        session.add(
            ContactDigest(
                member_id=member.id, week=week, due=due, overdue=overdue, sent_at=clock.now()
            )
        )
    session.flush()
    return len(waiting)
