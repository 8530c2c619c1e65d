"""storage.bulk's set-based UPDATE, on both databases."""

from __future__ import annotations

from sqlalchemy import select

from gridgov.storage.bulk import expire_loaded, table_of, update_rows
from gridgov.territory.models import Territory
from tests.factories.territory import make_tree


def test_rows_are_updated_where_their_version_still_matches(session) -> None:
    tree = make_tree(session, villages=1, grids_per_village=3, units_per_grid=1)
    grids = tree.all_grids()
    session.flush()
    table = table_of(Territory)
    rows = [
        {"id": grid.id, "version": grid.version, "name_en": f"G{index}", "boundary": None}
        for index, grid in enumerate(grids)
    ]
    rows[2]["version"] += 5  # read long ago: not written
    matched = update_rows(
        session.connection(),
        table,
        rows,
        match=("id", "version"),
        constants={"updated_by": "bulk"},
        bump_version=True,
    )
    assert matched in (2, -1)
    expire_loaded(session, Territory, [grid.id for grid in grids])
    assert [(g.name_en, g.version, g.updated_by) for g in grids[:2]] == [
        ("G0", 2, "bulk"),
        ("G1", 2, "bulk"),
    ]
    assert grids[2].name_en == "Grid 3" and grids[2].version == 1
    assert update_rows(session.connection(), table, [], match=("id",)) == 0


def test_dates_and_instants_travel_in_the_batch(session) -> None:
    tree = make_tree(session, villages=1, grids_per_village=1, units_per_grid=1)
    unit = tree.all_units()[0]
    session.flush()
    stamp = unit.created_at
    update_rows(
        session.connection(),
        table_of(Territory),
        [{"id": unit.id, "retired_at": stamp, "status": "retired"}],
        match=("id",),
    )
    row = session.execute(
        select(Territory.retired_at, Territory.status).where(Territory.id == unit.id)
    ).one()
    assert row == (stamp, "retired")
