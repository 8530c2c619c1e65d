"""The access matrix, generated from the app's route table.

Two towns (make_tree) with households, residents and posts in every unit. For every API
route and every role, a user scoped to one unit, grid, village and town tries the objects
of ANOTHER unit, grid, village and town (and a resident: the neighbour's household). Every
out-of-scope read or write answers 404 (403 when the caller's roles can never do it; a
list filtered by a territory out of reach answers 404 like an unknown code, one without
answers nothing; a body naming a household out of reach answers exactly like one
naming no household; an import row out of reach is a row error) and changes nothing.
The test fails if a route of the app is missing from ROUTES below.

The administrator acts on the whole platform, so nothing is out of its scope: it is only
checked in scope (and by every other API test, which act as one).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gridgov import clock
from gridgov.access.policy import may, reaches
from gridgov.access.principal import Principal, Scope
from gridgov.accounts.models import ApiToken, RoleAssignment, User
from gridgov.accounts.principal import principal_for
from gridgov.cases.models import CalendarDay, Case, CaseCategory, CaseEvent, CaseFollower, CasePhoto
from gridgov.cases.photos import check_add_photo
from gridgov.contacts.ledger import check_record_visit
from gridgov.contacts.members import check_mark_member
from gridgov.contacts.models import (
    ContactAssignment,
    MustVisit,
    PartyMember,
    Visit,
    VisitHousehold,
)
from gridgov.emergency.models import RollCall, RollCallConfirmation, Shelter
from gridgov.emergency.start import check_start_roll_call
from gridgov.groups.actions import (
    check_create_group,
    check_create_invitation,
    check_upload_image,
    do_post_system_message,
)
from gridgov.groups.case_models import MessageCase
from gridgov.groups.chain_models import ChainEntry, ChainList
from gridgov.groups.chains import check_open_chain
from gridgov.groups.models import (
    Group,
    GroupAttachment,
    GroupInvitation,
    GroupMember,
    GroupMessage,
)
from gridgov.groups.notice_models import Notice, NoticeReceipt, NoticeTold
from gridgov.groups.notices import check_post_notice
from gridgov.notify.models import Notification, OutboxMessage
from gridgov.partition.constraints import Bounds
from gridgov.partition.models import PartitionPlan
from gridgov.partition.plans import check_create_plan
from gridgov.posts.actions import check_start_post
from gridgov.posts.models import Post
from gridgov.registry.importing import OUTSIDE
from gridgov.registry.models import Household, RegistryEvent, Resident, ResidentKeyGroup
from gridgov.territory.codes import child_code
from gridgov.territory.models import Territory
from tests.factories.access import bearer, make_user
from tests.factories.cases import make_case
from tests.factories.registry import make_household, make_resident
from tests.factories.territory import Tree, make_tree

API = "/api/v1"
OTHER_TOWN = "350305109"
ACTOR = "test:matrix"


# --- the world ---------------------------------------------------------------------------


@dataclass
class Place:
    """The objects of one place (a unit, or the first unit under a grid/village/town)."""

    code: str  # the place's own node
    unit_code: str
    grid_code: str
    village_code: str
    household: Household
    residents: list[Resident]
    unit_post: Post
    case: Case
    user_id: str = ""  # a user holding a role there
    photo_id: str = "no-photo"  # a photo of the case
    plan_id: str = "no-plan"  # a grid-division plan of the place's village
    # the grid groups of the place's unit, grid and village (by node code), a message in
    # each, and an invitation of each
    group_ids: dict[str, str] = field(default_factory=dict)
    message_ids: dict[str, str] = field(default_factory=dict)
    invitation_ids: dict[str, str] = field(default_factory=dict)
    attachment_id: str = "no-image"  # an image of the place's village group
    # a notice and a chain-reply list in the group of the place's own node
    notice_id: str = "no-notice"
    chain_id: str = "no-chain"

    def group(self) -> str:
        """The group of the place's own node (a town has none: its first village's)."""
        return self.group_ids.get(self.code, self.group_ids.get(self.village_code, "no-group"))

    def message(self) -> str:
        return self.message_ids.get(self.code, self.message_ids.get(self.village_code, "none"))

    def invitation(self) -> str:
        code = self.code if self.code in self.invitation_ids else self.village_code
        return self.invitation_ids.get(code, "no-invitation")

    member_id: str = "no-member"  # a party member living in the place's household
    visit_id: str = "no-visit"  # a visit of the place's household
    roll_call_id: str = "no-roll-call"  # a roll-call over the place's grid


@dataclass
class World:
    here_unit: str
    here_grid: str
    here_village: str
    here_town: str
    places: dict[str, Place] = field(default_factory=dict)  # by unit code
    neighbour: Household | None = None  # a second household in here_unit
    neighbour_case: Case | None = None  # a case about that household
    neighbour_visit_id: str = "no-visit"  # a visit of that household
    callers: dict[str, tuple[User, dict[str, str]]] = field(default_factory=dict)


def _days_ago(days: int) -> dt.date:
    return clock.today() - dt.timedelta(days=days)


def _build(session: Session, *, outsiders: bool = False, photo_dir: Any = None) -> World:
    """Two towns with a household, three residents and a unit leader in every unit and a
    grid leader in every grid; a user per role; with ``outsiders``, a user in each target
    place too (for the password-reset route)."""
    towns = [
        make_tree(session, villages=2, grids_per_village=2, units_per_grid=2),
        make_tree(session, villages=2, grids_per_village=2, units_per_grid=2, town_code=OTHER_TOWN),
    ]
    here = towns[0]
    village = here.villages[0]
    grid = here.grids[village.code][0]
    unit = here.units[grid.code][0]
    world = World(unit.code, grid.code, village.code, here.town.code)
    for tree in towns:
        for grid_node in tree.all_grids():
            grid_holder = None
            for unit_node in tree.units[grid_node.code]:
                household = make_household(session, unit=unit_node, **_point_in(tree, unit_node))
                people = [make_resident(session, household=household) for _ in range(3)]
                post = check_start_post(
                    session,
                    resident_id=people[0].id,
                    post_type="unit_leader",
                    territory_code=unit_node.code,
                    start_date=_days_ago(100),
                    actor=ACTOR,
                )
                grid_holder = grid_holder or people[1]
                case = make_case(session, household=household, actor=ACTOR)
                member = check_mark_member(
                    session,
                    resident_id=people[2].id,
                    branch="支部",
                    joined_on=_days_ago(1000),
                    actor=ACTOR,
                )
                world.places[unit_node.code] = Place(
                    unit_node.code,
                    unit_node.code,
                    grid_node.code,
                    grid_node.code[:12],
                    household,
                    people,
                    post,
                    case,
                    member_id=member.id,
                    visit_id=_visit_of(session, household, member.id),
                )
            check_start_post(
                session,
                resident_id=grid_holder.id,
                post_type="grid_leader",
                territory_code=grid_node.code,
                start_date=_days_ago(100),
                actor=ACTOR,
            )
    for level in TARGET_LEVELS if outsiders else ():
        place = world.places[_target_unit(world, level)]
        outsider = make_user(session, role="unit_leader", territory_code=place.unit_code)
        place.user_id = outsider.id
        place.photo_id = check_add_photo(
            session,
            place.case,
            data=_PNG,
            kind="report",
            data_dir=photo_dir,
            max_bytes=10**6,
            actor=ACTOR,
        ).id
        place.roll_call_id = check_start_roll_call(
            session,
            territory_code=place.grid_code,
            kind="typhoon",
            title="台风",
            principal=None,
            actor=ACTOR,
        ).id
        place.plan_id = check_create_plan(
            session,
            scope_code=place.village_code,
            grid_bounds=Bounds(1, 45, 2),
            unit_bounds=Bounds(1, 8, 1),
            actor=ACTOR,
        ).id
    _groups(session, world, outsiders, photo_dir)
    world.neighbour = make_household(session, unit=unit)
    if outsiders:  # a roll-call over the callers' own grid: a resident sees its counts only
        world.places[unit.code].roll_call_id = check_start_roll_call(
            session,
            territory_code=grid.code,
            kind="flood",
            title="洪水",
            principal=None,
            actor=ACTOR,
        ).id
    neighbour_people = [make_resident(session, household=world.neighbour) for _ in range(2)]
    world.neighbour_case = make_case(session, household=world.neighbour, actor=ACTOR)
    world.neighbour_visit_id = _visit_of(
        session, world.neighbour, world.places[unit.code].member_id
    )
    mine = world.places[unit.code]
    # The grid leader holds the role through their post (held by people[1] of the grid's
    # first unit): a handover would move it.
    users = {
        "town_official": make_user(session, role="town_official", territory_code=here.town.code),
        "village_secretary": make_user(
            session, role="village_secretary", territory_code=village.code
        ),
        "grid_leader": make_user(session, resident_id=mine.residents[1].id),
        "unit_leader": make_user(session, role="unit_leader", territory_code=unit.code),
        "party_member": make_user(
            session, role="party_member", territory_code=grid.code, resident_id=mine.residents[2].id
        ),
        "resident": make_user(session, resident_id=neighbour_people[1].id),
        "administrator": make_user(session, role="administrator"),
    }
    world.callers = {role: (user, bearer(session, user)) for role, user in users.items()}
    session.flush()
    return world


def _visit_of(session: Session, household: Household, member_id: str) -> str:
    """A visit of ``household`` by ``member_id``, recorded by an administrator."""
    admin = Principal(user_id="matrix", username="matrix", scopes=(Scope("administrator", None),))
    return check_record_visit(
        session,
        household_ids=[household.id],
        member_ids=[member_id],
        principal=admin,
        actor=ACTOR,
        visited_on=_days_ago(5),
        method="home_visit",
    ).id


TARGET_LEVELS = ("unit", "grid", "village", "town")


def _image(session: Session, group: Group, data_dir: Any) -> str:
    """An image uploaded to ``group`` by one of its members."""
    member = session.scalar(
        select(GroupMember.user_id).where(
            GroupMember.group_id == group.id, GroupMember.left_at.is_(None)
        )
    )
    user = session.get(User, member)
    assert user is not None
    return check_upload_image(
        session,
        group,
        _PNG,
        principal=principal_for(session, user),
        data_dir=data_dir,
        max_bytes=10**6,
        quota_bytes=10**7,
    ).id


def _groups(session: Session, world: World, outsiders: bool, photo_dir: Any) -> None:
    """A group on each target place's unit and grid (its village's exists with it), with a
    message and an invitation in each."""
    for level in TARGET_LEVELS if outsiders else ():
        place = world.places[_target_unit(world, level)]
        for code in (place.unit_code, place.grid_code, place.village_code):
            group = session.scalar(select(Group).where(Group.territory_code == code))
            if group is None:
                group = check_create_group(session, territory_code=code, actor=ACTOR)
            place.group_ids[code] = group.id
            message = do_post_system_message(session, group, "matrix", actor=ACTOR)
            place.message_ids[code] = message.id
            invitation = check_create_invitation(session, group, actor=ACTOR)
            place.invitation_ids[code] = invitation.id
        village_group = session.get(Group, place.group_ids[place.village_code])
        assert village_group is not None and photo_dir is not None
        place.attachment_id = _image(session, village_group, photo_dir)
        own_group = session.get(Group, place.group())
        assert own_group is not None
        place.notice_id = check_post_notice(
            session,
            group=own_group,
            title="通知",
            body="matrix",
            priority="normal",
            ack_required=True,
            actor=ACTOR,
        ).id
        place.chain_id = check_open_chain(
            session,
            own_group,
            title="接龙",
            fields=["人数"],
            closes_at=clock.now() + dt.timedelta(days=1),
            author=None,
            actor=ACTOR,
        ).id


def _point_in(tree: Tree, unit: Territory) -> dict[str, float]:
    """A point inside the unit's village, a little apart for each grid and unit (for the
    grid-division plans)."""
    village = next(v for v in tree.villages if v.code == unit.code[:12])
    ring = village.boundary["coordinates"][0]  # type: ignore[index]
    west, south = min(p[0] for p in ring), min(p[1] for p in ring)
    grid_serial, unit_serial = int(unit.code[12:15]), int(unit.code[15:])
    return {"lon": west + 0.002 * grid_serial, "lat": south + 0.002 * unit_serial}


def _png() -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, format="PNG")
    return buffer.getvalue()


_PNG = _png()


def _target_unit(world: World, level: str) -> str:
    """The first unit of another unit, grid, village and town than the callers' own."""
    other_village = child_code(world.here_town, "village", 202)
    first_units = {
        "unit": child_code(world.here_grid, "unit", 2),
        "grid": child_code(child_code(world.here_village, "grid", 2), "unit", 1),
        "village": child_code(child_code(other_village, "grid", 1), "unit", 1),
        "town": child_code(
            child_code(child_code(OTHER_TOWN, "village", 201), "grid", 1), "unit", 1
        ),
    }
    return first_units[level]


