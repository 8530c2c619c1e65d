"""Open311 GeoReport v2 under /open311/v2/, named exactly as the specification names it.

Every path ends in its format (``.json`` or ``.xml``); an unknown one answers 404. Errors
come in the specification's shape (``[{"code", "description"}]``, or ``<errors>`` in XML)
with 400 (bad input, see ``api.open311_params``), 403 (missing, unknown or revoked
``api_key``), 404, 405 (with ``Allow``), 413 and 500 (``api.open311_errors``). Reads are
public, as the specification intends: they list only cases of public categories and never
personal data (see ``open311.convert``). ``jurisdiction_id`` is a town's code: accepted
everywhere, it narrows the requests to that town; an unknown one answers 404.

Choices the specification leaves open:

- The services are the active categories that are public, and only they take posts: a
  client can always read back the request it posted (``requests/{id}``).
- POST answers 200 with the case id at once (realtime services) and the same id as its
  token; ``GET tokens/{token}`` knows the tokens of cases posted through Open311.
  ``api_key`` may come in the form or in the query string.
- ``GET requests`` without dates covers the 90 days up to ``end_date`` (or now), newest
  first; a longer span answers 400; ``page`` (from 1) and ``page_size`` (default and most
  1000) page through it.
- A location is ``lat`` + ``long`` (``address_string`` is kept as the case's address); an
  ``address_string`` or ``address_id`` alone cannot be placed (there is no geocoder and
  there are no address ids) and answers 400.
- ``first_name`` + ``last_name`` become the reporter's name, ``phone`` (a mainland
  mobile number) the contact and ``email`` (a plausible address, see ``cases.intake``)
  the reporter's e-mail: all private, never in a GET's answer.
- ``media_url`` (an http(s) URL) is kept with the case and given back as it came.
- ``Idempotency-Key`` (the platform's header, not the specification's; at most 128
  characters) makes a retried POST answer the case the first one created.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Depends, Header, Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response
from starlette.routing import Match

from gridgov import clock
from gridgov.api import open311_params as params
from gridgov.api.deps import SessionDep
from gridgov.api.error_language import localized_fields, pydantic_reason
from gridgov.api.open311_errors import Open311Error
from gridgov.cases.intake import check_report_case
from gridgov.cases.models import Case
from gridgov.errors import DomainError, NotFound, PermissionDenied, ValidationFailed
from gridgov.http.language import ApiLanguageDep, api_language
from gridgov.i18n import N_, Message, localize
from gridgov.open311 import convert, queries
from gridgov.open311.keys import actor_of, find_active_key
from gridgov.open311.render import MEDIA_TYPES, render, render_error

PREFIX = "/open311/v2"
BAD_REQUEST = N_("bad request")
MAX_PAGE_SIZE = 1000
MAX_PAGE = 1_000_000  # keeps the offset a sane number
MAX_IDEMPOTENCY_KEY = 128  # as the platform API's header (the column's length)
KEY_SERVICE = "API keys are issued by the platform's administrators (gridgov open311 keys create)"
CONTACT = "the administrators of this gridgov deployment"


# The platform's field names as the specification names them, in error descriptions.
SPEC_FIELD = {
    "category_code": "service_code",
    "lon": "long",
    "location": "lat/long",
    "reporter_contact": "phone",
    "reporter_email": "email",
    "reporter_name": "first_name/last_name",
    "address": "address_string",
}


def _description_of(exc: DomainError, language: str) -> str:
    if isinstance(exc, ValidationFailed) and exc.fields:
        fields = localized_fields(language, exc.fields)
        return "; ".join(f"{SPEC_FIELD.get(name, name)}: {why}" for name, why in fields.items())
    return localize(language, exc.message)


def _status_of(exc: DomainError) -> int:
    if isinstance(exc, PermissionDenied):
        return 403
    if isinstance(exc, NotFound):
        return 404
    return 400


def open311_session(request: Request, session: SessionDep) -> Session:
    """The request's session, kept where Open311Route finds it to roll back a refusal."""
    request.state.open311_session = session
    return session


# Every Open311 handler takes this, not SessionDep (see Open311Route).
Open311SessionDep = Annotated[Session, Depends(open311_session)]


def _roll_back(request: Request) -> None:
    session = getattr(request.state, "open311_session", None)
    if session is not None:
        session.rollback()


