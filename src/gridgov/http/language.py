"""The language of an API or Open311 answer: what ``Accept-Language`` asks for (English when
it asks for nothing we have), named in each answer's ``Content-Language``.

Pages choose theirs from the user's setting (``gridgov.web``); everything under ``/api/`` and
``/open311/`` (errors, field reasons, Open311's services) follows the header, read here once.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gridgov.i18n import DEFAULT_API_LANGUAGE, negotiate

API_LANGUAGE_PREFIXES = ("/api/", "/open311/")


def scope_language(scope: Scope) -> str:
    """The answer's language from a request's ASGI scope."""
    header = dict(scope.get("headers", [])).get(b"accept-language", b"").decode("latin-1")
    return negotiate(header or None, default=DEFAULT_API_LANGUAGE)


def api_language(request: Request) -> str:
    return scope_language(request.scope)


def asks_for_language(request: Request) -> bool:
    """True when the request names a language we have (not only ``*`` or others)."""
    header = request.headers.get("accept-language")
    return bool(header) and negotiate(header, default="") != ""


ApiLanguageDep = Annotated[str, Depends(api_language)]


class ContentLanguage:
    """``Content-Language`` on every answer under /api/ and /open311/ that does not set its
    own (a route that answers in the reader's stored language sets it)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope.get("path", "").startswith(API_LANGUAGE_PREFIXES):
            await self.app(scope, receive, send)
            return
        language = scope_language(scope).encode()

        async def send_with_language(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                if not any(name.lower() == b"content-language" for name, _ in headers):
                    headers.append((b"content-language", language))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_language)
