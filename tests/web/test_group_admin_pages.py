"""Moderation (mute, remove, invitations) and the administrators' bridges page, through a
TestClient on SQLite and PostgreSQL."""

from __future__ import annotations

import re

from sqlalchemy import select

from gridgov.accounts.principal import principal_for
from gridgov.groups.actions import check_redeem_invitation
from gridgov.groups.models import GroupInvitation, GroupMember
from gridgov.notify.bridges.models import BridgeRoute
from tests.web.helpers import csrf_of, make_person, sign_in
from tests.web.test_group_pages import HX, _place


def test_a_leader_mutes_a_member_who_then_cannot_post(client, session) -> None:
    place = _place(session)
    sign_in(client, "secretary.groups")
    page = client.get(f"/groups/{place.group.id}/members")
    assert page.status_code == 200 and f'data-user-id="{place.villager.id}"' in page.text
    muted = client.post(
        f"/groups/{place.group.id}/members/{place.villager.id}/mute",
        data={"csrf_token": csrf_of(page.text), "minutes": "60"},
        follow_redirects=False,
    )
    assert muted.status_code == 303
    sign_in(client, "villager0.groups")
    chat = client.get(f"/groups/{place.group.id}")
    assert "data-composer" not in chat.text
    refused = client.post(
        f"/groups/{place.group.id}/messages",
        data={"csrf_token": csrf_of(chat.text), "text": "我还能说话吗"},
        headers=HX,
    )
    assert refused.status_code == 403 and "data-refusal" in refused.text


def test_members_page_is_for_leaders_only(client, session) -> None:
    place = _place(session)
    sign_in(client, "villager0.groups")
    assert client.get(f"/groups/{place.group.id}/members").status_code in (403, 404)
    sign_in(client, "secretary.groups")
    assert client.get(f"/groups/{place.other.id}/members").status_code == 404


def test_a_leader_removes_a_member(client, session) -> None:
    place = _place(session)
    sign_in(client, "secretary.groups")
    page = client.get(f"/groups/{place.group.id}/members")
    removed = client.post(
        f"/groups/{place.group.id}/members/{place.neighbour.id}/remove",
        data={"csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert removed.status_code == 303
    row = session.scalar(
        select(GroupMember).where(
            GroupMember.group_id == place.group.id, GroupMember.user_id == place.neighbour.id
        )
    )
    assert row is not None and row.removed and row.left_at is not None
    sign_in(client, "villager1.groups")
    assert client.get(f"/groups/{place.group.id}").status_code == 404


def test_an_invitation_code_is_made_redeemed_and_approved(client, session) -> None:
    place = _place(session)
    sign_in(client, "secretary.groups")
    page = client.get(f"/groups/{place.group.id}/members")
    made = client.post(
        f"/groups/{place.group.id}/invitations", data={"csrf_token": csrf_of(page.text)}
    )
    code = re.search(r"data-invitation-code>[^<]*?([0-9A-F]{10})", made.text)
    assert made.status_code == 200 and code is not None
    newcomer = make_person(session, "newcomer.groups", display_name="外来务工人员")
    check_redeem_invitation(session, code=code.group(1), principal=principal_for(session, newcomer))
    session.commit()
    page = client.get(f"/groups/{place.group.id}/members")
    invitation = session.scalar(
        select(GroupInvitation).where(GroupInvitation.code == code.group(1))
    )
    assert invitation is not None and "外来务工人员" in page.text
    approved = client.post(
        f"/groups/{place.group.id}/invitations/{invitation.id}",
        data={"csrf_token": csrf_of(page.text), "decision": "approve"},
        follow_redirects=False,
    )
    assert approved.status_code == 303
    sign_in(client, "newcomer.groups")
    assert client.get(f"/groups/{place.group.id}").status_code == 200


def test_the_bridges_page_is_for_administrators(client, session) -> None:
    place = _place(session)
    make_person(session, "admin.groups", role="administrator")
    session.commit()
    sign_in(client, "secretary.groups")
    assert client.get("/bridges").status_code == 403
    sign_in(client, "admin.groups")
    page = client.get("/bridges")
    assert page.status_code == 200 and 'data-page="bridges"' in page.text
    csrf = csrf_of(page.text)
    bad = client.post(
        "/bridges/routes",
        data={"csrf_token": csrf, "group_id": place.group.id, "key": "not a key!"},
    )
    assert bad.status_code == 422 and 'class="field-error"' in bad.text
    assert session.scalar(select(BridgeRoute.id)) is None
    added = client.post(
        "/bridges/routes",
        data={
            "csrf_token": csrf,
            "group_id": place.group.id,
            "key": "0123abcd-4567-89ef",
            "name": "村群机器人",
        },
        follow_redirects=False,
    )
    assert added.status_code == 303
    route = session.scalar(select(BridgeRoute))
    assert route is not None and route.active
    listed = client.get("/bridges")
    assert f'data-route-id="{route.id}" data-active="true"' in listed.text
    assert "0123abcd-4567-89ef" not in listed.text  # the key is never shown again
    switched = client.post(
        f"/bridges/routes/{route.id}/active",
        data={"csrf_token": csrf_of(listed.text), "active": "false"},
        follow_redirects=False,
    )
    assert switched.status_code == 303
    session.refresh(route)
    assert not route.active