def _targets(world: World, principal: Principal) -> list[Place]:
    """Another unit, grid, village and town, each named by its own node and seen through
    its first unit; only those outside every territorial scope of the caller (a resident's
    and a party member's reach is a household, so every place is outside theirs)."""
    reach = [
        scope.territory_code
        for scope in principal.scopes
        if scope.role not in ("resident", "party_member") and scope.territory_code
    ]
    own = {"unit": world.here_unit, "grid": world.here_grid, "village": world.here_village}
    own["town"] = world.here_town
    places = []
    for level in TARGET_LEVELS:
        place = world.places[_target_unit(world, level)]
        if any(place.unit_code.startswith(code) for code in reach):
            continue
        places.append(dataclasses.replace(place, code=place.unit_code[: len(own[level])]))
    return places


def _neighbour_place(session: Session, world: World, principal: Principal) -> Place:
    """For a resident or a party member: the other household of their own unit."""
    place = world.places[world.here_unit]
    assert world.neighbour is not None
    household = world.neighbour if principal.household_id != world.neighbour.id else place.household
    residents = session.scalars(
        select(Resident).where(Resident.household_id == household.id).order_by(Resident.id)
    ).all()
    case = world.neighbour_case if household is world.neighbour else place.case
    visit_id = world.neighbour_visit_id if household is world.neighbour else place.visit_id
    assert case is not None
    other = world.places[_target_unit(world, "village")]
    return dataclasses.replace(
        place,
        household=household,
        residents=[*residents, *residents][:3],
        case=case,
        # the caller's own groups are theirs: another village's group is tried instead
        group_ids={place.code: other.group_ids[other.village_code]},
        message_ids={place.code: other.message_ids[other.village_code]},
        invitation_ids={place.code: other.invitation_ids[other.village_code]},
        attachment_id=other.attachment_id,
        notice_id=other.notice_id,
        chain_id=other.chain_id,
        visit_id=visit_id,
    )


# --- what "nothing changed" means --------------------------------------------------------


