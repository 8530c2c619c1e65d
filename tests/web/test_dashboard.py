"""/dashboard/{code} and /territories/{code}/map on both databases: figures, drill-down
links, access (out of reach: the not-found page; a role reading no reports: 403), bad
input, and the household points (no personal fields)."""

from __future__ import annotations

import datetime as dt

from gridgov import clock
from gridgov.accounts.actions import check_set_preferences
from tests.factories.registry import make_household, make_resident
from tests.factories.territory import make_tree
from tests.reports.factory import make_case
from tests.web.helpers import make_person, sign_in


def _island(session):
    tree = make_tree(session, villages=2, grids_per_village=2, units_per_grid=1)
    first = tree.villages[0]
    unit = tree.units[tree.grids[first.code][0].code][0]
    for index in range(3):
        household = make_household(session, unit=unit, lon=119.112 + index * 0.001, lat=25.005)
        make_resident(session, household=household)
    now = clock.now()
    make_case(session, territory_code=unit.code, created_at=now - dt.timedelta(days=2))
    make_case(
        session,
        territory_code=unit.code,
        created_at=now - dt.timedelta(days=2),
        due_at=now - dt.timedelta(hours=2),
    )
    make_case(
        session,
        territory_code=unit.code,
        created_at=now - dt.timedelta(days=4),
        state="closed",
        level="grid",
        hours_to_close=6,
        rating=5,
    )
    return tree


def _tile(html: str, name: str) -> str:
    return (
        html.split(f'data-tile="{name}"')[1].split('class="figure">')[1].split("<", maxsplit=1)[0]
    )


def test_a_town_official_sees_the_town_and_drills_down(client, session) -> None:
    tree = _island(session)
    make_person(session, "town.dash", role="town_official", territory_code=tree.town.code)
    session.commit()
    sign_in(client, "town.dash")
    page = client.get(f"/dashboard/{tree.town.code}")
    assert page.status_code == 200, page.text
    html = page.text
    assert _tile(html, "households") == "3" and _tile(html, "residents") == "3"
    assert _tile(html, "open_cases") == "2" and _tile(html, "overdue_cases") == "1"
    assert _tile(html, "satisfaction") == "100%"
    first, second = tree.villages
    assert f'href="/dashboard/{first.code}?period=this_month"' in html
    assert f'href="/dashboard/{second.code}?period=this_month"' in html
    assert f"territory={tree.town.code}&amp;level=village" in html
    # Where closed cases were solved: the one closed case, in the grid.
    closed = html.split('data-table="closed-at"')[1]
    assert '<tr data-key="grid"><th scope="row">网格内</th><td>1</td><td>100%</td>' in closed
    grid = tree.grids[first.code][0]
    down = client.get(f"/dashboard/{grid.code}?period=this_year")
    assert down.status_code == 200
    assert f'href="/dashboard/{first.code}?period=this_year"' in down.text  # breadcrumb up
    assert f"/territories/{grid.code}/map" in down.text


def test_a_grid_leader_sees_their_grid_and_not_another_village(client, session) -> None:
    tree = _island(session)
    grid = tree.grids[tree.villages[0].code][0]
    make_person(session, "grid.dash", role="grid_leader", territory_code=grid.code)
    session.commit()
    sign_in(client, "grid.dash")
    home = client.get("/")
    assert f'href="/dashboard/{grid.code}"' in home.text  # the menu
    assert client.get(f"/dashboard/{grid.code}").status_code == 200
    other_village = client.get(f"/dashboard/{tree.villages[1].code}")
    assert other_village.status_code == 404
    assert 'data-page="not-found"' in other_village.text or "找不到" in other_village.text
    missing = client.get("/dashboard/350305108999")
    assert missing.status_code == 404
    assert client.get(f"/dashboard/{grid.code}01").status_code == 404  # a unit: no dashboard
    # Above the grid leader's node: their part only, and no link into the other grid.
    village = client.get(f"/dashboard/{tree.villages[0].code}")
    assert village.status_code == 200
    other_grid = tree.grids[tree.villages[0].code][1]
    assert f"/dashboard/{other_grid.code}" not in village.text


def test_roles_without_reports_get_403_and_bad_period_422(client, session) -> None:
    tree = _island(session)
    make_person(session, "party.dash", role="party_member", territory_code=tree.villages[0].code)
    make_person(session, "sec.dash", role="village_secretary", territory_code=tree.villages[0].code)
    session.commit()
    sign_in(client, "party.dash")
    assert client.get(f"/dashboard/{tree.villages[0].code}").status_code == 403
    client.cookies.clear()
    sign_in(client, "sec.dash")
    bad = client.get(f"/dashboard/{tree.villages[0].code}?period=forever")
    assert bad.status_code == 422 and "period" in bad.text


def test_signed_out_readers_are_sent_to_sign_in(client, session) -> None:
    tree = make_tree(session, villages=1, grids_per_village=1, units_per_grid=1)
    session.commit()
    answer = client.get(f"/dashboard/{tree.town.code}", follow_redirects=False)
    assert answer.status_code in (302, 303) and "/signin" in answer.headers["location"]


def test_the_household_map_sends_points_without_personal_fields(client, session) -> None:
    tree = _island(session)
    village = tree.villages[0]
    grid = tree.grids[village.code][0]
    make_person(session, "grid.map", role="grid_leader", territory_code=grid.code)
    session.commit()
    sign_in(client, "grid.map")
    page = client.get(f"/territories/{grid.code}/map")
    assert page.status_code == 200
    assert f'data-points="/territories/{grid.code}/households.geojson"' in page.text
    points = client.get(f"/territories/{grid.code}/households.geojson")
    assert points.status_code == 200
    assert points.headers["content-type"].startswith("application/geo+json")
    features = points.json()["features"]
    assert len(features) == 3
    properties = features[0]["properties"]
    assert set(properties) == {"id", "household_no", "address", "href"}
    assert properties["href"] == f"/households/{properties['id']}"
    # The village: the leader's part only (their grid's households).
    assert (
        len(client.get(f"/territories/{village.code}/households.geojson").json()["features"]) == 3
    )
    other = tree.villages[1]
    assert client.get(f"/territories/{other.code}/map").status_code == 404
    assert client.get(f"/territories/{other.code}/households.geojson").status_code == 404
    assert client.get(f"/territories/{tree.town.code}/map").status_code == 404  # not a grid


def test_the_dashboard_in_english(client, session) -> None:
    tree = _island(session)
    user = make_person(session, "en.dash", role="town_official", territory_code=tree.town.code)
    check_set_preferences(session, user, language="en", actor="test")
    session.commit()
    sign_in(client, "en.dash")
    page = client.get(f"/dashboard/{tree.town.code}?period=last_3_months")
    assert page.status_code == 200
    assert '<html lang="en"' in page.text
    assert "Where closed cases were solved" in page.text
    assert "&#34;grid&#34;: &#34;In the grid&#34;" in page.text  # the chart's labels
    assert '<option value="last_3_months" selected>Last 3 months</option>' in page.text
