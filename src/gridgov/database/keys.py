"""Keys bound to the data: the database records a check value for each key id that encrypts
personal fields and one for the hash secret (GRIDGOV_SECRET_KEY, behind the keyed hashes of
lookups and duplicate checks), and a process refuses to start on keys that fail them.

Every adapter that opens the database for work (``create_app``, the ``gridgov`` commands,
the worker) calls :func:`bind_keys` first: it checks the keys at hand (:func:`keys_match`),
records the check values of the keys about to be used, and installs the ring. Development
keys are generated only for a database that holds no encrypted data and no check values yet.
A database bound before the check values existed is checked against its data (one value per
key id decrypted, one keyed hash recomputed) the first time, then bound.

``keys_match(engine, ring)`` is the hook for commands that must decide for themselves
(``gridgov restore`` checks or skips it); ``keys new`` never opens the database.
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import (
    ColumnClause,
    ColumnElement,
    Connection,
    Engine,
    String,
    and_,
    column,
    delete,
    insert,
    inspect,
    select,
    table,
)
from sqlalchemy.exc import IntegrityError

from gridgov import clock, crypto
from gridgov.crypto import KeyRing, KeysMismatch
from gridgov.database import tables
from gridgov.database.key_checks import ENCRYPTION, HASH, HASH_KEY_ID, KeyCheck
from gridgov.settings import Settings
from gridgov.storage.base import EncryptedString
from gridgov.storage.engine import WRITE_OPTION

_CHECKS = tables.metadata.tables[KeyCheck.__tablename__]


def encrypted_columns() -> list[tuple[str, str]]:
    """(table, column) of every personal field encrypted at rest."""
    return [
        (table_.name, field.name)
        for table_ in tables.metadata.sorted_tables
        for field in table_.columns
        if isinstance(field.type, EncryptedString)
    ]


def _raw_columns(connection: Connection) -> Iterator[ColumnClause[str]]:
    """The encrypted columns, as stored (ciphertext), of the tables this database has."""
    present = set(inspect(connection).get_table_names())
    for table_name, column_name in encrypted_columns():
        if table_name in present:
            yield table(table_name, column(column_name, String)).c[column_name]


def _recorded(connection: Connection) -> dict[tuple[str, str], str]:
    if not inspect(connection).has_table(_CHECKS.name):
        return {}
    rows = connection.execute(select(_CHECKS.c.kind, _CHECKS.c.key_id, _CHECKS.c.check_value))
    return {(kind, key_id): value for kind, key_id, value in rows}


def _under(raw: ColumnClause[str], key_id: str) -> ColumnElement[bool]:
    return raw.startswith(f"{crypto.PREFIX}:{key_id}:", autoescape=True)


def _one_value(
    connection: Connection, raw: ColumnClause[str], *conditions: ColumnElement[bool]
) -> str | None:
    return connection.scalar(select(raw).where(raw.is_not(None), *conditions).limit(1))


def _data_problem(connection: Connection, ring: KeyRing | None) -> str | None:
    """What the data itself says against ``ring`` (for a database not bound yet): a value
    under a key the ring lacks or cannot decrypt with, or an ID number hashed otherwise."""
    key_ids = list(ring.ciphers) if ring is not None else []
    for raw in _raw_columns(connection):
        stranger = _one_value(connection, raw, *(~_under(raw, key_id) for key_id in key_ids))
        if stranger is not None:
            return f"the data holds values encrypted under key {_key_id(stranger)}, " + (
                "and no keys are set" if ring is None else "which the key ring lacks"
            )
        for key_id in key_ids:
            sample = _one_value(connection, raw, _under(raw, key_id))
            if sample is not None and ring is not None and _undecryptable(ring, sample):
                return f"key {key_id} of the key ring is not the key the data was encrypted with"
    return None if ring is None else _hash_problem(connection, ring)


def _hash_problem(connection: Connection, ring: KeyRing) -> str | None:
    """Whether a resident's stored ID number hash is the keyed hash ``ring`` makes of it."""
    if not inspect(connection).has_table("residents"):
        return None
    # The raw columns: the ORM type would decrypt with the process's ring, not ``ring``.
    residents = table("residents", column("id_number", String), column("id_number_hash", String))
    row = connection.execute(
        select(residents.c.id_number, residents.c.id_number_hash)
        .where(residents.c.id_number.is_not(None), residents.c.id_number_hash.is_not(None))
        .limit(1)
    ).first()
    if row is None or _undecryptable(ring, row.id_number):
        return None  # nothing to compare (an undecryptable value is the keys' check's)
    if ring.keyed_hash(ring.decrypt(row.id_number)) == row.id_number_hash:
        return None
    return "GRIDGOV_SECRET_KEY is not the secret the data's keyed hashes were made with"


