"""`gridgov serve`: the API server (uvicorn)."""

from __future__ import annotations

import typer
import uvicorn

from gridgov.cli.common import console, settings
from gridgov.jobs.worker import embedded_worker


def serve(
    host: str = typer.Option(None, help="Address to bind (default GRIDGOV_HOST, 127.0.0.1)."),
    port: int = typer.Option(None, help="Port (default GRIDGOV_PORT, 8000)."),
) -> None:
    """Serve the API and its docs on HOST:PORT."""
    # The API loads every router (and the division engine): only this command needs it.
    from gridgov.server import create_app

    configured = settings()
    host = host or configured.host
    port = port or configured.port
    app = create_app(settings=configured)
    console.print(
        f"gridgov serving on http://{host}:{port}/  (API docs: http://{host}:{port}/docs)"
    )
    # The job worker (case timers, notifications) runs in this process unless turned off.
    with embedded_worker(app.state.session_maker, enabled=configured.embedded_worker) as job:
        if job is not None:
            console.print("job worker running in this process (GRIDGOV_EMBEDDED_WORKER=false: off)")
        uvicorn.run(app, host=host, port=port, log_level="info")
