"""Party members and contact households: the assignment of a town (pure, in memory).

    python bench/contacts.py                       # a town: 100,000 households, 10,000 members
    python bench/contacts.py --households 20000    # a quick run

Seeded synthetic town (``partition.synthetic.make_territory``: 30 villages, apartment blocks
expanded to one row per household), grids of about 36 households by k-means inside each
village, 20% of households in a key group, members drawn among the households (10% of them,
so capacity 10 is exactly enough town-wide and short in some villages). Rows, same run:

- ``assign_contacts``: the real assignment (capacity 10, key share 0.5, key households first,
  same grid first, exact per grid then per village);
- baseline "nearest, no capacity": each household to the nearest member of its village, no
  limit at all (a KD-tree query): the least total distance any assignment could reach, and
  the floor of what a spatial look-up costs;
- ``re-run after 5%``: the assignment again from the first one after 5% of households change
  (a third leave, a third move up to ~300 m and may turn key, a third are born next to
  others): "moved" counts households present before and after whose member changed;
- on one village (``--village-size``): the staged assignment against one exact whole-village
  transport solve (one ``linear_sum_assignment`` on every slot of the village, cost = distance
  + the same-grid penalty, key limits as slot kinds), which the stages approximate.

The contacts helper adds the due-contacts list and the contacts report (PostgreSQL) here.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table
from scipy.cluster.vq import kmeans2
from scipy.optimize import linear_sum_assignment
from scipy.spatial import cKDTree

from gridgov.contacts.assignment import (
    GRID_PENALTY_M,
    UNASSIGNED,
    AssignmentRules,
    Households,
    Members,
    PreviousAssignment,
    assign_contacts,
)
from gridgov.partition.synthetic import FRAME, make_territory

GRID_SIZE = 36
KEY_SHARE = 0.2


@dataclass
class Row:
    name: str
    seconds: float
    households: int
    members: int
    mean_m: float
    same_grid: float
    unassigned: int
    note: str = ""
    baseline: Row | None = None  # what the ratios compare with (None: this is a baseline)


def make_town(
    households: int, members: int, villages: int, seed: int
) -> tuple[Households, Members]:
    territory = make_territory(households, villages, seed=seed)
    rows = np.repeat(np.arange(len(territory.lon)), territory.households.astype(np.int64))
    rng = np.random.default_rng(seed)
    xy = territory.xy[rows] + rng.normal(0, 3, (len(rows), 2))  # flats of a block: a few metres
    village = territory.village[rows].astype(np.int64)
    grid = np.empty(len(rows), dtype=np.int64)
    for value in np.unique(village).tolist():
        inside = np.flatnonzero(village == value)
        count = max(1, round(len(inside) / GRID_SIZE))
        _, label = kmeans2(xy[inside], count, seed=seed, minit="++")
        grid[inside] = label
    lonlat = FRAME.to_degrees(xy)
    houses = Households(
        lonlat[:, 0], lonlat[:, 1], village, grid, rng.random(len(rows)) < KEY_SHARE
    )
    own = rng.choice(len(rows), members, replace=False)
    party = Members(lonlat[own, 0], lonlat[own, 1], village[own], grid[own], own.astype(np.int64))
    return houses, party


def timed(run: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = run()
    return time.perf_counter() - start, result


def describe(
    name: str,
    seconds: float,
    houses: Households,
    party: Members,
    member: np.ndarray,
    distance: np.ndarray,
    note: str = "",
) -> Row:
    assigned = member >= 0
    same = houses.grid[assigned] == party.grid[member[assigned]]
    return Row(
        name,
        seconds,
        len(houses),
        len(party),
        float(np.nanmean(distance[assigned])),
        float(same.mean()) if assigned.any() else float("nan"),
        int(np.count_nonzero(~assigned)),
        note,
    )


def nearest_without_capacity(houses: Households, party: Members) -> tuple[np.ndarray, np.ndarray]:
    member = np.full(len(houses), UNASSIGNED, dtype=np.int64)
    distance = np.full(len(houses), np.nan)
    house_xy, member_xy = (
        FRAME.to_metres(houses.lon, houses.lat),
        FRAME.to_metres(party.lon, party.lat),
    )
    for value in np.unique(houses.village).tolist():
        rows, cols = np.flatnonzero(houses.village == value), np.flatnonzero(party.village == value)
        if len(cols) == 0:
            continue
        found, index = cKDTree(member_xy[cols]).query(house_xy[rows])
        member[rows], distance[rows] = cols[index], found
    return member, distance


def changed_town(houses: Households, seed: int, share: float) -> tuple[Households, np.ndarray]:
    """``share`` of households changed; returns the new town and each row's old index (-1)."""
    rng = np.random.default_rng(seed)
    touched = rng.choice(len(houses), int(share * len(houses)), replace=False)
    gone, moved, born = np.array_split(touched, 3)
    lon, lat, key = houses.lon.copy(), houses.lat.copy(), houses.key.copy()
    lon[moved] += rng.normal(0, 300, len(moved)) / 95_000
    lat[moved] += rng.normal(0, 300, len(moved)) / 111_000
    key[moved] |= rng.random(len(moved)) < 0.2
    stay = np.setdiff1d(np.arange(len(houses)), gone)
    source = np.concatenate([stay, born])
    old = np.concatenate([stay, np.full(len(born), UNASSIGNED)])
    town = Households(
        lon[source], lat[source], houses.village[source], houses.grid[source], key[source]
    )
    return town, old


