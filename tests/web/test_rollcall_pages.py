"""The roll-call pages (web/routes/roll_calls.py) through a TestClient, on both databases:
who sees which roll-call (another village's answers 404 like a missing one), confirming
with one tap through the page (once per idempotency key, with the tap's time), the drill
banner, starting one through the form, and all-clear and close with the report."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gridgov import clock
from gridgov.emergency.closing import check_close
from gridgov.emergency.escalation import run_rollcall_escalation_step
from gridgov.emergency.models import RollCall, RollCallConfirmation, RollCallHousehold
from gridgov.territory.models import Territory
from tests.cases.case_world import quick_password_hashing
from tests.emergency.rollcall_world import Island, make_island, start
from tests.emergency.test_confirm import confirm
from tests.factories.registry import make_resident
from tests.web.helpers import csrf_of, make_person, sign_in


@pytest.fixture
def island(session: Session) -> Island:
    island = make_island(session)
    with quick_password_hashing():
        make_person(session, "rc_unit", role="unit_leader", territory_code=island.unit)
        make_person(
            session, "rc_secretary", role="village_secretary", territory_code=island.village
        )
        make_person(
            session, "rc_other", role="village_secretary", territory_code=island.other_village
        )
        make_person(session, "rc_grid", role="grid_leader", territory_code=island.grid)
        make_person(session, "rc_town", role="town_official", territory_code=island.town)
        head = make_resident(session, household=island.households["plain"], name="本户户主")
        make_person(session, "rc_resident", resident_id=head.id)
    session.commit()
    return island


def signed_in(client: TestClient, username: str) -> TestClient:
    answer = sign_in(client, username)
    assert answer.status_code == 303, answer.text
    return client


def confirmations(session: Session, roll_call: RollCall, household_id: str) -> int:
    return session.scalar(
        select(func.count())
        .select_from(RollCallConfirmation)
        .where(
            RollCallConfirmation.roll_call_id == roll_call.id,
            RollCallConfirmation.household_id == household_id,
        )
    )


def test_a_village_secretary_sees_their_roll_call_and_not_another_villages(
    client: TestClient, session: Session, island: Island
) -> None:
    ours = start(session, island, territory=island.village, by="secretary")
    theirs = start(session, island, territory=island.other_village, by="other_secretary")
    session.commit()
    signed_in(client, "rc_secretary")
    listing = client.get("/roll-calls")
    assert listing.status_code == 200
    assert f'data-roll-call="{ours.id}"' in listing.text
    assert f'data-roll-call="{theirs.id}"' not in listing.text
    assert "data-start-form" in listing.text  # a village secretary may start one
    page = client.get(f"/roll-calls/{ours.id}")
    assert page.status_code == 200
    assert 'data-page="roll-call"' in page.text
    assert f'data-streams="rollcall:{ours.id}"' in page.text
    assert client.get(f"/roll-calls/{theirs.id}").status_code == 404
    assert client.get("/roll-calls/nosuchrollcall").status_code == 404
    assert client.get(f"/roll-calls/{theirs.id}/counts").status_code == 404


def test_the_unconfirmed_list_is_by_priority_then_unit_then_number(
    client: TestClient, session: Session, island: Island
) -> None:
    roll_call = start(session, island, territory=island.village, by="secretary")
    session.commit()
    signed_in(client, "rc_secretary")
    fragment = client.get(f"/roll-calls/{roll_call.id}/unconfirmed")
    assert fragment.status_code == 200
    h = island.households
    order = [h[name].id for name in ("elderly", "pregnant", "dangerous", "plain", "other_grid")]
    positions = [fragment.text.index(f'data-household="{hid}"') for hid in order]
    assert positions == sorted(positions)
    assert h["other_village"].id not in fragment.text


def test_a_unit_leader_confirms_with_one_tap_once_per_key(
    client: TestClient, session: Session, island: Island
) -> None:
    roll_call = start(session, island, territory=island.village, by="secretary")
    session.commit()
    signed_in(client, "rc_unit")
    page = client.get(f"/roll-calls/{roll_call.id}")
    plain = island.households["plain"].id
    assert f'data-tap-household="{plain}"' in page.text
    assert f'data-tap-household="{island.households["other_grid"].id}"' not in page.text
    tapped_at = clock.now()  # the tap: after the start, before it is received
    form = {
        "csrf_token": csrf_of(page.text),
        "household_id": plain,
        "status": "safe_at_home",
        "method": "in_person",
        "confirmed_at": tapped_at.isoformat(),
        "idempotency_key": "tap-1",
    }
    url = f"/roll-calls/{roll_call.id}/confirmations"
    first = client.post(url, data=form, follow_redirects=False)
    assert first.status_code == 303, first.text
    again = client.post(
        url, data=form, headers={"Idempotency-Key": "tap-1"}, follow_redirects=False
    )
    assert again.status_code == 303
    session.expire_all()
    assert confirmations(session, roll_call, plain) == 1
    row = session.get(RollCallHousehold, (roll_call.id, plain))
    assert row is not None and row.status == "safe_at_home"
    assert row.confirmer == "unit_leader"
    seen = row.confirmed_at if row.confirmed_at.tzinfo else row.confirmed_at.replace(tzinfo=dt.UTC)
    assert abs((seen - tapped_at).total_seconds()) < 1
    counts = client.get(f"/roll-calls/{roll_call.id}/counts")
    assert 'data-confirmed="1"' in counts.text


def test_a_tap_on_another_villages_household_is_not_found(
    client: TestClient, session: Session, island: Island
) -> None:
    roll_call = start(session, island, territory=island.town, by="town_official")
    session.commit()
    signed_in(client, "rc_unit")
    page = client.get(f"/roll-calls/{roll_call.id}")
    answer = client.post(
        f"/roll-calls/{roll_call.id}/confirmations",
        data={
            "csrf_token": csrf_of(page.text),
            "household_id": island.households["other_village"].id,
            "status": "safe_at_home",
        },
        follow_redirects=False,
    )
    assert answer.status_code == 404
    session.expire_all()
    assert confirmations(session, roll_call, island.households["other_village"].id) == 0


def test_a_needs_help_without_what_help_names_the_field(
    client: TestClient, session: Session, island: Island
) -> None:
    roll_call = start(session, island, territory=island.village, by="secretary")
    session.commit()
    signed_in(client, "rc_resident")
    page = client.get(f"/roll-calls/{roll_call.id}")
    plain = island.households["plain"].id
    assert f'data-tap-household="{plain}"' in page.text  # a resident's own household
    answer = client.post(
        f"/roll-calls/{roll_call.id}/confirmations",
        data={"csrf_token": csrf_of(page.text), "household_id": plain, "status": "needs_help"},
    )
    assert answer.status_code == 422
    # Issue #15: told next to the household's form, in plain words, not at the top; the
    # page carries its own URL (rollcall.js puts it back in the address bar).
    item = _household_item(answer.text, plain)
    assert "data-tap-error" in item and 'data-field="help"' in item
    assert (
        "请写明需要什么帮助" in item and "needs_help" not in item.split("data-tap-error")[1][:200]
    )
    assert 'role="alert"' not in answer.text.split('id="tap-title"')[0]
    assert f'data-page-url="/roll-calls/{roll_call.id}"' in answer.text
    assert f'data-refused-household="{plain}"' in answer.text
    session.expire_all()
    assert confirmations(session, roll_call, plain) == 0


def _household_item(page: str, household_id: str) -> str:
    """The ``<li>`` of a household's one-tap form on a page."""
    start = page.index(f'id="household-{household_id}"')
    return page[start : page.index("</li>", start)]


