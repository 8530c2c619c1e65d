"""The roll-call page's map in Chromium: above a grid it draws a point per node with its
counts (not every household); a click on a node loads that node's own points."""

from __future__ import annotations

from typing import Any

from tests.web.browser.conftest import sign_in_page


def test_the_map_shows_nodes_and_a_click_loads_a_nodes_own(new_page, live_server) -> None:
    world = live_server.world
    page = new_page(width=1280)
    sign_in_page(page, world.rollcall_secretary, world.password)
    page.goto(page.base + f"/roll-calls/{world.roll_call_id}")
    element: Any = page.locator("#rollcall-map[data-ready=true]")
    element.wait_for()
    assert element.get_attribute("data-points-kind") == "nodes"
    node = page.locator("#rollcall-map [data-node]").first
    node.wait_for()
    code = node.get_attribute("data-node")
    node.click(force=True)
    page.wait_for_function(
        "code => { const map = document.getElementById('rollcall-map');"
        " return map.dataset.pointsKind && !document.querySelector("
        "'#rollcall-map [data-node=\"' + code + '\"]'); }",
        arg=code,
    )
    # The roll-call is a village's: its grids, then the clicked grid's households.
    assert element.get_attribute("data-points-kind") == "households"
    page.locator("#rollcall-map [data-status]").first.wait_for()
    assert int(element.get_attribute("data-points-count") or "0") > 0
