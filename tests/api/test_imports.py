"""POST /api/v1/imports/* (multipart, all or nothing) and GET /api/v1/exports/*."""

from __future__ import annotations

import io
import zipfile

import pytest
from sqlalchemy import func, select

from gridgov.registry.importing import HOUSEHOLD_COLUMNS, read_table_bytes
from gridgov.registry.models import Household, Resident
from tests.factories.territory import make_tree
from tests.registry.import_rows import household_rows, resident_rows, to_csv, to_xlsx

# The API needs a token: these tests act as an administrator of the whole platform.
pytestmark = pytest.mark.usefixtures("as_administrator")


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def tree(session):
    return make_tree(session, villages=2, grids_per_village=2, units_per_grid=2)


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def upload(client, kind: str, name: str, data: bytes):
    return client.post(f"/api/v1/imports/{kind}", files={"file": (name, data)})


def test_upload_of_a_good_file_imports_every_row(client, session, tree):
    households = household_rows(tree, 25)

    answer = upload(client, "households", "households.csv", to_csv(households))

    assert answer.status_code == 201, answer.text
    assert answer.json() == {"kind": "households", "rows": 25}
    assert count(session, Household) == 25


def test_three_bad_rows_among_a_thousand_are_listed_and_nothing_is_imported(client, session, tree):
    rows = household_rows(tree, 1000)
    rows[10]["lat"] = "95"
    rows[509]["household_no"] = ""
    rows[998]["unit_code"] = tree.all_grids()[0].code

    answer = upload(client, "households", "households.xlsx", to_xlsx(rows))

    assert answer.status_code == 422
    error = answer.json()["error"]
    assert error["code"] == "validation_failed"
    assert error["fields"] == {"file": "3 bad row(s); nothing was imported"}
    assert error["message"].startswith("3 bad row(s); nothing was imported")
    assert error["rows"] == [
        {"line": 12, "field": "lat", "reason": "latitude is between -90 and 90"},
        {"line": 511, "field": "household_no", "reason": "required"},
        {
            "line": 1000,
            "field": "unit_code",
            "reason": f"{tree.all_grids()[0].code} is a grid, not a unit",
        },
    ]
    assert count(session, Household) == 0


def test_residents_upload_and_masked_exports(client, session, tree):
    households = household_rows(tree, 4)
    residents = resident_rows(households, per_household=2)
    assert upload(client, "households", "h.csv", to_csv(households)).status_code == 201

    answer = upload(client, "residents", "r.xlsx", to_xlsx(residents))
    assert answer.status_code == 201, answer.text
    assert answer.json() == {"kind": "residents", "rows": 8}
    assert count(session, Resident) == 8

    town = tree.town.code
    as_csv = client.get("/api/v1/exports/residents.csv", params={"territory": town})
    as_xlsx = client.get("/api/v1/exports/residents.xlsx", params={"territory": town})
    assert as_csv.status_code == 200
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert "attachment" in as_csv.headers["content-disposition"]
    assert as_xlsx.headers["content-type"] == XLSX
    rows = [row for _, row in read_table_bytes(as_csv.content, "r.csv")]
    assert [row for _, row in read_table_bytes(as_xlsx.content, "r.xlsx")] == rows
    id_number, phone = residents[1]["id_number"], residents[1]["phone"]
    assert rows[1]["id_number"] == f"{id_number[:6]}********{id_number[-4:]}"
    assert rows[1]["phone"] == f"{phone[:3]}****{phone[-4:]}"
    assert id_number.encode() not in as_csv.content


def test_resident_rows_naming_unknown_households_are_rejected(client, session, tree):
    rows = resident_rows([{"village_code": tree.villages[0].code, "household_no": "X"}], 2)

    answer = upload(client, "residents", "r.csv", to_csv(rows))

    assert answer.status_code == 422
    assert [(r["line"], r["field"]) for r in answer.json()["error"]["rows"]] == [
        (2, "household_no"),
        (3, "household_no"),
    ]
    assert count(session, Resident) == 0


def test_households_export_and_unreadable_uploads(client, tree):
    upload(client, "households", "h.csv", to_csv(household_rows(tree, 3)))

    exported = client.get("/api/v1/exports/households.csv", params={"territory": tree.town.code})
    wrong_type = upload(client, "households", "h.txt", b"village_code\n")
    broken = upload(client, "households", "h.xlsx", b"not a zip")
    unknown = client.get("/api/v1/exports/households.xlsx", params={"territory": "350305108299"})

    assert [row["household_no"] for _, row in read_table_bytes(exported.content, "h.csv")] == [
        "H00001",
        "H00002",
        "H00003",
    ]
    assert wrong_type.status_code == 422
    assert "file" in wrong_type.json()["error"]["fields"]
    assert broken.status_code == 422
    assert broken.json()["error"]["fields"] == {"file": "not a readable .xlsx workbook"}
    assert unknown.status_code == 404


def test_damaged_workbooks_nul_cells_and_overlong_cells_answer_422(client, session, tree):
    good = to_xlsx(household_rows(tree, 2))
    # A workbook whose sheet is cut short: openpyxl's XML parser fails inside it.
    source = zipfile.ZipFile(io.BytesIO(good))
    damaged = io.BytesIO()
    with zipfile.ZipFile(damaged, "w") as target:
        for name in source.namelist():
            data = source.read(name)
            target.writestr(name, data[: len(data) // 2] if "worksheets" in name else data)
    rows = household_rows(tree, 2)
    rows[1]["household_no"] = "H\x0002"  # PostgreSQL cannot hold a NUL: refused in the row
    with_nul = "\n".join([",".join(HOUSEHOLD_COLUMNS), *(",".join(r.values()) for r in rows)])
    overlong = b'village_code,address\n350305108201,"' + b"x" * 200_000 + b'"\n'

    answers = {
        "damaged": upload(client, "households", "h.xlsx", damaged.getvalue()),
        "nul": upload(client, "households", "h.csv", with_nul.encode()),
        "overlong": upload(client, "households", "h.csv", overlong),
    }

    assert {name: answer.status_code for name, answer in answers.items()} == dict.fromkeys(
        answers, 422
    )
    assert answers["damaged"].json()["error"]["fields"] == {"file": "not a readable .xlsx workbook"}
    assert answers["nul"].json()["error"]["rows"] == [
        {
            "line": 3,
            "field": "household_no",
            "reason": "holds a control or text-direction character (U+0000), not allowed",
        }
    ]
    assert "line 2" in answers["overlong"].json()["error"]["message"]
    assert count(session, Household) == 0
