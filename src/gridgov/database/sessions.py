"""The sessions of the platform: every table mapped, every hook installed, every ORM
write audited. The API, the CLI, the worker, the tests and the benchmarks build their
sessions here; :func:`gridgov.storage.engine.session_factory` stays bare (no audit)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker

from gridgov.audit.recorder import install_audit
from gridgov.database import hooks, tables  # noqa: F401 - tables: every mapper configured
from gridgov.storage.engine import session_factory as bare_session_factory


def session_factory(bind: Engine | Connection, **options: Any) -> sessionmaker[Session]:
    """Sessions on ``bind`` (sessionmaker ``options`` as given) that audit every ORM write
    after each flush and run the hooks of :mod:`gridgov.database.hooks`."""
    hooks.install()
    maker = bare_session_factory(bind, **options)
    install_audit(maker)
    return maker
