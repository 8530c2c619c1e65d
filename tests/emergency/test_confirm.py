"""Confirmations: who may confirm which household, the latest confirmed_at stands, the
history is kept, its bounds, needs_help opens a case due in minutes, shelters fill up."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov import clock
from gridgov.cases.models import Case
from gridgov.emergency.confirm import check_confirm, confirmations_of
from gridgov.emergency.models import RollCall, RollCallHousehold
from gridgov.emergency.shelters import list_shelters
from gridgov.errors import Conflict, NotFound, ValidationFailed
from gridgov.registry.models import Resident
from tests.emergency.rollcall_world import Island, make_island, minutes, start


@pytest.fixture
def island(session: Session) -> Island:
    return make_island(session)


@pytest.fixture
def roll_call(session: Session, island: Island) -> RollCall:
    return start(session, island)


def confirm(
    session: Session, island: Island, roll_call: RollCall, who: str, household: str, **values
):
    values.setdefault("status", "safe_at_home")
    if "help" in values:
        values["help_needed"] = values.pop("help")
    return check_confirm(
        session,
        roll_call,
        household_id=island.households[household].id,
        principal=island.principal(session, who) if who != "cli" else None,
        actor=f"test:{who}",
        **values,
    )


def row_of(session: Session, roll_call: RollCall, household_id: str) -> RollCallHousehold:
    row = session.get(RollCallHousehold, (roll_call.id, household_id))
    assert row is not None
    session.refresh(row)
    return row


@pytest.mark.parametrize(
    ("who", "household", "confirmer"),
    [
        ("unit_leader", "plain", "unit_leader"),
        ("grid_leader", "pregnant", "grid_leader"),
        ("secretary", "other_grid", "village_official"),
        ("resident", "plain", "household"),
        ("town_official", "other_village", "town_official"),
    ],
)
def test_who_may_confirm(session, island, roll_call, who, household, confirmer) -> None:
    done = confirm(session, island, roll_call, who, household)
    assert done.stands
    assert done.confirmation.confirmer == confirmer
    assert row_of(session, roll_call, island.households[household].id).status == "safe_at_home"


@pytest.mark.parametrize(
    ("who", "household"),
    [
        ("unit_leader", "pregnant"),  # the other unit of the same grid
        ("unit_leader", "other_village"),
        ("resident", "elderly"),  # a neighbour's household
        ("other_secretary", "plain"),  # another village's
        ("other_resident", "plain"),
        ("other_unit_leader", "plain"),
    ],
)
def test_nobody_confirms_another_ones_household(session, island, roll_call, who, household) -> None:
    with pytest.raises(NotFound):
        confirm(session, island, roll_call, who, household)


def test_the_latest_confirmed_at_stands_and_history_is_kept(session, island, roll_call) -> None:
    start_at = roll_call.started_at
    with clock.frozen(start_at + minutes(20)):
        later = confirm(
            session,
            island,
            roll_call,
            "unit_leader",
            "plain",
            status="moved_shelter",
            shelter_id=island.shelter.id,
            confirmed_at=start_at + minutes(15),
        )
    with clock.frozen(start_at + minutes(30)):
        # An offline phone sends what its user saw at minute 5: kept, does not stand.
        earlier = confirm(
            session,
            island,
            roll_call,
            "resident",
            "plain",
            method="message",
            confirmed_at=start_at + minutes(5),
        )
    assert later.stands and not earlier.stands
    row = row_of(session, roll_call, island.households["plain"].id)
    assert row.status == "moved_shelter"
    assert row.confirmed_at == start_at + minutes(15)
    assert row.first_confirmed_at == start_at + minutes(5)
    assert row.confirmations == 2
    history = confirmations_of(session, roll_call, island.households["plain"].id)
    assert [(c.status, c.stands) for c in history] == [
        ("moved_shelter", True),
        ("safe_at_home", False),
    ]
    assert history[1].received_at == start_at + minutes(30)
    with clock.frozen(start_at + minutes(40)):
        confirm(session, island, roll_call, "grid_leader", "plain", status="away", method="phone")
    assert row_of(session, roll_call, island.households["plain"].id).status == "away"


def test_confirmed_at_is_bounded_by_start_and_receipt(session, island, roll_call) -> None:
    with clock.frozen(roll_call.started_at + minutes(10)):
        for bad in (roll_call.started_at - minutes(1), roll_call.started_at + minutes(11)):
            with pytest.raises(ValidationFailed) as refused:
                confirm(session, island, roll_call, "unit_leader", "plain", confirmed_at=bad)
            assert "confirmed_at" in refused.value.fields


def test_bad_confirmations_name_their_field(session, island, roll_call) -> None:
    cases = [
        ({"status": "unconfirmed"}, "status"),
        ({"status": "returned"}, "status"),  # no all-clear yet
        ({"method": "pigeon"}, "method"),
        ({"status": "needs_help"}, "help"),
        ({"status": "moved_shelter"}, "shelter_id"),
        ({"people": -1}, "people"),
        ({"lon": 119.0}, "lat"),
    ]
    for values, field in cases:
        with pytest.raises(ValidationFailed) as refused:
            confirm(session, island, roll_call, "unit_leader", "plain", **values)
        assert field in refused.value.fields, values


def test_needs_help_opens_a_grid_case_due_in_minutes(session, island, roll_call) -> None:
    with clock.frozen(roll_call.started_at + minutes(3)):
        done = confirm(
            session,
            island,
            roll_call,
            "unit_leader",
            "elderly",
            status="needs_help",
            help="老人行动不便，需要抬离",
        )
    case = session.get(Case, done.help_case_id)
    assert case is not None
    assert case.category_code == "safety.typhoon"
    assert case.level == "grid" and case.handler_code == island.grid
    assert case.household_id == island.households["elderly"].id
    assert case.deadlines == {"grid": {"minutes": 30}}
    assert case.due_at == roll_call.started_at + minutes(33)  # wall-clock, whatever the hour
    # What the responder needs: where, whom to call, how many people, what help; and the
    # roll-call it came from.
    household = island.households["elderly"]
    head = session.scalars(
        select(Resident).where(
            Resident.household_id == household.id, Resident.relation_to_head == "head"
        )
    ).one()
    assert household.address and case.address == household.address
    assert head.phone and (case.reporter_name, case.reporter_contact) == (head.name, head.phone)
    assert "老人行动不便，需要抬离" in case.description
    assert "户内人数：1" in case.description
    assert case.roll_call_id == roll_call.id
    with clock.frozen(roll_call.started_at + minutes(5)):
        again = confirm(
            session,
            island,
            roll_call,
            "grid_leader",
            "elderly",
            status="needs_help",
            help="仍需帮助",
        )
    assert again.stands
    assert again.help_case_id == case.id  # one case per household


def test_fire_and_other_kinds_pick_their_category(session, island) -> None:
    for kind, category in (("fire", "safety.fire"), ("other", "safety")):
        roll_call = start(session, island, kind=kind, territory=island.village, by="secretary")
        done = confirm(
            session, island, roll_call, "unit_leader", "plain", status="needs_help", help="x"
        )
        assert session.get(Case, done.help_case_id).category_code == category


def test_a_drill_opens_no_case(session, island) -> None:
    roll_call = start(session, island, drill=True)
    before = session.scalar(select(Case.id).limit(1))
    done = confirm(
        session, island, roll_call, "unit_leader", "plain", status="needs_help", help="x"
    )
    assert done.help_case_id is None
    assert session.scalar(select(Case.id).limit(1)) == before


def test_shelter_arrivals_and_free_places(session, island, roll_call) -> None:
    confirm(
        session,
        island,
        roll_call,
        "unit_leader",
        "plain",
        status="moved_shelter",
        shelter_id=island.shelter.id,
        people=2,
    )
    confirm(
        session,
        island,
        roll_call,
        "unit_leader",
        "elderly",
        status="moved_shelter",
        shelter_id=island.shelter.id,
    )  # no number given: its 1 member present
    loads, total = list_shelters(
        session, territory=island.village, principal=None, limit=50, offset=0
    )
    assert total == 1
    assert (loads[0].arrivals, loads[0].free, loads[0].over_capacity) == (3, 0, False)
    confirm(
        session,
        island,
        roll_call,
        "grid_leader",
        "pregnant",
        status="moved_shelter",
        shelter_id=island.shelter.id,
    )
    loads, _ = list_shelters(session, territory=island.village, principal=None, limit=50, offset=0)
    assert (loads[0].arrivals, loads[0].free, loads[0].over_capacity) == (5, 0, True)
    # Moving on from the shelter frees its places.
    confirm(session, island, roll_call, "unit_leader", "plain", status="moved_relatives")
    loads, _ = list_shelters(session, territory=island.village, principal=None, limit=50, offset=0)
    assert loads[0].arrivals == 3


def test_a_closed_roll_call_takes_no_confirmation(session, island, roll_call) -> None:
    from gridgov.emergency.closing import check_close

    check_close(session, roll_call, principal=None, actor="test")
    with pytest.raises(Conflict):
        confirm(session, island, roll_call, "unit_leader", "plain")


class _Assigned:
    """A CONTACT provider as the contacts issue registers one: these households."""

    def __init__(self, households: set[str]) -> None:
        self.households = households

    def condition(self, principal, household_column):
        return household_column.in_(sorted(self.households))

    def contains(self, principal, household_id: str) -> bool:
        return household_id in self.households


def test_a_party_member_confirms_the_households_assigned_to_them(session, island) -> None:
    from gridgov.access.providers import CONTACT, household_scope, register_household_scope
    from tests.factories.access import make_user

    member = make_user(session, role="party_member", territory_code=island.grid)
    island.users["member"] = member
    saved = household_scope(CONTACT)
    register_household_scope(CONTACT, _Assigned({island.households["elderly"].id}))
    try:
        roll_call = start(session, island)
        done = confirm(session, island, roll_call, "member", "elderly")
        assert done.confirmation.confirmer == "contact"
        with pytest.raises(NotFound):
            confirm(session, island, roll_call, "member", "plain")
    finally:
        register_household_scope(CONTACT, saved)


def test_every_confirmer_has_a_label_and_is_in_the_api_enum() -> None:
    """Each confirmer code reads as its own words (village and town officials and the CLI
    are no longer all "village cadre"), and the API answers only codes it declares."""
    import typing

    from gridgov.emergency.labels import CONFIRMER_LABELS
    from gridgov.emergency.models import CONFIRMERS
    from gridgov.emergency.schemas import Confirmer
    from gridgov.i18n import Message

    assert set(typing.get_args(Confirmer)) == set(CONFIRMERS) == set(CONFIRMER_LABELS)
    words = {code: Message(CONFIRMER_LABELS[code]).render("zh-CN") for code in CONFIRMERS}
    # "leader" (before the officials had codes, and administrators) keeps its old words.
    new = [code for code in CONFIRMERS if code != "leader"]
    assert len({words[code] for code in new}) == len(new), words
    assert words["town_official"] == "镇干部" and words["village_official"] == "村干部"


def test_the_cli_confirms_as_the_system(session, island, roll_call) -> None:
    done = check_confirm(
        session,
        roll_call,
        household_id=island.households["plain"].id,
        status="safe_at_home",
        principal=None,
        actor="cli:ops",
    )
    assert done.confirmation.confirmer == "system" == done.row.confirmer
