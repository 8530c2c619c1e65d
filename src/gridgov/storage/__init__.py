"""Storage mechanics: declarative base (base.py), engines and bare sessions (engine.py).

The platform's tables, migrations and audited sessions are :mod:`gridgov.database`'s.
"""