def rehoused(party: Members, old: np.ndarray) -> Members:
    """The members with their own household's index in the changed town (-1: it left)."""
    new_of_old = np.full(int(old.max(initial=0)) + 1 + len(old), UNASSIGNED, dtype=np.int64)
    new_of_old[old[old >= 0]] = np.flatnonzero(old >= 0)
    home = np.where(party.household >= 0, new_of_old[np.maximum(party.household, 0)], -1)
    return Members(party.lon, party.lat, party.village, party.grid, home)


def whole_village_solve(houses: Households, party: Members, rules: AssignmentRules) -> np.ndarray:
    """One exact transport solve of a village: every slot at once (slot kinds for key limits)."""
    house_xy, member_xy = (
        FRAME.to_metres(houses.lon, houses.lat),
        FRAME.to_metres(party.lon, party.lat),
    )
    cost = np.linalg.norm(house_xy[:, None, :] - member_xy[None, :, :], axis=2)
    cost += GRID_PENALTY_M * (houses.grid[:, None] != party.grid[None, :])
    cost[party.household[None, :] == np.arange(len(houses))[:, None]] = 1e10
    key_limit = max(1, int(rules.key_share * rules.capacity))
    key_slots = np.repeat(np.arange(len(party)), key_limit)
    plain_slots = np.repeat(np.arange(len(party)), rules.capacity - key_limit)
    matrix = np.concatenate(
        [cost[:, key_slots], cost[:, plain_slots] + 1e10 * houses.key[:, None]], axis=1
    )
    rows, slots = linear_sum_assignment(matrix)
    member = np.full(len(houses), UNASSIGNED, dtype=np.int64)
    ok = matrix[rows, slots] < 1e9
    member[rows[ok]] = np.concatenate([key_slots, plain_slots])[slots[ok]]
    return member


def village_of(houses: Households, party: Members, size: int) -> tuple[Households, Members]:
    """The first ``size`` households of the largest village and its members (re-indexed)."""
    value = np.bincount(houses.village).argmax()
    rows = np.flatnonzero(houses.village == value)[:size]
    index = np.full(len(houses), -1)
    index[rows] = np.arange(len(rows))
    cols = np.flatnonzero((party.village == value) & (index[party.household] >= 0))
    pick = lambda a: a[rows]  # noqa: E731
    sub = Households(
        pick(houses.lon),
        pick(houses.lat),
        pick(houses.village),
        pick(houses.grid),
        pick(houses.key),
    )
    take = lambda a: a[cols]  # noqa: E731
    crew = Members(
        take(party.lon),
        take(party.lat),
        take(party.village),
        take(party.grid),
        index[take(party.household)],
    )
    return sub, crew


