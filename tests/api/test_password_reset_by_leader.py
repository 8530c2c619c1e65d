from __future__ import annotations

from tests.factories.access import bearer, make_user
from tests.factories.territory import make_tree


def test_a_leader_resets_passwords_below_them_and_nobody_elses(client, session) -> None:
    tree = make_tree(session, villages=2, grids_per_village=1, units_per_grid=1)
    mine, other = tree.villages
    secretary = make_user(session, role="village_secretary", territory_code=mine.code)
    peer = make_user(session, role="village_secretary", territory_code=mine.code)
    my_grid_leader = make_user(
        session, role="grid_leader", territory_code=tree.grids[mine.code][0].code
    )
    their_grid_leader = make_user(
        session, role="grid_leader", territory_code=tree.grids[other.code][0].code
    )
    admin = make_user(session, role="administrator")
    unit_leader = make_user(session, role="unit_leader", territory_code=tree.all_units()[0].code)
    headers = bearer(session, secretary)
    unit_headers = bearer(session, unit_leader)
    session.commit()

    reset = client.post(f"/api/v1/users/{my_grid_leader.id}/password-reset", headers=headers)
    assert reset.status_code == 200, reset.text
    assert len(reset.json()["temporary_password"]) >= 10
    session.refresh(my_grid_leader)
    assert my_grid_leader.must_change_password

    for outside in (their_grid_leader, peer, admin, secretary):
        refused = client.post(f"/api/v1/users/{outside.id}/password-reset", headers=headers)
        assert refused.status_code == 404, outside.username
        session.refresh(outside)
        assert not outside.must_change_password
    missing = client.post("/api/v1/users/nobody/password-reset", headers=headers)
    assert missing.json()["error"]["message"].replace("nobody", "X") == refused.json()["error"][
        "message"
    ].replace(secretary.id, "X")
    never = client.post(f"/api/v1/users/{my_grid_leader.id}/password-reset", headers=unit_headers)
    assert never.status_code == 403
