"""Backups of the whole platform in one archive, and restoring them.

One tar file holds ``manifest.json`` (format version, backend, migration revision, the
clock's time, each table's row count and checksum, each photo's SHA-256), the database
(SQLite: a copy made with the online backup API; PostgreSQL: ``pg_dump`` custom format), the
case photos of the data directory and, only when asked, the keys sealed with a passphrase.

- ``manifest``: the manifest and what a restore checks of it first;
- ``checksums``: row counts and per-table checksums (rows by primary key, hashed);
- ``sealing``: the keys under a passphrase (Scrypt, then AES-GCM);
- ``sqlite_dump`` / ``postgres_dump``: a consistent copy of each backend, and its restore;
- ``archive``: writing and reading the tar file, photos included;
- ``create`` / ``restore``: what ``gridgov backup`` and ``gridgov restore`` do.

Nothing here decrypts a personal field: a restore works whatever keys are configured.
"""
