from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from sqlalchemy import func, select, text

from gridgov import clock
from gridgov.accounts.principal import principal_for
from gridgov.cases.categories import check_update_category, seed_categories
from gridgov.cases.duplicates import haversine_m, possible_duplicates
from gridgov.cases.intake import check_report_case, max_email_length
from gridgov.cases.models import Case, CaseCategory, CaseEvent, CaseFollower
from gridgov.database.sessions import session_factory
from gridgov.errors import ValidationFailed
from gridgov.notify.models import OutboxMessage
from gridgov.territory.actions import check_update_territory
from tests.factories.access import make_user
from tests.factories.cases import centre, draw_polygons, make_case
from tests.factories.registry import make_household, make_resident
from tests.factories.territory import make_tree, square

# Monday 30 November 2026, 09:00 in Asia/Shanghai: a working morning.
MONDAY_9AM = dt.datetime(2026, 11, 30, 1, 0, tzinfo=dt.UTC)
ACTOR = "test:intake"


@pytest.fixture
def tree(session):
    seed_categories(session, actor=ACTOR)
    tree = make_tree(session, villages=1, grids_per_village=2, units_per_grid=2)
    draw_polygons(session, tree)
    return tree


def _report(session, **fields):
    values = {
        "category_code": "sanitation.garbage",
        "description": "路口垃圾三天没人清",
        "channel": "cli",
        "actor": ACTOR,
    }
    return check_report_case(session, **{**values, **fields})


def test_a_point_report_lands_at_its_unit_with_timeline_follower_timer_and_notice(
    session, tree
) -> None:
    unit = tree.all_units()[0]
    leader = make_user(session, role="unit_leader", territory_code=unit.code)
    reporter = make_user(session)
    lon, lat = centre(unit)
    with clock.frozen(MONDAY_9AM):
        case, created = _report(
            session,
            lon=lon,
            lat=lat,
            reporter_user_id=reporter.id,
            reporter_contact="138 0013 8000",
        )
    assert created
    assert (case.territory_code, case.located_by) == (unit.code, "point")
    assert (case.level, case.handler_code, case.state) == ("unit", unit.code, "reported")
    assert case.deadlines == session.get(CaseCategory, "sanitation.garbage").deadlines
    assert case.level_started_at == MONDAY_9AM
    # 8 working hours from Monday 09:00 (08:30-12:00, 14:00-17:30): Tuesday 10:00 local.
    assert case.due_at == dt.datetime(2026, 12, 1, 2, 0, tzinfo=dt.UTC)
    assert case.warn_at is not None and MONDAY_9AM < case.warn_at < case.due_at
    assert case.reporter_contact == "13800138000"
    assert case.title == "路口垃圾三天没人清"
    events = session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id)).all()
    assert [(e.seq, e.action, e.to_state, e.to_level) for e in events] == [
        (1, "report", "reported", "unit")
    ]
    follower = session.get(CaseFollower, (case.id, reporter.id))
    assert follower is not None and follower.reason == "reporter"
    message = session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "case_assigned"))
    assert message.recipients == [leader.id]
    assert message.payload["case_id"] == case.id


def test_starting_level_follows_the_category_and_the_place(session, tree) -> None:
    unit = tree.all_units()[0]
    lon, lat = centre(unit)
    safety, _ = _report(session, category_code="safety.fire", lon=lon, lat=lat)
    assert (safety.level, safety.handler_code) == ("village", unit.code[:12])
    # A point only a grid polygon covers: the case hangs on the grid, handled there.
    other = make_tree(session, villages=1, grids_per_village=1, town_code="350305109")
    grid = other.all_grids()[0]
    check_update_territory(session, other.villages[0], boundary=square(119.3, 25.0), actor=ACTOR)
    check_update_territory(session, grid, boundary=square(119.3, 25.0), actor=ACTOR)
    located, _ = _report(session, lon=119.305, lat=25.005)
    assert (located.territory_code, located.level) == (grid.code, "grid")


def test_an_edited_category_applies_to_new_cases_only(session, tree) -> None:
    unit = tree.all_units()[0]
    first = make_case(session, unit=unit)
    category = session.get(CaseCategory, "sanitation.garbage")
    limits = {**category.deadlines, "unit": {"hours": 2}}
    check_update_category(session, category, deadlines=limits, actor=ACTOR)
    second = make_case(session, unit=unit)
    assert first.deadlines["unit"] == {"hours": 8}
    assert second.deadlines["unit"] == {"hours": 2}


