"""`gridgov serve`: the API and the pages (uvicorn), over HTTP or, given a certificate and
its key, HTTPS."""

from __future__ import annotations

import ssl
from pathlib import Path

import typer
import uvicorn

from gridgov.api.events.socket import UVICORN_OPTIONS
from gridgov.cli.common import console, settings
from gridgov.errors import GridgovError
from gridgov.jobs.worker import embedded_worker


def check_certificate(certfile: Path | None, keyfile: Path | None) -> None:
    """Both or neither, each a readable PEM file that fits the other: refused here in one
    line rather than by a traceback from uvicorn."""
    if (certfile is None) != (keyfile is None):
        raise GridgovError("--certfile and --keyfile go together: give both for HTTPS")
    if certfile is None or keyfile is None:
        return
    for option, path in (("--certfile", certfile), ("--keyfile", keyfile)):
        if not path.is_file():
            raise GridgovError(f"{option} {path}: no such file")
    try:
        ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(certfile, keyfile)
    except (ssl.SSLError, ValueError, OSError) as exc:
        raise GridgovError(
            f"--certfile {certfile} / --keyfile {keyfile}: not a certificate and its key ({exc})"
        ) from exc


def serve(
    host: str = typer.Option(None, help="Address to bind (default GRIDGOV_HOST, 127.0.0.1)."),
    port: int = typer.Option(None, help="Port (default GRIDGOV_PORT, 8000)."),
    certfile: Path = typer.Option(None, help="PEM certificate (chain): serve HTTPS."),
    keyfile: Path = typer.Option(None, help="PEM private key of --certfile."),
    forwarded_allow_ips: str = typer.Option(
        None,
        help="Addresses of reverse proxies whose X-Forwarded-Proto/-For are trusted "
        "(default 127.0.0.1; '*' trusts any).",
    ),
) -> None:
    """Serve the API, its docs and the web pages on HOST:PORT."""
    check_certificate(certfile, keyfile)
    # The app loads every router (and the division engine): only this command needs it.
    from gridgov.server import create_app

    configured = settings()
    host = host or configured.host
    port = port or configured.port
    app = create_app(settings=configured)
    scheme = "https" if certfile else "http"
    console.print(
        f"gridgov serving on {scheme}://{host}:{port}/  (API docs: {scheme}://{host}:{port}/docs)"
    )
    # The job worker (case timers, notifications) runs in this process unless turned off.
    with embedded_worker(app.state.session_maker, enabled=configured.embedded_worker) as job:
        if job is not None:
            console.print("job worker running in this process (GRIDGOV_EMBEDDED_WORKER=false: off)")
        uvicorn.run(
            app,
            host=host,
            port=port,
            log_level="info",
            ssl_certfile=str(certfile) if certfile else None,
            ssl_keyfile=str(keyfile) if keyfile else None,
            proxy_headers=True,
            forwarded_allow_ips=forwarded_allow_ips,
            **UVICORN_OPTIONS,
        )
