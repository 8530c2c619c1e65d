"""Signing an SMS provider request (pure): HMAC-SHA256 over a canonical string.

Chinese SMS providers accept only signed requests. gridgov signs each one as follows (the
provider side, or a gateway in front of it, checks the same; docs/bridges.md). The
canonical string is five lines joined by ``\\n`` (no trailing newline)::

    POST
    /path/of/the/url                (the URL's path, "/" when empty; no query)
    2026-11-30T01:00:00Z            (X-Gridgov-Timestamp: UTC, seconds, "Z")
    3f2a...                         (X-Gridgov-Nonce: 32 hex characters, used once)
    9b1c...                         (hex SHA-256 of the exact body bytes)

The signature is ``base64(HMAC-SHA256(secret, canonical string as UTF-8))``, sent as
``Authorization: GRIDGOV-HMAC-SHA256 KeyId=<key id>, Signature=<signature>``. The body is
JSON (UTF-8): ``{"phone": ..., "sign_name": ..., "template_id": ..., "params": {...}}``.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
from urllib.parse import urlsplit

SCHEME = "GRIDGOV-HMAC-SHA256"


def timestamp(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def canonical_string(*, method: str, url: str, timestamp: str, nonce: str, body: bytes) -> str:
    path = urlsplit(url).path or "/"
    digest = hashlib.sha256(body).hexdigest()
    return "\n".join((method.upper(), path, timestamp, nonce, digest))


def signature(secret: str, canonical: str) -> str:
    mac = hmac.new(secret.encode("utf-8"), canonical.encode("utf-8"), hashlib.sha256)
    return base64.b64encode(mac.digest()).decode("ascii")


def authorization(key_id: str, sig: str) -> str:
    return f"{SCHEME} KeyId={key_id}, Signature={sig}"


def parse_authorization(header: str) -> tuple[str, str] | None:
    """(key id, signature) of an Authorization header, or None if it is not ours."""
    scheme, _, rest = header.partition(" ")
    if scheme != SCHEME:
        return None
    fields = dict(part.strip().split("=", 1) for part in rest.split(",") if "=" in part)
    if "KeyId" not in fields or "Signature" not in fields:
        return None
    return fields["KeyId"], fields["Signature"]


def verify(secret: str, canonical: str, sig: str) -> bool:
    return hmac.compare_digest(signature(secret, canonical), sig)
