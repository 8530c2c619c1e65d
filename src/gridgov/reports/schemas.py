"""API shapes of the reports."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field

from gridgov.reports.resolution import Measures, ResolutionReport
from gridgov.timestamps import LocalTimestamp


class MeasuresOut(BaseModel):
    code: str
    name: str
    level: str
    total: int = Field(description="cases created in the period, located in this subtree")
    by_state: dict[str, int]
    closed: int
    closed_at: dict[str, float | None] = Field(
        description="share of the closed cases by the level that solved them "
        "(unit, grid, village, town_and_above)"
    )
    closed_at_counts: dict[str, int]
    on_time_rate: float | None = Field(description="closed never overdue / closed")
    median_hours_to_close: float | None = Field(description="created to closed, closed cases")
    reopen_rate: float | None = Field(description="closed cases reopened at least once / closed")
    satisfaction_rate: float | None = Field(description="rated 4-5 / rated")
    rated: int
    overdue_now: int = Field(description="open now and past their due time")

    @classmethod
    def of(cls, measures: Measures) -> MeasuresOut:
        return cls(
            code=measures.code,
            name=measures.name,
            level=measures.level,
            total=measures.total,
            by_state=measures.by_state,
            closed=measures.closed,
            closed_at=measures.closed_at,
            closed_at_counts=measures.closed_at_counts,
            on_time_rate=measures.on_time_rate,
            median_hours_to_close=measures.median_hours_to_close,
            reopen_rate=measures.reopen_rate,
            satisfaction_rate=measures.satisfaction_rate,
            rated=measures.rated,
            overdue_now=measures.overdue_now,
        )


class ResolutionReportOut(BaseModel):
    period_basis: Literal["created"] = Field(
        description="the cases CREATED in the period, and what became of them by generated_at"
    )
    from_date: dt.date = Field(serialization_alias="from")
    to_date: dt.date = Field(serialization_alias="to", description="inclusive")
    start: LocalTimestamp
    end: LocalTimestamp = Field(description="exclusive")
    generated_at: LocalTimestamp
    territory: MeasuresOut
    children: list[MeasuresOut]
    at_node: MeasuresOut | None = Field(
        description="cases located at the node itself, under none of its children"
    )

    @classmethod
    def of(
        cls, report: ResolutionReport, *, from_date: dt.date, to_date: dt.date
    ) -> ResolutionReportOut:
        return cls(
            period_basis="created",
            from_date=from_date,
            to_date=to_date,
            start=report.start,
            end=report.end,
            generated_at=report.generated_at,
            territory=MeasuresOut.of(report.territory),
            children=[MeasuresOut.of(child) for child in report.children],
            at_node=None if report.at_node is None else MeasuresOut.of(report.at_node),
        )
