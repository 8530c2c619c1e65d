"""Contacts on PostgreSQL: the due-contacts list of a town over 1,000,000 visits and the
contacts report of a county of 1,000,000 households in 20 towns; each with a baseline.

Loaded with COPY into a throwaway schema (migrated to head): 20 towns x 10 villages x 10
grids x 5 units, the households spread evenly over the units (one resident each, a fifth
of them in a key group), one party member per 20 households, every household assigned to
a member of its village, and the visits (one household each, half of them confirmed)
all in the first town, spread over the two years before the day of the lists.

(a) ``contacts.due.due_list`` of the first town, a page of 50 and the counts per member,
    grid and village; baseline: ``count(*)`` of the town's visit rows (the same index).
    Aim: < 200 ms.
(b) ``contacts.report.contact_report`` of the county (and of the first town) over 90 days;
    baseline: ``count(*)`` of the county's households. Aim: < 500 ms.

Measured 2026-12-07 before the contact state (load average 18 on 2 shared cores): (a)
10,840 ms against a 630 ms baseline; (b) county 21,989 ms against 288 ms, town 5,224 ms
against 69 ms. The cause: the last visit of every household was a hash aggregate over all
the visit rows, and the due list ran its query twice.

Measured 2026-12-07 with the contact state (contacts.state, migration 0017: each
household's last visit day, and on each visit row its household's previous day) and the
due list in one pass, full scale, load average 8.3 at the end (12.8 at the start of the
load): (a) 860 ms against 115 ms (7.5x); (b) county 6,563 ms against 129 ms (50.7x),
town 1,555 ms against 12 ms. A first full run at load 12.2: (a) 1,016 / 130 ms, (b)
county 10,459 / 175 ms, town 3,092 / 21 ms. At --households 100000 --visits 100000 (load
9.1): (a) 75 / 21 ms, (b) county 418 / 15 ms, town 107 / 1 ms.

Then over the aims, by about 4x (a) and 13x (b, county): each figure was per household and
joined live the households with their links (all 1,000,000 contact_assignments hashed) and
their rhythms (present residents x resident_key_groups aggregated per household).

Measured 2026-12-07 with the contact state carrying each household's node, active flag,
member, link start, rhythm days and next due day (migration 0019; kept by a session flush
listener and the registry's households-changed hook): the due list is an index range scan
on (node, next due day) plus the visit rows after the day, counted in SQL (only the page's
rows are read); the report counts the active households per child and scans the states once
with the visit rows since ``from``. Full scale, load average 10.4 at the start of the load,
13.1 at the measures (other work on the 2 cores): (a) 227 ms against a 201 ms baseline
(1.1x; 9,268 due); (b) county 3,054 ms against 197 ms (15.5x), town 1,076 ms against 31 ms.
At --households 100000 --visits 100000 (load 10.7): (a) 31 / 27 ms, (b) county 304 / 23 ms,
town 79 / 1 ms.

(a) is at its baseline (a count of the town's visit rows), over the aim by the load; under
EXPLAIN ANALYZE (load 10) its two queries take 54 + 42 ms. (b) is still over, 6x for the
county and 2x for the town. EXPLAIN ANALYZE at full scale (load 10, a cold cache): the
county's household count per town is a parallel scan of 1,000,000 households (394 ms); the
scan of the states is 1,838 ms, of which the 123,000 visit rows since ``from`` aggregated
per household take ~690 ms (computed once in EACH parallel worker, spilling to disk at the
default work_mem of 4 MB), the states' own scan ~330 ms, and JIT compilation 349 ms; the
visits' confirmed count 231 ms. The town: 58 + 638 (of which the visits since ``from``
455 ms) + 209 ms. What would meet (b): no live aggregate of the period's visit rows (keep
per household its first visit in the period and its last before it only for the periods
asked, or per-node daily counters of the time-bound figures), a state row for every
household (to drop the households scan), and ``jit = off`` for these short reports. (These
runs loaded the states with an INSERT then an UPDATE of every row, whose dead versions a
VACUUM could not drop while other work held snapshots: the index scans read 100,000 entries
for the town's 50,000 states; contacts.state.fill_states now writes them in one INSERT.)

    python bench/contacts_ledger.py                       # 1,000,000 households and visits
    python bench/contacts_ledger.py --households 100000 --visits 100000   # a smaller run
"""

from __future__ import annotations

import argparse
import bisect
import datetime as dt
import json
import os
import random
import statistics
import time
from collections.abc import Iterator
from typing import Any

from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine, text

from cases import (  # bench/cases.py: the schema, COPY and territory helpers
    DISTRICT,
    TERRITORY_COLUMNS,
    copy_rows,
    county_units,
    postgres_schema,
    territory_rows,
    timed_ms,
    vacuum,
)
from gridgov import clock
from gridgov.contacts.due import due_list
from gridgov.contacts.report import contact_report
from gridgov.contacts.state import fill_states
from gridgov.database.sessions import session_factory
from gridgov.ids import new_id