@pytest.mark.parametrize(
    ("fields", "names"),
    [
        ({"category_code": "nothing"}, {"category_code"}),
        ({"description": "   "}, {"description"}),
        ({"description": "x" * 2001}, {"description"}),
        ({"channel": "fax"}, {"channel"}),
        ({"reporter_contact": "12345"}, {"reporter_contact"}),
        ({"lon": 200.0, "lat": 25.0}, {"lon"}),
        ({"lat": None}, {"lat"}),
        ({"household_id": "nope"}, {"household_id"}),
        ({"reporter_email": "not-an-address"}, {"reporter_email"}),
        ({"reporter_email": "wei@localhost"}, {"reporter_email"}),
        ({"reporter_email": "wei zhang@example.org"}, {"reporter_email"}),
        ({"reporter_email": "<wei@example.org>"}, {"reporter_email"}),
        ({"reporter_email": "w" * 110 + "@example.org"}, {"reporter_email"}),  # 122 chars
        ({"media_url": "ftp://example.org/p.jpg"}, {"media_url"}),
        ({"media_url": "javascript:alert(1)"}, {"media_url"}),
        ({"media_url": "https:///no-host.jpg"}, {"media_url"}),
        ({"media_url": "https://example.org/" + "p" * 1005}, {"media_url"}),  # 1025 chars
        ({"reporter_email": "x@y", "media_url": "x"}, {"reporter_email", "media_url"}),
        ({"category_code": "nothing", "description": ""}, {"category_code", "description"}),
    ],
)
def test_bad_fields_are_named(session, tree, fields, names) -> None:
    with pytest.raises(ValidationFailed) as refused:
        _report(session, **{"lon": 119.115, "lat": 25.005, **fields})
    assert set(refused.value.fields) == names
    assert session.scalar(select(func.count()).select_from(Case)) == 0


def test_email_and_media_url_are_kept_the_email_encrypted(session, tree) -> None:
    lon, lat = centre(tree.all_units()[0])
    url = "https://photos.example.org/case/1.jpg?size=large"
    case, _ = _report(
        session, lon=lon, lat=lat, reporter_email="  Wei.Zhang@Example.org ", media_url=url
    )
    no_extras, _ = _report(session, lon=lon, lat=lat, reporter_email="  ", media_url="")
    session.flush()
    session.expire_all()
    kept = session.get(Case, case.id)
    assert (kept.reporter_email, kept.media_url) == ("Wei.Zhang@Example.org", url)
    blank = session.get(Case, no_extras.id)
    assert (blank.reporter_email, blank.media_url) == (None, None)
    stored = session.execute(
        text("SELECT reporter_email FROM cases WHERE id = :id"), {"id": case.id}
    ).scalar_one()
    assert "Wei.Zhang" not in stored and "Example.org" not in stored


def test_the_longest_email_accepted_fits_its_encrypted_column(session, tree) -> None:
    """On PostgreSQL a ciphertext longer than the column fails: the check stops it first."""
    most = max_email_length()
    assert 40 <= most <= 120
    lon, lat = centre(tree.all_units()[0])
    longest = "w" * (most - len("@example.org")) + "@example.org"
    case, _ = _report(session, lon=lon, lat=lat, reporter_email=longest)
    session.flush()
    session.expire_all()
    assert session.get(Case, case.id).reporter_email == longest
    with pytest.raises(ValidationFailed) as refused:
        _report(session, lon=lon, lat=lat, reporter_email="w" + longest)
    assert refused.value.fields == {"reporter_email": f"at most {most} characters"}


def test_an_inactive_category_is_refused(session, tree) -> None:
    check_update_category(session, session.get(CaseCategory, "other"), active=False, actor=ACTOR)
    with pytest.raises(ValidationFailed) as refused:
        _report(session, category_code="other", lon=119.115, lat=25.005)
    assert "no longer in use" in refused.value.fields["category_code"]


def test_a_household_out_of_reach_reads_as_missing_and_own_household_locates(session, tree) -> None:
    mine_unit, other_unit = tree.all_units()[:2]
    home = make_household(session, unit=mine_unit)
    resident = make_user(session, resident_id=make_resident(session, household=home).id)
    principal = principal_for(session, resident)
    neighbour = make_household(session, unit=other_unit)
    with pytest.raises(ValidationFailed) as refused:
        _report(session, household_id=neighbour.id, principal=principal)
    assert refused.value.fields == {"household_id": "no household has this id"}
    by_household, _ = _report(session, household_id=home.id, principal=principal)
    assert (by_household.territory_code, by_household.located_by) == (mine_unit.code, "household")
    by_reporter, _ = _report(session, principal=principal, reporter_user_id=resident.id)
    assert (by_reporter.territory_code, by_reporter.located_by) == (mine_unit.code, "reporter")
    with pytest.raises(ValidationFailed) as refused:
        _report(session)
    assert set(refused.value.fields) == {"location"}


