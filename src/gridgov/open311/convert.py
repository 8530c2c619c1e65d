"""Cases and categories as GeoReport v2 shapes (pure: rows in, plain dicts out).

Status map (GeoReport knows only ``open`` and ``closed``):

- reported, accepted, in_progress, returned -> ``open``;
- resolved -> ``closed``: the handler's work is done and the resolution note is the answer;
  the reporter's confirmation is our own step. A rating of 1-2 reopens the case, and it
  reads ``open`` again (with a newer ``updated_datetime``);
- closed, rejected (duplicate or out of scope), withdrawn -> ``closed``.

``status_notes`` says which of these it is, in words. Nothing personal leaves here: no
reporter name, contact or e-mail, no household. A case located by a dwelling (the household
named, or the reporter's own) gives no address or point either, and names no node below the
village: a unit's boundary is public, and with the public description it would narrow the
reporter to a few dwellings. Its ``agency_responsible`` is then the village while a grid or
a unit handles it. The description goes out as written.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from gridgov.cases.models import Case, CaseCategory
from gridgov.cases.notices import LEVEL_WORDS
from gridgov.cases.states import OPEN_STATES
from gridgov.clock import local_iso
from gridgov.i18n import N_, Message, localize
from gridgov.territory.codes import CODE_LENGTH

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
FORMATS_MIME = ("text/xml", "application/json")

STATUS_OF_STATE: dict[str, str] = {
    **dict.fromkeys(OPEN_STATES, "open"),
    "resolved": "closed",
    "closed": "closed",
    "rejected": "closed",
    "withdrawn": "closed",
}
STATUSES = ("open", "closed")
# Levels a case at a private place never names (see the module's docstring).
HIDDEN_LEVELS = ("grid", "unit")

_OPEN_NOTES = {
    "reported": N_("reported, waiting to be accepted"),
    "accepted": N_("accepted"),
    "in_progress": N_("in progress"),
    "returned": N_("returned to the reporter for more information"),
}


def states_of(status: str) -> tuple[str, ...]:
    """The case states a GeoReport status stands for."""
    return tuple(state for state, mapped in STATUS_OF_STATE.items() if mapped == status)


def iso(value: dt.datetime | None) -> str | None:
    """ISO 8601 with the deployment's offset (+08:00 on Asia/Shanghai)."""
    return None if value is None else local_iso(value)


def category_name(category: CaseCategory, language: str = "en") -> str:
    """The category's name in ``language`` (Chinese or English; the other when it has not
    that one)."""
    if language == "zh-CN":
        return category.name_zh or category.name_en
    return category.name_en or category.name_zh


def service(
    category: CaseCategory, parent: CaseCategory | None, language: str = "en"
) -> dict[str, Any]:
    """One entry of GET services: a category, named in ``language``; its description is
    translated when the catalog has it."""
    keywords = [category.name_zh] + ([parent.name_zh] if parent is not None else [])
    return {
        "service_code": category.code,
        "service_name": category_name(category, language),
        "description": localize(language, category.description),
        "metadata": False,
        "type": "realtime",
        "keywords": ",".join(word for word in keywords if word),
        "group": category_name(parent, language) if parent is not None else None,
    }


def service_definition(category: CaseCategory) -> dict[str, Any]:
    """GET services/{code}: no category asks for extra attributes."""
    return {"service_code": category.code, "attributes": []}


def status_notes(case: Case, language: str = "en") -> str:
    """What became of the request, in ``language`` (a handler's note as they wrote it)."""
    return localize(language, _status_notes(case))


def _status_notes(case: Case) -> str:
    if case.state in _OPEN_NOTES:
        return Message(_OPEN_NOTES[case.state])
    if case.state == "resolved":
        note = (case.resolution_note or "").rstrip(": ")
        if note:
            return Message("resolved, awaiting the reporter's confirmation: %(note)s", note=note)
        return Message("resolved, awaiting the reporter's confirmation")
    if case.state == "closed":
        return case.resolution_note or Message("closed")
    if case.state == "rejected":
        if case.duplicate_of_id is not None:
            return Message("duplicate of request %(id)s", id=case.duplicate_of_id)
        return Message("rejected: outside what the platform handles")
    return Message("withdrawn by the reporter")


def at_private_place(case: Case) -> bool:
    """Located by a dwelling: the household named, or the reporter's own."""
    return case.household_id is not None or case.located_by in ("household", "reporter")


def hides_handler(case: Case) -> bool:
    """Whether the answer names the case's village instead of its handling node."""
    return at_private_place(case) and case.level in HIDDEN_LEVELS


def agency_code(case: Case) -> str:
    """The code of the node named as ``agency_responsible``: the handling node, or its
    village while a grid or unit handles a case at a private place."""
    if hides_handler(case):
        return case.handler_code[: CODE_LENGTH["village"]]
    return case.handler_code


def service_notice(case: Case, agency: str, language: str = "en") -> str | None:
    """Who acts on an open case (in ``language``); nothing once it is closed."""
    if STATUS_OF_STATE[case.state] != "open":
        return None
    if hides_handler(case):
        return Message("handled within %(agency)s", agency=agency).render(language)
    level = Message(LEVEL_WORDS[case.level]) if case.level in LEVEL_WORDS else case.level
    notice = Message("handled at the %(level)s level by %(agency)s", level=level, agency=agency)
    return notice.render(language)


def service_request(
    case: Case, *, category: CaseCategory, agency: str, language: str = "en"
) -> dict[str, Any]:
    """One entry of GET requests, in the specification's field order; ``agency`` is the
    name of the node ``agency_code`` gives."""
    private_place = at_private_place(case)
    return {
        "service_request_id": case.id,
        "status": STATUS_OF_STATE[case.state],
        "status_notes": status_notes(case, language),
        "service_name": category_name(category, language),
        "service_code": case.category_code,
        "description": case.description,
        "agency_responsible": agency,
        "service_notice": service_notice(case, agency, language),
        "requested_datetime": iso(case.created_at),
        "updated_datetime": iso(case.updated_at),
        "expected_datetime": iso(case.due_at),
        "address": None if private_place else (case.address or None),
        "address_id": None,
        "zipcode": None,
        "lat": None if private_place else case.lat,
        "long": None if private_place else case.lon,
        "media_url": case.media_url,
    }


def created_request(case: Case, *, agency: str, language: str = "en") -> dict[str, Any]:
    """The answer to POST requests: the id at once (realtime), and the id as the token."""
    return {
        "service_request_id": case.id,
        "service_notice": service_notice(case, agency, language),
        "account_id": None,
        "token": case.id,
    }


def token(case: Case) -> dict[str, Any]:
    """GET tokens/{token}: the token is the case id itself."""
    return {"service_request_id": case.id, "token": case.id}


def discovery(*, url: str, changeset: dt.datetime, contact: str, key_service: str) -> dict:
    return {
        "changeset": iso(changeset),
        "contact": contact,
        "key_service": key_service,
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": url,
                "changeset": iso(changeset),
                "type": "production",
                "formats": list(FORMATS_MIME),
            }
        ],
    }