def test_a_drill_says_so_on_its_page(client: TestClient, session: Session, island: Island) -> None:
    drill = start(session, island, territory=island.village, by="secretary", drill=True)
    real = start(session, island, territory=island.village, by="secretary")
    session.commit()
    signed_in(client, "rc_secretary")
    assert "data-drill" in client.get(f"/roll-calls/{drill.id}").text
    assert "data-drill" not in client.get(f"/roll-calls/{real.id}").text


def test_the_start_form_starts_one_and_names_a_bad_field(
    client: TestClient, session: Session, island: Island
) -> None:
    signed_in(client, "rc_secretary")
    page = client.get("/roll-calls")
    token = csrf_of(page.text)
    bad = client.post(
        "/roll-calls",
        data={
            "csrf_token": token,
            "territory_code": island.village,
            "kind": "meteor",
            "title": "x",
        },
    )
    assert bad.status_code == 422
    assert 'data-field="kind"' in bad.text
    good = client.post(
        "/roll-calls",
        data={
            "csrf_token": token,
            "territory_code": island.village,
            "kind": "typhoon",
            "title": "台风演练",
            "drill": "1",
            "evacuation": "1",
        },
        follow_redirects=False,
    )
    assert good.status_code == 303, good.text
    session.expire_all()
    made = session.scalars(select(RollCall).where(RollCall.title == "台风演练")).one()
    assert made.drill and made.evacuation and made.territory_code == island.village
    assert good.headers["location"] == f"/roll-calls/{made.id}"


