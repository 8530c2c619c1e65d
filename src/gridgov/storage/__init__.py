"""Storage: declarative base, engine and session, migrations."""

from gridgov.storage.base import Base
from gridgov.storage.engine import create_engine_for, session_factory

__all__ = ["Base", "create_engine_for", "session_factory"]
