"""Workflow writes on real cases (SQLite and PostgreSQL): the case, its timers, its
timeline and its notifications move together; refusals change nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov import clock
from gridgov.accounts.models import User
from gridgov.cases.actions import available_actions_for, check_transition
from gridgov.cases.models import Case, CaseFollower
from gridgov.cases.timers.steps import do_auto_close, do_auto_escalate, do_warn
from gridgov.database.sessions import session_factory
from gridgov.errors import Conflict, PermissionDenied, ValidationFailed
from gridgov.jobs.actor import JOB_ACTOR
from gridgov.jobs.escalation import run_auto_close_step, run_escalation_step, run_warning_step
from tests.cases.case_world import MONDAY_9AM, World, events, make_world, outbox, report

HOUR = dt.timedelta(hours=1)


@pytest.fixture
def world(session: Session) -> World:
    with clock.frozen(MONDAY_9AM):
        return make_world(session)


def act(session: Session, world: World, case: Case, user: User, action: str, **kw) -> Case:
    return check_transition(
        session,
        case,
        action=action,
        principal=world.principal(session, user),
        actor=f"user:{user.username}",
        **kw,
    )


def test_the_whole_story_report_overdue_escalate_resolve_reopen_escalate_close(
    session: Session, world: World
) -> None:
    with clock.frozen(MONDAY_9AM):
        case = report(session, world)
        assert (case.state, case.level, case.handler_code) == ("reported", "unit", world.unit)
        # 8 working hours from Monday 09:00: 6.5 on Monday, 1.5 on Tuesday -> 10:00 Tuesday.
        assert case.due_at == dt.datetime(2026, 12, 1, 2, 0, tzinfo=dt.UTC)
        assert case.warn_at is not None and MONDAY_9AM < case.warn_at < case.due_at
        act(session, world, case, world.unit_leader, "accept", version=case.version)
        assert case.state == "accepted"

    overdue = case.due_at + dt.timedelta(minutes=1)
    with clock.frozen(overdue):
        assert run_escalation_step(session, now=overdue) == 1
        assert (case.state, case.level, case.handler_code) == ("reported", "grid", world.grid)
        assert case.overdue_ever and case.escalations == 1
        assert case.due_at is not None and case.due_at > overdue  # the grid's own deadline
        escalated = outbox(session, "case_escalated", case)
        assert [message.recipients for message in escalated] == [[world.grid_leader.id]]
        assert escalated[0].payload["body"] == "from the unit level (overdue)"
        # the unit leader has no say at the grid level any more
        with pytest.raises(PermissionDenied):
            act(session, world, case, world.unit_leader, "accept")
        act(session, world, case, world.grid_leader, "accept")
        act(session, world, case, world.grid_leader, "start")
        act(session, world, case, world.grid_leader, "resolve", note="已协调，晚十点后停工")
        assert (case.state, case.resolved_level, case.resolution_note) == (
            "resolved",
            "grid",
            "已协调，晚十点后停工",
        )
        assert case.feedback_due_at == overdue + dt.timedelta(days=3)
        assert case.due_at is None
        assert outbox(session, "case_resolved", case)[0].recipients == [world.reporter.id]

        act(session, world, case, world.reporter, "rate", rating=1, comment="还是吵")
        assert (case.state, case.level, case.reopens, case.dissatisfactions) == (
            "in_progress",
            "grid",
            1,
            1,
        )
        assert case.feedback_due_at is None and case.due_at is not None
        assert case.resolved_at is None
        reopened = outbox(session, "case_reopened", case)[0]
        assert set(reopened.recipients) == {world.grid_leader.id, world.reporter.id}

        act(session, world, case, world.grid_leader, "resolve", note="再次协调")
        act(session, world, case, world.reporter, "rate", rating=2)
        assert (case.state, case.level, case.handler_code) == ("reported", "village", world.village)
        assert (case.escalations, case.reopens, case.dissatisfactions) == (2, 1, 2)

        act(session, world, case, world.village_secretary, "accept")
        act(session, world, case, world.village_secretary, "resolve", note="村里调解")
        act(session, world, case, world.reporter, "rate", rating=5)
        assert (case.state, case.rating, case.closed_at) == ("closed", 5, overdue)
        assert (case.due_at, case.warn_at, case.feedback_due_at) == (None, None, None)
        assert outbox(session, "case_closed", case)[0].recipients == [world.reporter.id]

    timeline = events(session, case)
    assert [e.seq for e in timeline] == list(range(1, len(timeline) + 1))
    assert [e.action for e in timeline] == [
        "report",
        "accept",
        "auto_escalate",
        "accept",
        "start",
        "resolve",
        "rate",
        "resolve",
        "rate",
        "accept",
        "resolve",
        "rate",
    ]
    escalation = timeline[2]
    assert (escalation.actor, escalation.from_level, escalation.to_level) == (
        JOB_ACTOR,
        "unit",
        "grid",
    )
    assert timeline[6].details == {"rating": 1, "comment": "还是吵"}
    assert timeline[8].details["escalated_to"] == world.village


def test_a_stale_version_is_a_conflict_and_changes_nothing(session: Session, world: World) -> None:
    with clock.frozen(MONDAY_9AM):
        case = report(session, world)
        seen = case.version
        act(session, world, case, world.unit_leader, "accept", version=seen)
        with pytest.raises(Conflict) as conflict:
            act(session, world, case, world.unit_leader, "start", version=seen)
    assert conflict.value.fields == {"version": "stale"}
    assert case.state == "accepted"
    assert len(events(session, case)) == 2


@pytest.mark.parametrize(
    ("action", "kwargs", "field"),
    [
        ("resolve", {}, "note"),
        ("escalate", {"note": "  "}, "note"),
        ("return", {}, "note"),
        ("reject_out_of_scope", {}, "note"),
        ("fly", {}, "action"),
        ("resolve", {"note": "x" * 4001}, "note"),
    ],
)
def test_missing_or_wrong_fields_name_the_field(
    session: Session, world: World, action: str, kwargs: dict, field: str
) -> None:
    with clock.frozen(MONDAY_9AM):
        case = report(session, world)
        act(session, world, case, world.unit_leader, "accept")
        with pytest.raises(ValidationFailed) as failed:
            act(session, world, case, world.unit_leader, action, **kwargs)
    assert field in failed.value.fields
    assert case.state == "accepted"


@pytest.mark.parametrize("rating", [None, 0, 6])
def test_a_rating_is_one_to_five(session: Session, world: World, rating: int | None) -> None:
    with clock.frozen(MONDAY_9AM):
        case = report(session, world)
        act(session, world, case, world.unit_leader, "accept")
        act(session, world, case, world.unit_leader, "resolve", note="好了")
        with pytest.raises(ValidationFailed) as failed:
            act(session, world, case, world.reporter, "rate", rating=rating)
    assert failed.value.fields == {"rating": "a rating is 1 to 5"}
    assert case.state == "resolved"


def test_a_state_refusal_is_422_on_action_and_a_wrong_actor_403(
    session: Session, world: World
) -> None:
    with clock.frozen(MONDAY_9AM):
        case = report(session, world)
        with pytest.raises(ValidationFailed) as failed:
            act(session, world, case, world.unit_leader, "resolve", note="没受理就办结")
        assert "not allowed in state reported" in failed.value.fields["action"]
        with pytest.raises(PermissionDenied):  # a resident never handles
            act(session, world, case, world.reporter, "accept")
        with pytest.raises(PermissionDenied):  # a handler never rates
            act(session, world, case, world.unit_leader, "withdraw")
        with pytest.raises(PermissionDenied):  # the system's steps are not for people
            act(session, world, case, world.administrator, "auto_escalate")
        with pytest.raises(PermissionDenied):  # the neighbouring unit's leader
            act(session, world, case, world.other_unit_leader, "accept")
    assert case.state == "reported"
    assert len(events(session, case)) == 1


def test_a_leader_above_may_handle_a_case_below(session: Session, world: World) -> None:
    with clock.frozen(MONDAY_9AM):
        case = report(session, world)
        act(session, world, case, world.town_official, "accept")
        act(session, world, case, world.village_secretary, "start")
    assert case.state == "in_progress"
    assert case.level == "unit"


def test_escalating_by_hand_needs_a_reason_and_stops_at_the_top(
    session: Session, world: World
) -> None:
    with clock.frozen(MONDAY_9AM):
        case = report(session, world)
        for level in ("grid", "village", "town", "district"):
            act(session, world, case, world.administrator, "escalate", note="超出本级能力")
            assert (case.level, case.state) == (level, "reported")
        assert case.handler_code == world.tree.district.code
        with pytest.raises(ValidationFailed) as failed:
            act(session, world, case, world.administrator, "escalate", note="再上")
    assert "already at the top level" in failed.value.fields["action"]
    assert case.escalations == 4
    assert not case.overdue_ever
    assert [e.note for e in events(session, case)][1:] == ["超出本级能力"] * 4
    to_village = outbox(session, "case_escalated", case)[1]
    assert to_village.recipients == [world.village_secretary.id]
    assert to_village.payload["body"] == "from the grid level: 超出本级能力"


def test_return_stops_the_clock_and_supply_starts_it_again(session: Session, world: World) -> None:
    with clock.frozen(MONDAY_9AM):
        case = report(session, world)
        act(session, world, case, world.unit_leader, "return", note="请补充具体楼号")
        assert (case.state, case.due_at, case.warn_at) == ("returned", None, None)
        assert outbox(session, "case_updated", case)[0].recipients == [world.reporter.id]
    later = MONDAY_9AM + 3 * HOUR
    with clock.frozen(later):
        assert run_escalation_step(session, now=later + dt.timedelta(days=30)) == 0
        act(session, world, case, world.reporter, "supply", note="3号楼502")
    assert (case.state, case.level) == ("reported", "unit")
    assert case.level_started_at == later
    assert case.due_at is not None and case.due_at > later
    assert outbox(session, "case_assigned", case)[-1].recipients == [world.unit_leader.id]


def test_withdraw_is_final(session: Session, world: World) -> None:
    with clock.frozen(MONDAY_9AM):
        case = report(session, world)
        act(session, world, case, world.reporter, "withdraw", note="已自行解决")
        assert (case.state, case.due_at, case.warn_at) == ("withdrawn", None, None)
        with pytest.raises(ValidationFailed):
            act(session, world, case, world.unit_leader, "accept")
        assert (
            available_actions_for(session, case, world.principal(session, world.unit_leader)) == []
        )


def test_merging_a_duplicate_makes_its_reporter_follow_the_other(
    session: Session, world: World
) -> None:
    with clock.frozen(MONDAY_9AM):
        first = report(session, world)
        second = report(
            session,
            world,
            reporter=world.other_reporter,
            household=world.other_household,
            description="同一处噪音",
        )
        act(session, world, second, world.grid_leader, "reject_duplicate", duplicate_of_id=first.id)
        assert (second.state, second.duplicate_of_id) == ("rejected", first.id)
        assert (second.due_at, second.warn_at) == (None, None)
        followers = session.scalars(
            select(CaseFollower).where(CaseFollower.case_id == first.id)
        ).all()
        assert {(f.user_id, f.reason) for f in followers} == {
            (world.reporter.id, "reporter"),
            (world.other_reporter.id, "merged"),
        }
        assert events(session, first)[-1].action == "merged"
        # the merged reporter now hears of the first case, and may rate it
        act(session, world, first, world.unit_leader, "accept")
        act(session, world, first, world.unit_leader, "resolve", note="已处理")
        resolved = outbox(session, "case_resolved", first)[0]
        assert set(resolved.recipients) == {world.reporter.id, world.other_reporter.id}
        act(session, world, first, world.other_reporter, "rate", rating=4)
        assert first.state == "closed"


@pytest.mark.parametrize("problem", ["none", "self", "missing", "other_category", "closed"])
def test_a_duplicate_must_be_an_open_case_of_the_same_category(
    session: Session, world: World, problem: str
) -> None:
    with clock.frozen(MONDAY_9AM):
        case = report(session, world)
        other = report(
            session,
            world,
            category="sanitation.garbage" if problem == "other_category" else "dispute.noise",
            description="另一件",
        )
        if problem == "closed":
            act(session, world, other, world.reporter, "withdraw")
        target = {"none": None, "self": case.id, "missing": "nope"}.get(problem, other.id)
        with pytest.raises(ValidationFailed) as failed:
            act(session, world, case, world.unit_leader, "reject_duplicate", duplicate_of_id=target)
    assert "duplicate_of" in failed.value.fields
    assert case.state == "reported"


def test_a_duplicate_out_of_the_handlers_reach_is_as_if_missing(
    session: Session, world: World
) -> None:
    with clock.frozen(MONDAY_9AM):
        mine = report(session, world)
        elsewhere = report(
            session,
            world,
            reporter=world.other_reporter,
            household=world.other_household,
        )
        with pytest.raises(ValidationFailed) as failed:
            act(
                session,
                world,
                mine,
                world.unit_leader,
                "reject_duplicate",
                duplicate_of_id=elsewhere.id,
            )
    assert failed.value.fields == {"duplicate_of": f"no case has id {elsewhere.id}"}


def test_warning_then_auto_escalation_then_auto_close(session: Session, world: World) -> None:
    with clock.frozen(MONDAY_9AM):
        case = report(session, world)
    assert case.warn_at is not None and case.due_at is not None
    warn_at, due_at = case.warn_at, case.due_at
    with clock.frozen(warn_at):
        assert run_warning_step(session, now=warn_at - dt.timedelta(seconds=1)) == 0
        assert run_warning_step(session, now=warn_at) == 1
        assert case.warn_at is None and case.due_at == due_at
        assert run_warning_step(session, now=warn_at) == 0  # warned once
    assert outbox(session, "case_due_soon", case)[0].recipients == [world.unit_leader.id]
    assert events(session, case)[-1].action == "warn"

    with clock.frozen(due_at):
        assert run_escalation_step(session, now=due_at) == 1
        assert case.level == "grid"
        act(session, world, case, world.grid_leader, "accept")
        act(session, world, case, world.grid_leader, "resolve", note="处理完毕")
    feedback_due = case.feedback_due_at
    assert feedback_due == due_at + dt.timedelta(days=3)
    with clock.frozen(feedback_due):
        assert run_auto_close_step(session, now=feedback_due - dt.timedelta(seconds=1)) == 0
        assert run_auto_close_step(session, now=feedback_due) == 1
    assert (case.state, case.closed_at, case.rating) == ("closed", feedback_due, None)
    assert case.resolved_level == "grid"
    assert events(session, case)[-1].actor == JOB_ACTOR == "system:worker"


def test_an_overdue_case_at_the_top_is_only_recorded(session: Session, world: World) -> None:
    with clock.frozen(MONDAY_9AM):
        case = report(session, world)
        for _ in range(4):
            act(session, world, case, world.administrator, "escalate", note="上报")
    assert case.level == "district" and case.due_at is not None
    due = case.due_at
    assert run_escalation_step(session, now=due) == 1
    assert (case.level, case.state, case.overdue_ever) == ("district", "reported", True)
    assert (case.due_at, case.warn_at) == (None, None)
    last = events(session, case)[-1]
    assert (last.action, last.actor, last.details) == (
        "overdue",
        JOB_ACTOR,
        {"due_at": due.isoformat()},
    )
    assert run_escalation_step(session, now=due + dt.timedelta(days=1)) == 0


def test_system_steps_refuse_a_case_not_in_their_state(session: Session, world: World) -> None:
    from gridgov.cases.workflow import TransitionRefused

    with clock.frozen(MONDAY_9AM):
        case = report(session, world)
        with pytest.raises(TransitionRefused):
            do_auto_close(session, case, now=MONDAY_9AM, actor=JOB_ACTOR)
        act(session, world, case, world.reporter, "withdraw")
        with pytest.raises(TransitionRefused):
            do_auto_escalate(session, case, now=MONDAY_9AM, actor=JOB_ACTOR)
        with pytest.raises(TransitionRefused):
            do_warn(session, case, now=MONDAY_9AM, actor=JOB_ACTOR)


def test_available_actions_per_caller(session: Session, world: World) -> None:
    with clock.frozen(MONDAY_9AM):
        case = report(session, world)
        p = lambda user: world.principal(session, user)  # noqa: E731
        assert available_actions_for(session, case, p(world.unit_leader)) == [
            "accept",
            "start",
            "return",
            "escalate",
            "reject_duplicate",
            "reject_out_of_scope",
        ]
        assert available_actions_for(session, case, p(world.reporter)) == ["withdraw"]
        assert available_actions_for(session, case, p(world.other_unit_leader)) == []


def test_a_writer_that_lost_the_race_gets_a_conflict_not_an_error(fresh_database) -> None:
    """Two requests read the case at version N; the first commits; the second, sending no
    version, is refused when its versioned UPDATE finds the row moved on."""
    maker = session_factory(fresh_database.migrate().engine)
    with clock.frozen(MONDAY_9AM):
        with maker() as session, session.begin():
            world = make_world(session)
            case_id = report(session, world).id
        with maker() as late:
            slow = late.get(Case, case_id)
            late.commit()  # its read is over; it keeps the object (expire_on_commit=False)
            with maker() as first, first.begin():
                act(first, world, first.get(Case, case_id), world.unit_leader, "accept")
            assert slow is not None and slow.state == "reported"
            with pytest.raises(Conflict):
                act(late, world, slow, world.unit_leader, "start")
            late.rollback()
        with maker() as session:
            stored = session.get(Case, case_id)
            assert stored is not None
            assert (stored.state, len(events(session, stored))) == ("accepted", 2)