def test_the_same_key_returns_the_same_case_and_a_changed_body_is_refused(session, tree) -> None:
    lon, lat = centre(tree.all_units()[0])
    keyed = {"lon": lon, "lat": lat, "idempotency_owner": "user:1", "idempotency_key": "k-1"}
    first, created = _report(session, **keyed)
    again, created_again = _report(session, **keyed)
    assert created and not created_again and again.id == first.id
    with pytest.raises(ValidationFailed) as refused:
        _report(session, **{**keyed, "description": "另一件事"})
    assert set(refused.value.fields) == {"idempotency_key"}
    other_owner, created = _report(session, **{**keyed, "idempotency_owner": "user:2"})
    assert created and other_owner.id != first.id
    with_extras = {**keyed, "idempotency_key": "k-2", "media_url": "https://example.org/a.jpg"}
    extras, _ = _report(session, **with_extras, reporter_email="wei@example.org")
    replayed, created = _report(session, **with_extras, reporter_email=" wei@example.org ")
    assert not created and replayed.id == extras.id
    for changed in ({"media_url": "https://example.org/b.jpg"}, {"reporter_email": "x@y.org"}):
        with pytest.raises(ValidationFailed) as refused:
            _report(session, **{**with_extras, "reporter_email": "wei@example.org", **changed})
        assert set(refused.value.fields) == {"idempotency_key"}
    unkeyed = [_report(session, lon=lon, lat=lat)[0] for _ in range(2)]
    assert unkeyed[0].id != unkeyed[1].id
    assert session.scalar(select(func.count()).select_from(Case)) == 5


def test_possible_duplicates_are_open_same_category_near_and_recent(session, tree) -> None:
    unit = tree.all_units()[0]
    lon, lat = centre(unit)
    with clock.frozen(MONDAY_9AM - dt.timedelta(days=20)):
        make_case(session, lon=lon, lat=lat)  # too old
    with clock.frozen(MONDAY_9AM - dt.timedelta(days=3)):
        near = make_case(session, lon=lon + 0.0005, lat=lat)  # about 50 m east
        far = make_case(session, lon=lon + 0.0015, lat=lat)  # about 150 m east
        make_case(session, category_code="facility.road", lon=lon, lat=lat)
    assert 40 < haversine_m(lon, lat, near.lon, near.lat) < 60
    with clock.frozen(MONDAY_9AM):
        case = make_case(session, lon=lon, lat=lat)
        found = possible_duplicates(session, case, "sanitation.garbage", clock.now())
    assert [d.id for d in found] == [near.id]
    assert found[0].state == "reported" and 40 < found[0].distance_m < 60
    assert far.id not in {d.id for d in found}


def test_concurrent_requests_with_one_key_create_one_case(fresh_database) -> None:
    if fresh_database.backend == "sqlite":
        pytest.skip("SQLite serializes writers: a second writer never races past the pre-check")
    maker = session_factory(fresh_database.migrate().engine)
    with maker() as setup, setup.begin():
        seed_categories(setup, actor=ACTOR)
        tree = make_tree(setup, villages=1, grids_per_village=1, units_per_grid=1)
        draw_polygons(setup, tree)
        lon, lat = centre(tree.all_units()[0])
    keyed = {"lon": lon, "lat": lat, "idempotency_owner": "user:1", "idempotency_key": "race"}
    outcome: dict[str, object] = {}

    def second_request() -> None:
        with maker() as session, session.begin():
            # Sees no committed case, so its INSERT waits on the first request's row.
            case, created = _report(session, **keyed)
            outcome["id"], outcome["created"] = case.id, created

    with maker() as first, first.begin():
        first_case, created = _report(first, **keyed)
        worker = threading.Thread(target=second_request)
        worker.start()
        time.sleep(0.5)  # let the second request reach its INSERT
    worker.join(timeout=30)
    assert created
    assert outcome == {"id": first_case.id, "created": False}
    with maker() as check:
        assert check.scalar(select(func.count()).select_from(Case)) == 1
        assert check.scalar(select(func.count()).select_from(CaseEvent)) == 1
