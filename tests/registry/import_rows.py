"""Import files for tests: valid rows made up on the spot, written as CSV or XLSX bytes."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence

from stdnum.cn import ric

from gridgov.registry.importing import HOUSEHOLD_COLUMNS, RESIDENT_COLUMNS
from gridgov.registry.spreadsheets import write_csv, write_xlsx
from tests.factories.territory import Tree


def id_number(birth: dt.date, sex: str, serial: int) -> str:
    """A valid ID number: a region code that existed in the birth year, the right check digit."""
    region = "350305" if birth.year >= 2002 else "350321" if birth.year >= 1983 else "352326"
    order = (serial % 499) * 2 + (1 if sex == "male" else 0)  # odd for men
    body = f"{region}{birth:%Y%m%d}{order:03d}"
    return body + ric.calc_check_digit(body + "0")


def household_rows(tree: Tree, count: int) -> list[dict[str, str]]:
    """``count`` households spread over the tree's units, with and without a location."""
    units = tree.all_units()
    rows = []
    for index in range(count):
        unit = units[index % len(units)]
        located = index % 3 != 0
        rows.append(
            {
                "village_code": unit.code[:12],
                "household_no": f"H{index + 1:05d}",
                "address": f"{index + 1} Harbour Road",
                "unit_code": unit.code if index % 5 else "",
                "lon": f"{119.1 + index * 1e-5:.6f}" if located else "",
                "lat": f"{25.0 + index * 1e-5:.6f}" if located else "",
            }
        )
    return rows


def resident_rows(households: Sequence[dict[str, str]], per_household: int = 2) -> list[dict]:
    rows = []
    for h_index, household in enumerate(households):
        for member in range(per_household):
            serial = h_index * per_household + member
            sex = "male" if member % 2 == 0 else "female"
            birth = dt.date(1950, 1, 1) + dt.timedelta(days=(serial * 37) % 25000)
            rows.append(
                {
                    "village_code": household["village_code"],
                    "household_no": household["household_no"],
                    "name": f"居民{serial}",
                    "sex": sex,
                    "birth_date": birth.isoformat(),
                    "id_number": id_number(birth, sex, serial) if serial % 4 else "",
                    "phone": f"138{serial:08d}" if serial % 3 else "",
                    "relation_to_head": "head" if member == 0 else "spouse",
                    "residence_status": "working_away" if serial % 7 == 0 else "",
                    "key_groups": "disabled;veteran" if serial % 11 == 0 else "",
                }
            )
    return rows


def to_csv(rows: Sequence[dict[str, str]], columns: Sequence[str] | None = None) -> bytes:
    columns = columns or _columns_of(rows)
    out = io.BytesIO()
    write_csv(columns, ([row.get(c, "") for c in columns] for row in rows), out)
    return out.getvalue()


def to_xlsx(rows: Sequence[dict[str, str]], columns: Sequence[str] | None = None) -> bytes:
    columns = columns or _columns_of(rows)
    out = io.BytesIO()
    write_xlsx(columns, ([row.get(c, "") for c in columns] for row in rows), out, sheet="data")
    return out.getvalue()


def _columns_of(rows: Sequence[dict[str, str]]) -> Sequence[str]:
    return RESIDENT_COLUMNS if rows and "name" in rows[0] else HOUSEHOLD_COLUMNS
