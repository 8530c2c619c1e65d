"""The small seeded world the OpenAPI fuzz (test_fuzz_openapi.py) runs in.

One mapped town (two villages, two grids each, two units per grid) with a household, two
residents and a case in every unit, the seeded case categories, a unit-leader post per
unit and a grid-leader post in the first grid, a photo, a grid-division plan, a calendar
day, notifications, an Open311 API key and a case posted through Open311, a WeCom bridge
route and a dead letter. Callers: an
administrator, the grid leader of the first grid and a unit leader of the second village,
so the fuzz reaches both the 200 answers and the 403/404 ones. ``ids`` holds the real
values a path or query parameter may take, by parameter name, in and out of the leaders'
scopes. Built once per database, through the real actions, inside a transaction that is
rolled back when the fuzz is done.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gridgov import clock
from gridgov.accounts.actions import check_create_user
from gridgov.cases.calendar import check_set_calendar_day
from gridgov.cases.intake import check_report_case
from gridgov.cases.photos import check_add_photo
from gridgov.emergency.confirm import check_confirm
from gridgov.emergency.shelters import check_create_shelter
from gridgov.emergency.start import check_start_roll_call
from gridgov.jobs.delivery import deliver_outbox_step
from gridgov.notify.bridges import enqueue_group_post
from gridgov.notify.bridges.outcomes import MAX_ATTEMPTS, do_record_failure
from gridgov.notify.bridges.routes import check_add_route
from gridgov.notify.outbox import enqueue
from gridgov.open311.keys import check_create_key
from gridgov.partition.constraints import Bounds
from gridgov.partition.plans import check_create_plan
from gridgov.posts.actions import check_start_post
from tests.factories.access import bearer, make_user
from tests.factories.cases import centre, draw_polygons, make_case, make_categories
from tests.factories.registry import make_household, make_resident
from tests.factories.territory import make_tree

ACTOR = "test:fuzz"
ADMIN_USERNAME = "fuzz.admin"
ADMIN_PASSWORD = "fuzz-admin-password-1"


@dataclass
class FuzzWorld:
    # headers of each caller, by role; "anonymous" sends none of its own
    callers: dict[str, dict[str, str]] = field(default_factory=dict)
    # real values by parameter or field name, in and out of the leaders' scopes
    ids: dict[str, list[Any]] = field(default_factory=dict)

    def add(self, name: str, *values: Any) -> None:
        bucket = self.ids.setdefault(name, [])
        bucket.extend(value for value in values if value not in bucket)


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, format="PNG")
    return buffer.getvalue()


def build_world(session: Session, *, data_dir: Path) -> FuzzWorld:
    world = FuzzWorld()
    tree = make_tree(session)
    draw_polygons(session, tree)
    categories = make_categories(session)
    start = clock.today() - dt.timedelta(days=100)
    world.add("territory", tree.town.code)
    world.add("jurisdiction_id", tree.town.code)
    cases = []
    grid_leader_resident = ""
    for village in tree.villages:
        world.add("territory", village.code)
        world.add("village_code", village.code)
        world.add("scope_code", village.code)
        world.add("parent_code", village.code)
        for grid in tree.grids[village.code]:
            world.add("territory", grid.code)
            world.add("parent_code", grid.code)
            world.add("scope_code", grid.code)
            for unit in tree.units[grid.code]:
                world.add("territory", unit.code)
                world.add("unit_code", unit.code)
                lon, lat = centre(unit)
                household = make_household(session, unit=unit, lon=lon, lat=lat)
                people = [make_resident(session, household=household) for _ in range(2)]
                post = check_start_post(
                    session,
                    resident_id=people[0].id,
                    post_type="unit_leader",
                    territory_code=unit.code,
                    start_date=start,
                    actor=ACTOR,
                )
                grid_leader_resident = grid_leader_resident or people[1].id
                cases.append(make_case(session, household=household, actor=ACTOR))
                world.add("household_id", household.id)
                world.add("resident_id", *(person.id for person in people))
                world.add("post_id", post.id)
    first_grid = tree.grids[tree.villages[0].code][0]
    other_unit = tree.units[tree.grids[tree.villages[1].code][0].code][0]
    grid_post = check_start_post(
        session,
        resident_id=grid_leader_resident,
        post_type="grid_leader",
        territory_code=first_grid.code,
        start_date=start,
        actor=ACTOR,
    )
    world.add("post_id", grid_post.id)
    admin = check_create_user(
        session, username=ADMIN_USERNAME, password=ADMIN_PASSWORD, actor=ACTOR
    )
    from gridgov.accounts.actions import check_assign_role

    check_assign_role(
        session,
        user_id=admin.id,
        role="administrator",
        territory_code=None,
        start_date=start,
        actor=ACTOR,
    )
    grid_leader = make_user(session, resident_id=grid_leader_resident)
    unit_leader = make_user(session, role="unit_leader", territory_code=other_unit.code)
    world.callers = {
        "administrator": bearer(session, admin),
        "grid_leader": bearer(session, grid_leader),
        "unit_leader": bearer(session, unit_leader),
        "anonymous": {},
    }
    world.add("user_id", grid_leader.id, unit_leader.id, admin.id)
    world.add("case_id", *(case.id for case in cases))
    world.add("code", *world.ids["territory"])
    world.add("territory_code", *world.ids["territory"])
    world.add("category", *sorted(categories))
    world.add("category_code", *sorted(categories))
    photo = check_add_photo(
        session,
        cases[0],
        data=_png(),
        kind="report",
        data_dir=data_dir,
        max_bytes=10**6,
        actor=ACTOR,
    )
    world.add("photo_id", photo.id)
    plan = check_create_plan(
        session,
        scope_code=tree.villages[0].code,
        grid_bounds=Bounds(1, 45, 2),
        unit_bounds=Bounds(1, 8, 1),
        actor=ACTOR,
    )
    world.add("plan_id", plan.id)
    day = clock.today() + dt.timedelta(days=10)
    check_set_calendar_day(session, day, is_workday=False, name="Fuzz day", actor=ACTOR)
    world.add("day", day.isoformat(), (day + dt.timedelta(days=1)).isoformat())
    world.add("year", str(day.year))
    for user in (grid_leader, unit_leader, admin):
        enqueue(session, "case_assigned", [user.id], {"case_id": cases[0].id, "title": "fuzz"})
    deliver_outbox_step(session)
    from gridgov.notify.models import Notification

    world.add("notification_id", *session.scalars(select(Notification.id)).all())
    _key_row, api_key = check_create_key(session, name="fuzz", actor=ACTOR)
    world.add("api_key", api_key)
    lon, lat = centre(tree.units[first_grid.code][1])
    far_lon, far_lat = centre(other_unit)
    world.add("lon", lon, far_lon)
    world.add("long", lon, far_lon)
    world.add("lat", lat, far_lat)
    posted, _created = check_report_case(
        session,
        category_code="sanitation.garbage",
        description="fuzz: reported through Open311",
        channel="open311",
        actor=ACTOR,
        lon=lon,
        lat=lat,
    )
    world.add("service_request_id", posted.id, cases[-1].id)
    world.add("token", posted.id)
    world.add("service_code", *sorted(categories))
    _add_bridges(session, world)
    _groups(session, world, tree, grid_leader.id, data_dir)
    _notices_and_chains(session, world, tree)
    _contacts(session, world, tree)
    _roll_calls(session, world, tree)
    session.flush()
    return world


def _add_bridges(session: Session, world: FuzzWorld) -> None:
    """A WeCom route (to a closed port: nothing is sent) and a post that became a dead
    letter."""
    route = check_add_route(
        session,
        kind="wecom",
        group_id="fuzz-group",
        key="fuzz-robot-key",
        base_url="http://127.0.0.1:9",
        actor=ACTOR,
    )
    (row,) = enqueue_group_post(session, group_id="fuzz-group", text="fuzz", priority="normal")
    for _ in range(MAX_ATTEMPTS):
        do_record_failure([row], "fuzz: no answer", now=clock.now())
    session.flush()
    world.add("route_id", route.id)
    world.add("message_id", row.id)
    world.add("group_id", "fuzz-group")


def _image(session: Session, group: Any, user_id: str, data_dir: Path) -> str:
    from gridgov.accounts.models import User
    from gridgov.accounts.principal import principal_for
    from gridgov.groups.actions import check_upload_image

    user = session.get(User, user_id)
    assert user is not None
    return check_upload_image(
        session,
        group,
        _png(),
        principal=principal_for(session, user),
        data_dir=data_dir,
        max_bytes=10**6,
        quota_bytes=10**7,
    ).id


def _groups(session: Session, world: FuzzWorld, tree: Any, member_id: str, data_dir: Path) -> None:
    """The villages' groups (made with them), a unit's group, messages and an invitation."""
    from sqlalchemy import select

    from gridgov.groups.actions import (
        check_create_group,
        check_create_invitation,
        do_post_system_message,
    )
    from gridgov.groups.models import Group

    first_unit = tree.units[tree.grids[tree.villages[0].code][0].code][0]
    check_create_group(session, territory_code=first_unit.code, actor=ACTOR)
    for group in session.scalars(select(Group).order_by(Group.territory_code, Group.kind)):
        world.add("group_id", group.id)
        message = do_post_system_message(session, group, "fuzz", actor=ACTOR)
        world.add("message_id", message.id)
        world.add("up_to", message.id)
        world.add("reply_to", message.id)
        invitation = check_create_invitation(session, group, actor=ACTOR)
        world.add("invitation_id", invitation.id)
    world.add("user_id", member_id)
    village_group = session.scalar(select(Group).where(Group.kind == "village"))
    assert village_group is not None
    world.add("attachment_id", _image(session, village_group, member_id, data_dir))


def _notices_and_chains(session: Session, world: FuzzWorld, tree: Any) -> None:
    """A notice and a chain-reply list in each village's group, and a message made a case."""
    from gridgov.groups.chains import check_open_chain
    from gridgov.groups.notices import check_post_notice
    from gridgov.groups.queries import village_group

    for village in tree.villages:
        group = village_group(session, village.code)
        assert group is not None
        notice = check_post_notice(
            session,
            group=group,
            title="通知",
            body="fuzz",
            priority="important",
            ack_required=True,
            actor=ACTOR,
        )
        world.add("notice_id", notice.id)
        chain = check_open_chain(
            session,
            group,
            title="接龙",
            fields=["人数"],
            closes_at=clock.now() + dt.timedelta(days=1),
            author=None,
            actor=ACTOR,
        )
        world.add("chain_id", chain.id)
    world.add("q", "台风", "fuzz", "台")
    world.add("territory_code", tree.villages[0].code, tree.grids[tree.villages[0].code][0].code)