console = Console(width=150)
ACTOR = "bench:contacts"
DAY = dt.date(2026, 12, 1)
HOUSEHOLDS_PER_MEMBER = 20
KEY_SHARE = 0.2

HOUSEHOLD_COLUMNS = (
    "id", "village_code", "territory_code", "household_no", "address", "status",
    "created_at", "updated_at", "updated_by", "version",
)  # fmt: skip
RESIDENT_COLUMNS = (
    "id", "household_id", "territory_code", "name", "sex", "birth_date", "relation_to_head",
    "residence_status", "created_at", "updated_at", "updated_by", "version",
)  # fmt: skip
MEMBER_COLUMNS = (
    "id", "resident_id", "territory_code", "branch", "joined_on", "created_by", "created_at",
)  # fmt: skip
LINK_COLUMNS = (
    "id",
    "household_id",
    "member_id",
    "started_on",
    "pinned",
    "started_at",
    "created_by",
)
VISIT_COLUMNS = (
    "id", "territory_code", "visited_on", "method", "disputes", "requests", "suggestions",
    "other_matters", "matters_text", "hazards", "follow_up", "recorded_by", "created_at",
    "version",
)  # fmt: skip
VISIT_HOUSEHOLD_COLUMNS = (
    "visit_id", "household_id", "territory_code", "visited_on", "confirmed_at", "rating",
    "prev_visit_on",
)  # fmt: skip