def fingerprint(session: Session) -> tuple[Any, ...]:
    """Row counts and version sums of everything a route could change."""
    queries = [
        select(func.count(), func.coalesce(func.sum(Household.version), 0)).select_from(Household),
        select(func.count(), func.coalesce(func.sum(Resident.version), 0)).select_from(Resident),
        select(func.count(), func.coalesce(func.sum(Territory.version), 0)).select_from(Territory),
        select(func.count(), func.count(Post.end_date)).select_from(Post),
        select(func.count(), func.count()).select_from(RegistryEvent),
        select(func.count(), func.count()).select_from(ResidentKeyGroup),
        select(func.count(), func.count(User.locked_until)).select_from(User),
        select(func.count(), func.count(RoleAssignment.end_date)).select_from(RoleAssignment),
        select(func.count(), func.count(ApiToken.revoked_at)).select_from(ApiToken),
        select(func.count()).select_from(User).where(User.must_change_password.is_(True)),
        select(func.count(Household.id)).where(Household.status != "active"),
        select(func.count(Resident.id)).where(Resident.residence_status != "living_here"),
        select(func.count(), func.coalesce(func.sum(Case.version), 0)).select_from(Case),
        select(func.count(), func.count()).select_from(CaseEvent),
        select(func.count(), func.count()).select_from(CaseFollower),
        select(func.count(), func.count()).select_from(CasePhoto),
        select(func.count(), func.coalesce(func.sum(CaseCategory.version), 0)).select_from(
            CaseCategory
        ),
        select(func.count(), func.count(Notification.read_at)).select_from(Notification),
        select(func.count(), func.count(CalendarDay.is_workday)).select_from(CalendarDay),
        select(func.count(), func.count()).select_from(OutboxMessage),
        select(func.count(), func.coalesce(func.sum(PartitionPlan.version), 0)).select_from(
            PartitionPlan
        ),
        select(func.count(), func.count(Group.mode == "announcements")).select_from(Group),
        select(func.count(GroupMember.left_at), func.count(GroupMember.muted_until)),
        select(func.count(), func.coalesce(func.sum(GroupMember.read_seq), 0)).select_from(
            GroupMember
        ),
        select(func.count(GroupMessage.recalled_at), func.count(GroupMessage.pinned_at)),
        select(func.count(), func.count()).select_from(GroupMessage),
        select(func.count(), func.count(GroupInvitation.decided_at)).select_from(GroupInvitation),
        select(func.count(), func.count()).select_from(GroupAttachment),
        select(func.count(), func.count(Notice.last_reminded_at)).select_from(Notice),
        select(func.count(), func.count(NoticeReceipt.acknowledged_at)).select_from(NoticeReceipt),
        select(func.count(), func.count()).select_from(NoticeTold),
        select(func.count(), func.count()).select_from(ChainList),
        select(func.count(), func.count()).select_from(ChainEntry),
        select(func.count(), func.count()).select_from(MessageCase),
        select(func.count(), func.count(PartyMember.ended_on)).select_from(PartyMember),
        select(func.count(), func.count(ContactAssignment.ended_at)).select_from(ContactAssignment),
        select(func.count(), func.coalesce(func.sum(Visit.version), 0)).select_from(Visit),
        select(func.count(), func.count(VisitHousehold.confirmed_at)).select_from(VisitHousehold),
        select(func.count(), func.count()).select_from(MustVisit),
        select(func.count(), func.count(RollCall.all_clear_at)).select_from(RollCall),
        select(func.count(), func.count(RollCall.closed_at)).select_from(RollCall),
        select(func.count(), func.count()).select_from(RollCallConfirmation),
        select(func.count(), func.count()).select_from(Shelter),
        select(func.count(Household.id)).where(Household.dangerous_since.is_not(None)),
    ]
    return tuple(tuple(session.execute(query).one()) for query in queries)


# --- the route table -----------------------------------------------------------------------

Call = Callable[[TestClient, dict[str, str], Place], Any]


@dataclass(frozen=True)
class Probe:
    """How one route is tried against a place out of the caller's scope.

    kind: object (404), list (empty page), body (same answer as for a missing household),
    import (row errors), public / reference / self (nothing of another place to try)."""

    kind: str
    resource: str = ""
    action: str = "read"
    call: Call | None = None


def _day(days: int = 3) -> str:
    return _days_ago(days).isoformat()


def _csv(header: str, row: str) -> dict[str, Any]:
    return {"files": {"file": ("rows.csv", f"{header}\n{row}\n".encode())}}