def test_unit_leaders_do_not_get_the_start_form_nor_the_end_buttons(
    client: TestClient, session: Session, island: Island
) -> None:
    roll_call = start(session, island, territory=island.village, by="secretary")
    session.commit()
    signed_in(client, "rc_unit")
    assert "data-start-form" not in client.get("/roll-calls").text
    page = client.get(f"/roll-calls/{roll_call.id}").text
    assert "data-all-clear" not in page and "data-close" not in page


def test_all_clear_then_close_shows_the_report(
    client: TestClient, session: Session, island: Island
) -> None:
    roll_call = start(session, island, territory=island.village, by="secretary", evacuation=True)
    session.commit()
    signed_in(client, "rc_secretary")
    page = client.get(f"/roll-calls/{roll_call.id}")
    token = csrf_of(page.text)
    assert "data-all-clear" in page.text
    cleared = client.post(
        f"/roll-calls/{roll_call.id}/all-clear", data={"csrf_token": token}, follow_redirects=False
    )
    assert cleared.status_code == 303
    after = client.get(f"/roll-calls/{roll_call.id}").text
    assert 'data-state="all_clear"' in after
    closed = client.post(
        f"/roll-calls/{roll_call.id}/close", data={"csrf_token": token}, follow_redirects=False
    )
    assert closed.status_code == 303
    report = client.get(f"/roll-calls/{roll_call.id}").text
    assert "data-report" in report and 'data-node="overall"' in report
    assert f'data-node="{island.village}"' in report
    roster = client.get(f"/roll-calls/{roll_call.id}/roster.xlsx")
    assert roster.status_code == 200
    assert roster.content[:2] == b"PK"


def test_shelters_show_their_free_places(
    client: TestClient, session: Session, island: Island
) -> None:
    signed_in(client, "rc_secretary")
    page = client.get("/shelters")
    assert page.status_code == 200
    assert island.shelter is not None
    assert f'data-shelter="{island.shelter.id}" data-free="3"' in page.text


