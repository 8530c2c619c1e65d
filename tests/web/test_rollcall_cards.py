"""The roll-call page after the trial on the demo island (issue #15), through a TestClient
on both databases: each household a compact card with its head's name and phone (revealed
to call only where the policy lets, and audited), its "done" look after a tap, a resident's
own household, the counts of the caller's own node, the start form's deadline as people
type it, the unconfirmed list's pages and filter, and the households that need help."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov import clock
from gridgov.audit.models import AuditEntry
from gridgov.emergency.models import RollCall, RollCallHousehold
from gridgov.privacy import mask_phone
from gridgov.registry.models import Resident
from gridgov.web.routes import roll_calls as roll_call_pages
from tests.emergency.rollcall_world import Island, start
from tests.emergency.test_confirm import confirm
from tests.web.helpers import csrf_of
from tests.web.test_rollcall_pages import _household_item, _tap, island, signed_in

__all__ = ["island"]  # the fixture, shared with the page tests


def _head(session: Session, household_id: str) -> Resident:
    return session.scalars(
        select(Resident)
        .where(Resident.household_id == household_id, Resident.relation_to_head == "head")
        .order_by(Resident.id)
    ).first()


def _section(page: str, marker: str) -> str:
    begin = page.index(marker)
    end = page.find("</section>", begin)
    return page[begin:end]


def test_a_grid_leaders_card_names_the_head_and_reveals_the_phone_to_call_audited(
    client: TestClient, session: Session, island: Island
) -> None:
    roll_call = start(session, island, territory=island.village, by="secretary")
    session.commit()
    plain = island.households["plain"].id
    head = _head(session, plain)
    assert head.phone
    signed_in(client, "rc_grid")
    page = client.get(f"/roll-calls/{roll_call.id}").text
    card = _household_item(page, plain)
    assert head.name in card
    assert mask_phone(head.phone) in card and head.phone not in card  # masked until asked
    assert f"/roll-calls/{roll_call.id}/households/{plain}/phone" in card
    answer = client.post(
        f"/roll-calls/{roll_call.id}/households/{plain}/phone",
        data={"csrf_token": csrf_of(page)},
    )
    assert answer.status_code == 200, answer.text
    card = _household_item(answer.text, plain)
    assert f'href="tel:{head.phone}"' in card
    assert f'data-focus-household="{plain}"' in answer.text
    # Only that household's phone is shown in full, and the reveal is in the audit log.
    other = _head(session, island.households["elderly"].id)
    assert other.phone not in answer.text
    session.expire_all()
    entry = session.scalars(
        select(AuditEntry).where(AuditEntry.action == "reveal", AuditEntry.object_id == head.id)
    ).one()
    assert entry.changes["fields"] == ["phone"] and roll_call.id in entry.changes["reason"]
    # Another village's household: the same answer as a missing one.
    theirs = client.post(
        f"/roll-calls/{roll_call.id}/households/{island.households['other_village'].id}/phone",
        data={"csrf_token": csrf_of(page)},
    )
    assert theirs.status_code == 404


def test_a_unit_leader_reveals_the_phone_of_their_units_households_only(
    client: TestClient, session: Session, island: Island
) -> None:
    """The unit leader is the first to phone a household in an emergency: they reveal
    (audited) the phones of their own unit's households, as for cases (access.policy),
    and of no other unit's."""
    roll_call = start(session, island, territory=island.village, by="secretary")
    session.commit()
    plain = island.households["plain"].id
    head = _head(session, plain)
    signed_in(client, "rc_unit")
    page = client.get(f"/roll-calls/{roll_call.id}").text
    card = _household_item(page, plain)
    assert head.name in card and mask_phone(head.phone) in card and head.phone not in card
    assert "data-reveal-phone" in card and "tel:" not in card
    answer = client.post(
        f"/roll-calls/{roll_call.id}/households/{plain}/phone",
        data={"csrf_token": csrf_of(page)},
    )
    assert answer.status_code == 200, answer.text
    assert f'href="tel:{head.phone}"' in _household_item(answer.text, plain)
    session.expire_all()
    assert session.scalars(
        select(AuditEntry).where(AuditEntry.action == "reveal", AuditEntry.object_id == head.id)
    ).one()
    # The leaderless unit next door is the grid leader's: out of this unit leader's reach.
    theirs = client.post(
        f"/roll-calls/{roll_call.id}/households/{island.households['pregnant'].id}/phone",
        data={"csrf_token": csrf_of(page)},
    )
    assert theirs.status_code == 404