class Open311Route(APIRoute):
    """Checks the format first, and turns every refusal into the specification's errors.

    The error answer is returned from inside the request's dependency scope (where
    FastAPI calls the route handler), so the session would commit on the way out: a
    refusal rolls it back here first, and one request stays all or nothing."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def open311_handler(request: Request) -> Response:
            # The catch-all route has no {fmt}: its path's extension says it.
            fmt = request.path_params.get("fmt") or request.url.path.rpartition(".")[2]
            language = api_language(request)
            if fmt not in MEDIA_TYPES:
                return render_error(
                    "json",
                    404,
                    Message("unknown format %(fmt)r: use .json or .xml", fmt=fmt).render(language),
                )
            headers: dict[str, str] = {}
            description: object
            try:
                params.refuse_control_characters(_named_inputs(request))
                return await handler(request)
            except Open311Error as exc:
                status, description, headers = exc.status, exc.description, exc.headers
            except RequestValidationError as exc:
                status = 400
                description = "; ".join(pydantic_reason(language, err) for err in exc.errors())
            except DomainError as exc:
                status, description = _status_of(exc), _description_of(exc, language)
            await run_in_threadpool(_roll_back, request)  # blocking I/O: off the event loop
            text = localize(language, description or BAD_REQUEST)
            return render_error(fmt, status, text, headers=headers)

        return open311_handler


def _named_inputs(request: Request) -> list[tuple[str, str]]:
    """The path's parameters (but its format and the catch-all's rest) and the query's."""
    path = [
        (name, str(value))
        for name, value in request.path_params.items()
        if name not in ("fmt", "rest")
    ]
    return path + list(request.query_params.multi_items())


router = APIRouter(prefix=PREFIX, tags=["open311"], route_class=Open311Route)
OptionalQuery = str | None


# --- parameters -----------------------------------------------------------------------------


def _check_jurisdiction(session: Session, jurisdiction_id: str | None) -> str | None:
    code = params.given(jurisdiction_id)
    if code is not None and not queries.jurisdiction_exists(session, code):
        raise Open311Error(
            404, Message("unknown jurisdiction_id %(code)r: it is a town's code", code=code)
        )
    return code


# --- answers --------------------------------------------------------------------------------


def _requests_answer(
    session: Session, fmt: str, cases: list[Case], language: str = "en"
) -> Response:
    context = queries.context_for(session, cases)
    items = [
        convert.service_request(
            case,
            category=context.categories[case.category_code],
            agency=context.agency_of(case),
            language=language,
        )
        for case in cases
    ]
    return render(fmt, items, root="service_requests", item="request")


@router.get("/discovery.{fmt}")
def discovery(
    fmt: str, request: Request, session: Open311SessionDep, jurisdiction_id: OptionalQuery = None
) -> Response:
    """Where this endpoint is and what it speaks."""
    _check_jurisdiction(session, jurisdiction_id)
    payload = convert.discovery(
        url=str(request.base_url).rstrip("/") + PREFIX,
        changeset=queries.latest_change(session) or clock.now(),
        contact=CONTACT,
        key_service=KEY_SERVICE,
    )
    return render(fmt, payload, root="discovery")


@router.get("/services.{fmt}")
def list_services(
    fmt: str,
    session: Open311SessionDep,
    language: ApiLanguageDep,
    jurisdiction_id: OptionalQuery = None,
) -> Response:
    """The active public case categories, each a service; its group is its parent's name.
    Names follow ``Accept-Language`` (English by default, or Chinese)."""
    _check_jurisdiction(session, jurisdiction_id)
    services = queries.public_services(session)
    items = [convert.service(c, parent, language) for c, parent in services]
    return render(fmt, items, root="services", item="service")


@router.get("/services/{service_code}.{fmt}")
def service_definition(
    service_code: str, fmt: str, session: Open311SessionDep, jurisdiction_id: OptionalQuery = None
) -> Response:
    """A service's definition: no category asks for extra attributes."""
    _check_jurisdiction(session, jurisdiction_id)
    category = queries.public_service(session, service_code)
    if category is None:
        raise Open311Error(404, Message("no service has service_code %(code)r", code=service_code))
    return render(fmt, convert.service_definition(category), root="service_definition")


POST_FIELDS = (
    "api_key",
    "jurisdiction_id",
    "service_code",
    "lat",
    "long",
    "address_string",
    "address_id",
    "email",
    "first_name",
    "last_name",
    "phone",
    "description",
    "media_url",
)
MAX_FORM_FIELDS = 100
FORM_DOC = {
    "requestBody": {
        "required": True,
        "content": {
            "application/x-www-form-urlencoded": {
                "schema": {
                    "type": "object",
                    "properties": {name: {"type": "string"} for name in POST_FIELDS},
                    "required": ["api_key", "service_code"],
                }
            }
        },
    }
}