ROUTES: dict[tuple[str, str], Probe] = {
    # accounts: the caller's own token and user, nothing of anyone else
    ("POST", "/auth/token"): Probe("self"),
    ("POST", "/auth/logout"): Probe("self"),
    ("POST", "/auth/password"): Probe("self"),
    ("GET", "/users/me"): Probe("self"),
    ("GET", "/users/me/preferences"): Probe("self"),
    ("PATCH", "/users/me/preferences"): Probe("self"),
    ("GET", "/residents/me/export"): Probe("self"),
    ("POST", "/users/{user_id}/password-reset"): Probe(
        "user",
        "user",
        "update",
        lambda c, h, p: c.post(f"{API}/users/{p.user_id}/password-reset", headers=h),
    ),
    # the public map and the shared vocabulary
    ("GET", "/territories"): Probe("public"),
    ("GET", "/territories/{code}"): Probe("public"),
    ("GET", "/territories.geojson"): Probe("public"),
    ("GET", "/key-groups"): Probe("reference"),
    ("GET", "/post-types"): Probe("reference"),
    # the tree
    ("POST", "/territories"): Probe(
        "object",
        "territory",
        "create",
        lambda c, h, p: c.post(
            f"{API}/territories",
            headers=h,
            json={
                "code": child_code(p.grid_code, "unit", 50),
                "level": "unit",
                "parent_code": p.grid_code,
                "name_zh": "新单元",
            },
        ),
    ),
    ("PATCH", "/territories/{code}"): Probe(
        "object",
        "territory",
        "update",
        lambda c, h, p: c.patch(f"{API}/territories/{p.code}", headers=h, json={"name_en": "X"}),
    ),
    ("POST", "/territories/{code}/retire"): Probe(
        "object",
        "territory",
        "retire",
        lambda c, h, p: c.post(f"{API}/territories/{p.unit_code}/retire", headers=h),
    ),
    # households
    ("GET", "/households"): Probe(
        "list",
        "household",
        "read",
        lambda c, h, p: c.get(
            f"{API}/households",
            headers=h,
            params={"territory": p.code, "q": p.household.household_no},
        ),
    ),
    ("POST", "/households"): Probe(
        "object",
        "household",
        "create",
        lambda c, h, p: c.post(
            f"{API}/households",
            headers=h,
            json={
                "village_code": p.village_code,
                "household_no": "M-1",
                "address": "外面",
                "unit_code": p.unit_code,
            },
        ),
    ),
    ("GET", "/households/{household_id}"): Probe(
        "object",
        "household",
        "read",
        lambda c, h, p: c.get(f"{API}/households/{p.household.id}", headers=h),
    ),
    ("PATCH", "/households/{household_id}"): Probe(
        "object",
        "household",
        "update",
        lambda c, h, p: c.patch(
            f"{API}/households/{p.household.id}", headers=h, json={"address": "改了"}
        ),
    ),
    ("GET", "/households/{household_id}/residents"): Probe(
        "object",
        "household",
        "read",
        lambda c, h, p: c.get(f"{API}/households/{p.household.id}/residents", headers=h),
    ),
    ("POST", "/households/{household_id}/split"): Probe(
        "object",
        "household",
        "update",
        lambda c, h, p: c.post(
            f"{API}/households/{p.household.id}/split",
            headers=h,
            json={
                "resident_ids": [p.residents[2].id],
                "new_household_no": "S-1",
                "address": "分出去",
            },
        ),
    ),
    ("POST", "/households/{household_id}/move-out"): Probe(
        "object",
        "household",
        "retire",
        lambda c, h, p: c.post(
            f"{API}/households/{p.household.id}/move-out", headers=h, json={"occurred_on": _day()}
        ),
    ),
    ("POST", "/households/{household_id}/births"): Probe(
        "object",
        "resident",
        "create",
        lambda c, h, p: c.post(
            f"{API}/households/{p.household.id}/births",
            headers=h,
            json={"name": "新生", "sex": "male", "birth_date": _day()},
        ),
    ),
    ("POST", "/households/{household_id}/move-ins"): Probe(
        "object",
        "resident",
        "create",
        lambda c, h, p: c.post(
            f"{API}/households/{p.household.id}/move-ins",
            headers=h,
            json={
                "occurred_on": _day(),
                "name": "来人",
                "sex": "female",
                "birth_date": "1990-01-01",
                "relation_to_head": "other",
            },
        ),
    ),
    # residents
    ("GET", "/residents"): Probe(
        "list",
        "resident",
        "read",
        lambda c, h, p: c.get(
            f"{API}/residents",
            headers=h,
            params={"territory": p.code, "household_id": p.household.id},
        ),
    ),
    ("POST", "/residents"): Probe(
        "body",
        "resident",
        "create",
        lambda c, h, p: c.post(
            f"{API}/residents",
            headers=h,
            json={
                "household_id": p.household.id,
                "name": "外人",
                "sex": "male",
                "birth_date": "1990-01-01",
                "relation_to_head": "other",
            },
        ),
    ),
    ("GET", "/residents/{resident_id}"): Probe(
        "object",
        "resident",
        "read",
        lambda c, h, p: c.get(f"{API}/residents/{p.residents[0].id}", headers=h),
    ),
    ("PATCH", "/residents/{resident_id}"): Probe(
        "object",
        "resident",
        "update",
        lambda c, h, p: c.patch(
            f"{API}/residents/{p.residents[0].id}", headers=h, json={"name": "改名"}
        ),
    ),
    ("POST", "/residents/{resident_id}/events"): Probe(
        "object",
        "resident",
        "retire",
        lambda c, h, p: c.post(
            f"{API}/residents/{p.residents[0].id}/events",
            headers=h,
            json={"kind": "death", "occurred_on": _day()},
        ),
    ),
    ("GET", "/registry-events"): Probe(
        "list",
        "registry_event",
        "read",
        lambda c, h, p: c.get(
            f"{API}/registry-events", headers=h, params={"household_id": p.household.id}
        ),
    ),
    # posts
    ("GET", "/posts"): Probe(
        "list",
        "post",
        "read",
        lambda c, h, p: c.get(f"{API}/posts", headers=h, params={"territory": p.code}),
    ),
    ("POST", "/posts"): Probe(
        "object",
        "post",
        "create",
        lambda c, h, p: c.post(
            f"{API}/posts",
            headers=h,
            json={
                "resident_id": p.residents[2].id,
                "post_type": "grid_member",
                "territory_code": p.grid_code,
                "start_date": _day(),
            },
        ),
    ),
    ("POST", "/posts/handover"): Probe(
        "object",
        "post",
        "create",
        lambda c, h, p: c.post(
            f"{API}/posts/handover",
            headers=h,
            json={
                "post_type": "unit_leader",
                "territory_code": p.unit_code,
                "resident_id": p.residents[2].id,
                "on_date": _day(),
            },
        ),
    ),
    ("GET", "/posts/{post_id}"): Probe(
        "object",
        "post",
        "read",
        lambda c, h, p: c.get(f"{API}/posts/{p.unit_post.id}", headers=h),
    ),
    ("POST", "/posts/{post_id}/end"): Probe(
        "object",
        "post",
        "retire",
        lambda c, h, p: c.post(
            f"{API}/posts/{p.unit_post.id}/end",
            headers=h,
            json={"end_date": _day(), "reason": "试"},
        ),
    ),
    # imports and exports
    ("POST", "/imports/households"): Probe(
        "import",
        "import_export",
        "create",
        lambda c, h, p: c.post(
            f"{API}/imports/households",
            headers=h,
            **_csv(
                "village_code,household_no,address,unit_code",
                f"{p.village_code},I-1,外,{p.unit_code}",
            ),
        ),
    ),
    ("POST", "/imports/residents"): Probe(
        "import",
        "import_export",
        "create",
        lambda c, h, p: c.post(
            f"{API}/imports/residents",
            headers=h,
            **_csv(
                "village_code,household_no,name,sex,birth_date,relation_to_head",
                f"{p.village_code},{p.household.household_no},外人,male,1990-01-01,other",
            ),
        ),
    ),
    **{
        ("GET", f"/exports/{kind}.{fmt}"): Probe(
            "object",
            "import_export",
            "read",
            lambda c, h, p, kind=kind, fmt=fmt: c.get(
                f"{API}/exports/{kind}.{fmt}", headers=h, params={"territory": p.code}
            ),
        )
        for kind in ("households", "residents")
        for fmt in ("csv", "xlsx")
    },
    ("GET", "/exports/cases.xlsx"): Probe(
        "object",
        "import_export",
        "read",
        lambda c, h, p: c.get(f"{API}/exports/cases.xlsx", headers=h, params={"territory": p.code}),
    ),
    # the caller's own inbox (tests/notify checks another user's notification answers 404)
    ("GET", "/notifications"): Probe("self"),
    ("POST", "/notifications/read-all"): Probe("self"),
    ("POST", "/notifications/{notification_id}/read"): Probe("self"),
    # the outbound bridges and the dead letters: the administrators' alone (403 for the rest)
    ("GET", "/bridges"): Probe(
        "object", "bridge", "read", lambda c, h, p: c.get(f"{API}/bridges", headers=h)
    ),
    ("POST", "/bridges"): Probe(
        "object",
        "bridge",
        "create",
        lambda c, h, p: c.post(
            f"{API}/bridges", headers=h, json={"group_id": p.village_code, "key": "matrix-key-1"}
        ),
    ),
    ("PATCH", "/bridges/{route_id}"): Probe(
        "object",
        "bridge",
        "update",
        lambda c, h, p: c.patch(f"{API}/bridges/no-route", headers=h, json={"active": False}),
    ),
    ("GET", "/bridges/dead-letters"): Probe(
        "object", "bridge", "read", lambda c, h, p: c.get(f"{API}/bridges/dead-letters", headers=h)
    ),
    **{
        ("POST", f"/bridges/dead-letters/{{message_id}}/{step}"): Probe(
            "object",
            "bridge",
            "update",
            lambda c, h, p, step=step: c.post(
                f"{API}/bridges/dead-letters/no-letter/{step}", headers=h
            ),
        )
        for step in ("retry", "discard")
    },
    # case settings: everyone reads them, only the administrator changes them (403)
    ("GET", "/case-categories"): Probe("reference"),
    ("GET", "/calendar-days"): Probe("reference"),
    ("POST", "/case-categories"): Probe(
        "object",
        "case_setting",
        "create",
        lambda c, h, p: c.post(
            f"{API}/case-categories",
            headers=h,
            json={
                "code": "matrix",
                "name_zh": "试",
                "name_en": "Try",
                "default_level": "grid",
                "deadlines": {"grid": {"days": 2}},
            },
        ),
    ),
    ("PATCH", "/case-categories/{code}"): Probe(
        "object",
        "case_setting",
        "update",
        lambda c, h, p: c.patch(
            f"{API}/case-categories/{p.case.category_code}", headers=h, json={"name_en": "X"}
        ),
    ),
    ("PUT", "/calendar-days/{day}"): Probe(
        "object",
        "case_setting",
        "update",
        lambda c, h, p: c.put(
            f"{API}/calendar-days/2026-12-05", headers=h, json={"is_workday": True, "name": "试"}
        ),
    ),
    # cases: anyone may report one anywhere, naming only a household they can see
    ("POST", "/cases"): Probe(
        "case_body",
        "case",
        "create",
        lambda c, h, p: c.post(
            f"{API}/cases",
            headers=h,
            json={
                "category_code": p.case.category_code,
                "description": "外面的事",
                "household_id": p.household.id,
            },
        ),
    ),
    ("GET", "/cases"): Probe(
        "list",
        "case",
        "read",
        lambda c, h, p: c.get(
            f"{API}/cases", headers=h, params={"territory": p.code, "household_id": p.household.id}
        ),
    ),
    ("GET", "/cases/{case_id}"): Probe(
        "object", "case", "read", lambda c, h, p: c.get(f"{API}/cases/{p.case.id}", headers=h)
    ),
    ("GET", "/cases/{case_id}/actions"): Probe(
        "object",
        "case",
        "read",
        lambda c, h, p: c.get(f"{API}/cases/{p.case.id}/actions", headers=h),
    ),
    ("GET", "/cases/{case_id}/duplicates"): Probe(
        "object",
        "case",
        "read",
        lambda c, h, p: c.get(f"{API}/cases/{p.case.id}/duplicates", headers=h),
    ),
    ("POST", "/cases/{case_id}/photos"): Probe(
        "object",
        "case",
        "read",  # a reporter adds photos to the case they reported: reading it is the gate
        lambda c, h, p: c.post(
            f"{API}/cases/{p.case.id}/photos",
            headers=h,
            data={"kind": "report"},
            files={"file": ("a.png", _PNG, "image/png")},
        ),
    ),
    ("GET", "/cases/{case_id}/photos/{photo_id}"): Probe(
        "object",
        "case",
        "read",
        lambda c, h, p: c.get(f"{API}/cases/{p.case.id}/photos/{p.photo_id}", headers=h),
    ),
    ("POST", "/cases/{case_id}/transitions"): Probe(
        "object",
        "case",
        "read",  # the reporter withdraws and rates: the workflow decides after access
        lambda c, h, p: c.post(
            f"{API}/cases/{p.case.id}/transitions",
            headers=h,
            json={"action": "accept", "version": p.case.version},
        ),
    ),
    ("GET", "/reports/resolution"): Probe(
        "object",
        "report",
        "read",
        lambda c, h, p: c.get(
            f"{API}/reports/resolution",
            headers=h,
            params={"territory": p.code, "from": _day(30), "to": _day(0)},
        ),
    ),
    # grid-division plans of a village or a town
    ("GET", "/partition-plans"): Probe(
        "list",
        "partition_plan",
        "read",
        lambda c, h, p: c.get(f"{API}/partition-plans", headers=h, params={"territory": p.code}),
    ),
    ("POST", "/partition-plans"): Probe(
        "object",
        "partition_plan",
        "create",
        lambda c, h, p: c.post(
            f"{API}/partition-plans", headers=h, json={"scope_code": p.village_code}
        ),
    ),
    **{
        ("GET", f"/partition-plans/{{plan_id}}{suffix}"): Probe(
            "object",
            "partition_plan",
            "read",
            lambda c, h, p, suffix=suffix: c.get(
                f"{API}/partition-plans/{p.plan_id}{suffix}", headers=h
            ),
        )
        for suffix in ("", ".geojson", "/preview.png")
    },
    **{
        ("POST", f"/partition-plans/{{plan_id}}/{step}"): Probe(
            "object",
            "partition_plan",
            "update",
            lambda c, h, p, step=step: c.post(
                f"{API}/partition-plans/{p.plan_id}/{step}", headers=h
            ),
        )
        for step in ("apply", "rollback")
    },
    # grid groups: a member reads their groups, leaders moderate those of their nodes
    ("GET", "/groups"): Probe(
        "list",
        "group",
        "read",
        lambda c, h, p: c.get(f"{API}/groups", headers=h, params={"territory": p.code}),
    ),
    ("POST", "/groups"): Probe(
        "object",
        "group",
        "create",
        lambda c, h, p: c.post(f"{API}/groups", headers=h, json={"territory_code": p.code}),
    ),
    ("GET", "/groups/{group_id}"): Probe(
        "object", "group", "read", lambda c, h, p: c.get(f"{API}/groups/{p.group()}", headers=h)
    ),
    ("PATCH", "/groups/{group_id}"): Probe(
        "object",
        "group",
        "update",
        lambda c, h, p: c.patch(
            f"{API}/groups/{p.group()}", headers=h, json={"mode": "announcements"}
        ),
    ),
    ("GET", "/groups/{group_id}/messages"): Probe(
        "object",
        "message",
        "read",
        lambda c, h, p: c.get(f"{API}/groups/{p.group()}/messages", headers=h),
    ),
    ("POST", "/groups/{group_id}/messages"): Probe(
        "object",
        "message",
        "create",
        lambda c, h, p: c.post(f"{API}/groups/{p.group()}/messages", headers=h, json={"text": "x"}),
    ),
    ("POST", "/groups/{group_id}/images"): Probe(
        "object",
        "message",
        "create",
        lambda c, h, p: c.post(
            f"{API}/groups/{p.group()}/images",
            headers=h,
            files={"file": ("a.png", _PNG, "image/png")},
        ),
    ),
    ("GET", "/groups/{group_id}/images/{attachment_id}"): Probe(
        "object",
        "message",
        "read",
        lambda c, h, p: c.get(f"{API}/groups/{p.group()}/images/{p.attachment_id}", headers=h),
    ),
    ("POST", "/groups/{group_id}/read"): Probe(
        "object",
        "group",
        "read",
        lambda c, h, p: c.post(
            f"{API}/groups/{p.group()}/read", headers=h, json={"up_to": p.message()}
        ),
    ),
    ("GET", "/groups/{group_id}/members"): Probe(
        "object",
        "group",
        "read",
        lambda c, h, p: c.get(f"{API}/groups/{p.group()}/members", headers=h),
    ),
    **{
        ("POST", f"/groups/{{group_id}}/members/{{user_id}}/{step}"): Probe(
            "object",
            "group",
            "update",
            lambda c, h, p, step=step, body=body: c.post(
                f"{API}/groups/{p.group()}/members/{p.user_id or 'nobody'}/{step}",
                headers=h,
                json=body,
            ),
        )
        for step, body in (("mute", {"minutes": 5}), ("remove", {"reason": "x"}))
    },
    **{
        ("POST", f"/messages/{{message_id}}/{step}"): Probe(
            "object",
            "message",
            "update",
            lambda c, h, p, step=step: c.post(
                f"{API}/messages/{p.message()}/{step}", headers=h, json={"pinned": True}
            ),
        )
        for step in ("recall", "pin")
    },
    ("GET", "/groups/{group_id}/invitations"): Probe(
        "object",
        "group",
        "update",
        lambda c, h, p: c.get(f"{API}/groups/{p.group()}/invitations", headers=h),
    ),
    ("POST", "/groups/{group_id}/invitations"): Probe(
        "object",
        "group",
        "update",
        lambda c, h, p: c.post(f"{API}/groups/{p.group()}/invitations", headers=h),
    ),
    # notices: leaders of the node post them and see receipts; members read and acknowledge
    ("POST", "/groups/{group_id}/notices"): Probe(
        "object",
        "group",
        "update",
        lambda c, h, p: c.post(
            f"{API}/groups/{p.group()}/notices", headers=h, json={"title": "t", "body": "b"}
        ),
    ),
    ("POST", "/notices"): Probe(
        "object",
        "group",
        "update",
        lambda c, h, p: c.post(
            f"{API}/notices",
            headers=h,
            json={"territory_code": p.grid_code, "title": "t", "body": "b"},
        ),
    ),
    ("GET", "/notices/{notice_id}"): Probe(
        "object", "group", "read", lambda c, h, p: c.get(f"{API}/notices/{p.notice_id}", headers=h)
    ),
    ("POST", "/notices/{notice_id}/read"): Probe(
        "object",
        "group",
        "read",
        lambda c, h, p: c.post(
            f"{API}/notices/{p.notice_id}/read", headers=h, json={"acknowledge": True}
        ),
    ),
    ("GET", "/notices/{notice_id}/receipts"): Probe(
        "object",
        "group",
        "update",
        lambda c, h, p: c.get(f"{API}/notices/{p.notice_id}/receipts", headers=h),
    ),
    ("POST", "/notices/{notice_id}/told"): Probe(
        "object",
        "group",
        "update",
        lambda c, h, p: c.post(
            f"{API}/notices/{p.notice_id}/told",
            headers=h,
            json={"household_id": p.household.id, "channel": "phone"},
        ),
    ),
    ("POST", "/notices/{notice_id}/remind"): Probe(
        "object",
        "group",
        "update",
        lambda c, h, p: c.post(f"{API}/notices/{p.notice_id}/remind", headers=h),
    ),
    # chain replies: as visible as their group; a member adds their own line
    ("POST", "/groups/{group_id}/chains"): Probe(
        "object",
        "message",
        "create",
        lambda c, h, p: c.post(
            f"{API}/groups/{p.group()}/chains",
            headers=h,
            json={"title": "t", "closes_at": "2099-01-01T00:00:00+08:00"},
        ),
    ),
    ("GET", "/chains/{chain_id}"): Probe(
        "object", "group", "read", lambda c, h, p: c.get(f"{API}/chains/{p.chain_id}", headers=h)
    ),
    ("PUT", "/chains/{chain_id}/entry"): Probe(
        "object",
        "message",
        "create",
        lambda c, h, p: c.put(
            f"{API}/chains/{p.chain_id}/entry", headers=h, json={"values": {"人数": "1"}}
        ),
    ),
    **{
        ("GET", f"/chains/{{chain_id}}/export.{fmt}"): Probe(
            "object",
            "group",
            "read",
            lambda c, h, p, fmt=fmt: c.get(f"{API}/chains/{p.chain_id}/export.{fmt}", headers=h),
        )
        for fmt in ("csv", "xlsx")
    },
    # search covers the caller's own groups only: nothing of another place to name
    ("GET", "/search/messages"): Probe("self"),
    ("POST", "/groups/{group_id}/voice"): Probe(
        "object",
        "message",
        "create",
        lambda c, h, p: c.post(
            f"{API}/groups/{p.group()}/voice",
            headers=h,
            files={"file": ("v.webm", b"not audio", "audio/webm")},
        ),
    ),
    ("POST", "/messages/{message_id}/case"): Probe(
        "object",
        "group",
        "update",
        lambda c, h, p: c.post(f"{API}/messages/{p.message()}/case", headers=h, json={}),
    ),
    ("GET", "/messages/{message_id}/attachment"): Probe(
        "object",
        "message",
        "read",
        lambda c, h, p: c.get(f"{API}/messages/{p.message()}/attachment", headers=h),
    ),
    ("GET", "/messages/{message_id}/case"): Probe(
        "object",
        "message",
        "read",
        lambda c, h, p: c.get(f"{API}/messages/{p.message()}/case", headers=h),
    ),
    # an invitation code is redeemed by whoever holds it: a leader still decides
    ("POST", "/invitations/redeem"): Probe("self"),
    ("POST", "/invitations/{invitation_id}/decision"): Probe(
        "object",
        "group",
        "update",
        lambda c, h, p: c.post(
            f"{API}/invitations/{p.invitation()}/decision", headers=h, json={"approve": True}
        ),
    ),
    # party members, contact assignments, the contact ledger, due contacts
    ("GET", "/party-members"): Probe(
        "list",
        "contact",
        "read",
        lambda c, h, p: c.get(f"{API}/party-members", headers=h, params={"territory": p.code}),
    ),
    ("POST", "/party-members"): Probe(
        "object",
        "contact",
        "create",
        lambda c, h, p: c.post(
            f"{API}/party-members",
            headers=h,
            json={"resident_id": p.residents[0].id, "branch": "支部", "joined_on": _day(10)},
        ),
    ),
    ("POST", "/party-members/{member_id}/end"): Probe(
        "object",
        "contact",
        "retire",
        lambda c, h, p: c.post(
            f"{API}/party-members/{p.member_id}/end",
            headers=h,
            json={"ended_on": _day(1), "reason": "moved"},
        ),
    ),
    ("GET", "/contact-assignments"): Probe(
        "list",
        "contact",
        "read",
        lambda c, h, p: c.get(
            f"{API}/contact-assignments", headers=h, params={"territory": p.code}
        ),
    ),
    ("POST", "/contact-assignments/run"): Probe(
        "object",
        "contact",
        "create",
        lambda c, h, p: c.post(
            f"{API}/contact-assignments/run", headers=h, json={"territory": p.village_code}
        ),
    ),
    ("POST", "/contact-assignments"): Probe(
        "case_body",
        "contact",
        "update",
        lambda c, h, p: c.post(
            f"{API}/contact-assignments",
            headers=h,
            json={"household_id": p.household.id, "member_id": p.member_id},
        ),
    ),
    ("GET", "/visits"): Probe(
        "list",
        "visit",
        "read",
        lambda c, h, p: c.get(
            f"{API}/visits",
            headers=h,
            params={"territory": p.code, "household_id": p.household.id},
        ),
    ),
    ("POST", "/visits"): Probe(
        "visit_body",
        "visit",
        "create",
        lambda c, h, p: c.post(
            f"{API}/visits",
            headers=h,
            json={
                "visited_on": _day(1),
                "method": "phone",
                "household_ids": [p.household.id],
                "member_ids": [p.member_id],
            },
        ),
    ),
    ("GET", "/visits/{visit_id}"): Probe(
        "object",
        "visit",
        "read",
        lambda c, h, p: c.get(f"{API}/visits/{p.visit_id}", headers=h),
    ),
    ("PATCH", "/visits/{visit_id}"): Probe(
        "object",
        "visit",
        "update",
        lambda c, h, p: c.patch(
            f"{API}/visits/{p.visit_id}", headers=h, json={"version": 1, "requests": 2}
        ),
    ),
    ("GET", "/visits/{visit_id}/versions"): Probe(
        "object",
        "visit",
        "read",
        lambda c, h, p: c.get(f"{API}/visits/{p.visit_id}/versions", headers=h),
    ),
    ("POST", "/visits/{visit_id}/confirm"): Probe(
        "object",
        "visit",
        "read",  # the household's rule decides after access (contacts.confirm)
        lambda c, h, p: c.post(f"{API}/visits/{p.visit_id}/confirm", headers=h, json={"rating": 5}),
    ),
    ("GET", "/contacts/due"): Probe(
        "list",
        "contact",
        "read",
        lambda c, h, p: c.get(f"{API}/contacts/due", headers=h, params={"territory": p.code}),
    ),
    ("POST", "/contacts/must-visits"): Probe(
        "case_body",
        "contact",
        "create",
        lambda c, h, p: c.post(
            f"{API}/contacts/must-visits",
            headers=h,
            json={"household_id": p.household.id, "reason": "hospital", "due_on": _day(-3)},
        ),
    ),
    **{
        ("GET", f"/exports/visits.{fmt}"): Probe(
            "object",
            "import_export",
            "read",
            lambda c, h, p, fmt=fmt: c.get(
                f"{API}/exports/visits.{fmt}", headers=h, params={"territory": p.code}
            ),
        )
        for fmt in ("csv", "xlsx")
    },
    ("GET", "/contacts/cards.pdf"): Probe(
        "object",
        "contact",
        "read",
        lambda c, h, p: c.get(f"{API}/contacts/cards.pdf", headers=h, params={"territory": p.code}),
    ),
    ("GET", "/reports/contacts"): Probe(
        "object",
        "report",
        "read",
        lambda c, h, p: c.get(
            f"{API}/reports/contacts",
            headers=h,
            params={"territory": p.code, "from": _day(30), "to": _day(0)},
        ),
    ),
    # emergency roll-calls over a grid, and shelters
    ("POST", "/households/{household_id}/dangerous-house"): Probe(
        "object",
        "household",
        "update",
        lambda c, h, p: c.post(
            f"{API}/households/{p.household.id}/dangerous-house",
            headers=h,
            json={"dangerous": True, "reason": "墙体开裂"},
        ),
    ),
    ("POST", "/roll-calls"): Probe(
        "object",
        "roll_call",
        "create",
        lambda c, h, p: c.post(
            f"{API}/roll-calls",
            headers=h,
            json={"territory_code": p.grid_code, "kind": "fire", "title": "火警"},
        ),
    ),
    ("GET", "/roll-calls"): Probe(
        "rollcall",
        "roll_call",
        "read",
        lambda c, h, p: c.get(f"{API}/roll-calls", headers=h, params={"territory": p.code}),
    ),
    **{
        ("GET", f"/roll-calls/{{roll_call_id}}{suffix}"): Probe(
            "rollcall",
            "roll_call",
            "read",
            lambda c, h, p, suffix=suffix: c.get(
                f"{API}/roll-calls/{p.roll_call_id}{suffix}", headers=h
            ),
        )
        for suffix in ("", ".geojson", "/households", "/roster.xlsx")
    },
    ("POST", "/roll-calls/{roll_call_id}/confirmations"): Probe(
        "rollcall",
        "roll_call",
        "update",
        lambda c, h, p: c.post(
            f"{API}/roll-calls/{p.roll_call_id}/confirmations",
            headers=h,
            json={"household_id": p.household.id, "status": "safe_at_home"},
        ),
    ),
    **{
        ("POST", f"/roll-calls/{{roll_call_id}}/{step}"): Probe(
            "rollcall",
            "roll_call",
            "update",
            lambda c, h, p, step=step: c.post(
                f"{API}/roll-calls/{p.roll_call_id}/{step}", headers=h
            ),
        )
        for step in ("all-clear", "close")
    },
    ("GET", "/shelters"): Probe("reference"),
    ("POST", "/shelters"): Probe(
        "object",
        "shelter",
        "create",
        lambda c, h, p: c.post(
            f"{API}/shelters",
            headers=h,
            json={"village_code": p.village_code, "name": "外村小学", "capacity": 50},
        ),
    ),
}


