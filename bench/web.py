"""Server time and asset weight of every web page on the demo island.

Builds the demo island once with ``gridgov demo`` (SQLite, cached under
``build/bench-web/``; ``--rebuild`` makes it again), copies it to a scratch directory, starts
the app in-process (the ASGI app driven by Starlette's TestClient: no network, so the time
measured is the server's work plus a thin in-process transport), signs in through the real
form as a town official, a village secretary, a grid leader and a villager, and requests
each page of :data:`PAGES` ``--requests`` times as each of them. Prints per page and role:
p50/p99 milliseconds, the ratio of p50 to the baseline's (``/healthz``, and the API's
``/api/v1/users/me`` with a bearer token, measured in the same run) and the page's
JavaScript and CSS weight compressed with gzip (level 9), summed over the assets the page
references (``<script src>``, ``<link rel=stylesheet>``).

A page of the list that this branch does not serve yet (404 for every role) is reported as
missing; a page joins by adding one line to :data:`PAGES`.

    python bench/web.py                  # full island, 30 requests per page and role
    python bench/web.py --scale 0.1 --requests 10
"""

from __future__ import annotations

import argparse
import gzip
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from fastapi.testclient import TestClient
from rich.console import Console
from rich.table import Table
from sqlalchemy import select

from gridgov import clock
from gridgov.accounts import tokens
from gridgov.accounts.actions import check_assign_role, check_create_user
from gridgov.accounts.demo import GRID, TOWN, UNIT, VILLAGE
from gridgov.registry.models import Household, Resident
from gridgov.server import create_app
from gridgov.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "build" / "bench-web"
PASSWORD = "Bench-Lantern-Harbour-42"
ROLES = {  # role -> (username, territory); the villager holds no role, only a resident link
    "town_official": ("bench_town", TOWN),
    "village_secretary": ("bench_village", VILLAGE),
    "grid_leader": ("bench_grid", GRID),
    "resident": ("bench_villager", None),
}


@dataclass(frozen=True)
class BenchPage:
    """A page to time: its path, with ``{town}``, ``{village}``, ``{grid}``, ``{unit}``,
    ``{household}``, ``{resident}`` filled from the island (the villager's own household and
    self for those two), and the roles that request it."""

    path: str
    roles: tuple[str, ...] = tuple(ROLES)


LEADERS = ("town_official", "village_secretary", "grid_leader")
# Every page of the web interface, in one place (the URL plan of docs/web.md). A page not
# served on this branch is reported as missing, so later pages join by being listed here.
PAGES: list[BenchPage] = [
    BenchPage("/"),
    BenchPage("/settings"),
    BenchPage("/password"),
    BenchPage("/territories", LEADERS),
    BenchPage("/territories/{town}", LEADERS),
    BenchPage("/territories/{village}", LEADERS),
    BenchPage("/territories/{grid}", LEADERS),
    BenchPage("/territories/{unit}", LEADERS),
    BenchPage("/households/{household}"),
    BenchPage("/residents/{resident}"),
    BenchPage("/imports", LEADERS),
    BenchPage("/dashboard/{town}", ("town_official",)),
    BenchPage("/dashboard/{village}", ("town_official", "village_secretary")),
    BenchPage("/dashboard/{grid}", LEADERS),
    BenchPage("/territories/{grid}/map", LEADERS),
    BenchPage("/cases"),
    BenchPage("/report"),
    BenchPage("/my-reports"),
    BenchPage("/partition-plans", ("town_official", "village_secretary")),
    BenchPage("/groups"),
    # Contact pages (web/routes/contacts.py, visits.py).
    BenchPage("/contacts", LEADERS),
    BenchPage("/contacts/coverage/{village}", ("town_official", "village_secretary")),
    BenchPage("/contacts/coverage/{grid}", LEADERS),
    BenchPage("/contacts/assignments?territory={grid}", LEADERS),
    BenchPage("/visits"),
    BenchPage("/visits/new"),
    # Roll-call pages (web/routes/roll_calls.py); a roll-call's own page needs one started.
    BenchPage("/roll-calls"),
    BenchPage("/shelters"),
]
ASSET = re.compile(
    r'<script[^>]+src="(/[^"]+)"|<link[^>]+rel="stylesheet"[^>]+href="(/[^"]+)"'
    r'|<link[^>]+href="(/[^"]+)"[^>]+rel="stylesheet"'
)


