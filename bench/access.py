"""The resident list under access control, against the same query without scoping.

On PostgreSQL (a throwaway schema) builds a county: district 350305, 20 towns of equal
size (1,000,000 residents: 50,000 a town), villages of ~5,000, grids of ~500, units of
~100 residents, households of 1-5; every ID number and phone encrypted with its keyed
hash, as the product stores them; key-group tags. Then a grid leader and a town official
of the first town (real accounts actions), and in the same run, interleaved round by round,
N timed calls of the real ``gridgov.registry.queries.list_residents`` (first page of 50,
sorted as it sorts, with its exact total), each in a fresh short transaction:

    grid leader          principal=the grid leader
    unscoped, grid       territory=<that grid>           (the grid leader's baseline)
    town official        principal=the town official
    unscoped, town       territory=<that town>           (the town official's baseline)
    unscoped, county     no scoping, no territory

each unfiltered and filtered (key_group=elderly_alone, residence_status=living_here).

    python bench/access.py                        # 1,000,000 residents
    python bench/access.py --residents 20000      # a quick run
    python bench/access.py --explain              # and the plans of the slowest scoped case
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import secrets
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

# Fixed bench-only keys (before gridgov.crypto reads settings), so a --keep schema stays
# readable by later runs and no secrets file is written.
os.environ.setdefault("GRIDGOV_SECRET_KEY", "bench-access-secret-key-" + "b" * 32)
os.environ.setdefault(
    "GRIDGOV_ENCRYPTION_KEYS", "bench:YmVuY2hiZW5jaGJlbmNoYmVuY2hiZW5jaGJlbmNoYmU="
)

from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine, event

from gridgov import clock
from gridgov.access.principal import Principal
from gridgov.accounts.actions import check_assign_role, check_create_user
from gridgov.accounts.principal import principal_for
from gridgov.crypto import encrypt, keyed_hash
from gridgov.database.migrate import upgrade
from gridgov.database.sessions import session_factory
from gridgov.deployment import install
from gridgov.ids import new_id
from gridgov.registry.queries import list_residents
from gridgov.settings import Settings
from gridgov.storage.engine import create_engine_for
from gridgov.territory.codes import child_code

POSTGRES_URL = os.environ.get(
    "GRIDGOV_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
DISTRICT = "350305"
TOWNS = 20
FIRST_TOWN_SERIAL = 101  # towns 350305101..; the first one is measured
PER_VILLAGE, PER_GRID, PER_UNIT = 5000, 500, 100  # residents
ACTOR = "bench:access"
PAGE = 50
TARGET_P99_MS = 50.0
console = Console(width=None if sys.stdout.isatty() else 150)

SURNAMES = "林陈黄吴郑王李张刘杨蔡许周朱徐何"
GIVEN = "金玉秀明华国建文美丽志强春梅海燕德福平安"
PHONE_PREFIXES = ("138", "139", "150", "158", "186", "189", "135", "177")
STATUSES = ("living_here",) * 80 + ("working_away",) * 8 + ("incoming_migrant",) * 7
STATUSES += ("moved_out",) * 3 + ("deceased",) * 2
OTHER_TAGS = ("disabled", "low_income", "left_behind_child", "veteran", "serious_illness")
ID_WEIGHTS = [2 ** (17 - i) % 11 for i in range(17)]

TERRITORY_COLUMNS = (
    "id", "code", "level", "parent_code", "name_zh", "name_en", "status",
    "created_at", "updated_at", "updated_by", "version",
)  # fmt: skip
HOUSEHOLD_COLUMNS = (
    "id", "village_code", "territory_code", "household_no", "address", "lon", "lat",
    "status", "created_at", "updated_at", "updated_by", "version",
)  # fmt: skip
RESIDENT_COLUMNS = (
    "id", "household_id", "territory_code", "name", "sex", "birth_date", "id_number",
    "id_number_hash", "phone", "phone_hash", "relation_to_head", "residence_status",
    "created_at", "updated_at", "updated_by", "version",
)  # fmt: skip


# --- the county ----------------------------------------------------------------------------


@dataclass
class Town:
    code: str
    residents: int
    # village code -> grid code -> unit codes
    villages: dict[str, dict[str, list[str]]] = field(default_factory=dict)

    @classmethod
    def laid_out(cls, serial: int, residents: int) -> Town:
        town = cls(child_code(DISTRICT, "town", serial), residents)
        villages = max(1, round(residents / PER_VILLAGE))
        grids = max(1, round(residents / villages / PER_GRID))
        units = max(1, round(PER_GRID / PER_UNIT))
        for v in range(1, villages + 1):
            village = child_code(town.code, "village", v)
            town.villages[village] = {
                child_code(village, "grid", g): [
                    child_code(child_code(village, "grid", g), "unit", u)
                    for u in range(1, units + 1)
                ]
                for g in range(1, grids + 1)
            }
        return town

    def units(self) -> list[str]:
        return [u for grids in self.villages.values() for units in grids.values() for u in units]

    def first_grid(self) -> str:
        return next(iter(next(iter(self.villages.values()))))


def county_of(residents: int) -> list[Town]:
    per_town = residents // TOWNS
    towns = [Town.laid_out(FIRST_TOWN_SERIAL + t, per_town) for t in range(TOWNS)]
    towns[-1].residents += residents - per_town * TOWNS  # the measured town stays exact
    return towns


class People:
    """Seeded residents: unique valid ID numbers, encrypted with their keyed hashes."""

    def __init__(self, rng: random.Random, stamp: dt.datetime) -> None:
        self.rng = rng
        self.stamp = stamp
        self._serials: dict[tuple[dt.date, str], int] = {}
        self.tags: list[tuple[str, str]] = []

    def id_number(self, birth: dt.date, sex: str) -> str:
        serial = self._serials.get((birth, sex), 0)
        self._serials[(birth, sex)] = serial + 1
        region = "350305" if birth.year >= 2002 else "350321"
        body = f"{region}{birth:%Y%m%d}{serial * 2 + (sex == 'male'):03d}"
        checksum = sum(int(d) * w for d, w in zip(body, ID_WEIGHTS, strict=True)) % 11
        return body + "10X98765432"[checksum]

    def household(self, unit: str, number: int, size: int) -> tuple[tuple, list[tuple]]:
        rng, stamp = self.rng, self.stamp
        household_id = new_id()
        lon, lat = 119.0 + rng.random() * 0.2, 25.0 + rng.random() * 0.2
        row = (
            household_id, unit[:12], unit, f"{number:06d}", f"{unit[9:12]}村{number}号",
            lon, lat, "active", stamp, stamp, ACTOR, 1,
        )  # fmt: skip
        members = [self.resident(household_id, unit, m, size) for m in range(size)]
        return row, members

    def resident(self, household_id: str, unit: str, member: int, size: int) -> tuple:
        rng, stamp = self.rng, self.stamp
        relation = ("head", "spouse")[member] if member < 2 else rng.choice(("son", "daughter"))
        sex = ("male", "female")[member % 2] if member < 2 else rng.choice(("male", "female"))
        born = dt.date(1930 if member < 2 else 1975, 1, 1)
        birth = born + dt.timedelta(days=rng.randrange(25000 if member < 2 else 17000))
        id_number = self.id_number(birth, sex) if rng.random() < 0.95 else None
        phone = f"{rng.choice(PHONE_PREFIXES)}{rng.randrange(10**8):08d}"
        phone = phone if rng.random() < 0.7 else None
        resident_id = new_id()
        if size == 1 and birth.year < 1960:
            self.tags.append((resident_id, "elderly_alone"))
        elif rng.random() < 0.05:
            self.tags.append((resident_id, rng.choice(OTHER_TAGS)))
        return (
            resident_id, household_id, unit,
            rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN), sex, birth,
            id_number and encrypt(id_number), id_number and keyed_hash(id_number),
            phone and encrypt(phone), phone and keyed_hash(phone),
            relation, rng.choice(STATUSES), stamp, stamp, ACTOR, 1,
        )  # fmt: skip

    def town(self, town: Town) -> tuple[list[tuple], list[tuple]]:
        """Households and residents of a town: its residents spread evenly over its units."""
        households: list[tuple] = []
        residents: list[tuple] = []
        units = town.units()
        numbers: dict[str, int] = {}
        for index, unit in enumerate(units):
            quota = town.residents * (index + 1) // len(units) - town.residents * index // len(
                units
            )
            while quota > 0:
                size = min(quota, self.rng.choice((1, 1, 2, 2, 3, 3, 3, 4, 4, 5)))
                numbers[unit[:12]] = number = numbers.get(unit[:12], 0) + 1
                row, members = self.household(unit, number, size)
                households.append(row)
                residents += members
                quota -= size
        return households, residents


def territory_rows(towns: list[Town], stamp: dt.datetime) -> Iterator[tuple]:
    def row(code: str, level: str, parent: str | None) -> tuple:
        name = f"{level} {code}"
        return (new_id(), code, level, parent, name, name, "active", stamp, stamp, ACTOR, 1)

    yield row(DISTRICT, "district", None)
    for town in towns:
        yield row(town.code, "town", DISTRICT)
        for village, grids in town.villages.items():
            yield row(village, "village", town.code)
            for grid, units in grids.items():
                yield row(grid, "grid", village)
                for unit in units:
                    yield row(unit, "unit", grid)


def copy(cursor: Any, table: str, columns: tuple[str, ...], rows: Any) -> int:
    loaded = 0
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as stream:
        for one in rows:
            stream.write_row(one)
            loaded += 1
    return loaded


def build_county(engine: Engine, towns: list[Town], seed: int) -> int:
    """COPY the tree, households, residents and tags; VACUUM ANALYZE. Returns residents."""
    stamp = clock.now()
    people = People(random.Random(seed), stamp)
    loaded = 0
    raw = engine.raw_connection()
    try:
        connection = raw.driver_connection
        with connection.transaction(), connection.cursor() as cursor:
            nodes = copy(cursor, "territories", TERRITORY_COLUMNS, territory_rows(towns, stamp))
            console.log(f"{nodes:,} territory nodes")
            for town in towns:
                households, residents = people.town(town)
                copy(cursor, "households", HOUSEHOLD_COLUMNS, households)
                loaded += copy(cursor, "residents", RESIDENT_COLUMNS, residents)
                console.log(f"town {town.code}: {len(households):,} households, {loaded:,} total")
            copy(cursor, "resident_key_groups", ("resident_id", "key_group_code"), people.tags)
        connection.autocommit = True
        console.log("VACUUM ANALYZE")
        connection.execute("VACUUM ANALYZE territories, households, residents, resident_key_groups")
        connection.autocommit = False
    finally:
        raw.close()
    return loaded


def make_users(engine: Engine, town: Town) -> dict[str, Principal]:
    """A grid leader of the town's first grid and a town official, via the real actions."""
    principals = {}
    with session_factory(engine)() as session, session.begin():
        for role, code in (("grid_leader", town.first_grid()), ("town_official", town.code)):
            user = check_create_user(
                session,
                username=f"bench.{role.replace('_', '.')}",
                password=secrets.token_urlsafe(18),
                actor=ACTOR,
            )
            check_assign_role(
                session,
                user_id=user.id,
                role=role,
                territory_code=code,
                start_date=clock.today(),
                actor=ACTOR,
            )
            session.flush()
            principals[role] = principal_for(session, user)
    return principals