async def open311_form(request: Request) -> dict[str, str]:
    """The POST's fields, read as UTF-8 as the specification says whether the client
    percent-encoded them or not (Starlette's parser reads raw bytes as Latin-1)."""
    if request.headers.get("content-type", "").startswith("multipart/form-data"):
        form = await request.form()
        fields = {name: value for name, value in form.items() if isinstance(value, str)}
    else:
        fields = _urlencoded_fields(await request.body())
    params.refuse_control_characters(fields.items())
    return fields


def _urlencoded_fields(body: bytes) -> dict[str, str]:
    try:
        text = body.decode("utf-8")
        fields = parse_qs(text, keep_blank_values=True, max_num_fields=MAX_FORM_FIELDS)
    except (UnicodeDecodeError, ValueError):
        raise Open311Error(
            400,
            Message("the body is not a UTF-8 form (at most %(most)s fields)", most=MAX_FORM_FIELDS),
        ) from None
    return {name: values[0] for name, values in fields.items()}


Open311FormDep = Annotated[dict[str, str], Depends(open311_form)]


@dataclass(frozen=True)
class _Post:
    """A POST's fields, checked in the order the specification's errors suggest."""

    service_code: str
    lat: float
    long: float
    address: str
    description: str
    reporter_name: str
    phone: str | None
    email: str | None
    media_url: str | None


def _unplaced(form: dict[str, str]) -> Open311Error:
    """The refusal of a POST without lat and long, naming what it gave instead."""
    if params.given(form.get("address_id")) is not None:
        return Open311Error(
            400,
            Message(
                "address_id alone cannot be placed (this endpoint has no address ids): "
                "add lat and long"
            ),
        )
    if params.given(form.get("address_string")) is not None:
        return Open311Error(
            400, Message("address_string alone cannot be placed (no geocoder): add lat and long")
        )
    return Open311Error(400, Message("a location is required: lat and long"))


def _checked_post(session: Session, form: dict[str, str]) -> _Post:
    code = params.given(form.get("service_code"))
    if code is None:
        raise Open311Error(400, Message("service_code is required"))
    lat, long = params.point(form.get("lat"), form.get("long"))
    address = params.given(form.get("address_string"))
    if lat is None or long is None:
        raise _unplaced(form)
    if queries.public_service(session, code) is None:
        raise Open311Error(
            400, Message("service_code %(code)r is not a service (see services)", code=code)
        )
    names = (params.given(form.get("first_name")), params.given(form.get("last_name")))
    return _Post(
        service_code=code,
        lat=lat,
        long=long,
        address=address or "",
        description=(form.get("description") or "").strip(),
        reporter_name=" ".join(name for name in names if name),
        phone=params.phone(form.get("phone")),
        email=params.given(form.get("email")),  # checked by intake (400 naming email)
        media_url=params.given(form.get("media_url")),  # checked by intake (400 naming it)
    )


def _idempotency_key(value: str | None) -> str | None:
    key = params.given(value)
    if key is not None and len(key) > MAX_IDEMPOTENCY_KEY:
        raise Open311Error(
            400, Message("Idempotency-Key: at most %(most)s characters", most=MAX_IDEMPOTENCY_KEY)
        )
    params.refuse_control_characters([("Idempotency-Key", key or "")])
    return key


@router.post("/requests.{fmt}", openapi_extra=FORM_DOC)
def create_request(
    fmt: str,
    request: Request,
    session: Open311SessionDep,
    form: Open311FormDep,
    language: ApiLanguageDep,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
) -> Response:
    """Report a case (form-encoded: api_key, service_code, lat, long, address_string,
    description, first_name, last_name, phone, email, media_url; ``api_key`` may come in
    the query string instead). The answer carries its id at once."""
    retry_key = _idempotency_key(idempotency_key)
    jurisdiction = _check_jurisdiction(session, form.get("jurisdiction_id"))
    api_key = params.given(form.get("api_key")) or params.given(request.query_params.get("api_key"))
    key = find_active_key(session, api_key or "")
    if key is None:
        raise Open311Error(403, Message("api_key is missing, unknown or revoked"))
    post = _checked_post(session, form)
    actor = actor_of(key)
    session.info["actor"] = actor
    case, _created = check_report_case(
        session,
        category_code=post.service_code,
        description=post.description,
        channel="open311",
        actor=actor,
        reporter_name=post.reporter_name,
        reporter_contact=post.phone,
        reporter_email=post.email,
        media_url=post.media_url,
        lon=post.long,
        lat=post.lat,
        address=post.address,
        idempotency_owner=f"open311:{key.id}",
        idempotency_key=retry_key,
    )
    if jurisdiction is not None and not case.territory_code.startswith(jurisdiction):
        raise Open311Error(
            400,
            Message("the location is outside jurisdiction %(code)s", code=jurisdiction),
        )
    agency = queries.context_for(session, [case]).agency_of(case)
    answer = [convert.created_request(case, agency=agency, language=language)]
    return render(fmt, answer, root="service_requests", item="request")


