"""What a new deployment needs before the first case: the seed categories and the working
calendar of this year and next. Idempotent: what people edited stays as it is."""

from __future__ import annotations

from sqlalchemy.orm import Session

from gridgov.cases.calendar import ensure_calendar_seeded
from gridgov.cases.categories import seed_categories


def seed_case_settings(session: Session, *, actor: str) -> tuple[int, int]:
    """(categories added, calendar days written)."""
    categories = seed_categories(session, actor=actor)
    days = ensure_calendar_seeded(session, actor=actor)
    return categories, days
