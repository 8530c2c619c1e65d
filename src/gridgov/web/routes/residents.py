"""/residents/{id}: a resident as the API shows them (ID number and phone masked), their
household, key groups and life events. A role that may reveal gets the reveal form: the
fields to show and the reason, posted (never in a URL), checked and audited by the same
``do_reveal_residents`` as the API's ``?reveal=&reason=``; the full values are shown on
that answer only. Life events (death, moving out, moving back in) as the API's
``POST /residents/{id}/events``, with the resident's version."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from starlette.responses import Response

from gridgov.access.policy import allows, may
from gridgov.access.principal import Principal
from gridgov.accounts.reveal import do_reveal_residents
from gridgov.errors import ValidationFailed
from gridgov.http.sessions import SessionDep
from gridgov.registry import queries
from gridgov.registry.actions import CURRENT_STATUSES, check_version
from gridgov.registry.models import RELATIONS, Resident
from gridgov.registry.resident_events import check_record_resident_event, event_action
from gridgov.registry.schemas import ResidentEventCreate, ResidentOut
from gridgov.web.auth import CallerDep
from gridgov.web.caller import PageCaller
from gridgov.web.forms import FormDep, form_values, form_version, parse_form
from gridgov.web.registry_labels import REGISTRY_LABELS
from gridgov.web.rendering import render
from gridgov.web.routes.households import place_path, record_or_show
from gridgov.web.routing import page_router

router = page_router()

EVENTS_SHOWN = 50
REVEALABLE = ("id_number", "phone")
DONE = {"death", "moved_out", "moved_in"}


def resident_forms(principal: Principal, resident: Resident) -> dict[str, bool]:
    """The forms this caller gets on this resident (the API's rules)."""
    code, household_id = resident.territory_code, resident.household_id
    current = resident.residence_status in CURRENT_STATUSES
    retires = allows(principal, "retire", "resident", code)
    returns = may(principal, "create", "resident") and allows(principal, "update", "resident", code)
    return {
        "reveal": may(principal, "reveal", "resident")
        and allows(principal, "reveal", "resident", code, household_id=household_id),
        "death": current and retires,
        "moved_out": current and retires,
        "moved_in": resident.residence_status == "moved_out" and returns,
    }


def _page(
    request: Request,
    session: SessionDep,
    caller: PageCaller,
    resident: Resident,
    *,
    shown: frozenset[str] = frozenset(),
    reason: str = "",
    form: str | None = None,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    conflict: str | None = None,
    status: int = 200,
) -> Response:
    principal = caller.principal
    row = queries.get_resident_row(session, resident.id)
    events, event_total = queries.list_events(
        session, resident_id=resident.id, limit=EVENTS_SHOWN, principal=principal
    )
    household = queries.get_household(session, resident.household_id)
    done = request.query_params.get("done")
    context = {
        "resident": ResidentOut.of(row.resident, row.key_groups, shown),
        "revealed": shown,
        "reason": reason,
        "household": household,
        "path": place_path(session, household.territory_code),
        "events": events,
        "event_total": event_total,
        "key_groups": {group.code: group for group in queries.list_key_groups(session)},
        "forms": resident_forms(principal, resident),
        "revealable": REVEALABLE,
        "open_form": form,
        "errors": errors or {},
        "values": values or {},
        "conflict": conflict,
        "done": done if done in DONE else None,
        "relations": RELATIONS,
        **REGISTRY_LABELS,
    }
    return render(request, "registry/resident.html", context, status=status)


@router.get("/residents/{resident_id}")
def resident_page(
    request: Request, resident_id: str, session: SessionDep, caller: CallerDep
) -> Response:
    resident = queries.access_resident(session, resident_id, caller.principal)
    return _page(request, session, caller, resident)


@router.post("/residents/{resident_id}/reveal")
def reveal_resident(
    request: Request, resident_id: str, session: SessionDep, caller: CallerDep, form: FormDep
) -> Response:
    """Show the chosen fields in full on this answer, once the reason is given (audited)."""
    resident = queries.access_resident(session, resident_id, caller.principal)
    fields = [str(f) for f in form.getlist("reveal") if f in REVEALABLE]
    reason_value = form.get("reason")
    reason = reason_value if isinstance(reason_value, str) else ""
    values = {"reveal": fields, "reason": reason}
    try:
        if not fields:
            raise ValidationFailed.field("reveal", "choose the ID number, the phone or both")
        with session.begin_nested():
            shown = do_reveal_residents(
                session, caller.principal, [resident], reveal=",".join(fields), reason=reason
            )
    except ValidationFailed as refused:
        return _page(
            request, session, caller, resident,
            form="reveal", errors=refused.fields, values=values, status=422,
        )  # fmt: skip
    return _page(
        request, session, caller, resident,
        shown=shown.get(resident.id, frozenset()), reason=reason.strip(),
    )  # fmt: skip


@router.post("/residents/{resident_id}/events")
def record_resident_event(
    request: Request, resident_id: str, session: SessionDep, caller: CallerDep, form: FormDep
) -> Response:
    """A death, a move out or a return, as the API records it."""
    values = form_values(form)
    version = form_version(form)
    action = event_action(values.get("kind"))
    resident = queries.access_resident(session, resident_id, caller.principal, action)
    kind = str(values.get("kind", ""))

    def record() -> None:
        check_version("resident", resident, version)
        body = parse_form(ResidentEventCreate, values)
        check_record_resident_event(
            session, resident, body, principal=caller.principal, actor=caller.actor
        )

    def show(**kwargs: Any) -> Response:
        return _page(request, session, caller, resident, **kwargs)

    return record_or_show(
        request,
        session,
        form=kind if kind in DONE else "death",
        record=record,
        show=show,
        done_url=f"/residents/{resident.id}?done={kind}",
        values=values,
    )
