"""GET /api/v1/reports/resolution and GET /api/v1/exports/cases.xlsx."""

from __future__ import annotations

import io

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from gridgov import clock
from tests.factories.access import bearer, make_user
from tests.reports.test_resolution import NOW, build_cases

MARCH = {"from": "2026-03-01", "to": "2026-03-31"}


def test_resolution_report_for_a_town_official(client: TestClient, session: Session) -> None:
    island = build_cases(session)
    town = island.tree.town.code
    with clock.frozen(NOW):  # the role starts on the frozen day
        official = make_user(session, role="town_official", territory_code=town)
        answer = client.get(
            "/api/v1/reports/resolution",
            params={"territory": town, **MARCH},
            headers=bearer(session, official),
        )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["period_basis"], body["from"], body["to"]) == ("created", *MARCH.values())
    assert body["start"] == "2026-03-01T00:00:00+08:00"
    assert body["end"] == "2026-04-01T00:00:00+08:00"
    assert body["generated_at"] == "2026-04-10T09:00:00+08:00"
    measures = body["territory"]
    assert (measures["code"], measures["total"], measures["closed"]) == (town, 9, 5)
    assert measures["closed_at"] == {
        "unit": 0.4, "grid": 0.2, "village": 0.2, "town_and_above": 0.2,
    }  # fmt: skip
    assert measures["on_time_rate"] == 0.6
    assert measures["median_hours_to_close"] == 10
    assert (measures["reopen_rate"], measures["satisfaction_rate"]) == (0.2, 0.75)
    assert measures["overdue_now"] == 1
    assert [child["total"] for child in body["children"]] == [5, 4]
    assert body["at_node"] is None


def test_to_is_inclusive_and_bad_dates_name_the_field(as_administrator, session) -> None:
    island = build_cases(session)
    town = island.tree.town.code
    url = "/api/v1/reports/resolution"
    last_day = as_administrator.get(url, params={"territory": town, "from": "2026-03-31",
                                                 "to": "2026-03-31"})  # fmt: skip
    assert last_day.json()["territory"]["total"] == 1  # created 31 March, 23:00 local
    two_days = as_administrator.get(url, params={"territory": town, "from": "2026-03-30",
                                                 "to": "2026-03-31"})  # fmt: skip
    assert two_days.json()["territory"]["total"] == 2
    backwards = as_administrator.get(url, params={"territory": town, "from": "2026-03-02",
                                                  "to": "2026-03-01"})  # fmt: skip
    assert backwards.status_code == 422
    assert list(backwards.json()["error"]["fields"]) == ["to"]
    garbled = as_administrator.get(url, params={"territory": town, "from": "March",
                                                "to": "2026-03-01"})  # fmt: skip
    assert garbled.status_code == 422
    assert list(garbled.json()["error"]["fields"]) == ["from"]
    missing = as_administrator.get(url, params={"territory": town, "from": "2026-03-01"})
    assert list(missing.json()["error"]["fields"]) == ["to"]
    bad_code = as_administrator.get(url, params={"territory": "12x", **MARCH})
    assert bad_code.status_code == 422
    assert list(bad_code.json()["error"]["fields"]) == ["territory"]


def test_out_of_scope_is_404_and_no_role_is_403(client, session) -> None:
    island = build_cases(session)
    leader = make_user(session, role="grid_leader", territory_code=island.tree.all_grids()[0].code)
    headers = bearer(session, leader)
    url = "/api/v1/reports/resolution"
    outside = client.get(url, params={"territory": island.village_2, **MARCH}, headers=headers)
    missing = client.get(url, params={"territory": "350305108999", **MARCH}, headers=headers)
    assert outside.status_code == missing.status_code == 404
    assert outside.json()["error"]["message"].startswith("no territory has code")
    resident = make_user(session, role="resident", territory_code=island.unit(1))
    refused = client.get(
        url, params={"territory": island.unit(1), **MARCH}, headers=bearer(session, resident)
    )
    assert refused.status_code == 403
    assert client.get(url, params={"territory": island.village_1, **MARCH}).status_code == 401


def test_case_register_export_is_masked_and_scoped(client, session) -> None:
    island = build_cases(session)
    secretary = make_user(session, role="village_secretary", territory_code=island.village_1)
    headers = bearer(session, secretary)
    answer = client.get(
        "/api/v1/exports/cases.xlsx", params={"territory": island.village_1}, headers=headers
    )
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(answer.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 1 + 6  # village 1: five cases of March and one of February
    outside = client.get(
        "/api/v1/exports/cases.xlsx", params={"territory": island.village_2}, headers=headers
    )
    assert outside.status_code == 404
    march = client.get(
        "/api/v1/exports/cases.xlsx",
        params={"territory": island.village_1, **MARCH},
        headers=headers,
    )
    assert len(list(load_workbook(io.BytesIO(march.content)).active.iter_rows())) == 1 + 5
    leader = make_user(session, role="unit_leader", territory_code=island.unit(1))
    refused = client.get(
        "/api/v1/exports/cases.xlsx",
        params={"territory": island.unit(1)},
        headers=bearer(session, leader),
    )
    assert refused.status_code == 403
