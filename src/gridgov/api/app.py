"""The FastAPI application factory."""

from __future__ import annotations

from fastapi import Depends, FastAPI
from fastapi_offline import FastAPIOffline
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from gridgov import __version__
from gridgov.api.errors import install_error_handlers
from gridgov.api.events import socket as events_socket
from gridgov.api.events.socket import stop_hub_at_shutdown
from gridgov.api.input_rule import keep_the_input_rule
from gridgov.api.limits import BodySizeLimit
from gridgov.api.open311_errors import Open311ErrorShape
from gridgov.api.responses import document_error_answers
from gridgov.api.routers import ROUTERS, open311
from gridgov.database.keys import bind_keys
from gridgov.database.migrate import ensure_migrated
from gridgov.database.sessions import session_factory
from gridgov.deployment import install
from gridgov.http.headers import SecurityHeaders
from gridgov.http.language import ContentLanguage
from gridgov.settings import Settings
from gridgov.storage.engine import create_engine_for


def create_app(
    *,
    settings: Settings | None = None,
    engine: Engine | None = None,
    session_maker: sessionmaker[Session] | None = None,
) -> FastAPI:
    """Build the app. Refuses an un-migrated database (NotMigrated names the command) and
    keys that cannot decrypt its data (KeysMismatch, database.keys.bind_keys).
    ``settings`` (default: read from the environment) become the process's: its timezone,
    key ring and working hours (gridgov.deployment). Given a ``session_maker``, the caller
    (a test) has already bound its keys."""
    settings = settings or Settings()
    install(settings)
    if session_maker is None:
        engine = engine or create_engine_for(settings.resolved_database_url())
        ensure_migrated(engine)
        bind_keys(engine, settings)
        session_maker = session_factory(engine)
    app: FastAPI = FastAPIOffline(
        title="gridgov",
        version=__version__,
        description="Grid-based grassroots governance: territory, registry, posts.",
        lifespan=stop_hub_at_shutdown,
    )
    app.state.settings = settings
    app.state.session_maker = session_maker
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    # Around the size limit: its 413 (and any 500) under /open311/v2 in Open311's shape.
    app.add_middleware(Open311ErrorShape, prefix=open311.PREFIX)
    # Outside those, so that a refused body (413) and Open311's errors name their language.
    app.add_middleware(ContentLanguage)
    # Outermost, so that even a refused body (413) carries the headers.
    app.add_middleware(SecurityHeaders)
    install_error_handlers(app)

    @app.get("/healthz", tags=["health"])
    def healthz() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    for router in ROUTERS:
        app.include_router(router, prefix="/api/v1", dependencies=[Depends(keep_the_input_rule)])
    # The events socket: outside the ROUTERS' input rule (a request dependency), and absent
    # from the OpenAPI document (a WebSocket route is not an HTTP operation).
    app.include_router(events_socket.router, prefix="/api/v1")
    app.include_router(open311.router)  # /open311/v2, outside /api/v1 as the spec names it
    document_error_answers(app)  # every route's error answers in the OpenAPI, in one place
    return app