def _key_id(stored: str) -> str:
    prefix, _, rest = stored.partition(":")
    return rest.partition(":")[0] if prefix == crypto.PREFIX else "(none: not encrypted)"


def _undecryptable(ring: KeyRing, stored: str) -> bool:
    try:
        ring.decrypt(stored)
    except crypto.UndecryptableValue:
        return True
    return False


def _problem(connection: Connection, ring: KeyRing | None) -> str | None:
    recorded = _recorded(connection)
    if ring is None:
        if recorded:
            return "the database records keys, and none are set"
        return _data_problem(connection, None)
    for (kind, key_id), value in sorted(recorded.items()):
        if kind != ENCRYPTION:
            continue
        if key_id not in ring.ciphers:
            return f"the data is encrypted under key {key_id}, which the key ring lacks"
        if not crypto.encryption_check_holds(ring, key_id, value):
            return f"key {key_id} of the key ring is not the key the data was encrypted with"
    recorded_hash = recorded.get((HASH, HASH_KEY_ID))
    if recorded_hash is None:
        return _data_problem(connection, ring)  # never bound: the data decides
    if recorded_hash != crypto.hash_check(ring):
        return "GRIDGOV_SECRET_KEY is not the secret the data's keyed hashes were made with"
    return None


def keys_match(engine: Engine | Connection, ring: KeyRing | None) -> str | None:
    """Why the keys of ``ring`` (None: no keys set) cannot serve this database's data, in a
    few words; None when they can. Reads only."""
    if isinstance(engine, Connection):
        return _problem(engine, ring)
    with engine.connect() as connection:
        return _problem(connection, ring)


def _record(connection: Connection, ring: KeyRing, *, also: frozenset[str]) -> None:
    """Record the check values of the hash secret and of the keys that (will) encrypt."""
    if not inspect(connection).has_table(_CHECKS.name):
        return  # not migrated yet: `gridgov db upgrade` binds after migrating
    recorded = _recorded(connection)
    wanted = {(HASH, HASH_KEY_ID): crypto.hash_check(ring)}
    for key_id in {ring.current_id, *also}:
        wanted[(ENCRYPTION, key_id)] = crypto.encryption_check(ring, key_id)
    rows = [
        {"kind": kind, "key_id": key_id, "check_value": value, "recorded_at": clock.now()}
        for (kind, key_id), value in wanted.items()
        if (kind, key_id) not in recorded
    ]
    if rows:
        connection.execute(insert(_CHECKS), rows)


def _key_ids_in_data(connection: Connection, ring: KeyRing) -> frozenset[str]:
    return frozenset(
        key_id
        for raw in _raw_columns(connection)
        for key_id in ring.ciphers
        if _one_value(connection, raw, _under(raw, key_id)) is not None
    )


def bind_keys(engine: Engine, settings: Settings) -> KeyRing:
    """Check the keys of ``settings`` against the database (KeysMismatch, one line naming
    the data directory and ``gridgov keys``, when they cannot serve it: nothing is written
    then), record their check values, install the ring for the process and return it."""
    for attempt in (1, 2):
        try:
            return _bind(engine, settings)
        except IntegrityError:  # another process recorded the same check values first
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _bind(engine: Engine, settings: Settings) -> KeyRing:
    ring = crypto.keys_at_hand(settings)
    with engine.connect() as connection:
        connection.execution_options(**{WRITE_OPTION: True})  # SQLite: BEGIN IMMEDIATE
        with connection.begin():
            problem = _problem(connection, ring)
            if problem is not None:
                raise KeysMismatch(
                    f"the keys at hand cannot decrypt this database: {problem} (data directory "
                    f"{settings.data_dir}; set the keys the data was written with, see "
                    "`gridgov keys --help`)"
                )
            ring = ring or crypto.key_ring_for(settings)  # a database with no encrypted data
            # Bound for the first time: the key ids its data already uses are recorded too.
            first = (HASH, HASH_KEY_ID) not in _recorded(connection)
            _record(
                connection, ring, also=_key_ids_in_data(connection, ring) if first else frozenset()
            )
    bound = ring
    crypto.use_key_ring(lambda: bound)
    return bound


def forget_unused_keys(connection: Connection, ring: KeyRing) -> list[str]:
    """After a rotation: drop the check values of the key ids no value is encrypted under
    any more (the old keys may then leave the ring); the ids dropped."""
    unused = [
        key_id
        for kind, key_id in _recorded(connection)
        if kind == ENCRYPTION
        and key_id != ring.current_id
        and all(
            _one_value(connection, raw, _under(raw, key_id)) is None
            for raw in _raw_columns(connection)
        )
    ]
    if unused:
        connection.execute(
            delete(_CHECKS).where(and_(_CHECKS.c.kind == ENCRYPTION, _CHECKS.c.key_id.in_(unused)))
        )
    return unused