def _expect_rollcall(principal: Principal, response: Any, place: Place) -> str | None:
    """A roll-call over the place's grid: 404 when the caller's roles do not reach it; when
    they do (a unit leader of another unit of that grid), it shows counts, but never the
    place's household (not in a list, not a point, not in a roster), and confirming it,
    giving the all-clear or closing answer 404."""
    status = response.status_code
    path = response.request.url.path
    if path.endswith("/roll-calls"):  # the list, with territory=the place's node
        code = response.request.url.params["territory"]
        if not reaches(principal, "read", "roll_call", code):
            ok = status == 404 and response.json()["error"]["fields"] == {"territory": "not found"}
            return None if ok else f"{status}, expected 404 for a territory out of reach"
        return None if status == 200 else f"{status}, expected 200"
    if not reaches(principal, "read", "roll_call", place.grid_code) or path.endswith(
        ("/confirmations", "/all-clear", "/close")
    ):
        return None if status == 404 else f"{status}, expected 404: {response.text[:200]}"
    if status != 200:
        return f"{status}, expected 200 (counts of a roll-call in reach)"
    if place.household.id in response.text or (
        path.endswith(".xlsx") and place.household.household_no.encode() in response.content
    ):
        return "shows a household out of reach"
    return None


def app_routes(client: TestClient) -> set[tuple[str, str]]:
    """Every (method, path) the app serves under /api/v1, from its route table."""
    found = set()
    for route in iter_route_contexts(client.app.routes):
        if not route.path.startswith(f"{API}/"):
            continue
        for method in route.methods or ():
            if method != "HEAD":
                found.add((method, route.path.removeprefix(API)))
    return found


