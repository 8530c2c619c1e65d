"""Storage: declarative base (base.py), engine and sessions (engine.py), migrations."""
