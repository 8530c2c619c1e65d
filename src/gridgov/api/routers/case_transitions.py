"""/api/v1/cases/{id}/transitions and /actions: take a workflow action on a case, and ask
which actions the caller may take now.

A case outside the caller's reach answers 404 like a missing one (cases.queries.access_case
reads it with the same filter as the case list: the territory rule, plus the caller's own
reports and followed cases). Which action a caller may take at which level is
cases.workflow's table (403 for an action the caller may not take on this case, 422 naming
``action`` for one the case's state does not allow, 409 for a stale ``version``).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from gridgov.api.deps import SessionDep
from gridgov.api.principal import PrincipalDep
from gridgov.api.security import ActorDep
from gridgov.cases.actions import available_actions_for, check_transition
from gridgov.cases.queries import access_case
from gridgov.cases.schemas import CaseOut
from gridgov.validation import Input, MultiLine

router = APIRouter(tags=["cases"])


class TransitionIn(Input):
    model_config = ConfigDict(extra="forbid")

    action: Annotated[str, Field(min_length=1, max_length=32)]
    note: Annotated[MultiLine, Field(max_length=4000)] = ""
    version: int | None = Field(
        default=None, description="The case's version you saw; a stale one answers 409."
    )
    rating: int | None = Field(default=None, description="rate: 1 to 5.")
    comment: Annotated[MultiLine | None, Field(max_length=500)] = None
    duplicate_of: Annotated[str | None, Field(max_length=32)] = Field(
        default=None, description="reject_duplicate: the open case this one duplicates."
    )


class CaseActionsOut(BaseModel):
    case_id: str
    state: str
    level: str
    version: int
    actions: list[str]


@router.post("/cases/{case_id}/transitions", response_model=CaseOut)
def transition_case(
    case_id: str,
    body: TransitionIn,
    session: SessionDep,
    principal: PrincipalDep,
    actor: ActorDep,
) -> CaseOut:
    """Take a workflow action: accept, start, return, supply, resolve, escalate,
    reject_duplicate, reject_out_of_scope, withdraw, rate."""
    case = access_case(session, case_id, principal)
    check_transition(
        session,
        case,
        action=body.action,
        principal=principal,
        actor=actor,
        note=body.note,
        version=body.version,
        rating=body.rating,
        comment=body.comment,
        duplicate_of_id=body.duplicate_of,
    )
    return CaseOut.of(case)


@router.get("/cases/{case_id}/actions", response_model=CaseActionsOut)
def case_actions(case_id: str, session: SessionDep, principal: PrincipalDep) -> CaseActionsOut:
    """The workflow actions the caller may take on the case now."""
    case = access_case(session, case_id, principal)
    return CaseActionsOut(
        case_id=case.id,
        state=case.state,
        level=case.level,
        version=case.version,
        actions=available_actions_for(session, case, principal),
    )
