"""cases.queries.inbox: the home page's lists, paged, each within the caller's reach."""

from __future__ import annotations

import datetime as dt

import pytest

from gridgov import clock
from gridgov.cases.queries import inbox
from gridgov.errors import ValidationFailed
from tests.factories.cases import make_case, principal_of
from tests.factories.territory import make_tree
from tests.web.helpers import make_person


def test_each_tab_pages_the_leaders_cases_and_nothing_out_of_reach(session) -> None:
    tree = make_tree(session, villages=2, grids_per_village=1, units_per_grid=1)
    mine, other = tree.all_grids()
    leader = make_person(session, "grid.inbox", role="grid_leader", territory_code=mine.code)
    here = [
        make_case(session, category_code="sanitation.sewage", unit=tree.units[mine.code][0])
        for _ in range(3)
    ]
    make_case(session, category_code="sanitation.sewage", unit=tree.units[other.code][0])
    principal = principal_of(session, leader)
    now = here[0].created_at
    first = inbox(session, principal, "my_level", now=now, limit=2)
    rest = inbox(session, principal, "my_level", now=now, limit=2, offset=2)
    assert first.total == rest.total == 3
    assert {c.id for c in first.items + rest.items} == {c.id for c in here}
    assert inbox(session, principal, "waiting_for_feedback", now=now).total == 0
    assert here[0].due_at is not None
    late = inbox(session, principal, "overdue", now=here[0].due_at + dt.timedelta(days=30))
    assert {c.id for c in late.items} == {c.id for c in here}


def test_an_unknown_tab_names_the_field(session) -> None:
    leader = make_person(session, "nobody.inbox")
    with pytest.raises(ValidationFailed) as refused:
        inbox(session, principal_of(session, leader), "everything", now=clock.now())
    assert "tab" in refused.value.fields
