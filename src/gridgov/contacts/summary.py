"""The monthly public summary of a village's contact ledger: totals only, no person named,
to post to the village's group. Posting it is for the groups capability (another branch):
the lead wires :func:`monthly_summary` to ``groups.actions.do_post_system_message`` with a
monthly job at merge; until then it is computed, not posted."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from gridgov.contacts.report import contact_report
from gridgov.i18n import Message


def month_span(first_day: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last day of the month of ``first_day``."""
    start = first_day.replace(day=1)
    following = (start + dt.timedelta(days=32)).replace(day=1)
    return start, following - dt.timedelta(days=1)


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
