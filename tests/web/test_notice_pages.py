"""Notices, chain replies and message-to-case on the pages, through a TestClient on SQLite
and PostgreSQL: a leader posts a notice, reading it counts the reader's household in the
statistics by grid and unit, the reminder lists whom each unit leader tells; a chain list
keeps one line per member and exports; a leader makes a case of a message."""

from __future__ import annotations

import re

from sqlalchemy import select

from gridgov.cases.models import Case
from gridgov.groups.chain_models import ChainEntry, ChainList
from gridgov.groups.notice_models import Notice
from tests.factories.cases import make_categories
from tests.web.helpers import csrf_of, sign_in
from tests.web.test_group_pages import HX, Place, _place, _post


def _notice(client, place: Place, **fields: str):
    form = client.get(f"/groups/{place.group.id}/notices/new")
    assert form.status_code == 200
    data = {"csrf_token": csrf_of(form.text), "priority": "important", **fields}
    return client.post(f"/groups/{place.group.id}/notices", data=data, follow_redirects=False)


def _read_count(html: str) -> tuple[int, int]:
    found = re.search(r'data-read="(\d+)" data-acknowledged="\d+" data-households="(\d+)"', html)
    assert found is not None, "no statistics on the page"
    return int(found.group(1)), int(found.group(2))


def test_a_leader_posts_a_notice_and_sees_households_read_it(client, session) -> None:
    place = _place(session)
    sign_in(client, "secretary.groups")
    posted = _notice(client, place, title="停水通知", body="明天上午停水", ack_required="true")
    assert posted.status_code == 303
    notice = session.scalar(select(Notice).where(Notice.title == "停水通知"))
    assert notice is not None and posted.headers["location"] == f"/notices/{notice.id}"
    page = client.get(f"/notices/{notice.id}")
    read, households = _read_count(page.text)
    assert (read, households) == (0, 2)  # the first village's two households
    assert "data-remind" in page.text
    sign_in(client, "villager0.groups")
    seen = client.get(f"/notices/{notice.id}")
    assert seen.status_code == 200 and "data-notice-stats" not in seen.text  # leaders only
    csrf = csrf_of(seen.text)
    acknowledged = client.post(
        f"/notices/{notice.id}/acknowledge", data={"csrf_token": csrf}, follow_redirects=False
    )
    assert acknowledged.status_code == 303
    assert "data-acknowledged" in client.get(f"/notices/{notice.id}").text
    sign_in(client, "secretary.groups")
    fragment = client.get(f"/notices/{notice.id}/stats", headers=HX)
    assert "<html" not in fragment.text and _read_count(fragment.text) == (1, 2)
    assert 'data-acknowledged="1"' in fragment.text
    unit = place.tree.units[place.tree.all_grids()[0].code][0].code
    assert re.search(rf'data-code="{unit}" data-level="unit" data-read="\d+"', fragment.text)


def test_a_bad_notice_shows_the_form_again_naming_the_field(client, session) -> None:
    place = _place(session)
    sign_in(client, "secretary.groups")
    refused = _notice(client, place, title="", body="正文", priority="whenever")
    assert refused.status_code == 422
    assert "aria-invalid" in refused.text or "field-error" in refused.text
    assert session.scalar(select(Notice.id)) is None


def test_only_leaders_post_notices_and_other_villages_see_none(client, session) -> None:
    place = _place(session)
    sign_in(client, "secretary.groups")
    assert _notice(client, place, title="通知", body="内容").status_code == 303
    notice = session.scalar(select(Notice))
    assert notice is not None
    sign_in(client, "villager0.groups")
    assert client.get(f"/groups/{place.group.id}/notices/new").status_code in (403, 404)
    assert client.get(f"/notices/{notice.id}/stats", headers=HX).status_code == 404
    sign_in(client, "villager2.groups")  # the other village
    for path in (f"/notices/{notice.id}", f"/notices/{notice.id}/stats"):
        assert client.get(path).status_code == 404, path


def test_the_reminder_lists_the_unread_households_per_leader(client, session) -> None:
    place = _place(session)
    sign_in(client, "secretary.groups")
    _notice(client, place, title="开会", body="周五开会")
    notice = session.scalar(select(Notice))
    assert notice is not None
    page = client.get(f"/notices/{notice.id}")
    reminded = client.post(f"/notices/{notice.id}/remind", data={"csrf_token": csrf_of(page.text)})
    assert reminded.status_code == 200 and "data-reminders" in reminded.text


def test_a_chain_list_keeps_one_line_per_member_and_exports(client, session) -> None:
    place = _place(session)
    sign_in(client, "villager0.groups")
    csrf = csrf_of(client.get(f"/groups/{place.group.id}").text)
    opened = client.post(
        f"/groups/{place.group.id}/chains",
        data={
            "csrf_token": csrf,
            "title": "周六义务劳动报名",
            "fields": "人数，电话",
            "closes_at": "2099-01-01T12:00",
        },
        follow_redirects=False,
    )
    assert opened.status_code == 422  # too far ahead: the list's limit names the field
    opened = client.post(
        f"/groups/{place.group.id}/chains",
        data={
            "csrf_token": csrf,
            "title": "周六义务劳动报名",
            "fields": "人数",
            "closes_at": _soon(session),
        },
        follow_redirects=False,
    )
    assert opened.status_code == 303, opened.text
    chain = session.scalar(select(ChainList))
    assert chain is not None and chain.fields == ["人数"]
    for count in ("2", "3"):  # the second time edits the same line
        signed = client.post(
            f"/chains/{chain.id}/lines",
            data={"csrf_token": csrf, "values.人数": count},
            follow_redirects=False,
        )
        assert signed.status_code == 303
    entries = session.scalars(select(ChainEntry).where(ChainEntry.chain_id == chain.id)).all()
    assert [entry.values for entry in entries] == [{"人数": "3"}]
    page = client.get(f"/groups/{place.group.id}")
    assert f'data-chain-id="{chain.id}" data-chain-lines="1"' in page.text
    exported = client.get(f"/chains/{chain.id}/export.csv")
    assert exported.status_code == 200 and "王芳" in exported.content.decode("utf-8-sig")
    sign_in(client, "villager2.groups")
    assert client.get(f"/chains/{chain.id}/export.csv").status_code == 404


def _soon(session) -> str:
    import datetime as dt

    from gridgov import clock

    return clock.local(clock.now() + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")


def test_a_leader_makes_a_case_of_a_message(client, session) -> None:
    place = _place(session)
    make_categories(session)
    message = _post(session, place.group, place.villager, "村口路灯坏了，晚上很黑")
    sign_in(client, "villager1.groups")
    assert client.get(f"/messages/{message.id}/case").status_code == 404  # not a leader
    sign_in(client, "secretary.groups")
    form = client.get(f"/messages/{message.id}/case")
    assert form.status_code == 200 and "村口路灯坏了" in form.text
    # The category is suggested from the text (路灯坏了 -> 路灯故障).
    category = re.search(r'<option value="([a-z._]+)" selected>', form.text)
    assert category is not None and category.group(1) == "facility.streetlight"
    made = client.post(
        f"/messages/{message.id}/case",
        data={
            "csrf_token": csrf_of(form.text),
            "category_code": category.group(1),
            "description": "村口路灯坏了，晚上很黑",
        },
        follow_redirects=False,
    )
    assert made.status_code == 303 and made.headers["location"].startswith("/cases/")
    case = session.scalar(select(Case).where(Case.description == "村口路灯坏了，晚上很黑"))
    assert case is not None
    chat = client.get(f"/groups/{place.group.id}")
    assert f'href="/cases/{case.id}"' in chat.text
