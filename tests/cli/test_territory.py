from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from gridgov.cli.common import cli_actor
from gridgov.cli.main import app
from gridgov.territory.models import Territory
from tests.factories.territory import TOWN, make_tree, square

pytestmark = pytest.mark.usefixtures("cli_bound")
runner = CliRunner()


def _run(*args: str):
    return runner.invoke(app, ["territory", *args])


def _node(session, code: str) -> Territory | None:
    session.expire_all()
    return session.scalar(select(Territory).where(Territory.code == code))


def _count(session) -> int:
    return session.scalar(select(func.count()).select_from(Territory))


def test_list_prints_a_table_and_json(session) -> None:
    tree = make_tree(session, villages=2, grids_per_village=1, units_per_grid=1)
    table = _run("list", "--level", "village")
    assert table.exit_code == 0, table.output
    assert tree.villages[0].code in table.stdout and "测试2村" in table.stdout
    assert "2 node(s)" in table.stdout
    listed = _run("list", "--territory", tree.villages[1].code, "--json")
    assert listed.exit_code == 0, listed.output
    items = json.loads(listed.stdout)
    assert [item["code"] for item in items] == [
        tree.villages[1].code,
        tree.villages[1].code + "001",
        tree.villages[1].code + "00101",
    ]
    assert "boundary" not in items[0] and items[0]["has_boundary"] is True


def test_list_with_a_bad_level_fails_with_one_line(session) -> None:
    result = _run("list", "--level", "hamlet")
    assert result.exit_code == 1
    assert "level" in result.stderr and "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1


def test_show_prints_one_node(session) -> None:
    tree = make_tree(session, villages=1)
    code = tree.villages[0].code
    shown = _run("show", code)
    assert shown.exit_code == 0, shown.output
    assert "测试1村" in shown.stdout and "Polygon" in shown.stdout
    detail = json.loads(_run("show", code, "--json").stdout)
    assert detail["code"] == code and detail["boundary"] == square(119.11, 25.0)
    missing = _run("show", "350305108299")
    assert missing.exit_code == 1
    assert "no territory has code 350305108299" in missing.stderr


def test_create_records_the_cli_actor(session) -> None:
    make_tree(session, villages=1)
    args = ["create", "--code", "350305108212", "--level", "village", "--parent", TOWN]
    result = _run(*args, "--name-zh", "新村", "--name-en", "Xincun")
    assert result.exit_code == 0, result.output
    assert "created village 350305108212" in result.stdout
    node = _node(session, "350305108212")
    assert (node.name_en, node.updated_by) == ("Xincun", cli_actor())


def test_a_unit_under_a_village_is_refused_with_a_reason(session) -> None:
    tree = make_tree(session, villages=1)
    village = tree.villages[0].code
    before = _count(session)
    args = ["create", "--code", village + "00101", "--level", "unit", "--parent", village]
    result = _run(*args, "--name-zh", "错单元")
    assert result.exit_code == 1
    assert "parent_code" in result.stderr
    assert _count(session) == before


def test_retire_and_what_it_refuses(session) -> None:
    tree = make_tree(session, villages=1, grids_per_village=1, units_per_grid=1)
    grid, unit = tree.all_grids()[0], tree.all_units()[0]
    blocked = _run("retire", grid.code)
    assert blocked.exit_code == 1 and "active child" in blocked.stderr
    retired = _run("retire", unit.code)
    assert retired.exit_code == 0, retired.output
    assert _node(session, unit.code).status == "retired"
    assert _node(session, grid.code).status == "active"


def test_export_to_stdout_and_to_a_file(session, tmp_path) -> None:
    tree = make_tree(session, villages=2, grids_per_village=1, units_per_grid=1)
    printed = _run("export-geojson", "--territory", TOWN, "--level", "village")
    assert printed.exit_code == 0, printed.output
    collection = json.loads(printed.stdout)
    assert [f["properties"]["code"] for f in collection["features"]] == [
        v.code for v in tree.villages
    ]
    out = tmp_path / "town.geojson"
    written = _run("export-geojson", "--territory", TOWN, "--out", str(out))
    assert written.exit_code == 0, written.output
    assert "wrote 7 feature(s)" in written.stdout
    assert len(json.loads(out.read_text(encoding="utf-8"))["features"]) == 7


def test_import_prints_counts(session, tmp_path) -> None:
    tree = make_tree(session, villages=1, grids_per_village=1, units_per_grid=1)
    village = tree.villages[0]
    collection = json.loads(_run("export-geojson", "--territory", village.code).stdout)
    collection["features"][0]["properties"]["name_en"] = "Gongxia"
    collection["features"].append(_feature("350305108213", "village", TOWN, "新村"))
    path = tmp_path / "edit.geojson"
    path.write_text(json.dumps(collection, ensure_ascii=False), encoding="utf-8")
    result = _run("import-geojson", str(path))
    assert result.exit_code == 0, result.output
    assert "1 created, 1 updated, 2 unchanged" in result.stdout
    assert _node(session, village.code).name_en == "Gongxia"
    assert _node(session, "350305108213").updated_by == cli_actor()


def _feature(code, level, parent_code, name_zh) -> dict:
    properties = {"code": code, "level": level, "parent_code": parent_code, "name_zh": name_zh}
    return {"type": "Feature", "geometry": None, "properties": properties}


def test_import_with_bad_features_prints_each_and_writes_nothing(session, tmp_path) -> None:
    make_tree(session, villages=1, grids_per_village=1, units_per_grid=1)
    before = _count(session)
    features = [_feature(f"350305108{220 + i}", "village", TOWN, f"新{i}村") for i in range(5)]
    features[1]["properties"]["level"] = "grid"
    features[3]["properties"]["name_zh"] = ""
    path = tmp_path / "bad.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    result = _run("import-geojson", str(path))
    assert result.exit_code == 1
    assert "2 bad feature(s), nothing was imported" in result.stderr
    assert "features[1].code (code 350305108221)" in result.stderr
    assert "features[3].name_zh (code 350305108223)" in result.stderr
    assert _count(session) == before


def test_import_of_something_that_is_not_json_fails_with_a_reason(session, tmp_path) -> None:
    path = tmp_path / "broken.geojson"
    path.write_text("{not json", encoding="utf-8")
    result = _run("import-geojson", str(path))
    assert result.exit_code == 1
    assert "not a JSON file" in result.stderr
    missing = _run("import-geojson", str(tmp_path / "absent.geojson"))
    assert missing.exit_code == 1 and "cannot read it" in missing.stderr