def assignment_rows(args: argparse.Namespace) -> list[Row]:
    houses, party = make_town(args.households, args.members, args.villages, args.seed)
    rules = AssignmentRules(capacity=args.capacity)
    base_s, (near, near_d) = timed(lambda: nearest_without_capacity(houses, party))
    base = describe(
        "nearest, no capacity (baseline)",
        base_s,
        houses,
        party,
        near,
        near_d,
        f"max load {np.bincount(near[near >= 0]).max()}",
    )
    first_s, first = timed(lambda: assign_contacts(houses, party, rules=rules))
    over = int(np.count_nonzero(first.key_load > first.key_limit))
    rows = [
        base,
        describe(
            "assign_contacts",
            first_s,
            houses,
            party,
            first.member,
            first.distance_m,
            f"max load {first.load.max()}, key over {over}",
        ),
    ]
    town, old = changed_town(houses, args.seed, 0.05)
    earlier = np.where(old >= 0, first.member[np.maximum(old, 0)], UNASSIGNED)
    previous = PreviousAssignment(earlier, np.zeros(len(town), dtype=bool))
    crew = rehoused(party, old)
    again_s, again = timed(lambda: assign_contacts(town, crew, rules=rules, previous=previous))
    rows.append(
        describe(
            "re-run after 5% changed",
            again_s,
            town,
            party,
            again.member,
            again.distance_m,
            f"moved {again.changed}, placed {again.added}",
        )
    )
    for row in rows[1:]:
        row.baseline = base
    return rows + village_rows(houses, party, rules, args.village_size)


def village_rows(
    houses: Households, party: Members, rules: AssignmentRules, size: int
) -> list[Row]:
    sub, crew = village_of(houses, party, size)
    whole_s, whole = timed(lambda: whole_village_solve(sub, crew, rules))
    exact = describe(
        "one village: whole-village exact (baseline)",
        whole_s,
        sub,
        crew,
        whole,
        _distance_of(sub, crew, whole),
    )
    staged_s, staged = timed(lambda: assign_contacts(sub, crew, rules=rules))
    row = describe(
        "one village: assign_contacts", staged_s, sub, crew, staged.member, staged.distance_m
    )
    row.baseline = exact
    return [exact, row]


def _distance_of(houses: Households, party: Members, member: np.ndarray) -> np.ndarray:
    distance = np.full(len(houses), np.nan)
    assigned = member >= 0
    house_xy, member_xy = (
        FRAME.to_metres(houses.lon, houses.lat),
        FRAME.to_metres(party.lon, party.lat),
    )
    distance[assigned] = np.linalg.norm(house_xy[assigned] - member_xy[member[assigned]], axis=1)
    return distance


def print_table(rows: list[Row]) -> None:
    load = os.getloadavg()
    table = Table(title=f"contact assignment (load average {load[0]:.2f} {load[1]:.2f})")
    columns = (
        "run",
        "households",
        "members",
        "seconds",
        "x time",
        "mean m",
        "x distance",
        "same grid",
        "unassigned",
        "note",
    )
    for column in columns:
        table.add_column(column)
    for row in rows:
        base = row.baseline or row
        table.add_row(
            row.name,
            f"{row.households:,}",
            f"{row.members:,}",
            f"{row.seconds:.2f}",
            f"{row.seconds / base.seconds:.1f}",
            f"{row.mean_m:.0f}",
            f"{row.mean_m / base.mean_m:.2f}",
            f"{row.same_grid:.1%}",
            f"{row.unassigned:,}",
            row.note,
        )
    Console(width=160).print(table)
    print("x time, x distance: against the row's baseline (nearest without capacity for the town,")
    print("the whole-village exact solve for the village); mean m over households assigned.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--members", type=int, default=None, help="default: a tenth of households")
    parser.add_argument("--villages", type=int, default=30)
    parser.add_argument("--capacity", type=int, default=10)
    parser.add_argument("--village-size", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    args.members = args.members or args.households // 10
    print_table(assignment_rows(args))


if __name__ == "__main__":
    main()