def test_every_route_of_the_app_is_in_the_matrix(client) -> None:
    served = app_routes(client)
    assert served - set(ROUTES) == set(), "routes missing from the access matrix"
    assert set(ROUTES) - served == set(), "the matrix names routes the app does not serve"


# --- the matrix ----------------------------------------------------------------------------


def _expect(
    probe: Probe, principal: Principal, response: Any, missing: Any, place: Place | None = None
) -> str | None:
    """Why the answer is wrong, or None."""
    status = response.status_code
    if probe.kind == "user":  # the users router refuses all but administrators (403)
        return None if status in (403, 404) else f"{status}"
    if not may(principal, probe.action, probe.resource):
        return None if status == 403 else f"{status}, expected 403"
    if probe.kind == "object":
        return None if status == 404 else f"{status}, expected 404: {response.text[:200]}"
    if probe.kind == "rollcall" and place is not None:
        return _expect_rollcall(principal, response, place)
    if probe.kind == "list":
        body = response.json()
        code = response.request.url.params.get("territory")
        if code is not None and not reaches(principal, probe.action, probe.resource, code):
            # A territory= out of reach answers like a code no node has (issue #10); one at
            # or above the caller's node (a resident's own unit) lists their part: nothing.
            ok = status == 404 and body["error"]["fields"] == {"territory": "not found"}
            return None if ok else f"{status}, expected 404 for a territory out of reach"
        ok = status == 200 and body["total"] == 0 and body["items"] == []
        return None if ok else f"{status} total={body.get('total')}, expected an empty page"
    if probe.kind == "body":
        same = (status, response.json()) == (missing.status_code, missing.json())
        return None if same else f"{response.text[:200]} differs from {missing.text[:200]}"
    if probe.kind == "case_body":  # answered exactly like a household that does not exist
        fields = response.json().get("error", {}).get("fields")
        ok = status == 422 and fields == {"household_id": "no household has this id"}
        return None if ok else f"{status}: {response.text[:200]}"
    if probe.kind == "visit_body":  # a household out of reach: like one that does not exist
        fields = response.json().get("error", {}).get("fields")
        ok = status == 422 and fields == {"household_ids": "no household has this id"}
        return None if ok else f"{status}: {response.text[:200]}"
    if probe.kind == "import":
        rows = response.json().get("error", {}).get("rows", [])
        ok = status == 422 and rows and all(row["reason"] == OUTSIDE for row in rows)
        return None if ok else f"{status}: {response.text[:200]}"
    return f"unknown probe kind {probe.kind}"


