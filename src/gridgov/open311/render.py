"""GeoReport v2 bodies in JSON or XML, the specification's element names included.

XML: a root element holds one element per item (``<services><service>...``); a list field
repeats its singular (``<formats><format>..``); ``None`` is an empty element; booleans are
``true``/``false``. Errors: JSON ``[{"code": 404, "description": ".."}]``, XML
``<errors><error><code>404</code><description>..</description></error></errors>``.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from typing import Any

from starlette.responses import Response

MEDIA_TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'
# A list field's elements: <endpoints><endpoint>, <formats><format>, ...
SINGULAR = {"endpoints": "endpoint", "formats": "format", "attributes": "attribute"}
# Characters XML 1.0 cannot carry at all (control characters a description may hold).
NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return NOT_XML.sub("", str(value))


def _fill(element: ET.Element, value: Any) -> None:
    if isinstance(value, dict):
        for name, child in value.items():
            _fill(ET.SubElement(element, name), child)
    elif isinstance(value, list):
        singular = SINGULAR.get(element.tag, "item")
        for child in value:
            _fill(ET.SubElement(element, singular), child)
    else:
        element.text = _text(value)


def xml_bytes(payload: Any, *, root: str, item: str | None = None) -> bytes:
    """``payload`` as XML under ``root``; a list's entries each as an ``item`` element."""
    element = ET.Element(root)
    if isinstance(payload, list):
        if item is None:
            raise ValueError("a list needs an item element name")
        for entry in payload:
            _fill(ET.SubElement(element, item), entry)
    else:
        _fill(element, payload)
    return XML_DECLARATION + ET.tostring(element, encoding="unicode").encode()


def json_bytes(payload: Any) -> bytes:
    return json.dumps(payload, ensure_ascii=False).encode()


def render(
    fmt: str, payload: Any, *, root: str, item: str | None = None, status: int = 200
) -> Response:
    body = json_bytes(payload) if fmt == "json" else xml_bytes(payload, root=root, item=item)
    return Response(body, status_code=status, media_type=MEDIA_TYPES[fmt])


def render_error(
    fmt: str, status: int, description: str, *, headers: dict[str, str] | None = None
) -> Response:
    """The specification's error list with one error; JSON for an unknown format."""
    payload = [{"code": status, "description": description}]
    response = render(
        fmt if fmt in MEDIA_TYPES else "json", payload, root="errors", item="error", status=status
    )
    response.headers.update(headers or {})
    return response