# --- the measurement -----------------------------------------------------------------------

FILTERS: dict[str, dict[str, str]] = {
    "all, sorted": {},
    "elderly_alone + living_here": {
        "key_group": "elderly_alone",
        "residence_status": "living_here",
    },
}


@dataclass
class Case:
    label: str
    filter_label: str
    kwargs: dict[str, Any]
    baseline: str | None  # the label of the unscoped case over the same node
    seconds: list[float] = field(default_factory=list)
    total: int = 0

    @property
    def key(self) -> str:
        return f"{self.label} | {self.filter_label}"

    def call(self, engine: Engine) -> float:
        start = time.perf_counter()
        with session_factory(engine)() as session, session.begin():
            rows, total = list_residents(session, limit=PAGE, offset=0, **self.kwargs)
        elapsed = time.perf_counter() - start
        assert len(rows) == min(PAGE, total)
        self.total = total
        return elapsed

    def percentile(self, q: float) -> float:
        ordered = sorted(self.seconds)
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] * 1000

    @property
    def p50(self) -> float:
        return statistics.median(self.seconds) * 1000


def cases_for(town: Town, principals: dict[str, Principal]) -> list[Case]:
    grid = town.first_grid()
    shapes: list[tuple[str, dict[str, Any], str | None]] = [
        ("grid leader", {"principal": principals["grid_leader"]}, "unscoped, grid"),
        ("unscoped, grid", {"territory": grid}, None),
        ("town official", {"principal": principals["town_official"]}, "unscoped, town"),
        ("unscoped, town", {"territory": town.code}, None),
        ("unscoped, county", {}, None),
    ]
    return [
        Case(label, filter_label, {**kwargs, **filters}, baseline)
        for filter_label, filters in FILTERS.items()
        for label, kwargs, baseline in shapes
    ]