def _missing_household_answer(client: TestClient, headers: dict[str, str]) -> Any:
    return client.post(
        f"{API}/residents",
        headers=headers,
        json={
            "household_id": "no-such-household",
            "name": "外人",
            "sex": "male",
            "birth_date": "1990-01-01",
            "relation_to_head": "other",
        },
    )


def test_out_of_scope_attempts_answer_404_and_change_nothing(client, session, tmp_path) -> None:
    world = _build(session, outsiders=True, photo_dir=tmp_path)
    failures: list[str] = []
    attempts = 0
    for role, (user, headers) in world.callers.items():
        if role == "administrator":
            continue  # the whole platform is its scope
        principal = principal_for(session, user)
        assert role in principal.roles, (role, principal.scopes)
        targets = _targets(world, principal)
        if role in ("resident", "party_member"):
            targets.append(_neighbour_place(session, world, principal))
        assert targets, role
        missing = _missing_household_answer(client, headers)
        for (method, path), probe in ROUTES.items():
            if probe.call is None:
                continue
            for place in targets:
                before = fingerprint(session)
                response = probe.call(client, headers, place)
                attempts += 1
                wrong = _expect(probe, principal, response, missing, place)
                if wrong:
                    failures.append(f"{role} {method} {path} on {place.code}: {wrong}")
                if fingerprint(session) != before:
                    failures.append(f"{role} {method} {path} on {place.code}: changed rows")
    print(f"\naccess matrix: {attempts} out-of-scope attempts, {len(failures)} wrong")
    assert attempts > 500
    assert failures == [], "\n".join(failures)


