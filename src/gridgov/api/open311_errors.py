"""Open311's error answers: the refusal the routes raise, and a middleware that puts every
other error answer under ``/open311/v2/`` in the same shape.

The routes answer their own refusals (``Open311Error``, see ``routers.open311``). What is
answered outside them would come in the platform's ``{"error": {...}}`` shape: the body-size
limit's 413 (``limits.BodySizeLimit`` refuses before any route runs) and the 500 of an
unexpected error. ``Open311ErrorShape`` turns those into the specification's
``[{"code", "description"}]`` or ``<errors>``, in the format the path names (JSON when it
names none), keeping their other headers.
"""

from __future__ import annotations

import json
import logging

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gridgov.api.errors import INTERNAL_ERROR
from gridgov.http.language import scope_language
from gridgov.i18n import localize
from gridgov.open311.render import MEDIA_TYPES, render_error

log = logging.getLogger(__name__)


class Open311Error(Exception):
    """An answer in the specification's error format."""

    def __init__(
        self, status: int, description: str, *, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.headers = headers or {}


def format_of(path: str) -> str:
    """The format a path's extension names (``json`` or ``xml``), or ``json``."""
    extension = path.rpartition(".")[2]
    return extension if extension in MEDIA_TYPES else "json"


def _platform_message(body: bytes) -> str | None:
    """The message of a platform-shaped error body, or None for any other body."""
    try:
        payload = json.loads(body)
    except ValueError:
        return None
    if isinstance(payload, dict) and isinstance(payload.get("error"), dict):
        return str(payload["error"].get("message") or "error")
    return None


class Open311ErrorShape:
    """Platform-shaped error answers under ``prefix``, and unexpected errors, in Open311's
    error shape (see the module's docstring)."""

    def __init__(self, app: ASGIApp, *, prefix: str) -> None:
        self.app = app
        self.prefix = prefix.rstrip("/") + "/"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self.prefix):
            await self.app(scope, receive, send)
            return
        fmt = format_of(scope["path"])
        held: Message | None = None  # an error's start, kept until its body is known
        body = bytearray()
        started = False

        async def reshaping_send(message: Message) -> None:
            nonlocal held, started
            if message["type"] == "http.response.start":
                if message["status"] >= 400:
                    held = message
                    return
                started = True
            elif held is not None and message["type"] == "http.response.body":
                body.extend(message.get("body", b""))
                if not message.get("more_body", False):
                    started = True
                    await self._send_error(held, bytes(body), fmt, scope, receive, send)
                return
            await send(message)

        try:
            await self.app(scope, receive, reshaping_send)
        except Exception:
            if started:
                raise
            log.exception("unhandled error under %s", self.prefix)
            message = localize(scope_language(scope), INTERNAL_ERROR)
            await render_error(fmt, 500, message)(scope, receive, send)

    @staticmethod
    async def _send_error(
        start: Message, body: bytes, fmt: str, scope: Scope, receive: Receive, send: Send
    ) -> None:
        message = _platform_message(body)
        if message is None:  # Open311's own error (or no JSON at all): as it is
            await send(start)
            await send({"type": "http.response.body", "body": body})
            return
        response = render_error(fmt, start["status"], message)
        kept = [
            (name, value)
            for name, value in start.get("headers", [])
            if name.lower() not in (b"content-type", b"content-length")
        ]
        response.raw_headers.extend(kept)
        await response(scope, receive, send)