def test_a_card_keeps_the_rare_choices_behind_more_and_shows_done_after_a_tap(
    client: TestClient, session: Session, island: Island
) -> None:
    roll_call = start(session, island, territory=island.village, by="secretary")
    session.commit()
    plain = island.households["plain"].id
    signed_in(client, "rc_grid")
    page = client.get(f"/roll-calls/{roll_call.id}").text
    card = _household_item(page, plain)
    more = card.index("<details")
    for common in ("safe_at_home", "moved_relatives", "moved_off_island", "away"):
        assert card.index(f'data-tap="{common}"') < more
    for rare in (
        'data-tap="needs_help"',
        'data-tap="moved_shelter"',
        'name="help"',
        'name="people"',
    ):
        assert card.index(rare) > more
    assert 'name="method" value="phone"' in card[more:]
    assert 'class="tap-card' in card and " done" not in card.split(">", 1)[0]
    with clock.frozen(roll_call.started_at + dt.timedelta(minutes=5)):
        answer = _tap(client, page, roll_call, plain, status="moved_relatives")
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == (
        f"/roll-calls/{roll_call.id}?done={plain}#household-{plain}"
    )
    after = client.get(answer.headers["location"]).text
    # Confirmed, it stays on the grid leader's list, done: its status, who, when.
    card = _household_item(after, plain)
    assert re.search(r'class="tap-card done[^"]*just-done', card)
    assert 'data-status="moved_relatives"' in card
    assert "已投亲靠友" in card and "网格长" in card and "data-done-at" in card
    # Without ``done`` it leaves the list of the unconfirmed as before.
    assert f'id="household-{plain}"' not in client.get(f"/roll-calls/{roll_call.id}").text


def test_a_resident_confirms_their_own_household_without_a_method_and_sees_no_table(
    client: TestClient, session: Session, island: Island
) -> None:
    roll_call = start(session, island, territory=island.village, by="secretary")
    session.commit()
    plain = island.households["plain"].id
    signed_in(client, "rc_resident")
    page = client.get(f"/roll-calls/{roll_call.id}").text
    title = page[page.index("data-tap-title") : page.index("</h2>", page.index("data-tap-title"))]
    assert "您家" in title and "负责" not in title
    card = _household_item(page, plain)
    assert '<input type="hidden" name="method" value="message">' in card
    assert card.count('name="method"') == 1 and 'id="method-' not in card  # no method field
    assert "data-rollcall-counts" not in page and "data-rollcall-unconfirmed" not in page
    assert "data-needs-help-list" not in page
    assert "data-rollcall-counts" not in client.get(f"/roll-calls/{roll_call.id}/counts").text
    form = {
        "csrf_token": csrf_of(page),
        "household_id": plain,
        "status": "safe_at_home",
        "method": "message",
        "idempotency_key": "own-1",
    }
    answer = client.post(f"/roll-calls/{roll_call.id}/confirmations", data=form)
    assert answer.status_code == 200
    session.expire_all()
    row = session.get(RollCallHousehold, (roll_call.id, plain))
    assert (row.status, row.method, row.confirmer) == ("safe_at_home", "message", "household")


def test_each_caller_sees_the_counts_of_their_own_node(
    client: TestClient, session: Session, island: Island
) -> None:
    roll_call = start(session, island, territory=island.town, by="town_official")
    session.commit()
    signed_in(client, "rc_unit")
    counts = client.get(f"/roll-calls/{roll_call.id}/counts").text
    assert f'data-node="{island.unit}"' in counts
    rows = re.findall(r'<tr data-code="([0-9]+)"', counts)
    assert rows == [island.unit]
    assert 'data-households="3"' in counts  # plain, elderly, away_member
    signed_in(client, "rc_secretary")
    counts = client.get(f"/roll-calls/{roll_call.id}/counts").text
    assert f'data-node="{island.village}"' in counts
    rows = re.findall(r'<tr data-code="([0-9]+)"', counts)
    assert rows and all(code.startswith(island.village) for code in rows)
    assert island.grid in rows
    signed_in(client, "rc_town")
    counts = client.get(f"/roll-calls/{roll_call.id}/counts").text
    rows = re.findall(r'<tr data-code="([0-9]+)"', counts)
    assert sorted(rows) == sorted([island.village, island.other_village])
    assert 'data-label="' in counts  # each number labelled for the phone's card layout