# --- in scope --------------------------------------------------------------------------------


def _total(client: TestClient, headers: dict[str, str], path: str, **params: Any) -> int:
    response = client.get(f"{API}{path}", headers=headers, params=params)
    assert response.status_code == 200, response.text
    return response.json()["total"]


def _count(session: Session, model: Any, *conditions: Any) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*conditions)) or 0


def test_each_role_sees_exactly_its_own_territory(client, session) -> None:
    world = _build(session)
    headers = {role: pair[1] for role, pair in world.callers.items()}
    under = {
        "administrator": "",
        "town_official": world.here_town,
        "village_secretary": world.here_village,
        "grid_leader": world.here_grid,
        "unit_leader": world.here_unit,
    }
    for role, code in under.items():
        in_scope = Resident.territory_code.startswith(code)
        assert _total(client, headers[role], "/residents") == _count(session, Resident, in_scope)
        households = _count(session, Household, Household.territory_code.startswith(code))
        assert _total(client, headers[role], "/households") == households, role
    # A grid leader reads and changes a resident of their grid.
    own = world.places[world.here_unit].residents[0]
    grid_leader = headers["grid_leader"]
    assert client.get(f"{API}/residents/{own.id}", headers=grid_leader).status_code == 200
    changed = client.patch(f"{API}/residents/{own.id}", headers=grid_leader, json={"name": "新名"})
    assert changed.status_code == 200 and changed.json()["name"] == "新名"
    # A unit leader reads their unit but can never change a resident: 403.
    unit_leader = headers["unit_leader"]
    assert client.get(f"{API}/residents/{own.id}", headers=unit_leader).status_code == 200
    refused = client.patch(f"{API}/residents/{own.id}", headers=unit_leader, json={"name": "x"})
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "permission_denied"


def test_a_resident_sees_only_their_own_household(client, session) -> None:
    world = _build(session)
    headers = world.callers["resident"][1]
    assert world.neighbour is not None
    page = client.get(f"{API}/households", headers=headers).json()
    assert [item["id"] for item in page["items"]] == [world.neighbour.id] and page["total"] == 1
    members = client.get(f"{API}/residents", headers=headers).json()
    assert members["total"] == 2
    assert {item["household_id"] for item in members["items"]} == {world.neighbour.id}
    assert client.get(f"{API}/households/{world.neighbour.id}", headers=headers).status_code == 200
    next_door = world.places[world.here_unit].household
    assert client.get(f"{API}/households/{next_door.id}", headers=headers).status_code == 404
    events = client.get(f"{API}/registry-events", headers=headers).json()["items"]
    assert events and {event["household_id"] for event in events} == {world.neighbour.id}
    assert client.get(f"{API}/posts", headers=headers).status_code == 403
    assert client.get(f"{API}/key-groups", headers=headers).status_code == 200


def test_a_village_secretary_imports_into_their_village_only(client, session) -> None:
    world = _build(session)
    headers = world.callers["village_secretary"][1]
    unit = world.here_unit
    header = "village_code,household_no,address,unit_code"
    mine = client.post(
        f"{API}/imports/households",
        headers=headers,
        **_csv(header, f"{world.here_village},N-1,新家,{unit}"),
    )
    assert mine.status_code == 201, mine.text
    other = _target_unit(world, "village")
    both = f"{world.here_village},N-2,新家,{unit}\n{other[:12]},N-3,外,{other}"
    before = fingerprint(session)
    refused = client.post(f"{API}/imports/households", headers=headers, **_csv(header, both))
    assert refused.status_code == 422
    assert refused.json()["error"]["rows"] == [{"line": 3, "field": "unit_code", "reason": OUTSIDE}]
    assert fingerprint(session) == before


def test_no_token_is_401_except_for_the_public_map(client, session) -> None:
    world = _build(session)
    for path in ("/territories", f"/territories/{world.here_town}"):
        assert client.get(f"{API}{path}").status_code == 200
    geojson = client.get(f"{API}/territories.geojson", params={"territory": world.here_town})
    assert geojson.status_code == 200
    for path in ("/households", "/residents", "/posts", "/key-groups", "/post-types"):
        answer = client.get(f"{API}{path}")
        assert answer.status_code == 401 and answer.json()["error"]["code"] == "not_authenticated"
    unit = world.here_unit
    answer = client.patch(f"{API}/territories/{unit}", json={"name_en": "X"})
    assert answer.status_code == 401


def test_a_handover_through_the_api_moves_access_with_the_post(client, session) -> None:
    world = _build(session)
    old_leader, old_headers = world.callers["grid_leader"]
    secretary = world.callers["village_secretary"][1]
    mine = world.places[world.here_unit]
    elsewhere = world.places[child_code(world.here_grid, "unit", 2)]
    successor = elsewhere.residents[2]
    new_leader = make_user(session, resident_id=successor.id)
    new_headers = bearer(session, new_leader)
    # The successor lives in the grid's other unit; the old leader in this one.
    theirs = f"{API}/residents/{elsewhere.residents[0].id}"
    ours = f"{API}/residents/{mine.residents[0].id}"
    assert client.get(theirs, headers=old_headers).status_code == 200
    assert client.get(ours, headers=new_headers).status_code == 404

    handed = client.post(
        f"{API}/posts/handover",
        headers=secretary,
        json={
            "post_type": "grid_leader",
            "territory_code": world.here_grid,
            "resident_id": successor.id,
            "on_date": _day(1),
        },
    )
    assert handed.status_code == 200, handed.text
    assert handed.json()["ended"]["resident_id"] == mine.residents[1].id

    assert client.get(theirs, headers=old_headers).status_code == 404
    assert client.get(ours, headers=new_headers).status_code == 200
    # The old leader is still a resident of their own household, nothing more.
    assert _total(client, old_headers, "/households") == 1
    assert old_leader.resident_id == mine.residents[1].id
