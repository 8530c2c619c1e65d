"""The whole HTTP server: the API (``gridgov.api.app``) with the pages (``gridgov.web``)
mounted on it. ``gridgov serve`` and the tests' ``client`` build it here: the API and the
pages stand on one layer and import neither each other, so this module above both joins
them."""

from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from gridgov import web
from gridgov.api.app import create_app as create_api_app
from gridgov.settings import Settings


def create_app(
    *,
    settings: Settings | None = None,
    engine: Engine | None = None,
    session_maker: sessionmaker[Session] | None = None,
) -> FastAPI:
    """The API app (see ``gridgov.api.app.create_app`` for the arguments and what it
    refuses) with the web interface installed on it."""
    app = create_api_app(settings=settings, engine=engine, session_maker=session_maker)
    web.install(app)
    return app