def test_the_deadline_is_typed_as_year_month_day_hour_minute(
    client: TestClient, session: Session, island: Island
) -> None:
    signed_in(client, "rc_secretary")
    listing = client.get("/roll-calls").text
    begin = listing.index(
        'id="deadline_at"', listing.index("<input", listing.index("deadline-hint"))
    )
    field = listing[listing.rindex("<input", 0, begin) :].split(">", 1)[0]
    assert 'type="text"' in field and "datetime-local" not in field
    assert 'placeholder="年-月-日 时:分"' in field
    token = csrf_of(listing)
    base = {"csrf_token": token, "territory_code": island.village, "kind": "typhoon"}
    bad = client.post("/roll-calls", data=base | {"title": "坏时间", "deadline_at": "08/01/2026"})
    assert bad.status_code == 422
    assert 'data-field="deadline_at"' in bad.text and "年-月-日 时:分" in bad.text
    assert 'value="08/01/2026"' in bad.text  # what was typed is kept
    when = clock.local(clock.now()).replace(tzinfo=None, second=0, microsecond=0)
    when += dt.timedelta(days=1)
    typed = f"{when.year}/{when.month}/{when.day} {when.hour}：{when.minute:02d}"
    good = client.post(
        "/roll-calls", data=base | {"title": "好时间", "deadline_at": typed}, follow_redirects=False
    )
    assert good.status_code == 303, good.text
    session.expire_all()
    made = session.scalars(select(RollCall).where(RollCall.title == "好时间")).one()
    assert clock.local(made.deadline_at).replace(tzinfo=None) == when


def test_the_unconfirmed_list_says_how_many_it_shows_and_pages_and_filters(
    client: TestClient, session: Session, island: Island, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(roll_call_pages, "LIST_SIZE", 2)
    roll_call = start(session, island, territory=island.village, by="secretary")
    session.commit()
    signed_in(client, "rc_secretary")
    page = client.get(f"/roll-calls/{roll_call.id}").text
    listed = _section(page, 'id="unconfirmed-title"')
    assert 'data-unconfirmed-total="6"' in listed
    assert "当前显示第 1–2 户，共 6 户" in listed
    assert listed.count("<li data-household=") == 2
    assert f"/roll-calls/{roll_call.id}?territory=&amp;offset=2#unconfirmed-title" in listed
    second = client.get(f"/roll-calls/{roll_call.id}/unconfirmed?offset=2").text
    assert "当前显示第 3–4 户，共 6 户" in second and "data-page-prev" in second
    last = client.get(f"/roll-calls/{roll_call.id}/unconfirmed?offset=4").text
    assert "data-page-next" not in last and last.count("<li data-household=") == 2
    # Filtered by the other grid: its one household, all shown.
    other_grid = island.households["other_grid"]
    grid = other_grid.territory_code[: len(island.grid)]
    assert f'<option value="{grid}"' in listed  # offered by name in the filter
    one = client.get(f"/roll-calls/{roll_call.id}?territory={grid}").text
    listed = _section(one, 'id="unconfirmed-title"')
    assert 'data-unconfirmed-total="1"' in listed and other_grid.id in listed
    assert "data-unconfirmed-pager" not in listed
    assert f'data-refresh-url="/roll-calls/{roll_call.id}/unconfirmed?territory={grid}' in one
    bad = client.get(f"/roll-calls/{roll_call.id}/unconfirmed?territory={island.other_village}")
    assert bad.status_code == 422
    assert client.get(f"/roll-calls/{roll_call.id}/unconfirmed?offset=x").status_code == 422


@pytest.mark.parametrize("drill", [True, False])
def test_leaders_see_the_households_that_need_help_with_what_they_need(
    client: TestClient, session: Session, island: Island, drill: bool
) -> None:
    roll_call = start(session, island, territory=island.village, by="secretary", drill=drill)
    confirm(
        session, island, roll_call, "unit_leader", "elderly", status="needs_help", help="需要轮椅"
    )
    session.commit()
    elderly = island.households["elderly"].id
    signed_in(client, "rc_grid")
    page = client.get(f"/roll-calls/{roll_call.id}").text
    helped = _section(page, "data-needs-help-list")
    assert f'id="help-{elderly}"' in helped and "需要轮椅" in helped
    assert _head(session, elderly).name in helped
    assert "data-tap-form" not in helped
    assert ("演练不立案" in helped) is drill
    help_case = session.scalar(
        select(RollCallHousehold.help_case_id).where(
            RollCallHousehold.roll_call_id == roll_call.id,
            RollCallHousehold.household_id == elderly,
        )
    )
    assert (help_case is None) is drill  # a drill opens no case; a real one links its case
    if help_case is not None:
        assert f'href="/cases/{help_case}" data-help-case' in helped
    else:
        assert "data-help-case" not in helped
    signed_in(client, "rc_resident")
    assert "data-needs-help-list" not in client.get(f"/roll-calls/{roll_call.id}").text