def test_a_queued_tap_keeps_its_delay_whatever_the_phones_clock(
    client: TestClient, session: Session, island: Island
) -> None:
    """The queue sends the phone's own send time (X-Sent-At): the tap is taken as that
    long before its arrival, so a phone an hour ahead is neither refused nor believed."""
    roll_call = start(session, island, territory=island.village, by="secretary")
    session.commit()
    signed_in(client, "rc_unit")
    page = client.get(f"/roll-calls/{roll_call.id}")
    phone_tap = clock.now() + dt.timedelta(hours=1)  # the phone's clock is an hour ahead
    phone_send = phone_tap + dt.timedelta(minutes=5)  # kept five minutes offline
    arrival = clock.now() + dt.timedelta(minutes=20)
    plain = island.households["plain"].id
    with clock.frozen(arrival):
        answer = client.post(
            f"/roll-calls/{roll_call.id}/confirmations",
            data={
                "csrf_token": csrf_of(page.text),
                "household_id": plain,
                "status": "moved_relatives",
                "people": "3",
                "confirmed_at": phone_tap.isoformat(),
                "sent_at": phone_tap.isoformat(),
                "idempotency_key": "queued-1",
            },
            headers={"Idempotency-Key": "queued-1", "X-Sent-At": phone_send.isoformat()},
            follow_redirects=False,
        )
    assert answer.status_code == 303, answer.text
    session.expire_all()
    row = session.get(RollCallHousehold, (roll_call.id, plain))
    assert row is not None and row.status == "moved_relatives" and row.moved_people == 3
    seen = row.confirmed_at if row.confirmed_at.tzinfo else row.confirmed_at.replace(tzinfo=dt.UTC)
    assert seen == arrival - dt.timedelta(minutes=5)