def build_island(scale: float, rebuild: bool) -> Path:
    """The demo island's SQLite file (built by ``gridgov demo`` the first time)."""
    folder = CACHE / f"scale-{scale:g}"
    database = folder / "gridgov.sqlite3"
    if database.exists() and not rebuild:
        return database
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    env = {**os.environ, "GRIDGOV_DATA_DIR": str(folder), "GRIDGOV_ENVIRONMENT": "development"}
    env.pop("GRIDGOV_DATABASE_URL", None)
    command = [sys.executable, "-c", "from gridgov.cli.main import app; app()"]
    for args in (["db", "upgrade"], ["demo", "--scale", str(scale)]):
        subprocess.run([*command, *args], env=env, check=True, stdout=subprocess.DEVNULL)
    return database


@contextmanager
def scratch_app(database: Path) -> Iterator[TestClient]:
    """The app on a copy of the island (the bench's sign-ins and users stay out of the cache)."""
    with tempfile.TemporaryDirectory(prefix="gridgov-bench-web-") as folder:
        # The whole data directory: the database and the development keys it was written with.
        scratch = Path(folder) / "data"
        shutil.copytree(database.parent, scratch)
        settings = Settings(data_dir=scratch, environment="development")
        with TestClient(create_app(settings=settings)) as client:
            yield client


@dataclass
class Island:
    ids: dict[str, str]  # placeholder -> value, the villager's household and self
    bearer: str


def add_bench_users(client: TestClient) -> Island:
    """One user per role of :data:`ROLES`, with a known password."""
    maker = client.app.state.session_maker  # type: ignore[attr-defined]
    with maker() as session, session.begin():
        household = session.scalar(
            select(Household).where(Household.territory_code == UNIT).order_by(Household.id)
        )
        assert household is not None, "the demo unit has no household"
        resident = session.scalar(
            select(Resident).where(Resident.household_id == household.id).order_by(Resident.id)
        )
        assert resident is not None
        bearer_user = None
        for role, (username, territory) in ROLES.items():
            user = check_create_user(
                session,
                username=username,
                password=PASSWORD,
                resident_id=resident.id if role == "resident" else None,
                actor="bench:web",
            )
            if role != "resident":
                check_assign_role(
                    session,
                    user_id=user.id,
                    role=role,
                    territory_code=territory,
                    start_date=clock.today(),
                    actor="bench:web",
                )
            bearer_user = bearer_user or user
        assert bearer_user is not None
        token, _row = tokens.issue_token(session, bearer_user, ttl_seconds=3600)
        ids = {
            "town": TOWN,
            "village": VILLAGE,
            "grid": GRID,
            "unit": UNIT,
            "household": household.id,
            "resident": resident.id,
        }
    return Island(ids, token)


def sign_in(client: TestClient, username: str) -> None:
    client.cookies.clear()
    form = client.get("/signin")
    token = re.search(r'name="csrf_token" value="([0-9a-f]+)"', form.text)
    assert token is not None, "the sign-in form has no CSRF token"
    answer = client.post(
        "/signin",
        data={"login": username, "password": PASSWORD, "next": "/", "csrf_token": token[1]},
        follow_redirects=False,
    )
    assert answer.status_code == 303, f"{username}: sign-in answered {answer.status_code}"


def timings(client: TestClient, path: str, count: int, headers: dict[str, str]) -> list[float]:
    """Milliseconds of ``count`` requests (after 3 not counted: caches, templates)."""
    for _ in range(3):
        client.get(path, headers=headers)
    spent = []
    for _ in range(count):
        started = time.perf_counter()
        answer = client.get(path, headers=headers)
        spent.append((time.perf_counter() - started) * 1000)
        assert answer.status_code == 200, f"{path}: {answer.status_code}"
    return spent


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]


