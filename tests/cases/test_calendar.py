"""The working calendar as data: seeded from China's schedule, edited by people."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.orm import Session

from gridgov import clock
from gridgov.cases.calendar import (
    calendar_days,
    check_set_calendar_day,
    china_schedule,
    ensure_calendar_seeded,
    load_calendar,
    seed_calendar,
    use_working_hours,
)
from gridgov.cases.deadlines import Limit, deadline
from gridgov.cases.models import CalendarDay
from gridgov.errors import ValidationFailed
from gridgov.settings import Settings

SHANGHAI = ZoneInfo("Asia/Shanghai")
ACTOR = "test:calendar"


def test_china_schedule_has_holidays_and_swapped_weekend_days() -> None:
    schedule = china_schedule(2026)
    assert schedule[dt.date(2026, 10, 1)][0] is False  # National Day, a Thursday
    assert schedule[dt.date(2026, 1, 2)][0] is False  # a day off swapped with Sunday Jan 4
    assert schedule[dt.date(2026, 1, 4)] == (True, "Working day (swapped with 2026-01-02)")
    assert schedule[dt.date(2026, 2, 14)][0] is True  # a Saturday worked for the festival
    assert schedule[dt.date(2026, 2, 28)][0] is True


def test_seed_fills_this_year_and_next_and_is_idempotent(session: Session) -> None:
    with clock.frozen(dt.datetime(2026, 3, 2, 2, tzinfo=dt.UTC)):
        written = seed_calendar(session, actor=ACTOR)
        assert written > 20
        assert {day.day.year for day in calendar_days(session)} >= {2026, 2027}
        assert seed_calendar(session, actor=ACTOR) == 0
    assert len(calendar_days(session, year=2027)) == len(china_schedule(2027))


def test_seed_never_overwrites_a_day_people_edited(session: Session) -> None:
    check_set_calendar_day(
        session, dt.date(2026, 10, 1), is_workday=True, name="Worked this year", actor=ACTOR
    )
    seed_calendar(session, [2026], actor=ACTOR)
    row = session.get(CalendarDay, dt.date(2026, 10, 1))
    assert row is not None
    assert (row.is_workday, row.name, row.updated_by) == (True, "Worked this year", ACTOR)
    other = session.get(CalendarDay, dt.date(2026, 10, 2))
    assert other is not None and other.updated_by == "seed" and not other.is_workday


def test_seed_refreshes_a_seeded_day_that_drifted(session: Session) -> None:
    seed_calendar(session, [2026], actor=ACTOR)
    row = session.get(CalendarDay, dt.date(2026, 10, 1))
    assert row is not None
    row.name = "stale"
    session.flush()
    assert seed_calendar(session, [2026], actor=ACTOR) == 1
    assert row.name == "National Day"


def test_load_calendar_sees_an_edit_at_once(session: Session) -> None:
    seed_calendar(session, [2026], actor=ACTOR)
    friday_evening = dt.datetime(2026, 3, 6, 17, tzinfo=SHANGHAI)
    limit = Limit(hours=1)
    before = deadline(load_calendar(session), friday_evening, limit)
    assert before == dt.datetime(2026, 3, 9, 9, tzinfo=SHANGHAI)  # Monday
    check_set_calendar_day(
        session, dt.date(2026, 3, 7), is_workday=True, name="Make-up day", actor=ACTOR
    )
    after = deadline(load_calendar(session), friday_evening, limit)
    assert after == dt.datetime(2026, 3, 7, 9, tzinfo=SHANGHAI)  # the Saturday now worked
    check_set_calendar_day(
        session, dt.date(2026, 3, 7), is_workday=False, name="Back to rest", actor=ACTOR
    )
    assert deadline(load_calendar(session), friday_evening, limit) == before


def test_load_calendar_follows_the_working_hours_setting(session: Session) -> None:
    settings = Settings(working_hours="09:00-17:00", environment="test")
    use_working_hours(settings.working_hours)  # as the adapter installs its settings
    calendar = load_calendar(session)
    start = dt.datetime(2026, 3, 2, 9, tzinfo=SHANGHAI)
    assert deadline(calendar, start, Limit(hours=8)) == dt.datetime(2026, 3, 2, 17, tzinfo=SHANGHAI)


def test_a_seeded_holiday_moves_a_deadline(session: Session) -> None:
    seed_calendar(session, [2026], actor=ACTOR)
    # Wednesday Sep 30 2026 + 2 working days: Oct 1-7 are off (Oct 6 and 7 swapped with
    # Sep 20 and Oct 10), so Oct 8 (Thursday) is day 1 and Oct 9 (Friday) day 2.
    start = dt.datetime(2026, 9, 30, 10, tzinfo=SHANGHAI)
    due = deadline(load_calendar(session), start, Limit(days=2))
    assert due == dt.datetime(2026, 10, 9, 17, 30, tzinfo=SHANGHAI)


@pytest.mark.parametrize(("name", "field"), [("", "name"), ("x" * 65, "name")])
def test_a_bad_name_is_refused(session: Session, name: str, field: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        check_set_calendar_day(
            session, dt.date(2026, 3, 7), is_workday=True, name=name, actor=ACTOR
        )
    assert field in refused.value.fields


# --- API ---------------------------------------------------------------------------------


def test_api_lists_a_year_and_an_administrator_sets_a_day(as_administrator, session) -> None:
    client = as_administrator
    seed_calendar(session, [2026, 2027], actor=ACTOR)
    session.commit()
    listed = client.get("/api/v1/calendar-days?year=2026&limit=1000")
    assert listed.status_code == 200, listed.text
    body = listed.json()
    assert body["total"] == len(china_schedule(2026))
    assert {item["day"][:4] for item in body["items"]} == {"2026"}
    national = next(item for item in body["items"] if item["day"] == "2026-10-01")
    assert national == {
        "day": "2026-10-01",
        "weekday": "Thursday",
        "is_workday": False,
        "name": "National Day",
        "updated_by": "seed",
    }
    changed = client.put(
        "/api/v1/calendar-days/2026-10-01", json={"is_workday": True, "name": "Worked"}
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["is_workday"] is True
    assert changed.json()["updated_by"] == "user:test.admin"
    assert load_calendar(session).is_workday(dt.date(2026, 10, 1))


def test_api_refuses_bad_input_and_other_roles(client, session) -> None:
    from tests.factories.access import bearer, make_user
    from tests.factories.territory import make_tree

    tree = make_tree(session, villages=1, grids_per_village=1, units_per_grid=1)
    official = make_user(session, role="town_official", territory_code=tree.town.code)
    headers = bearer(session, official)
    session.commit()
    assert client.get("/api/v1/calendar-days", headers=headers).status_code == 200
    refused = client.put(
        "/api/v1/calendar-days/2026-10-01",
        json={"is_workday": True, "name": "x"},
        headers=headers,
    )
    assert refused.status_code == 403
    assert client.get("/api/v1/calendar-days").status_code == 401
    admin = make_user(session, role="administrator")
    admin_headers = bearer(session, admin)
    session.commit()
    bad_name = client.put(
        "/api/v1/calendar-days/2026-10-01",
        json={"is_workday": True, "name": ""},
        headers=admin_headers,
    )
    assert bad_name.status_code == 422
    bad_day = client.put(
        "/api/v1/calendar-days/2026-13-01",
        json={"is_workday": True, "name": "x"},
        headers=admin_headers,
    )
    assert bad_day.status_code == 422


# --- CLI ---------------------------------------------------------------------------------


def test_cli_seed_list_and_set(session, cli_bound) -> None:
    import json

    from typer.testing import CliRunner

    from gridgov.cli.main import app

    runner = CliRunner()
    seeded = runner.invoke(app, ["calendar", "seed", "--year", "2026"])
    assert seeded.exit_code == 0, seeded.output
    assert f"{len(china_schedule(2026))} day(s)" in seeded.output
    again = runner.invoke(app, ["calendar", "seed", "--year", "2026"])
    assert "0 day(s)" in again.output
    changed = runner.invoke(
        app, ["calendar", "set", "2026-03-07", "--workday", "--name", "Make-up day"]
    )
    assert changed.exit_code == 0, changed.output
    listed = json.loads(runner.invoke(app, ["calendar", "list", "--year", "2026", "--json"]).output)
    saturday = next(row for row in listed if row["day"] == "2026-03-07")
    assert saturday["is_workday"] is True and saturday["updated_by"].startswith("cli:")
    assert len(listed) == len(china_schedule(2026)) + 1
    table = runner.invoke(app, ["calendar", "list", "--year", "2026"])
    assert "Make-up day" in table.output
    neither = runner.invoke(app, ["calendar", "set", "2026-03-08", "--name", "x"])
    assert neither.exit_code == 1 and "--workday or --holiday" in neither.output
    bad = runner.invoke(app, ["calendar", "set", "2026-02-30", "--holiday", "--name", "x"])
    assert bad.exit_code == 1 and "not a date" in bad.output


def test_load_calendar_is_read_once_per_transaction(session: Session) -> None:
    first = load_calendar(session)
    assert load_calendar(session) is first  # a sweep of many cases reads the rows once
    session.commit()
    assert load_calendar(session) is not first  # a new transaction reads afresh
    other = Settings(working_hours="09:00-17:00", environment="test")
    use_working_hours(other.working_hours)
    assert load_calendar(session).periods != first.periods


def test_ensure_calendar_seeded_fills_only_missing_years(session: Session) -> None:
    with clock.frozen(dt.datetime(2026, 3, 2, 2, tzinfo=dt.UTC)):
        check_set_calendar_day(
            session, dt.date(2026, 3, 7), is_workday=True, name="Make-up day", actor=ACTOR
        )
        # 2026 has a row (a person's), 2027 none: only 2027 is seeded.
        assert ensure_calendar_seeded(session, actor=ACTOR) == len(china_schedule(2027))
        assert ensure_calendar_seeded(session, actor=ACTOR) == 0
    assert session.get(CalendarDay, dt.date(2026, 10, 1)) is None
