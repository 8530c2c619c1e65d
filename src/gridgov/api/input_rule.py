"""The input rule (gridgov.validation) at the door of /api/v1, for what no schema types:
every query parameter, path parameter and form field is one line of text without a control
or text-direction character, and a form field comes once. 422 names the parameter.

One dependency on every /api/v1 router (api/app.py), so a new route is covered without a
line of its own. Request bodies in JSON keep the rule through ``validation.Input``.
"""

from __future__ import annotations

from starlette.datastructures import UploadFile
from starlette.requests import Request

from gridgov.i18n import Message
from gridgov.validation import Problems, text_problem

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


async def keep_the_input_rule(request: Request) -> None:
    problems = Problems()
    for name, value in request.path_params.items():
        _check(problems, str(name), str(value))
    for name, value in request.query_params.multi_items():
        _check(problems, name, value)
    if request.headers.get("content-type", "").split(";")[0].strip().lower() in FORM_TYPES:
        await _check_form(request, problems)
    problems.raise_if_any()


def _check(problems: Problems, name: str, value: str) -> None:
    problem = text_problem(name)
    if problem is not None:  # the name itself: say which, safely
        problems.add(repr(name)[1:-1], Message("the parameter's name %(problem)s", problem=problem))
        return
    problem = text_problem(value)
    if problem is not None:
        problems.add(name, problem)


async def _check_form(request: Request, problems: Problems) -> None:
    # Parsed once: FastAPI reads the same cached form for the route's own parameters.
    form = await request.form()
    seen: set[str] = set()
    for name, value in form.multi_items():
        if name in seen:
            problems.add(name, Message("sent more than once: send one"))
        seen.add(name)
        if isinstance(value, UploadFile):
            _check(problems, name, "")
        else:
            _check(problems, name, value)