def measure(engine: Engine, cases: list[Case], repeat: int, warmup: int) -> None:
    """Round-robin over the cases, so noise from the shared machine hits them alike."""
    for _ in range(warmup):
        for case in cases:
            case.call(engine)
    by_key = {case.key: case for case in cases}
    for case in cases:  # scoping must show exactly what territory= shows: no more, no less
        baseline = by_key.get(f"{case.baseline} | {case.filter_label}")
        assert baseline is None or case.total == baseline.total, f"{case.key}: totals differ"
    for round_no in range(repeat):
        for case in cases:
            case.seconds.append(case.call(engine))
        if (round_no + 1) % 50 == 0:
            console.log(f"{round_no + 1}/{repeat} rounds")


def explain(engine: Engine, case: Case) -> None:
    """EXPLAIN (ANALYZE, BUFFERS) of every statement one call of ``case`` sends."""
    statements: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        case.call(engine)
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    with engine.connect() as connection:
        for statement, parameters in statements:
            console.rule(f"{case.key}")
            console.print(" ".join(statement.split()), markup=False, highlight=False)
            shown = repr(parameters)
            console.print(shown[:400] + ("..." if len(shown) > 400 else ""), markup=False)
            plan = connection.exec_driver_sql(
                f"EXPLAIN (ANALYZE, BUFFERS) {statement}", parameters
            ).scalars()
            console.print("\n".join(plan), markup=False, highlight=False)


