"""The group pages (list, chat, its fragments, posting, recall, pin, read pointer) through a
TestClient, on SQLite and PostgreSQL: the same access rules as the API (another village's
group is the not-found page, whatever the path)."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov.accounts.models import User
from gridgov.accounts.principal import principal_for
from gridgov.groups.actions import Draft, check_post_message
from gridgov.groups.models import Group, GroupMessage
from gridgov.groups.queries import village_group
from tests.factories.registry import make_household, make_resident
from tests.factories.territory import Tree, make_tree
from tests.web.helpers import csrf_of, make_person, sign_in

HX = {"HX-Request": "true"}
SEQS = re.compile(r'data-seq="(\d+)"')


@dataclass
class Place:
    tree: Tree
    group: Group  # the first village's group
    other: Group  # the second village's group
    villager: User
    neighbour: User  # another villager of the first village
    secretary: User  # the first village's secretary
    stranger: User  # a villager of the second village


def _place(session: Session) -> Place:
    tree = make_tree(session, villages=2, grids_per_village=1, units_per_grid=1)
    people = []
    for index, village in enumerate(tree.villages[:1] * 2 + tree.villages[1:]):
        grid = next(g for g in tree.all_grids() if g.code.startswith(village.code))
        household = make_household(session, unit=tree.units[grid.code][0])
        resident = make_resident(session, household=household)
        people.append(
            make_person(
                session,
                f"villager{index}.groups",
                resident_id=resident.id,
                display_name=["王芳", "李明", "赵强"][index],
            )
        )
    secretary = make_person(
        session,
        "secretary.groups",
        role="village_secretary",
        territory_code=tree.villages[0].code,
        display_name="林秀英",
    )
    session.commit()
    group = village_group(session, tree.villages[0].code)
    other = village_group(session, tree.villages[1].code)
    assert group is not None and other is not None
    return Place(tree, group, other, people[0], people[1], secretary, people[2])


def _post(session: Session, group: Group, user: User, text: str) -> GroupMessage:
    message = check_post_message(
        session, group, Draft(text=text), principal=principal_for(session, user), per_minute=1000
    )
    session.commit()
    return message


def _send(client: TestClient, group: Group, text: str, **extra):
    page = client.get(f"/groups/{group.id}")
    data = {"csrf_token": csrf_of(page.text), "text": text, **extra}
    return client.post(f"/groups/{group.id}/messages", data=data, follow_redirects=False)


def test_the_list_shows_my_groups_with_unread_and_mention_counts(client, session) -> None:
    place = _place(session)
    _post(session, place.group, place.neighbour, "明天上午开会")
    sign_in(client, "villager1.groups")  # the neighbour mentions her as people write it
    assert _send(client, place.group, "@王芳 请带上户口本").status_code == 303
    sign_in(client, "villager0.groups")
    page = client.get("/groups")
    assert page.status_code == 200
    row = re.search(
        rf'data-group-id="{place.group.id}" data-unread="(\d+)" data-mentions="(\d+)"', page.text
    )
    assert row is not None and row.groups() == ("2", "1")
    assert f'data-group-id="{place.other.id}"' not in page.text
    fragment = client.get("/groups", headers=HX)
    assert "<html" not in fragment.text and f'data-group-id="{place.group.id}"' in fragment.text


def test_the_chat_shows_history_by_seq_and_loads_older(client, session) -> None:
    place = _place(session)
    for n in range(35):
        _post(session, place.group, place.neighbour, f"第{n}条")
    sign_in(client, "villager0.groups")
    page = client.get(f"/groups/{place.group.id}")
    seqs = [int(s) for s in SEQS.findall(page.text)]
    assert seqs == list(range(6, 36)) and "data-load-older" in page.text
    older = client.get(f"/groups/{place.group.id}/messages?before=6", headers=HX)
    assert [int(s) for s in SEQS.findall(older.text)] == list(range(1, 6))
    assert 'data-has-older="false"' in older.text
    newer = client.get(f"/groups/{place.group.id}/messages?after=33", headers=HX)
    assert [int(s) for s in SEQS.findall(newer.text)] == [34, 35]


def test_posting_from_the_page_and_from_the_composer(client, session) -> None:
    place = _place(session)
    sign_in(client, "villager0.groups")
    plain = _send(client, place.group, "路灯坏了")
    assert plain.status_code == 303 and plain.headers["location"].endswith("#m1")
    composer = _send(client, place.group, "在村口", reply_to="")
    assert composer.status_code == 303
    page = client.get(f"/groups/{place.group.id}")
    csrf = csrf_of(page.text)
    first = session.scalar(
        select(GroupMessage).where(GroupMessage.seq == 1, GroupMessage.group_id == place.group.id)
    )
    assert first is not None
    reply = client.post(
        f"/groups/{place.group.id}/messages",
        data={"csrf_token": csrf, "text": "收到", "reply_to": first.id},
        headers=HX,
    )
    assert reply.status_code == 204
    fresh = client.get(f"/groups/{place.group.id}/messages?after=2", headers=HX)
    assert "收到" in fresh.text and 'class="reply-to"' in fresh.text and "路灯坏了" in fresh.text


def test_a_refused_message_names_the_limit(client, session) -> None:
    place = _place(session)
    sign_in(client, "villager0.groups")
    csrf = csrf_of(client.get(f"/groups/{place.group.id}").text)
    refused = client.post(
        f"/groups/{place.group.id}/messages",
        data={"csrf_token": csrf, "text": "长" * 4001},
        headers=HX,
    )
    assert refused.status_code == 422
    assert "data-refusal" in refused.text and "4000" in refused.text
    assert (
        session.scalar(select(GroupMessage.id).where(GroupMessage.group_id == place.group.id))
        is None
    )


def test_an_image_is_posted_and_served_to_members_only(client, session) -> None:
    place = _place(session)
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (20, 120, 200)).save(buffer, format="PNG")
    sign_in(client, "villager0.groups")
    csrf = csrf_of(client.get(f"/groups/{place.group.id}").text)
    posted = client.post(
        f"/groups/{place.group.id}/messages",
        data={"csrf_token": csrf, "text": ""},
        files={"image": ("photo.png", buffer.getvalue(), "image/png")},
        headers=HX,
    )
    assert posted.status_code == 204, posted.text
    message = session.scalar(select(GroupMessage).where(GroupMessage.group_id == place.group.id))
    assert message is not None and message.kind == "image"
    url = f"/groups/{place.group.id}/messages/{message.id}/attachment"
    assert url in client.get(f"/groups/{place.group.id}").text
    served = client.get(url)
    assert served.status_code == 200 and served.headers["content-type"] == "image/png"
    sign_in(client, "villager2.groups")  # the other village
    assert client.get(url).status_code == 404


def test_another_villages_group_is_not_found_on_every_path(client, session) -> None:
    place = _place(session)
    message = _post(session, place.other, place.stranger, "别村的消息")
    sign_in(client, "villager0.groups")
    csrf = csrf_of(client.get("/groups").text)
    other = place.other.id
    for path in (f"/groups/{other}", f"/groups/{other}/messages?after=0", f"/groups/{other}/pins"):
        answer = client.get(path)
        assert answer.status_code == 404, path
        assert "data-chat" not in answer.text
    assert client.get("/groups/0000000000000000000000000000000x").status_code == 404
    posted = client.post(
        f"/groups/{other}/messages",
        data={"csrf_token": csrf, "text": "你好"},
        follow_redirects=False,
    )
    assert posted.status_code == 404
    for path in (
        f"/groups/{other}/messages/{message.id}",
        f"/groups/{place.group.id}/messages/{message.id}",
    ):
        assert client.get(path).status_code == 404, path
    assert (
        client.post(
            f"/messages/{message.id}/recall", data={"csrf_token": csrf}, headers=HX
        ).status_code
        == 404
    )
    texts = session.scalars(select(GroupMessage.text).where(GroupMessage.group_id == other)).all()
    assert texts == ["别村的消息"]


def test_recall_hides_the_text_and_only_the_author_or_a_leader_may(client, session) -> None:
    place = _place(session)
    mine = _post(session, place.group, place.villager, "发错了")
    theirs = _post(session, place.group, place.neighbour, "邻居的话")
    sign_in(client, "villager0.groups")
    csrf = csrf_of(client.get(f"/groups/{place.group.id}").text)
    refused = client.post(f"/messages/{theirs.id}/recall", data={"csrf_token": csrf}, headers=HX)
    assert refused.status_code == 403
    recalled = client.post(f"/messages/{mine.id}/recall", data={"csrf_token": csrf}, headers=HX)
    assert recalled.status_code == 204
    page = client.get(f"/groups/{place.group.id}")
    assert "发错了" not in page.text and "邻居的话" in page.text
    # chat.js shows the recalled message anew: who recalled it, not what it said.
    shown = client.get(f"/groups/{place.group.id}/messages/{mine.id}", headers=HX)
    assert shown.status_code == 200 and 'data-recalled="true"' in shown.text
    assert "发错了" not in shown.text
    sign_in(client, "secretary.groups")
    csrf = csrf_of(client.get(f"/groups/{place.group.id}").text)
    assert (
        client.post(
            f"/messages/{theirs.id}/recall", data={"csrf_token": csrf}, headers=HX
        ).status_code
        == 204
    )


def test_a_leader_pins_a_message_and_it_shows_in_the_pins(client, session) -> None:
    place = _place(session)
    message = _post(session, place.group, place.neighbour, "防汛值班表")
    sign_in(client, "villager0.groups")
    csrf = csrf_of(client.get(f"/groups/{place.group.id}").text)
    # A member reads the group but may never pin: refused, nothing pinned.
    assert (
        client.post(
            f"/messages/{message.id}/pin", data={"csrf_token": csrf}, headers=HX
        ).status_code
        == 403
    )
    assert "防汛值班表" not in client.get(f"/groups/{place.group.id}/pins", headers=HX).text
    sign_in(client, "secretary.groups")
    csrf = csrf_of(client.get(f"/groups/{place.group.id}").text)
    assert (
        client.post(
            f"/messages/{message.id}/pin", data={"csrf_token": csrf}, headers=HX
        ).status_code
        == 204
    )
    pins = client.get(f"/groups/{place.group.id}/pins", headers=HX)
    assert "防汛值班表" in pins.text and f"#m{message.seq}" in pins.text


def test_reading_moves_the_read_pointer(client, session) -> None:
    place = _place(session)
    _post(session, place.group, place.neighbour, "一")
    last = _post(session, place.group, place.neighbour, "二")
    sign_in(client, "villager0.groups")
    csrf = csrf_of(client.get(f"/groups/{place.group.id}").text)
    read = client.post(
        f"/groups/{place.group.id}/read", data={"csrf_token": csrf, "up_to": last.id}, headers=HX
    )
    assert read.status_code == 204
    page = client.get("/groups")
    assert f'data-group-id="{place.group.id}" data-unread="0"' in page.text


def test_the_chat_page_carries_the_events_socket(client, session) -> None:
    place = _place(session)
    sign_in(client, "villager0.groups")
    page = client.get(f"/groups/{place.group.id}")
    assert 'data-events-url="/api/v1/events"' in page.text
    assert re.search(r'data-events-position="\d+"', page.text)
    assert '<script src="/static/js/chat.js" defer></script>' in page.text


def test_an_archived_group_is_listed_as_archived_and_its_chat_is_read_only(client, session) -> None:
    from gridgov import clock
    from gridgov.groups.actions import check_create_group
    from gridgov.registry.moves import do_move_households
    from gridgov.territory.actions import check_retire_territory
    from tests.factories.access import ACTOR

    tree = make_tree(session, villages=1, grids_per_village=1, units_per_grid=2)
    kept, retired = tree.all_units()
    household = make_household(session, unit=retired)
    resident = make_resident(session, household=household)
    villager = make_person(session, "archived.groups", resident_id=resident.id)
    group = check_create_group(session, territory_code=retired.code, actor=ACTOR)
    _post(session, group, villager, "这条记录要留着")
    do_move_households(session, [(household.id, kept.code)], occurred_on=clock.today(), actor=ACTOR)
    check_retire_territory(session, retired, actor=ACTOR)
    session.commit()
    sign_in(client, "archived.groups")
    listed = client.get("/groups").text
    assert re.search(rf'class="group-row archived" data-group-id="{group.id}"', listed)
    chat = client.get(f"/groups/{group.id}")
    assert chat.status_code == 200
    assert "这条记录要留着" in chat.text and "data-archived" in chat.text
    assert "data-composer" not in chat.text
    assert "/recall" not in chat.text  # their own message: no recall offered (409 if tried)
