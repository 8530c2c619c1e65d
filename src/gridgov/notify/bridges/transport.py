"""One HTTP POST with a deadline, for the HTTP bridges (WeCom, SMS), on the standard library.

Any answer comes back as a :class:`Response` (an error status too); no answer (refused,
timed out, a broken connection) raises BridgeFailure. Plain ``urllib``: two JSON POSTs need
no client library, and the tests' fake servers listen on loopback."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

from gridgov.notify.bridges.protocol import BridgeFailure

ANSWER_MAX = 64 * 1024


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes

    def json(self) -> dict[str, Any]:
        """The body as a JSON object (BridgeFailure when it is not one)."""
        try:
            value = json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise BridgeFailure(f"HTTP {self.status}: the answer is not JSON") from exc
        if not isinstance(value, dict):
            raise BridgeFailure(f"HTTP {self.status}: the answer is not a JSON object")
        return value


def post(url: str, body: bytes, *, headers: dict[str, str], timeout: float) -> Response:
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            return Response(answer.status, answer.read(ANSWER_MAX))
    except urllib.error.HTTPError as exc:
        return Response(exc.code, exc.read(ANSWER_MAX) if exc.fp else b"")
    except (urllib.error.URLError, OSError, TimeoutError) as exc:
        raise BridgeFailure(f"no answer from {url.split('?', maxsplit=1)[0]}: {exc}") from exc


def post_json(
    url: str, payload: dict[str, Any], *, timeout: float, headers: dict[str, str] | None = None
) -> Response:
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    return post(
        url,
        body,
        headers={"Content-Type": "application/json; charset=utf-8", **(headers or {})},
        timeout=timeout,
    )