def print_table(cases: list[Case], residents: int, repeat: int) -> None:
    by_label = {case.key: case for case in cases}
    table = Table(
        title=f"list_residents, first page of {PAGE} with its total: {residents:,} residents, "
        f"{repeat} calls each (target p99 < {TARGET_P99_MS:.0f} ms)"
    )
    headings = ("case", "filter", "rows visible", "p50 ms", "p99 ms", "p50 ratio", "p99 ratio")
    for heading in headings:
        table.add_column(heading, justify="left" if heading in ("case", "filter") else "right")
    for case in cases:
        baseline = by_label.get(f"{case.baseline} | {case.filter_label}")
        p99 = case.percentile(0.99)
        ratios = ("-", "-")
        if baseline is not None:
            ratios = (f"{case.p50 / baseline.p50:.2f}", f"{p99 / baseline.percentile(0.99):.2f}")
        style = "red" if p99 > TARGET_P99_MS and case.label != "unscoped, county" else ""
        table.add_row(
            case.label, case.filter_label, f"{case.total:,}", f"{case.p50:.1f}",
            f"[{style}]{p99:.1f}[/]" if style else f"{p99:.1f}", *ratios,
        )  # fmt: skip
    console.print(table)
    console.print(
        "ratio: the scoped case against the unscoped query over the same node (territory=)"
    )


# --- the run -------------------------------------------------------------------------------


@contextmanager
def throwaway_schema(keep: bool) -> Iterator[Engine]:
    schema = f"bench_access_{os.getpid()}_{secrets.token_hex(4)}"
    admin = create_engine_for(POSTGRES_URL)
    with admin.begin() as connection:
        connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    engine = create_engine_for(f"{POSTGRES_URL}?options=-csearch_path%3D{schema}")
    try:
        yield engine
    finally:
        engine.dispose()
        if keep:
            console.print(f"kept schema {schema}")
        else:
            with admin.begin() as connection:
                connection.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


def timed(label: str, work: Callable[[], Any]) -> Any:
    start = time.perf_counter()
    result = work()
    console.log(f"{label}: {time.perf_counter() - start:.1f} s")
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--residents", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=200, help="timed calls per case")
    parser.add_argument("--warmup", type=int, default=10, help="untimed calls per case first")
    parser.add_argument("--seed", type=int, default=20240101)
    parser.add_argument("--keep", action="store_true", help="do not drop the schema")
    parser.add_argument("--explain", action="store_true", help="plans of the slowest scoped case")
    args = parser.parse_args(argv)
    install(Settings())  # this script is the adapter: timezone, key ring, working hours
    if args.residents < TOWNS * PER_UNIT:
        parser.error(f"--residents must be at least {TOWNS * PER_UNIT}")
    towns = county_of(args.residents)
    measured = towns[0]
    with throwaway_schema(args.keep) as engine:
        timed("migrate", lambda: upgrade(engine))
        residents = timed("build the county", lambda: build_county(engine, towns, args.seed))
        principals = make_users(engine, measured)
        cases = cases_for(measured, principals)
        console.log(
            f"measuring town {measured.code} ({measured.residents:,} residents), "
            f"grid {measured.first_grid()}, {len(cases)} cases x {args.repeat}"
        )
        timed("measure", lambda: measure(engine, cases, args.repeat, args.warmup))
        print_table(cases, residents, args.repeat)
        if args.explain:
            scoped = [case for case in cases if "principal" in case.kwargs]
            explain(engine, max(scoped, key=lambda case: case.percentile(0.99)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
