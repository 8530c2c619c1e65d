"""/api/v1/reports: the measures leaders look at, for a node the caller may report on
(outside their reach the node answers 404 like a missing one)."""

from __future__ import annotations

import io
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from gridgov import clock
from gridgov.access.checks import reach_territory, require
from gridgov.api.deps import SessionDep
from gridgov.api.principal import PrincipalDep
from gridgov.api.responses import file_answer
from gridgov.cases.exporting import MEDIA_TYPE, export_cases
from gridgov.http.language import ApiLanguageDep
from gridgov.reports.resolution import local_period, resolution_report
from gridgov.reports.schemas import ResolutionReportOut
from gridgov.validation import FIRST_DATE, LAST_DATE, Day

router = APIRouter(tags=["reports"])


@router.get("/reports/resolution", response_model=ResolutionReportOut)
def get_resolution_report(
    session: SessionDep,
    principal: PrincipalDep,
    territory: Annotated[str, Query(description="that node and everything under it")],
    from_date: Annotated[Day, Query(alias="from", description="first local day (YYYY-MM-DD)")],
    to_date: Annotated[
        Day, Query(alias="to", description="last local day (YYYY-MM-DD), inclusive")
    ],
) -> ResolutionReportOut:
    """Resolution measures of the cases CREATED from ``from`` to ``to`` (local days of the
    deployment's timezone) and located under ``territory``, and the same per child node."""
    start, end = local_period(from_date, to_date)
    report = resolution_report(
        session,
        territory_code=territory,
        start=start,
        end=end,
        now=clock.now(),
        principal=principal,
    )
    return ResolutionReportOut.of(report, from_date=from_date, to_date=to_date)


@router.get(
    "/exports/cases.xlsx",
    response_class=Response,
    tags=["exports"],
    responses=file_answer(MEDIA_TYPE),
)
def export_cases_xlsx(
    session: SessionDep,
    principal: PrincipalDep,
    language: ApiLanguageDep,
    territory: Annotated[str, Query(description="export this node and everything under it")],
    from_date: Annotated[
        Day | None, Query(alias="from", description="first local day of creation")
    ] = None,
    to_date: Annotated[
        Day | None, Query(alias="to", description="last local day of creation, inclusive")
    ] = None,
) -> Response:
    """The case register under ``territory`` as XLSX, one row per case; reporter contacts
    masked. The header follows Accept-Language (English by default, or Chinese)."""
    require(principal, "read", "import_export")
    reach_territory(session, principal, "read", "import_export", territory)
    start = end = None
    if from_date is not None or to_date is not None:
        start, end = local_period(from_date or FIRST_DATE, to_date or LAST_DATE)
    buffer = io.BytesIO()
    export_cases(
        session,
        buffer,
        territory=territory,
        start=start,
        end=end,
        principal=principal,
        language=language,
    )
    return Response(
        content=buffer.getvalue(),
        media_type=MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="cases-{territory}.xlsx"'},
    )
