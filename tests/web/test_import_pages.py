"""/imports on both databases: a good file is imported and summarised, a bad one shows
every bad row as a table and stores nothing; exports download the caller's part only."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from gridgov.registry.models import Household
from tests.factories.registry import make_household, make_resident
from tests.factories.territory import make_tree
from tests.web.helpers import csrf_of, make_person, sign_in


@pytest.fixture
def tree(session):
    tree = make_tree(session, villages=2, grids_per_village=1, units_per_grid=1)
    resident_home = make_household(session, unit=tree.all_units()[0], household_no="H-HOME")
    make_resident(session, household=resident_home)
    make_person(session, "sec.imp", role="village_secretary", territory_code=tree.villages[0].code)
    make_person(session, "grid.imp", role="grid_leader", territory_code=tree.all_grids()[0].code)
    make_person(session, "unit.imp", role="unit_leader", territory_code=tree.all_units()[0].code)
    session.commit()
    return tree


def _households(session) -> int:
    session.expire_all()
    return int(session.scalar(select(func.count()).select_from(Household)) or 0)


def _upload(client, text: str, kind: str = "households", name: str = "households.csv"):
    page = client.get("/imports")
    assert page.status_code == 200
    return client.post(
        "/imports",
        data={"csrf_token": csrf_of(page.text), "kind": kind},
        files={"file": (name, text.encode("utf-8"), "text/csv")},
    )


def test_a_good_file_is_imported(client, session, tree) -> None:
    sign_in(client, "sec.imp")
    village, unit = tree.villages[0].code, tree.all_units()[0].code
    before = _households(session)
    csv = (
        "village_code,household_no,address,unit_code\n"
        f"{village},N-001,新村路1号,{unit}\n{village},N-002,新村路2号,\n"
    )
    answer = _upload(client, csv)
    assert answer.status_code == 200 and 'id="import-done"' in answer.text
    assert "已导入 2 户" in answer.text
    assert _households(session) == before + 2


def test_a_file_with_bad_rows_shows_the_table_and_stores_nothing(client, session, tree) -> None:
    sign_in(client, "sec.imp")
    village, other_village = tree.villages[0].code, tree.villages[1].code
    before = _households(session)
    csv = (
        "village_code,household_no,address\n"
        f"{village},N-001,新村路1号\n"
        f"{other_village},N-002,外村路2号\n"
        f"{village},,无户号\n"
    )
    answer = _upload(client, csv)
    assert answer.status_code == 422 and 'id="bad-rows"' in answer.text
    table = answer.text.split('id="bad-rows"')[1].split("</table>")[0]
    assert '<td class="num">3</td>' in table and "outside your territory" in table
    assert '<td class="num">4</td>' in table and "<code>household_no</code>" in table
    assert _households(session) == before


def test_a_file_of_the_wrong_type_names_the_file(client, session, tree) -> None:
    sign_in(client, "sec.imp")
    answer = _upload(client, "hello", name="notes.txt")
    assert answer.status_code == 422 and 'id="file-error"' in answer.text


def test_a_grid_leader_exports_but_may_not_import(client, tree) -> None:
    sign_in(client, "grid.imp")
    page = client.get("/imports")
    assert page.status_code == 200 and 'action="/imports"' not in page.text
    grid = tree.all_grids()[0].code
    assert f"/exports/households.csv?territory={grid}" in page.text
    refused = client.post("/imports", data={"csrf_token": csrf_of(page.text), "kind": "households"})
    assert refused.status_code == 403


def test_the_export_is_the_caller_s_part_masked(client, tree) -> None:
    sign_in(client, "grid.imp")
    grid = tree.all_grids()[0].code
    answer = client.get(f"/exports/residents.csv?territory={grid}")
    assert answer.status_code == 200
    assert answer.headers["content-disposition"] == f'attachment; filename="residents-{grid}.csv"'
    assert "********" in answer.text  # ID numbers masked
    other = tree.villages[1].code
    assert client.get(f"/exports/residents.csv?territory={other}").status_code == 404
    assert client.get(f"/exports/residents.pdf?territory={grid}").status_code == 404


def test_a_unit_leader_gets_the_403_page(client, tree) -> None:
    sign_in(client, "unit.imp")
    answer = client.get("/imports")
    assert answer.status_code == 403 and "<html" in answer.text
