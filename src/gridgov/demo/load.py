"""Loading the demo island into the database through the real actions and the importer.

Nothing is written around the rules: territories go through ``check_create_territory``,
households and residents through the bulk importer (which checks every row), posts
through ``check_start_post``, party members through ``check_mark_member``, and the
contact households through a run of the assignment for the town. The caller owns the
transaction; this only flushes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov.cases.setup import seed_case_settings
from gridgov.contacts.assigning import DEFAULT_CAPACITY, check_run_assignment
from gridgov.contacts.members import check_mark_member
from gridgov.contacts.models import ContactAssignment, PartyMember
from gridgov.demo.generate import TOWN_CODE, DemoIsland
from gridgov.groups.membership import resync_leaders_group
from gridgov.posts.actions import check_start_post
from gridgov.posts.models import Post
from gridgov.registry.importing import (
    PROGRESS_STEPS_PER_ROW,
    import_households,
    import_residents,
)
from gridgov.registry.models import Resident, personal_hash
from gridgov.territory.actions import check_create_territory
from gridgov.territory.geometry import to_geojson
from gridgov.territory.models import Territory
from gridgov.territory.scope import within

# progress(description, total) starts a stage and returns its advance(steps) function.
Advance = Callable[[int], None]
Progress = Callable[[str, int], Advance]


@dataclass(frozen=True)
class LoadSummary:
    villages: int
    grids: int
    units: int
    households: int
    residents: int
    posts: int
    party_members: int = 0
    contact_households: int = 0  # households given a party member by the assignment


def has_territories(session: Session) -> bool:
    """Whether any territory node exists: the demo only goes into an empty database."""
    return session.scalar(select(Territory.id).limit(1)) is not None


def _silent(_description: str, _total: int) -> Advance:
    return lambda _steps: None


def load_demo_island(
    session: Session, demo: DemoIsland, *, actor: str, progress: Progress | None = None
) -> LoadSummary:
    """Write the whole island: territories, households, residents, posts, and the case
    categories and working calendar when they are missing."""
    progress = progress or _silent
    _load_territories(
        session, demo, actor=actor, advance=progress("territories", len(demo.territories))
    )
    households = progress("households", PROGRESS_STEPS_PER_ROW * len(demo.households))
    import_households(session, _household_rows(demo), actor=actor, progress=households)
    residents = progress("residents", PROGRESS_STEPS_PER_ROW * len(demo.residents))
    import_residents(session, _resident_rows(demo), actor=actor, progress=residents)
    _load_posts(session, demo, actor=actor, advance=progress("posts", len(demo.posts)))
    _load_party_members(
        session, demo, actor=actor, advance=progress("party members", len(demo.party_members))
    )
    run = check_run_assignment(
        session, territory_code=TOWN_CODE, capacity=DEFAULT_CAPACITY, dry_run=False, actor=actor
    )
    seed_case_settings(session, actor=actor)
    return LoadSummary(
        villages=demo.count("village"),
        grids=demo.count("grid"),
        units=demo.count("unit"),
        households=len(demo.households),
        residents=len(demo.residents),
        posts=len(demo.posts),
        party_members=len(demo.party_members),
        contact_households=run.added,
    )


def _load_territories(session: Session, demo: DemoIsland, *, actor: str, advance: Advance) -> None:
    for node in demo.territories:  # parents come before their children
        check_create_territory(
            session,
            code=node.code,
            level=node.level,
            name_zh=node.name_zh,
            name_en=node.name_en,
            parent_code=node.parent_code,
            boundary=None if node.boundary is None else to_geojson(node.boundary),
            actor=actor,
        )
        advance(1)


def _household_rows(demo: DemoIsland) -> Iterator[tuple[int, dict[str, Any]]]:
    # Line numbers as if read from a file with a header line, for the importer's messages.
    for line, household in enumerate(demo.households, start=2):
        yield (
            line,
            {
                "village_code": household.village_code,
                "household_no": household.household_no,
                "address": household.address,
                "unit_code": household.unit_code,
                "lon": f"{household.lon:.7f}",
                "lat": f"{household.lat:.7f}",
            },
        )


def _resident_rows(demo: DemoIsland) -> Iterator[tuple[int, dict[str, Any]]]:
    for line, resident in enumerate(demo.residents, start=2):
        yield (
            line,
            {
                "village_code": resident.village_code,
                "household_no": resident.household_no,
                "name": resident.name,
                "sex": resident.sex,
                "birth_date": resident.birth_date.isoformat(),
                "id_number": resident.id_number,
                "phone": resident.phone or "",
                "relation_to_head": resident.relation_to_head,
                "residence_status": resident.residence_status,
                "key_groups": ";".join(resident.key_groups),
            },
        )


def _load_posts(session: Session, demo: DemoIsland, *, actor: str, advance: Advance) -> None:
    holders = _holders_by_id_number(session, sorted({post.id_number for post in demo.posts}))
    for post in demo.posts:
        check_start_post(
            session,
            resident_id=holders[post.id_number].id,
            post_type=post.post_type,
            territory_code=post.territory_code,
            start_date=post.start_date,
            actor=actor,
        )
        advance(1)


def _load_party_members(
    session: Session, demo: DemoIsland, *, actor: str, advance: Advance
) -> None:
    residents = _holders_by_id_number(
        session, sorted(member.id_number for member in demo.party_members)
    )
    for member in demo.party_members:
        check_mark_member(
            session,
            resident_id=residents[member.id_number].id,
            branch=member.branch,
            joined_on=member.joined_on,
            actor=actor,
        )
        advance(1)


def _holders_by_id_number(session: Session, id_numbers: list[str]) -> dict[str, Resident]:
    """The imported residents who take posts, found by their (unique) ID numbers.

    Holding them in the session also spares each post's check a query for its holder.
    """
    found: dict[str, Resident] = {}
    for start in range(0, len(id_numbers), 900):
        chunk = id_numbers[start : start + 900]
        hashes = [personal_hash(number) for number in chunk]
        query = select(Resident).where(
            within(Resident.territory_code, TOWN_CODE), Resident.id_number_hash.in_(hashes)
        )
        for resident in session.scalars(query):
            found[str(resident.id_number)] = resident
    return found


def demo_party_member(session: Session, grid_code: str) -> str | None:
    """A current party member of the demo grid who holds no post (for the ``demo_party``
    account), by resident id: the first by id, so the same seed links the same person."""
    return session.scalar(
        select(Resident.id)
        .join(PartyMember, PartyMember.resident_id == Resident.id)
        .where(
            PartyMember.ended_on.is_(None),
            within(Resident.territory_code, grid_code),
            ~Resident.id.in_(select(Post.resident_id)),
        )
        .order_by(Resident.id)
        .limit(1)
    )


def demo_contact_pair(session: Session, grid_code: str, unit_code: str) -> tuple[str, str] | None:
    """A party member of the demo grid who holds no post and looks after a household of
    the demo unit, and a present resident of that household who holds no post (for the
    ``demo_party`` and ``demo_resident`` accounts: the resident confirms and rates the
    member's visits), by resident ids; the first by ids, so the same seed gives the same
    pair. None when no member of the grid looks after a household of the unit."""
    member_resident = Resident.__table__.alias("member_resident")
    found = session.execute(
        select(member_resident.c.id, Resident.id)
        .select_from(ContactAssignment)
        .join(PartyMember, PartyMember.id == ContactAssignment.member_id)
        .join(member_resident, member_resident.c.id == PartyMember.resident_id)
        .join(Resident, Resident.household_id == ContactAssignment.household_id)
        .where(
            ContactAssignment.ended_at.is_(None),
            PartyMember.ended_on.is_(None),
            member_resident.c.territory_code.like(f"{grid_code}%"),
            ~member_resident.c.id.in_(select(Post.resident_id)),
            Resident.territory_code == unit_code,
            Resident.residence_status == "living_here",
            ~Resident.id.in_(select(Post.resident_id)),
        )
        .order_by(member_resident.c.id, Resident.id)
        .limit(1)
    ).first()
    return (found[0], found[1]) if found is not None else None


def resync_leaders_groups(session: Session, town_code: str = TOWN_CODE) -> int:
    """Bring the leaders' group of every village of the town up to date once the accounts
    exist (members were marked before anyone had an account); how many users joined."""
    villages = session.scalars(
        select(Territory.code)
        .where(Territory.level == "village", within(Territory.code, town_code))
        .order_by(Territory.code)
    )
    joined = 0
    for village in list(villages):
        resync = resync_leaders_group(session, village, reason="demo accounts created")
        joined += len(resync.joined) if resync is not None else 0
    return joined
