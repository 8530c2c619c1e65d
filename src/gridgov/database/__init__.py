"""The platform's database, assembled above every domain (the adapters' layer).

``storage`` below holds the bare mechanics (the declarative base, engines); this package
knows every domain: ``tables`` imports every table (the metadata alembic compares),
``migrations`` and ``migrate`` apply the schema, ``hooks`` connects the lower layers to
the higher ones that react to them, and ``sessions`` builds the sessions every adapter
uses, with the audit listener and those hooks installed.
"""
