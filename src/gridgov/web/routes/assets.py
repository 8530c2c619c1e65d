"""The app's install files: the web app manifest and the service worker (served from the
root so that its scope is the whole site). Static files are mounted at ``/static``."""

from __future__ import annotations

import json

from fastapi import Request
from starlette.responses import FileResponse, Response

from gridgov.i18n import translate
from gridgov.web.rendering import page_language
from gridgov.web.routing import page_router
from gridgov.web.templating import STATIC_DIR

router = page_router()


@router.get("/manifest.webmanifest")
def manifest(request: Request) -> Response:
    language = page_language(request)
    body = {
        "name": translate(language, "gridgov: grid governance"),
        "short_name": translate(language, "gridgov"),
        "lang": language,
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#b71c1c",
        "icons": [
            {"src": "/static/icons/icon-192.png", "sizes": "192x192", "type": "image/png"},
            {"src": "/static/icons/icon-512.png", "sizes": "512x512", "type": "image/png"},
            {"src": "/static/icons/icon.svg", "sizes": "any", "type": "image/svg+xml"},
        ],
    }
    return Response(
        json.dumps(body, ensure_ascii=False),
        media_type="application/manifest+json",
        headers={"cache-control": "no-cache"},
    )


@router.get("/sw.js")
def service_worker() -> Response:
    return FileResponse(
        STATIC_DIR / "js" / "sw.js",
        media_type="text/javascript",
        headers={"cache-control": "no-cache", "service-worker-allowed": "/"},
    )
