"""/partition-plans pages on both databases: the list and form, a plan's page with its
maps, quality table and leaders affected, apply and roll back (confirmation, CSRF, 409 as
a message), and the policy (grid leader: 403; out of reach: the not-found page)."""

from __future__ import annotations

from sqlalchemy import select

from gridgov.partition.models import PartitionPlan
from tests.partition.plan_helpers import appoint_grid_leaders, located_village
from tests.web.helpers import csrf_of, make_person, sign_in


def _plan_id(session, scope_code: str) -> str:
    session.expire_all()
    plan = session.scalars(
        select(PartitionPlan).where(PartitionPlan.scope_code == scope_code)
    ).first()
    assert plan is not None
    return plan.id


def test_a_village_secretary_computes_applies_and_rolls_back(client, session) -> None:
    village = located_village(session, households=60, villages=2)
    appoint_grid_leaders(session, village)
    code = village.village.code
    make_person(session, "sec.plan", role="village_secretary", territory_code=code)
    session.commit()
    sign_in(client, "sec.plan")
    listing = client.get("/partition-plans")
    assert listing.status_code == 200
    assert f'<option value="{code}"' in listing.text
    assert f'<option value="{village.tree.villages[1].code}"' not in listing.text
    made = client.post(
        "/partition-plans",
        data={"csrf_token": csrf_of(listing.text), "scope_code": code, "grid_size": "25-45"},
        follow_redirects=False,
    )
    assert made.status_code == 303, made.text
    plan_id = _plan_id(session, code)
    assert made.headers["location"] == f"/partition-plans/{plan_id}"
    page = client.get(f"/partition-plans/{plan_id}")
    assert page.status_code == 200
    html = page.text
    assert f'data-geojson="/partition-plans/{plan_id}/map.geojson"' in html
    assert f'data-geojson="/api/v1/territories.geojson?territory={code}"' in html  # in force
    assert '<tr data-key="grids"><th scope="row">网格数</th><td>2</td>' in html
    assert 'data-table="posts"' in html and "网格长" in html  # the old grids' leaders
    geojson = client.get(f"/partition-plans/{plan_id}/map.geojson")
    assert geojson.status_code == 200 and len(geojson.json()["features"]) >= 2

    token = csrf_of(html)
    unconfirmed = client.post(f"/partition-plans/{plan_id}/apply", data={"csrf_token": token})
    assert unconfirmed.status_code == 422 and "请勾选以确认" in unconfirmed.text
    no_token = client.post(f"/partition-plans/{plan_id}/apply", data={"confirm": "yes"})
    assert no_token.status_code == 403
    session.expire_all()
    assert session.get(PartitionPlan, plan_id).status == "planned"

    applied = client.post(
        f"/partition-plans/{plan_id}/apply",
        data={"csrf_token": token, "confirm": "yes"},
        follow_redirects=False,
    )
    assert applied.status_code == 303
    assert applied.headers["location"] == f"/partition-plans/{plan_id}?done=applied"
    session.expire_all()
    assert session.get(PartitionPlan, plan_id).status == "applied"
    # Applying again: 409, shown on the plan's page; nothing changes.
    again = client.post(
        f"/partition-plans/{plan_id}/apply", data={"csrf_token": token, "confirm": "yes"}
    )
    assert again.status_code == 409 and 'id="plan-conflict"' in again.text
    rolled = client.post(
        f"/partition-plans/{plan_id}/rollback",
        data={"csrf_token": token, "confirm": "yes"},
        follow_redirects=False,
    )
    assert rolled.status_code == 303
    session.expire_all()
    assert session.get(PartitionPlan, plan_id).status == "rolled_back"


def test_bad_bounds_show_the_form_again_naming_the_field(client, session) -> None:
    village = located_village(session, households=30, grids=1)
    code = village.village.code
    make_person(session, "sec.bad", role="village_secretary", territory_code=code)
    session.commit()
    sign_in(client, "sec.bad")
    token = csrf_of(client.get("/partition-plans").text)
    refused = client.post(
        "/partition-plans",
        data={"csrf_token": token, "scope_code": code, "grid_size": "45-25"},
    )
    assert refused.status_code == 422
    assert 'id="grid_size-error"' in refused.text and 'value="45-25"' in refused.text
    refused = client.post(
        "/partition-plans",
        data={"csrf_token": token, "scope_code": code, "unit_target": "many"},
    )
    assert refused.status_code == 422 and 'id="unit_target-error"' in refused.text
    assert session.scalar(select(PartitionPlan.id)) is None


def test_grid_leaders_get_403_and_others_plans_are_not_found(client, session) -> None:
    village = located_village(session, households=40, grids=1, villages=2)
    grid = village.tree.grids[village.village.code][0]
    other = village.tree.villages[1].code
    make_person(session, "grid.plan", role="grid_leader", territory_code=grid.code)
    make_person(session, "sec.other", role="village_secretary", territory_code=other)
    make_person(session, "sec.mine", role="village_secretary", territory_code=village.village.code)
    session.commit()
    sign_in(client, "sec.mine")
    token = csrf_of(client.get("/partition-plans").text)
    client.post("/partition-plans", data={"csrf_token": token, "scope_code": village.village.code})
    plan_id = _plan_id(session, village.village.code)
    client.cookies.clear()
    sign_in(client, "grid.plan")
    assert client.get("/partition-plans").status_code == 403
    assert client.get(f"/partition-plans/{plan_id}").status_code == 403
    assert "/partition-plans" not in client.get("/").text  # no menu entry
    client.cookies.clear()
    sign_in(client, "sec.other")
    assert client.get(f"/partition-plans/{plan_id}").status_code == 404
    assert client.get(f"/partition-plans/{plan_id}/map.geojson").status_code == 404
    token = csrf_of(client.get("/partition-plans").text)
    refused = client.post(
        f"/partition-plans/{plan_id}/apply", data={"csrf_token": token, "confirm": "yes"}
    )
    assert refused.status_code == 404
    # A scope out of reach named in the form: not found, as a missing one; nothing computed.
    outside = client.post(
        "/partition-plans", data={"csrf_token": token, "scope_code": village.village.code}
    )
    assert outside.status_code == 404
    session.expire_all()
    assert len(session.scalars(select(PartitionPlan.id)).all()) == 1