def _contacts(session: Session, world: FuzzWorld, tree: Any) -> None:
    """A party member per village (the second resident of its first household), their
    households assigned by a run, a visit of each village and a must-visit moment."""
    from gridgov.access.principal import Principal, Scope
    from gridgov.contacts.assigning import check_run_assignment
    from gridgov.contacts.ledger import check_record_visit
    from gridgov.contacts.members import check_mark_member
    from gridgov.contacts.models import ContactAssignment
    from gridgov.registry.models import Household, Resident

    admin = Principal(user_id="fuzz", username="fuzz", scopes=(Scope("administrator", None),))
    for village in tree.villages:
        households = session.scalars(
            select(Household).where(Household.village_code == village.code).order_by(Household.id)
        ).all()
        resident = session.scalars(
            select(Resident).where(Resident.household_id == households[0].id).order_by(Resident.id)
        ).all()[-1]
        member = check_mark_member(
            session,
            resident_id=resident.id,
            branch="支部",
            joined_on=clock.today() - dt.timedelta(days=1000),
            actor=ACTOR,
        )
        world.add("member_id", member.id)
        check_run_assignment(
            session, territory_code=village.code, capacity=10, dry_run=False, actor=ACTOR
        )
        visit = check_record_visit(
            session,
            household_ids=[households[-1].id],
            member_ids=[member.id],
            principal=admin,
            actor=ACTOR,
            visited_on=clock.today() - dt.timedelta(days=3),
            method="home_visit",
        )
        world.add("visit_id", visit.id)
    world.add("household_ids", [world.ids["household_id"][0]])
    world.add("member_ids", [world.ids["member_id"][0]])
    assert session.scalar(select(func.count()).select_from(ContactAssignment))


def _roll_calls(session: Session, world: FuzzWorld, tree: Any) -> None:
    """A typhoon roll-call over the town with a confirmation, a drill over the second
    village, and a shelter in each village."""
    town_call = check_start_roll_call(
        session,
        territory_code=tree.town.code,
        kind="typhoon",
        title="fuzz",
        principal=None,
        actor=ACTOR,
        evacuation=True,
    )
    drill = check_start_roll_call(
        session,
        territory_code=tree.villages[1].code,
        kind="fire",
        title="fuzz drill",
        principal=None,
        actor=ACTOR,
        drill=True,
    )
    world.add("roll_call_id", town_call.id, drill.id)
    for village in tree.villages:
        shelter = check_create_shelter(
            session,
            village_code=village.code,
            name="fuzz shelter",
            capacity=40,
            principal=None,
            actor=ACTOR,
        )
        world.add("shelter_id", shelter.id)
    check_confirm(
        session,
        town_call,
        household_id=world.ids["household_id"][0],
        status="moved_shelter",
        shelter_id=world.ids["shelter_id"][0],
        principal=None,
        actor=ACTOR,
    )
    world.add("status", "unconfirmed", "safe_at_home", "needs_help")
