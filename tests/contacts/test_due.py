"""Due contacts: rhythms (key-group households every 30 days, others 90, a tag's own
rhythm), "must visit" moments from life events and by hand, the weekly digest."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from gridgov import clock
from gridgov.contacts.digest import run_digest_step
from gridgov.contacts.due import due_list
from gridgov.contacts.ledger import check_record_visit
from gridgov.contacts.models import ContactRhythm, MustVisit
from gridgov.contacts.moments import check_add_hand_moment
from gridgov.notify.models import OutboxMessage
from gridgov.registry.life_events import check_record_death
from tests.contacts.world import ACTOR, link, make_world
from tests.factories.cases import principal_of
from tests.factories.registry import make_resident

TODAY = dt.date(2026, 11, 30)  # tests/conftest.py's frozen day (a Monday)


@pytest.fixture
def world(session):
    world = make_world(session)
    make_resident(session, household=world.households[6], key_groups=("elderly_alone",))
    link(session, world, 1, 0)
    link(session, world, 2, 0)
    link(session, world, 6, 1)
    return world


def _due(session, world, day):
    found = due_list(session, territory=world.village, day=day, principal=None, limit=100, offset=0)
    return {(item.household_id, item.reason): item for item in found.items}, found


def test_rhythms_key_group_households_every_30_days_others_90(session, world):
    h = world.households
    assert _due(session, world, TODAY)[0] == {}
    items, _ = _due(session, world, TODAY + dt.timedelta(days=24))  # 30 - 24 < 7: due soon
    assert set(items) == {(h[6].id, "rhythm")}
    assert items[(h[6].id, "rhythm")].due_on == TODAY + dt.timedelta(days=30)
    assert not items[(h[6].id, "rhythm")].overdue
    items, found = _due(session, world, TODAY + dt.timedelta(days=31))
    assert items[(h[6].id, "rhythm")].overdue
    assert found.by_member[world.members[1].id] == {"due": 0, "overdue": 1}
    items, found = _due(session, world, TODAY + dt.timedelta(days=91))
    assert {key for key, item in items.items() if item.overdue} == {
        (h[1].id, "rhythm"),
        (h[2].id, "rhythm"),
        (h[6].id, "rhythm"),
    }
    assert found.by_village[world.village] == {"due": 0, "overdue": 3}


def test_a_visit_resets_the_rhythm_and_a_tag_may_have_its_own(session, world):
    h = world.households
    session.add(ContactRhythm(key_group_code="elderly_alone", days=14))
    session.flush()
    items, _ = _due(session, world, TODAY + dt.timedelta(days=15))
    assert items[(h[6].id, "rhythm")].overdue
    member = principal_of(session, world.member_users[1])
    check_record_visit(
        session,
        household_ids=[h[6].id],
        principal=member,
        actor=ACTOR,
        visited_on=TODAY,
        method="phone",
    )
    items, _ = _due(session, world, TODAY + dt.timedelta(days=10))
    assert (h[6].id, "rhythm") in items and not items[(h[6].id, "rhythm")].overdue


def test_a_death_makes_a_visit_due_within_3_days_and_tells_the_member(session, world):
    h = world.households
    dying = make_resident(session, household=h[2])
    check_record_death(session, dying, occurred_on=TODAY, actor=ACTOR)
    moment = session.scalar(select(MustVisit).where(MustVisit.household_id == h[2].id))
    assert (moment.reason, moment.due_on) == ("death", TODAY + dt.timedelta(days=3))
    items, _ = _due(session, world, TODAY)
    assert items[(h[2].id, "death")].due_on == TODAY + dt.timedelta(days=3)
    notice = session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "contact_must_visit"))
    assert notice.recipients == [world.member_users[0].id]
    # the member's message says which household (the grid group's post never does)
    assert h[2].household_no in notice.payload["title"] and h[2].address in notice.payload["title"]
    assert _due(session, world, TODAY + dt.timedelta(days=4))[0][(h[2].id, "death")].overdue
    member = principal_of(session, world.member_users[0])
    visit = check_record_visit(
        session,
        household_ids=[h[2].id],
        principal=member,
        actor=ACTOR,
        visited_on=TODAY,
        method="home_visit",
    )
    assert moment.met_visit_id == visit.id
    assert (h[2].id, "death") not in _due(session, world, TODAY)[0]


def test_a_moment_by_hand(session, world):
    moment = check_add_hand_moment(
        session,
        world.households[1],
        reason="hospital",
        due_on=TODAY + dt.timedelta(days=2),
        note="住院",
        actor=ACTOR,
    )
    assert moment.created_on == TODAY
    items, _ = _due(session, world, TODAY)
    assert items[(world.households[1].id, "hospital")].due_on == moment.due_on


def test_the_weekly_digest_goes_once_a_week(session, world):
    def digests():
        return session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "contact_digest")
        ).all()

    assert run_digest_step(session, today=clock.today()) == 3  # every member with an account
    assert digests() == []  # nothing due yet: no message
    later = clock.now() + dt.timedelta(days=31)
    with clock.frozen(later):
        assert run_digest_step(session, today=clock.today()) == 3
        assert run_digest_step(session, today=clock.today()) == 0  # once a week
    sent = digests()
    assert [message.recipients for message in sent] == [[world.member_users[1].id]]
    assert "1 overdue" in sent[0].payload["title"]


def test_a_resolved_dispute_makes_follow_ups_at_1_3_and_7_days(session, world):
    from gridgov.cases.actions import check_transition
    from tests.factories.cases import make_case

    household = world.households[1]
    case = make_case(session, category_code="dispute.family", household=household)
    leader = principal_of(session, world.unit_leader)
    for action in ("accept", "resolve"):
        check_transition(
            session, case, action=action, principal=leader, actor="user:unit", note="调解好了"
        )
    moments = session.scalars(
        select(MustVisit).where(MustVisit.household_id == household.id).order_by(MustVisit.due_on)
    ).all()
    assert [(m.reason, (m.due_on - TODAY).days) for m in moments] == [
        ("dispute_followup", 1),
        ("dispute_followup", 3),
        ("dispute_followup", 7),
    ]
    assert {m.source_id for m in moments} == {case.id}


def test_entering_a_hardship_key_group_makes_a_visit_due_in_7_days(session, world):
    from gridgov.registry.actions import check_update_resident

    head = world.heads[2]
    check_update_resident(session, head, key_groups=["low_income"], actor=ACTOR)
    check_update_resident(session, world.heads[3], key_groups=["veteran"], actor=ACTOR)
    moments = session.scalars(select(MustVisit)).all()
    assert [(m.household_id, m.reason, (m.due_on - TODAY).days) for m in moments] == [
        (world.households[2].id, "key_group", 7)
    ]