def test_after_the_all_clear_a_moved_household_can_confirm_its_return(
    client: TestClient, session: Session, island: Island
) -> None:
    roll_call = start(session, island, territory=island.village, by="secretary", evacuation=True)
    session.commit()
    signed_in(client, "rc_unit")
    plain = island.households["plain"].id
    page = client.get(f"/roll-calls/{roll_call.id}")
    assert 'data-tap="returned"' not in page.text  # not before the all-clear
    url = f"/roll-calls/{roll_call.id}/confirmations"
    moved = {"csrf_token": csrf_of(page.text), "household_id": plain}
    client.post(url, data=moved | {"status": "moved_relatives"}, follow_redirects=False)
    client.cookies.clear()
    signed_in(client, "rc_secretary")
    token = csrf_of(client.get(f"/roll-calls/{roll_call.id}").text)
    client.post(f"/roll-calls/{roll_call.id}/all-clear", data={"csrf_token": token})
    client.cookies.clear()
    signed_in(client, "rc_unit")
    page = client.get(f"/roll-calls/{roll_call.id}")
    assert 'data-tap="returned"' in page.text
    answer = client.post(
        url,
        data={"csrf_token": csrf_of(page.text), "household_id": plain, "status": "returned"},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    session.expire_all()
    row = session.get(RollCallHousehold, (roll_call.id, plain))
    assert row is not None and row.status == "returned" and row.returned_at is not None


def _leader_list(page: str, role: str) -> str:
    """The part of a page that is the caller's one-tap list as a ``role`` (up to the counts,
    the next section: the tests' callers hold one post)."""
    start = page.index(f'data-leader-list="{role}"')
    return page[start : page.index('id="counts-title"', start)]


def _tap(client: TestClient, page: str, roll_call: RollCall, household_id: str, **fields):
    form = {
        "csrf_token": csrf_of(page),
        "household_id": household_id,
        "status": "safe_at_home",
        "method": "phone",
        "idempotency_key": f"leader-{household_id}",
    } | fields
    url = f"/roll-calls/{roll_call.id}/confirmations"
    return client.post(url, data=form, follow_redirects=False)


def test_a_grid_leader_and_a_secretary_confirm_the_unconfirmed_with_one_tap(
    client: TestClient, session: Session, island: Island
) -> None:
    roll_call = start(session, island, territory=island.village, by="secretary")
    t0 = roll_call.started_at
    session.commit()
    h = island.households
    signed_in(client, "rc_grid")
    page = client.get(f"/roll-calls/{roll_call.id}").text
    listed = _leader_list(page, "grid_leader")
    # the grid's unconfirmed households, priority first; none escalated yet
    order = [h[name].id for name in ("elderly", "pregnant", "dangerous", "plain", "away_member")]
    positions = [listed.index(f'data-tap-household="{hid}"') for hid in order]
    assert positions == sorted(positions)
    assert h["other_grid"].id not in listed and "data-escalation-reason" not in listed
    assert 'data-leader-total="5"' in listed
    assert 'name="method" value="phone" checked' in listed  # two large choices, phone first
    # 60 minutes later the five are escalated to the grid: marked, with the reason
    assert run_rollcall_escalation_step(session, now=t0 + dt.timedelta(minutes=60)) == 6
    session.commit()
    page = client.get(f"/roll-calls/{roll_call.id}").text
    listed = _leader_list(page, "grid_leader")
    assert listed.count("data-escalation-reason") == 5
    assert "开始 60 分钟后仍未确认" in listed  # the reason (zh-CN, the pages' default)
    with clock.frozen(t0 + dt.timedelta(minutes=65)):
        answer = _tap(client, page, roll_call, h["pregnant"].id)
    assert answer.status_code == 303, answer.text
    session.expire_all()
    row = session.get(RollCallHousehold, (roll_call.id, h["pregnant"].id))
    assert row is not None
    assert (row.status, row.method, row.confirmer) == ("safe_at_home", "phone", "grid_leader")
    # the secretary's list holds the village's households escalated to the village only
    signed_in(client, "rc_secretary")
    listed = _leader_list(client.get(f"/roll-calls/{roll_call.id}").text, "village_secretary")
    assert 'data-leader-total="0"' in listed
    assert run_rollcall_escalation_step(session, now=t0 + dt.timedelta(minutes=90)) == 5
    session.commit()
    page = client.get(f"/roll-calls/{roll_call.id}").text
    listed = _leader_list(page, "village_secretary")
    assert 'data-leader-total="5"' in listed
    assert h["pregnant"].id not in listed  # confirmed by the grid leader
    assert h["other_grid"].id in listed  # another grid of the village
    assert "开始 90 分钟后仍未确认" in listed
    with clock.frozen(t0 + dt.timedelta(minutes=95)):
        answer = _tap(
            client, page, roll_call, h["dangerous"].id, status="moved_relatives", method="in_person"
        )
    assert answer.status_code == 303, answer.text
    session.expire_all()
    row = session.get(RollCallHousehold, (roll_call.id, h["dangerous"].id))
    assert row is not None
    assert (row.status, row.method, row.confirmer) == (
        "moved_relatives",
        "in_person",
        "village_official",
    )
    listed = _leader_list(client.get(f"/roll-calls/{roll_call.id}").text, "village_secretary")
    assert 'data-leader-total="4"' in listed and h["dangerous"].id not in listed


def test_the_start_form_names_the_places_within_reach(
    client: TestClient, session: Session, island: Island
) -> None:
    names = dict(session.execute(select(Territory.code, Territory.name_zh)).all())
    other = names[island.other_village]
    signed_in(client, "rc_secretary")
    form = client.get("/roll-calls").text
    start_form = form[form.index("data-start-form") :]
    assert f'<option value="{island.village}">{names[island.village]}</option>' in start_form
    assert f'value="{island.town}"' not in start_form and other not in start_form
    assert 'name="drill" value="1"' in start_form and "演练：只在平台内通知" in start_form
    signed_in(client, "rc_town")
    start_form = client.get("/roll-calls").text
    assert f'<option value="{island.town}">{names[island.town]}</option>' in start_form
    assert f'<option value="{island.village}">— {names[island.village]}</option>' in start_form
    # a radio left at "0" is a no
    answer = client.post(
        "/roll-calls",
        data={
            "csrf_token": csrf_of(start_form),
            "territory_code": island.village,
            "kind": "flood",
            "title": "洪水点名",
            "drill": "0",
            "evacuation": "0",
        },
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    made = session.scalars(select(RollCall).where(RollCall.title == "洪水点名")).one()
    assert not made.drill and not made.evacuation


def test_a_secretary_adds_a_shelter_and_changes_its_capacity_and_keeper(
    client: TestClient, session: Session, island: Island
) -> None:
    from gridgov.emergency.models import Shelter

    names = dict(session.execute(select(Territory.code, Territory.name_zh)).all())
    signed_in(client, "rc_secretary")
    page = client.get("/shelters").text
    assert "data-shelter-form" in page
    assert f'<option value="{island.village}">{names[island.village]}</option>' in page
    assert f'value="{island.other_village}"' not in page  # another village: not offered
    token = csrf_of(page)
    keeper = island.users["grid_leader"].id  # a leader of the village keeps it
    assert f'<option value="{keeper}">' in page
    base = {"csrf_token": token, "village_code": island.village, "name": "祠堂"}
    bad = client.post("/shelters", data=base | {"capacity": "-1"})
    assert bad.status_code == 422
    assert 'data-field-error="capacity"' in bad.text and 'value="祠堂"' in bad.text
    missing = client.post("/shelters", data={"csrf_token": token, "capacity": "10"})
    assert missing.status_code == 422 and 'data-field-error="name"' in missing.text
    elsewhere = client.post(
        "/shelters", data=base | {"capacity": "10", "village_code": island.other_village}
    )
    assert elsewhere.status_code == 404 and 'data-field-error="village_code"' in elsewhere.text
    good = client.post(
        "/shelters",
        data=base | {"capacity": "40", "keeper_user_id": keeper, "address": "村口"},
        follow_redirects=False,
    )
    assert good.status_code == 303, good.text
    made = session.scalars(select(Shelter).where(Shelter.name == "祠堂")).one()
    assert (made.capacity, made.keeper_user_id, made.address) == (40, keeper, "村口")
    page = client.get("/shelters").text
    assert f'data-shelter="{made.id}" data-free="40"' in page
    assert f'data-shelter-edit="{made.id}"' in page
    refused = client.post(f"/shelters/{made.id}", data={"csrf_token": token, "capacity": "x"})
    assert refused.status_code == 422 and 'data-field-error="capacity"' in refused.text
    changed = client.post(
        f"/shelters/{made.id}", data={"csrf_token": token, "capacity": "25"}, follow_redirects=False
    )
    assert changed.status_code == 303, changed.text
    session.expire_all()
    again = session.get(Shelter, made.id)
    assert again is not None and (again.capacity, again.keeper_user_id) == (25, None)
    # another village's secretary neither edits it nor learns it exists
    signed_in(client, "rc_other")
    other_page = client.get("/shelters").text
    assert f'data-shelter-edit="{made.id}"' not in other_page
    answer = client.post(
        f"/shelters/{made.id}", data={"csrf_token": csrf_of(other_page), "capacity": "1"}
    )
    assert answer.status_code == 404
    # a unit leader sees the shelters and no form
    signed_in(client, "rc_unit")
    unit_page = client.get("/shelters").text
    assert f'data-shelter="{made.id}"' in unit_page
    assert "data-shelter-form" not in unit_page and "data-shelter-edit" not in unit_page


def test_the_start_form_takes_the_escalation_minutes(
    client: TestClient, session: Session, island: Island
) -> None:
    """Issue #15: the API's minutes (grid_after_minutes, village_after_minutes,
    help_minutes) are fields of the start form, each with the API's default and bounds."""
    signed_in(client, "rc_secretary")
    page = client.get("/roll-calls").text
    for name, default in (
        ("grid_after_minutes", 60),
        ("village_after_minutes", 30),
        ("help_minutes", 30),
    ):
        field = page[page.index(f'name="{name}"') :].split(">")[0]
        assert 'type="number"' in page[page.index(f'id="{name}"') - 30 :].split(">")[0]
        assert 'min="1"' in field and 'max="1440"' in field and f'value="{default}"' in field
    token = csrf_of(page)
    form = {"csrf_token": token, "territory_code": island.village, "kind": "typhoon"}
    bad = client.post("/roll-calls", data=form | {"title": "坏", "grid_after_minutes": "0"})
    assert bad.status_code == 422 and 'data-field="grid_after_minutes"' in bad.text
    assert 'value="0"' in bad.text  # what was entered is shown again
    good = client.post(
        "/roll-calls",
        data=form
        | {
            "title": "十五分钟",
            "grid_after_minutes": "15",
            "village_after_minutes": "20",
            "help_minutes": "",  # left empty: the default
        },
        follow_redirects=False,
    )
    assert good.status_code == 303, good.text
    session.expire_all()
    made = session.scalars(select(RollCall).where(RollCall.title == "十五分钟")).one()
    assert (made.grid_after_minutes, made.village_after_minutes, made.help_minutes) == (15, 20, 30)


def test_the_end_buttons_follow_the_evacuation_and_ask_first(
    client: TestClient, session: Session, island: Island
) -> None:
    """Issue #15: an evacuation offers the all-clear (no close before it; the API refuses
    one, 409); a roll-call without evacuation offers close only; both ask first
    (data-confirm-text, app.js) and close has the danger style."""
    plain = start(session, island, territory=island.village, by="secretary")
    evacuation = start(session, island, territory=island.village, by="secretary", evacuation=True)
    session.commit()
    signed_in(client, "rc_secretary")
    page = client.get(f"/roll-calls/{plain.id}").text
    assert "data-all-clear" not in page
    close_form = page[page.index(f'action="/roll-calls/{plain.id}/close"') :].split("</form>")[0]
    assert "data-confirm-text=" in close_form and 'class="danger" data-close' in close_form
    page = client.get(f"/roll-calls/{evacuation.id}").text
    assert "data-close" not in page and 'data-hint="close-after-all-clear"' in page
    clear_form = page[page.index(f'action="/roll-calls/{evacuation.id}/all-clear"') :]
    assert "data-confirm-text=" in clear_form.split("</form>")[0]
    token = csrf_of(page)
    early = client.post(f"/roll-calls/{evacuation.id}/close", data={"csrf_token": token})
    assert early.status_code == 409
    refused = client.post(f"/roll-calls/{plain.id}/all-clear", data={"csrf_token": token})
    assert refused.status_code == 409
    client.post(f"/roll-calls/{evacuation.id}/all-clear", data={"csrf_token": token})
    page = client.get(f"/roll-calls/{evacuation.id}").text
    assert "data-all-clear" not in page and 'class="danger" data-close' in page
    session.expire_all()
    assert session.get(RollCall, plain.id).state == "open"
    assert session.get(RollCall, evacuation.id).state == "all_clear"


def test_the_closing_report_names_nodes_and_case_states_in_words(
    client: TestClient, session: Session, island: Island
) -> None:
    roll_call = start(session, island, territory=island.village, by="secretary")
    confirm(session, island, roll_call, "unit_leader", "elderly", status="needs_help", help="药")
    check_close(session, roll_call, principal=None, actor="cli:test")
    session.commit()
    signed_in(client, "rc_secretary")
    page = client.get(f"/roll-calls/{roll_call.id}").text
    report = page[page.index("data-report") :]
    for share in (50, 90, 100):  # the headers, translated
        assert f"{share}% 用时（分钟）" in report
    assert "Minutes to" not in report
    village = session.scalar(select(Territory).where(Territory.code == island.village))
    grid = session.scalar(select(Territory).where(Territory.code == island.grid))
    assert f'<th scope="row">{village.name_zh}</th>' in report
    assert f'<th scope="row">· {grid.name_zh}</th>' in report
    assert f">{island.village}</th>" not in report and f"· {island.grid}<" not in report
    assert 'data-case-state="reported">已上报<' in report
