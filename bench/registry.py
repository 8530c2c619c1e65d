"""CSV import of households and residents, against the fastest plain bulk load.

Generates (seeded) a territory of villages, grids and units, 100,000 households and
400,000 residents as CSV, then on SQLite (a temp file) and PostgreSQL (a throwaway
schema) measures in the same run:

(a) the real import: read the CSV, check every row, insert (import_households /
    import_residents), one transaction each, committed;
(b) the baseline: the same rows read from the same CSV and loaded into the same tables
    with no checks at all (``executemany`` on SQLite, ``COPY`` on PostgreSQL).

    python bench/registry.py                      # full size
    python bench/registry.py --households 2000    # a quick run
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import random
import secrets
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine, func, select
from stdnum.cn import ric

import scratch  # bench/scratch.py: the scratch databases
from gridgov import clock
from gridgov.database.migrate import upgrade
from gridgov.database.sessions import session_factory
from gridgov.deployment import install
from gridgov.ids import new_id
from gridgov.registry.importing import (
    HOUSEHOLD_COLUMNS,
    RESIDENT_COLUMNS,
    import_households,
    import_residents,
    read_table,
)
from gridgov.registry.models import Household, Resident
from gridgov.settings import Settings
from gridgov.storage.engine import create_engine_for
from gridgov.territory.actions import check_create_territory
from gridgov.territory.codes import child_code

DISTRICT, TOWN = "350305", "350305108"
HOUSEHOLDS_PER_VILLAGE, HOUSEHOLDS_PER_GRID, HOUSEHOLDS_PER_UNIT = 1000, 40, 8
ACTOR = "bench:registry"
console = Console()

# --- generated data -------------------------------------------------------------------

SURNAMES = "林陈黄吴郑王李张刘杨蔡许周朱徐何"
GIVEN = "金玉秀明华国建文美丽志强春梅海燕德福平安"
KEY_GROUPS = ("elderly_alone", "disabled", "low_income", "left_behind_child", "veteran")
PHONE_PREFIXES = ("138", "139", "150", "158", "186", "189", "135", "177")


def region_for(year: int) -> str:
    # stdnum checks the region against the birth year: Xiuyu district (350305) since
    # 2002, Putian county (350321) 1983-2002, the older Putian county (352326) before.
    return "350305" if year >= 2002 else "350321" if year >= 1983 else "352326"


class IdNumbers:
    """Valid, unique resident ID numbers for given birth dates and sexes."""

    def __init__(self) -> None:
        self._used: dict[tuple[dt.date, str], int] = {}

    def make(self, birth: dt.date, sex: str) -> str:
        serial = self._used.get((birth, sex), 0)
        self._used[(birth, sex)] = serial + 1
        order = serial * 2 + (1 if sex == "male" else 0)  # odd for men, even for women
        body = f"{region_for(birth.year)}{birth:%Y%m%d}{order:03d}"
        return body + ric.calc_check_digit(body + "0")


@dataclass
class Layout:
    villages: int
    grids_per_village: int
    units_per_grid: int

    @classmethod
    def for_households(cls, households: int) -> Layout:
        villages = max(1, -(-households // HOUSEHOLDS_PER_VILLAGE))
        per_village = -(-households // villages)
        grids = max(1, -(-per_village // HOUSEHOLDS_PER_GRID))
        units = max(1, -(-HOUSEHOLDS_PER_GRID // HOUSEHOLDS_PER_UNIT))
        return cls(villages, grids, units)

    def unit_codes(self) -> list[str]:
        return [
            child_code(child_code(self.village_code(v), "grid", g), "unit", u)
            for v in range(1, self.villages + 1)
            for g in range(1, self.grids_per_village + 1)
            for u in range(1, self.units_per_grid + 1)
        ]

    @staticmethod
    def village_code(serial: int) -> str:
        return child_code(TOWN, "village", serial)


def write_households(path: Path, layout: Layout, count: int, rng: random.Random) -> None:
    units = layout.unit_codes()
    per_unit = -(-count // len(units))
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(HOUSEHOLD_COLUMNS)
        for index in range(count):
            unit = units[index // per_unit]
            located = rng.random() < 0.8
            lon = f"{119.08 + rng.random() * 0.04:.6f}" if located else ""
            lat = f"{25.03 + rng.random() * 0.09:.6f}" if located else ""
            number = f"{index + 1:06d}"
            address = f"{unit[9:12]}村{number}号"
            writer.writerow([unit[:12], number, address, unit, lon, lat])


def write_residents(path: Path, households: Path, per_household: int, rng: random.Random) -> int:
    ids = IdNumbers()
    written = 0
    with (
        households.open(newline="", encoding="utf-8") as source,
        path.open("w", newline="", encoding="utf-8") as out,
    ):
        reader = csv.DictReader(source)
        writer = csv.writer(out)
        writer.writerow(RESIDENT_COLUMNS)
        for household in reader:
            for member in range(per_household):
                writer.writerow(resident_row(household, member, ids, rng))
                written += 1
    return written


def resident_row(
    household: dict[str, str], member: int, ids: IdNumbers, rng: random.Random
) -> list[str]:
    relation = (
        "head"
        if member == 0
        else "spouse"
        if member == 1
        else rng.choice(("son", "daughter", "parent", "grandchild"))
    )
    sex = ("male", "female")[member % 2] if member < 2 else rng.choice(("male", "female"))
    earliest = {"parent": 1930, "grandchild": 2005, "son": 1975, "daughter": 1975}
    start = dt.date(earliest.get(relation, 1945), 1, 1)
    birth = start + dt.timedelta(days=rng.randrange(min(20000, (dt.date(2023, 1, 1) - start).days)))
    tag = rng.choice(KEY_GROUPS) if rng.random() < 0.06 else ""
    return [
        household["village_code"],
        household["household_no"],
        rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
        sex,
        birth.isoformat(),
        ids.make(birth, sex) if rng.random() < 0.95 else "",
        f"{rng.choice(PHONE_PREFIXES)}{rng.randrange(10**8):08d}" if rng.random() < 0.7 else "",
        relation,
        rng.choice(("living_here",) * 8 + ("working_away", "incoming_migrant")),
        tag,
    ]


# --- databases ------------------------------------------------------------------------


@contextmanager
def sqlite_database(work: Path) -> Iterator[Engine]:
    path = work / f"bench-{secrets.token_hex(4)}.sqlite3"
    engine = create_engine_for(f"sqlite:///{path}")
    try:
        upgrade(engine)
        yield engine
    finally:
        engine.dispose()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)


@contextmanager
def postgres_database(_work: Path) -> Iterator[Engine]:
    with scratch.postgres_schema("bench_registry") as (engine, _url):
        yield engine


def build_territory(engine: Engine, layout: Layout) -> None:
    """The tree through the real territory actions, as a deployment would build it."""
    with session_factory(engine)() as session, session.begin():

        def create(code: str, level: str, parent: str | None) -> None:
            name = f"{level} {code}"
            check_create_territory(
                session, code=code, level=level, parent_code=parent, name_zh=name, actor=ACTOR
            )

        create(DISTRICT, "district", None)
        create(TOWN, "town", DISTRICT)
        for v in range(1, layout.villages + 1):
            village = layout.village_code(v)
            create(village, "village", TOWN)
            for g in range(1, layout.grids_per_village + 1):
                grid = child_code(village, "grid", g)
                create(grid, "grid", village)
                for u in range(1, layout.units_per_grid + 1):
                    create(child_code(grid, "unit", u), "unit", grid)


def empty_registry(engine: Engine) -> None:
    """Delete the imported rows and compact, so the baseline starts from the same state."""
    with engine.begin() as connection:
        for table in ("resident_key_groups", "residents", "households"):
            connection.exec_driver_sql(f"DELETE FROM {table}")
    raw = engine.raw_connection()
    try:
        if engine.dialect.name == "postgresql":
            raw.driver_connection.autocommit = True
            raw.cursor().execute("VACUUM ANALYZE households, residents, resident_key_groups")
            raw.driver_connection.autocommit = False
        else:
            raw.cursor().execute("VACUUM")
    finally:
        raw.close()


def count_rows(engine: Engine) -> tuple[int, int]:
    with session_factory(engine)() as session:
        households = session.scalar(select(func.count()).select_from(Household)) or 0
        residents = session.scalar(select(func.count()).select_from(Resident)) or 0
    return households, residents


# --- (a) the real import ----------------------------------------------------------------


def real_import(engine: Engine, kind: str, path: Path) -> int:
    importer = import_households if kind == "households" else import_residents
    with session_factory(engine)() as session, session.begin():
        return importer(session, read_table(path), actor=ACTOR).rows


# --- (b) the plain bulk load ------------------------------------------------------------

HOUSEHOLD_TABLE_COLUMNS = (
    "id", "village_code", "territory_code", "household_no", "address", "lon", "lat",
    "status", "created_at", "updated_at", "updated_by", "version",
)  # fmt: skip
RESIDENT_TABLE_COLUMNS = (
    "id", "household_id", "territory_code", "name", "sex", "birth_date", "id_number",
    "phone", "relation_to_head", "residence_status", "created_at", "updated_at",
    "updated_by", "version",
)  # fmt: skip


def plain_household_rows(path: Path, stamp: Any) -> Iterator[tuple[Any, ...]]:
    with path.open(newline="", encoding="utf-8-sig") as source:
        reader = csv.reader(source)
        next(reader)
        for village, number, address, unit, lon, lat in reader:
            yield (
                new_id(), village, unit or village, number, address,
                float(lon) if lon else None, float(lat) if lat else None,
                "active", stamp, stamp, ACTOR, 1,
            )  # fmt: skip


def plain_resident_rows(
    path: Path, households: dict[tuple[str, str], tuple[str, str]], stamp: Any, tags: list
) -> Iterator[tuple[Any, ...]]:
    with path.open(newline="", encoding="utf-8-sig") as source:
        reader = csv.reader(source)
        next(reader)
        for village, number, name, sex, born, id_no, phone, relation, status, tag in reader:
            household_id, territory = households[(village, number)]
            resident_id = new_id()
            if tag:
                tags.append((resident_id, tag))
            yield (
                resident_id, household_id, territory, name, sex, born, id_no or None,
                phone or None, relation, status or "living_here", stamp, stamp, ACTOR, 1,
            )  # fmt: skip


def household_map(cursor: Any) -> dict[tuple[str, str], tuple[str, str]]:
    cursor.execute("SELECT village_code, household_no, id, territory_code FROM households")
    return {(v, n): (i, t) for v, n, i, t in cursor.fetchall()}


def sqlite_load(engine: Engine, kind: str, path: Path) -> int:
    stamp = clock.now().strftime("%Y-%m-%d %H:%M:%S.%f")  # SQLAlchemy's SQLite format
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("BEGIN")
        loaded = _sqlite_load_rows(cursor, kind, path, stamp)
        cursor.execute("COMMIT")
        return loaded
    finally:
        raw.close()


def _sqlite_load_rows(cursor: Any, kind: str, path: Path, stamp: str) -> int:
    def insert(table: str, columns: tuple[str, ...], rows: Any) -> None:
        marks = ", ".join("?" * len(columns))
        cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)

    if kind == "households":
        rows = list(plain_household_rows(path, stamp))
        insert("households", HOUSEHOLD_TABLE_COLUMNS, rows)
        return len(rows)
    tags: list[tuple[str, str]] = []
    rows = list(plain_resident_rows(path, household_map(cursor), stamp, tags))
    insert("residents", RESIDENT_TABLE_COLUMNS, rows)
    insert("resident_key_groups", ("resident_id", "key_group_code"), tags)
    return len(rows)


def postgres_load(engine: Engine, kind: str, path: Path) -> int:
    stamp = clock.now()
    raw = engine.raw_connection()
    try:
        connection = raw.driver_connection
        with connection.transaction(), connection.cursor() as cursor:
            loaded = _postgres_copy_rows(cursor, kind, path, stamp)
        return loaded
    finally:
        raw.close()


def _postgres_copy_rows(cursor: Any, kind: str, path: Path, stamp: dt.datetime) -> int:
    def copy(table: str, columns: tuple[str, ...], rows: Any) -> int:
        loaded = 0
        with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as stream:
            for row in rows:
                stream.write_row(row)
                loaded += 1
        return loaded

    if kind == "households":
        return copy("households", HOUSEHOLD_TABLE_COLUMNS, plain_household_rows(path, stamp))
    tags: list[tuple[str, str]] = []
    rows = plain_resident_rows(path, household_map(cursor), stamp, tags)
    loaded = copy("residents", RESIDENT_TABLE_COLUMNS, rows)
    copy("resident_key_groups", ("resident_id", "key_group_code"), tags)
    return loaded


# --- the run ------------------------------------------------------------------------------


@dataclass
class Result:
    backend: str
    kind: str
    rows: int
    seconds: float
    baseline_seconds: float


def timed(work: Callable[[], int]) -> tuple[int, float]:
    start = time.perf_counter()
    rows = work()
    return rows, time.perf_counter() - start


def bench_backend(backend: str, work: Path, layout: Layout, files: dict[str, Path]) -> list[Result]:
    database = sqlite_database if backend == "sqlite" else postgres_database
    plain_load = sqlite_load if backend == "sqlite" else postgres_load
    with database(work) as engine:
        console.log(f"{backend}: building the territory")
        build_territory(engine, layout)
        measured: dict[str, tuple[int, float]] = {}
        for kind in ("households", "residents"):
            console.log(f"{backend}: importing {kind}")
            measured[kind] = timed(lambda kind=kind: real_import(engine, kind, files[kind]))
        expected = (measured["households"][0], measured["residents"][0])
        assert count_rows(engine) == expected, "the import did not store every row"
        empty_registry(engine)
        results = []
        for kind in ("households", "residents"):
            console.log(f"{backend}: plain bulk load of {kind}")
            loaded, baseline = timed(lambda kind=kind: plain_load(engine, kind, files[kind]))
            rows, seconds = measured[kind]
            assert loaded == rows, "the baseline loaded other rows than the import"
            results.append(Result(backend, kind, rows, seconds, baseline))
        assert count_rows(engine) == expected, "the baseline did not store every row"
    return results


def print_table(results: list[Result]) -> None:
    table = Table(title="registry import vs plain bulk load (executemany / COPY)")
    for heading in ("backend", "kind", "rows", "seconds", "rows/s", "baseline rows/s", "ratio"):
        table.add_column(heading, justify="left" if heading in ("backend", "kind") else "right")
    for r in results:
        rate, baseline = r.rows / r.seconds, r.rows / r.baseline_seconds
        table.add_row(
            r.backend, r.kind, f"{r.rows:,}", f"{r.seconds:.2f}",
            f"{rate:,.0f}", f"{baseline:,.0f}", f"{rate / baseline:.2f}",
        )  # fmt: skip
    console.print(table)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--residents-per-household", type=int, default=4)
    parser.add_argument("--seed", type=int, default=20240101)
    parser.add_argument(
        "--backends", nargs="+", choices=("sqlite", "postgresql"), default=["sqlite", "postgresql"]
    )
    args = parser.parse_args(argv)
    install(Settings())  # this script is the adapter: timezone, key ring, working hours
    rng = random.Random(args.seed)
    layout = Layout.for_households(args.households)
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="gridgov-bench-") as tmp:
        work = Path(tmp)
        files = {"households": work / "households.csv", "residents": work / "residents.csv"}
        console.log(f"generating {args.households:,} households ({layout})")
        write_households(files["households"], layout, args.households, rng)
        residents = write_residents(
            files["residents"], files["households"], args.residents_per_household, rng
        )
        console.log(f"generated {residents:,} residents")
        for backend in args.backends:
            if backend == "postgresql" and not scratch.postgres_reachable():
                continue
            results += bench_backend(backend, work, layout, files)
    print_table(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
