"""Reads behind the public GeoReport endpoints: only cases of public categories, and the
names (category, handling node) their answers need, loaded in batches."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gridgov.cases.models import Case, CaseCategory
from gridgov.open311 import convert
from gridgov.territory.models import Territory

JURISDICTION_LEVEL = "town"


@dataclass(frozen=True)
class RequestFilter:
    """GET requests' filters; ``ids`` overrides every other one (as the specification says)."""

    ids: tuple[str, ...] = ()
    service_codes: tuple[str, ...] = ()
    states: tuple[str, ...] = ()
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    jurisdiction: str | None = None


@dataclass
class RequestContext:
    categories: dict[str, CaseCategory] = field(default_factory=dict)
    agencies: dict[str, str] = field(default_factory=dict)  # agency code -> node name

    def agency_of(self, case: Case) -> str:
        """The name of the node a case's answer names (``convert.agency_code``)."""
        code = convert.agency_code(case)
        return self.agencies.get(code, code)


def jurisdiction_exists(session: Session, code: str) -> bool:
    """A jurisdiction is a town of the territory (its code)."""
    found = session.scalar(
        select(Territory.id).where(Territory.code == code, Territory.level == JURISDICTION_LEVEL)
    )
    return found is not None


def public_services(session: Session) -> list[tuple[CaseCategory, CaseCategory | None]]:
    """Active public categories by code, each with its parent (the service group). Only
    these are services: a case of any other category is not shown to Open311, so a client
    could not follow a report it posted there."""
    categories = list(session.scalars(select(CaseCategory).order_by(CaseCategory.code)))
    by_code = {category.code: category for category in categories}
    return [
        (category, by_code.get(category.parent_code or ""))
        for category in categories
        if category.active and category.public
    ]


def public_service(session: Session, code: str) -> CaseCategory | None:
    category = session.get(CaseCategory, code)
    if category is None or not (category.active and category.public):
        return None
    return category


def latest_change(session: Session) -> dt.datetime | None:
    """When the list of services last changed (the discovery changeset)."""
    return session.scalar(select(func.max(CaseCategory.updated_at)))


def _public_cases():
    return (
        select(Case)
        .join(CaseCategory, CaseCategory.code == Case.category_code)
        .where(CaseCategory.public.is_(True))
    )


def public_requests(
    session: Session, where: RequestFilter, *, limit: int, offset: int
) -> list[Case]:
    """Cases of public categories matching ``where``, newest first."""
    query = _public_cases()
    if where.jurisdiction is not None:
        query = query.where(Case.territory_code.startswith(where.jurisdiction, autoescape=True))
    if where.ids:
        query = query.where(Case.id.in_(where.ids))
    else:
        if where.service_codes:
            query = query.where(Case.category_code.in_(where.service_codes))
        if where.states:
            query = query.where(Case.state.in_(where.states))
        if where.start is not None:
            query = query.where(Case.created_at >= where.start)
        if where.end is not None:
            query = query.where(Case.created_at <= where.end)
    query = query.order_by(Case.created_at.desc(), Case.id.desc()).limit(limit).offset(offset)
    return list(session.scalars(query))


def public_request(session: Session, case_id: str, *, jurisdiction: str | None) -> Case | None:
    found = public_requests(
        session, RequestFilter(ids=(case_id,), jurisdiction=jurisdiction), limit=1, offset=0
    )
    return found[0] if found else None


def context_for(session: Session, cases: Sequence[Case]) -> RequestContext:
    """Category rows and the names of the nodes their answers name, in two queries."""
    context = RequestContext()
    if not cases:
        return context
    codes = {case.category_code for case in cases}
    context.categories = {
        c.code: c for c in session.scalars(select(CaseCategory).where(CaseCategory.code.in_(codes)))
    }
    agencies = {convert.agency_code(case) for case in cases}
    rows = session.execute(
        select(Territory.code, Territory.name_en, Territory.name_zh).where(
            Territory.code.in_(agencies)
        )
    )
    context.agencies = {code: name_en or name_zh for code, name_en, name_zh in rows}
    return context
