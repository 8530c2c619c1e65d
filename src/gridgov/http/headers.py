"""Headers on every response: a request id (echoed to the audit log) and security headers.

The API (and Open311) keep ``default-src 'none'`` and a Permissions-Policy that allows
nothing; pages get the web interface's CSP (no inline script or style anywhere) and may ask
for the position, the camera and the microphone of their own origin (the report form).
"""

from __future__ import annotations

import re
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gridgov.http.paths import is_api_path, is_docs_path

SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
COMMON_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"strict-transport-security", b"max-age=31536000; includeSubDomains"),
]
API_PERMISSIONS = b"geolocation=(), camera=(), microphone=()"
PAGE_PERMISSIONS = b"geolocation=(self), camera=(self), microphone=(self)"
# The docs page runs Swagger UI's own inline bootstrap script from the package's files.
DOCS_CSP = (
    b"default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    b"img-src 'self' data:; frame-ancestors 'none'"
)
API_CSP = b"default-src 'none'; frame-ancestors 'none'"
# Issue #11's policy for pages, exactly ('self' covers the same-origin WebSocket in
# current browsers: CSP Level 3 matches ws:/wss: to http:/https: of the same host).
PAGE_CSP = (
    b"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    b"media-src 'self' blob:; connect-src 'self'; worker-src 'self'; manifest-src 'self'; "
    b"frame-ancestors 'none'"
)


def policies_for(path: str) -> tuple[bytes, bytes]:
    """The (Content-Security-Policy, Permissions-Policy) of a response to ``path``."""
    if is_docs_path(path):
        return DOCS_CSP, API_PERMISSIONS
    if is_api_path(path):
        return API_CSP, API_PERMISSIONS
    return PAGE_CSP, PAGE_PERMISSIONS


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope.get("headers", [])).get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if SAFE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        path = scope.get("path", "")
        csp, permissions = policies_for(path)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.extend(COMMON_HEADERS)
                headers.append((b"permissions-policy", permissions))
                headers.append((b"content-security-policy", csp))
                headers.append((b"x-request-id", request_id.encode()))
                if path.startswith("/api/"):
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