class AssetWeights:
    """gzip sizes of static files, each fetched once."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.sizes: dict[str, int] = {}

    def of(self, url: str) -> int:
        if url not in self.sizes:
            body = self.client.get(url).content
            self.sizes[url] = len(gzip.compress(body, compresslevel=9))
        return self.sizes[url]

    def page(self, html: str) -> tuple[int, int]:
        """(JavaScript bytes, CSS bytes) compressed, over the assets ``html`` references."""
        js = css = 0
        for script, sheet, sheet_late in ASSET.findall(html):
            if script:
                js += self.of(script)
            else:
                css += self.of(sheet or sheet_late)
        return js, css


@dataclass
class Row:
    path: str
    role: str
    p50: float
    p99: float
    js: int
    css: int


def measure(client: TestClient, island: Island, count: int) -> tuple[list[Row], list[str]]:
    weights = AssetWeights(client)
    rows: list[Row] = []
    served: dict[str, bool] = {}
    baseline = timings(client, "/healthz", count, {})
    rows.append(Row("/healthz (baseline)", "-", statistics.median(baseline), p99(baseline), 0, 0))
    api = timings(client, "/api/v1/users/me", count, {"Authorization": f"Bearer {island.bearer}"})
    rows.append(Row("/api/v1/users/me (baseline)", "-", statistics.median(api), p99(api), 0, 0))
    for role, (username, _territory) in ROLES.items():
        sign_in(client, username)
        for page in PAGES:
            if role not in page.roles:
                continue
            path = page.path.format(**island.ids)
            first = client.get(path)
            served[page.path] = served.get(page.path, False) or first.status_code != 404
            if first.status_code != 200:
                continue
            spent = timings(client, path, count, {})
            js, css = weights.page(first.text)
            rows.append(Row(path, role, statistics.median(spent), p99(spent), js, css))
    missing = [path for path, found in served.items() if not found]
    return rows, missing


def report(rows: list[Row], missing: list[str], count: int, console: Console) -> None:
    base = rows[0].p50
    table = Table(title=f"web pages on the demo island: {count} requests each (load {load()})")
    for column in (
        "page",
        "role",
        "p50 ms",
        "p99 ms",
        "p50 / healthz",
        "JS gzip KB",
        "CSS gzip KB",
    ):
        table.add_column(column, justify="left" if column in ("page", "role") else "right")
    for row in rows:
        table.add_row(
            row.path,
            row.role,
            f"{row.p50:.1f}",
            f"{row.p99:.1f}",
            f"{row.p50 / base:.1f}",
            f"{row.js / 1024:.1f}",
            f"{row.css / 1024:.1f}",
        )
    console.print(table)
    pages = [row for row in rows if row.role != "-"]
    slow = [row for row in pages if row.p99 >= 200]
    heavy = [row for row in pages if row.js >= 300 * 1024]
    console.print(f"pages with p99 >= 200 ms: {len(slow)} of {len(pages)}")
    console.print(f"pages with JavaScript >= 300 KB compressed: {len(heavy)} of {len(pages)}")
    if missing:
        console.print("not served on this branch (404 for every role): " + ", ".join(missing))


def load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="demo island size (0.01-10)")
    parser.add_argument("--requests", type=int, default=30, help="timed requests per page")
    parser.add_argument("--rebuild", action="store_true", help="build the island again")
    args = parser.parse_args()
    console = Console(width=max(140, shutil.get_terminal_size().columns))
    started = time.monotonic()
    database = build_island(args.scale, args.rebuild)
    console.print(f"island ready in {time.monotonic() - started:.0f} s: {database}")
    with scratch_app(database) as client:
        island = add_bench_users(client)
        rows, missing = measure(client, island, args.requests)
    report(rows, missing, args.requests, console)


if __name__ == "__main__":
    main()
