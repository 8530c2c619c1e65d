"""Refuse request bodies over the configured size with 413, before reading them whole."""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.types import Message as AsgiMessage

from gridgov.http.language import scope_language
from gridgov.i18n import Message


class BodySizeLimit:
    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, send)
            return
        received = 0
        refused = False

        async def limited_receive() -> AsgiMessage:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _TooLarge
            return message

        async def refusing_send(message: AsgiMessage) -> None:
            # A body without a Content-Length (chunked) is found too large only while the
            # app reads it, and the app answers that failure as its own (FastAPI: 400 "error
            # parsing the body"): once over the limit, 413 goes out instead of its answer.
            nonlocal refused
            if received <= self.max_bytes:
                await send(message)
            elif not refused:
                refused = True
                await self._refuse(scope, send)

        try:
            await self.app(scope, limited_receive, refusing_send)
        except _TooLarge:
            if not refused:
                refused = True
                await self._refuse(scope, send)

    async def _refuse(self, scope: Scope, send: Send) -> None:
        message = Message(
            "request body is over the limit of %(max_bytes)s bytes", max_bytes=self.max_bytes
        )
        body = json.dumps(
            {
                "error": {
                    "code": "body_too_large",
                    "message": message.render(scope_language(scope)),
                    "fields": {},
                }
            }
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": body})


class _TooLarge(Exception):
    pass
