"""Which requests answer in the API's shapes and which are pages.

The API (``/api/...``), Open311 (``/open311/...``), the health check and the API docs
answer JSON (or Open311's XML) and keep ``default-src 'none'``; every other path is a page
of the web interface (``gridgov.web``): its errors are pages, its CSP the pages' one.
"""

from __future__ import annotations

API_PREFIXES = ("/api/", "/open311/")
API_PATHS = frozenset({"/api", "/open311", "/healthz", "/openapi.json"})
DOCS_PREFIXES = ("/docs", "/redoc", "/static-offline-docs")


def is_docs_path(path: str) -> bool:
    return path.startswith(DOCS_PREFIXES)


def is_api_path(path: str) -> bool:
    """True for a path the API, Open311, the health check or the API docs answer."""
    return path in API_PATHS or path.startswith(API_PREFIXES) or is_docs_path(path)


def is_page_path(path: str) -> bool:
    return not is_api_path(path)
