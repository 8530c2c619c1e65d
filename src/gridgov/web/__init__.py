"""The web interface: server-rendered pages (Jinja2, htmx) on the same actions and queries as
the API. ``install(app)`` mounts the pages, their static files and their error pages on an
app the API built; ``gridgov.server.create_app`` calls it. docs/web.md says how to add a
page."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from gridgov.web.errors import install_page_errors
from gridgov.web.routes import ROUTERS
from gridgov.web.templating import STATIC_DIR

STATIC_PATH = "/static"


def install(app: FastAPI) -> None:
    for router in ROUTERS:
        app.include_router(router)
    app.mount(STATIC_PATH, StaticFiles(directory=STATIC_DIR), name="static")
    install_page_errors(app)
