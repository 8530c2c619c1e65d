"""Chain replies (接龙) through the API: open, add and edit one's line, order, closing time,
export with no live formula, and 404 outside the group."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from gridgov import clock
from gridgov.groups.chain_models import ChainList
from tests.factories.access import bearer
from tests.factories.groups import World, group_of, make_world


@pytest.fixture
def world(session: Session) -> World:
    return make_world(session)


def test_members_add_and_edit_their_lines_in_order_until_it_closes(
    client: TestClient, session: Session, world: World
) -> None:
    village = world.village(0)
    group = group_of(session, "village", village.code)
    units = [u for g in world.tree.grids[village.code] for u in world.tree.units[g.code]]
    first, second = world.villagers[units[0].code][0], world.villagers[units[1].code][0]
    closes = (clock.now() + dt.timedelta(hours=2)).isoformat()
    opened = client.post(
        f"/api/v1/groups/{group.id}/chains",
        json={"title": "周六义务劳动报名", "fields": ["人数", "备注"], "closes_at": closes},
        headers=bearer(session, first),
    )
    assert opened.status_code == 201, opened.text
    chain_id = opened.json()["id"]
    for user, count in ((second, "2"), (first, "1"), (second, "3")):
        signed = client.put(
            f"/api/v1/chains/{chain_id}/entry",
            json={"values": {"人数": count}},
            headers=bearer(session, user),
        )
        assert signed.status_code == 200, signed.text
    listed = client.get(f"/api/v1/chains/{chain_id}", headers=bearer(session, first)).json()
    assert [(e["position"], e["user_id"], e["values"]["人数"]) for e in listed["entries"]] == [
        (1, second.id, "3"),
        (2, first.id, "1"),
    ]
    unknown = client.put(
        f"/api/v1/chains/{chain_id}/entry",
        json={"values": {"电话": "x"}},
        headers=bearer(session, first),
    )
    assert unknown.status_code == 422 and "values.电话" in unknown.json()["error"]["fields"]
    # A hostile value exports as text, never as a formula.
    client.put(
        f"/api/v1/chains/{chain_id}/entry",
        json={"values": {"人数": '=HYPERLINK("http://x")'}},
        headers=bearer(session, first),
    )
    csv_text = client.get(
        f"/api/v1/chains/{chain_id}/export.csv", headers=bearer(session, first)
    ).content.decode("utf-8-sig")
    assert "'=HYPERLINK" in csv_text and "周六" not in csv_text.splitlines()[0]
    xlsx = client.get(f"/api/v1/chains/{chain_id}/export.xlsx", headers=bearer(session, first))
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None
    cells = [cell.value for row in sheet.iter_rows() for cell in row]
    assert all(not (isinstance(v, str) and v.startswith("=")) for v in cells)
    # Another village sees nothing of it.
    other = world.villagers[
        world.tree.units[world.tree.grids[world.village(1).code][0].code][0].code
    ][0]
    assert (
        client.get(f"/api/v1/chains/{chain_id}", headers=bearer(session, other)).status_code == 404
    )
    # Closed: nothing more is added.
    chain = session.get(ChainList, chain_id)
    assert chain is not None
    chain.closes_at = clock.now() - dt.timedelta(seconds=1)
    session.flush()
    late = client.put(
        f"/api/v1/chains/{chain_id}/entry",
        json={"values": {"人数": "5"}},
        headers=bearer(session, world.villagers[units[2].code][0]),
    )
    assert late.status_code == 409