@router.get("/tokens/{token}.{fmt}")
def token_status(
    token: str, fmt: str, session: Open311SessionDep, jurisdiction_id: OptionalQuery = None
) -> Response:
    """A token (the id of a case posted here) and its service_request_id."""
    jurisdiction = _check_jurisdiction(session, jurisdiction_id)
    case = session.get(Case, token)
    if (
        case is None
        or case.channel != "open311"
        or (jurisdiction is not None and not case.territory_code.startswith(jurisdiction))
    ):
        raise Open311Error(404, Message("no request has token %(token)r", token=token))
    return render(fmt, [convert.token(case)], root="service_requests", item="request")


@router.get("/requests.{fmt}")
def list_requests(
    fmt: str,
    session: Open311SessionDep,
    language: ApiLanguageDep,
    jurisdiction_id: OptionalQuery = None,
    service_request_id: OptionalQuery = None,
    service_code: OptionalQuery = None,
    start_date: OptionalQuery = None,
    end_date: OptionalQuery = None,
    status: OptionalQuery = None,
    page: OptionalQuery = None,
    page_size: OptionalQuery = None,
) -> Response:
    """Cases of public categories, newest first; service_request_id overrides the rest."""
    jurisdiction = _check_jurisdiction(session, jurisdiction_id)
    ids = params.csv(service_request_id)
    if len(ids) > MAX_PAGE_SIZE:
        raise Open311Error(
            400, Message("at most %(most)s service_request_id at once", most=MAX_PAGE_SIZE)
        )
    statuses = params.csv(status)
    unknown = [value for value in statuses if value not in convert.STATUSES]
    if unknown:
        raise Open311Error(
            400, Message("status is open or closed, not %(status)r", status=unknown[0])
        )
    start, end = params.date_range(start_date, end_date)
    size = params.whole("page_size", page_size, default=MAX_PAGE_SIZE, most=MAX_PAGE_SIZE)
    number = params.whole("page", page, default=1, most=MAX_PAGE)
    where = queries.RequestFilter(
        ids=ids,
        service_codes=params.csv(service_code),
        states=tuple(state for value in statuses for state in convert.states_of(value)),
        start=start,
        end=end,
        jurisdiction=jurisdiction,
    )
    cases = queries.public_requests(session, where, limit=size, offset=(number - 1) * size)
    return _requests_answer(session, fmt, cases, language)


@router.get("/requests/{service_request_id}.{fmt}")
def get_request(
    service_request_id: str,
    fmt: str,
    session: Open311SessionDep,
    language: ApiLanguageDep,
    jurisdiction_id: OptionalQuery = None,
) -> Response:
    """One case of a public category; any other answers 404 like a missing one."""
    jurisdiction = _check_jurisdiction(session, jurisdiction_id)
    case = queries.public_request(session, service_request_id, jurisdiction=jurisdiction)
    if case is None:
        raise Open311Error(
            404,
            Message("no request has service_request_id %(id)r", id=service_request_id),
        )
    return _requests_answer(session, fmt, [case], language)


# Every method, so that one the resource does not take answers Open311's 405 (with Allow).
ANY_METHOD = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT"]


@router.api_route("/{rest:path}", methods=ANY_METHOD, include_in_schema=False)
def unknown_resource(rest: str, request: Request) -> Response:
    """Anything else under /open311/v2/: a 405 naming the methods the resource takes, or a
    404 in the specification's format."""
    allowed = sorted(_methods_at(request))
    if allowed:
        raise Open311Error(
            405,
            Message(
                "%(resource)s takes %(allowed)s, not %(method)s",
                resource=rest,
                allowed=", ".join(allowed),
                method=request.method,
            ),
            headers={"Allow": ", ".join(allowed)},
        )
    raise Open311Error(404, Message("GeoReport v2 has no resource %(rest)r", rest=rest))


def _methods_at(request: Request) -> set[str]:
    """The methods Open311's other routes take at this request's path."""
    methods: set[str] = set()
    for route in router.routes:
        if isinstance(route, APIRoute) and route.endpoint is not unknown_resource:
            match, _scope = route.matches(request.scope)
            if match is not Match.NONE:
                methods |= route.methods or set()
    return methods