class World:
    """Ids of what was loaded, by position."""

    def __init__(self, units: list[str], households: int) -> None:
        self.units = units
        self.household_ids = [new_id() for _ in range(households)]
        self.resident_ids = [new_id() for _ in range(households)]
        self.codes = [units[i * len(units) // households] for i in range(households)]

    def village_members(self) -> dict[str, list[tuple[int, str]]]:
        """Members (position of their household, member id) by village."""
        found: dict[str, list[tuple[int, str]]] = {}
        for position in range(0, len(self.household_ids), HOUSEHOLDS_PER_MEMBER):
            found.setdefault(self.codes[position][:12], []).append((position, new_id()))
        return found


def household_rows(world: World, stamp: dt.datetime) -> Iterator[tuple]:
    for position, (household_id, code) in enumerate(
        zip(world.household_ids, world.codes, strict=False)
    ):
        yield (household_id, code[:12], code, f"B{position:07d}", "bench", "active",
               stamp, stamp, ACTOR, 1)  # fmt: skip


def resident_rows(world: World, stamp: dt.datetime) -> Iterator[tuple]:
    for resident_id, household_id, code in zip(
        world.resident_ids, world.household_ids, world.codes, strict=False
    ):
        yield (resident_id, household_id, code, "居民", "male", dt.date(1960, 1, 1), "head",
               "living_here", stamp, stamp, ACTOR, 1)  # fmt: skip


def member_rows(world: World, members: dict, stamp: dt.datetime) -> Iterator[tuple]:
    for pairs in members.values():
        for position, member_id in pairs:
            yield (member_id, world.resident_ids[position], world.codes[position], "支部",
                   dt.date(2000, 7, 1), ACTOR, stamp)  # fmt: skip


def link_rows(world: World, members: dict, stamp: dt.datetime) -> Iterator[tuple]:
    for position, household_id in enumerate(world.household_ids):
        pairs = members[world.codes[position][:12]]
        member_position, member_id = pairs[position % len(pairs)]
        if member_position == position:  # never the member's own household
            member_id = pairs[(position + 1) % len(pairs)][1]
        yield (new_id(), household_id, member_id, DAY - dt.timedelta(days=400), False, stamp,
               ACTOR)  # fmt: skip


def visit_rows(world: World, count: int, rng: random.Random, stamp: dt.datetime):
    """(visit row, visit-household row) pairs, in the first town."""
    town = world.units[0][:9]
    in_town = [i for i, code in enumerate(world.codes) if code.startswith(town)]
    for _ in range(count):
        position = rng.choice(in_town)
        visit_id = new_id()
        day = DAY - dt.timedelta(days=rng.randrange(730))
        confirmed = stamp if rng.random() < 0.5 else None
        yield (
            (visit_id, world.codes[position], day, "home_visit", 0, 0, 0, 0, "", "[]", False,
             ACTOR, stamp, 1),
            [visit_id, world.household_ids[position], world.codes[position], day, confirmed,
             rng.randint(3, 5) if confirmed else None],
        )  # fmt: skip


def with_previous_days(pairs: list[tuple[tuple, list]]) -> None:
    """What the ledger's writes keep on each visit row (contacts.state): its household's
    visit day before its own (appended to the row)."""
    days: dict[str, list[dt.date]] = {}
    for _, row in pairs:
        days.setdefault(row[1], []).append(row[3])
    ordered = {household_id: sorted(set(found)) for household_id, found in days.items()}
    for _, row in pairs:
        found = ordered[row[1]]
        position = bisect.bisect_left(found, row[3])
        row.append(found[position - 1] if position else None)


def load(engine: Engine, households: int, visits: int) -> World:
    stamp = clock.now()
    rng = random.Random(20261207)
    units = county_units(20)
    started = time.perf_counter()
    copy_rows(engine, "territories", TERRITORY_COLUMNS, territory_rows(units, stamp))
    world = World(units, households)
    copy_rows(engine, "households", HOUSEHOLD_COLUMNS, household_rows(world, stamp))
    copy_rows(engine, "residents", RESIDENT_COLUMNS, resident_rows(world, stamp))
    keyed = ((rid, "elderly_alone") for rid in world.resident_ids if rng.random() < KEY_SHARE)
    copy_rows(engine, "resident_key_groups", ("resident_id", "key_group_code"), keyed)
    members = world.village_members()
    copy_rows(engine, "party_members", MEMBER_COLUMNS, member_rows(world, members, stamp))
    copy_rows(engine, "contact_assignments", LINK_COLUMNS, link_rows(world, members, stamp))
    pairs = list(visit_rows(world, visits, rng, stamp))
    with_previous_days(pairs)
    copy_rows(engine, "visits", VISIT_COLUMNS, (visit for visit, _ in pairs))
    copy_rows(engine, "visit_households", VISIT_HOUSEHOLD_COLUMNS, (row for _, row in pairs))
    with engine.begin() as connection:  # the contact states, as migration 0019 fills them
        fill_states(connection)
    vacuum(
        engine, "territories", "households", "residents", "resident_key_groups",
        "party_members", "contact_assignments", "visits", "visit_households", "contact_states",
    )  # fmt: skip
    console.log(
        f"{households:,} households, {sum(len(p) for p in members.values()):,} members, "
        f"{visits:,} visits loaded in {time.perf_counter() - started:.0f} s"
    )
    return world


def median_ms(work: Any, repeat: int) -> float:
    work()  # warm the cache once
    return statistics.median(timed_ms(work) for _ in range(repeat))


def run(households: int, visits: int, repeat: int) -> list[tuple[str, ...]]:
    rows = []
    with postgres_schema("contacts") as (engine, _url):
        world = load(engine, households, visits)
        town = world.units[0][:9]
        maker = session_factory(engine)

        def due() -> int:
            with maker() as session:
                return due_list(
                    session, territory=town, day=DAY, principal=None, limit=50, offset=0
                ).total

        def count_visits() -> int:
            with engine.connect() as connection:
                return connection.scalar(
                    text("SELECT count(*) FROM visit_households WHERE territory_code LIKE :c"),
                    {"c": f"{town}%"},
                )

        def report(code: str) -> Any:
            with maker() as session:
                return contact_report(
                    session, territory_code=code, start=DAY - dt.timedelta(days=89), end=DAY
                )

        def count_households(code: str) -> int:
            with engine.connect() as connection:
                return connection.scalar(
                    text("SELECT count(*) FROM households WHERE territory_code LIKE :c"),
                    {"c": f"{code}%"},
                )

        total = due()
        mine, base = median_ms(due, repeat), median_ms(count_visits, repeat)
        rows.append((f"(a) due list, town {town} ({count_visits():,} visits): {total:,} due",
                     f"{mine:.0f}", f"{base:.0f}", f"{mine / base:.1f}", "< 200 ms"))  # fmt: skip
        for label, code in (("county", DISTRICT), ("town", town)):
            figures = report(code).territory.figures
            mine = median_ms(lambda c=code: report(c), repeat)
            base = median_ms(lambda c=code: count_households(c), repeat)
            rows.append((
                f"(b) report, {label} {code}: {figures['households']:,} households, "
                f"{figures['contacted_90d']:,} contacted in 90 days",
                f"{mine:.0f}", f"{base:.0f}", f"{mine / base:.1f}", "< 500 ms",
            ))  # fmt: skip
        console.log(json.dumps(report(town).territory.figures))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--households", type=int, default=1_000_000)
    parser.add_argument("--visits", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    rows = run(args.households, args.visits, args.repeat)
    load_average = os.getloadavg()
    table = Table(title=f"contacts on PostgreSQL (load average {load_average[0]:.2f})")
    for heading in ("measure", "p50 ms", "baseline ms", "ratio", "aim"):
        table.add_column(heading, justify="left" if heading == "measure" else "right")
    for row in rows:
        table.add_row(*row)
    console.print(table)
    console.print(
        "baselines: (a) count(*) of the town's visit rows; (b) count(*) of the households"
    )


if __name__ == "__main__":
    main()
