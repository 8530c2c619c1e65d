"""GET /api/v1/exports/* writes its header in the language Accept-Language asks for (the
columns' codes by default); POST /api/v1/imports/* reads a header in either language. And
the CLI's `gridgov export --lang`."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from gridgov.cli.main import app
from gridgov.registry.importing import HOUSEHOLD_COLUMNS, read_table_bytes
from tests.factories.access import bearer, make_user
from tests.factories.territory import make_tree
from tests.registry.import_rows import household_rows, to_csv, to_xlsx

ZH_HEADER = ("村代码", "户号", "地址", "单元代码", "经度", "纬度")


@pytest.fixture
def tree(session):
    return make_tree(session, villages=1, grids_per_village=1, units_per_grid=2)


def _chinese(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    return [dict(zip(ZH_HEADER, row.values(), strict=True)) for row in rows]


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_a_chinese_export_and_a_chinese_upload(client, session, tree, file_format) -> None:
    admin = make_user(session, role="administrator", username="lang.admin")
    auth = bearer(session, admin)
    rows = household_rows(tree, 4)
    chinese = _chinese(rows)
    data = to_csv(chinese, ZH_HEADER) if file_format == "csv" else to_xlsx(chinese, ZH_HEADER)
    uploaded = client.post(
        "/api/v1/imports/households",
        files={"file": (f"户.{file_format}", data)},
        headers=auth,
    )
    assert uploaded.status_code == 201, uploaded.text
    assert uploaded.json()["rows"] == 4
    url = f"/api/v1/exports/households.{file_format}"
    params = {"territory": tree.town.code}
    zh = client.get(url, params=params, headers={**auth, "Accept-Language": "zh-CN"})
    en = client.get(url, params=params, headers=auth)
    assert zh.status_code == en.status_code == 200
    zh_table = read_table_bytes(zh.content, f"h.{file_format}")
    en_table = read_table_bytes(en.content, f"h.{file_format}")
    assert zh_table.columns == ZH_HEADER
    assert en_table.columns == HOUSEHOLD_COLUMNS
    assert [list(row.values()) for _, row in zh_table] == [
        list(row.values()) for _, row in en_table
    ]
    exported = read_table_bytes(en.content, f"h.{file_format}")
    assert sorted(row["household_no"] for _, row in exported) == sorted(
        row["household_no"] for row in rows
    )


def test_the_cli_writes_the_header_in_the_language_asked(
    session, tree, cli_bound, tmp_path
) -> None:
    runner = CliRunner()
    source = tmp_path / "户.csv"
    source.write_bytes(to_csv(_chinese(household_rows(tree, 3)), ZH_HEADER))
    imported = runner.invoke(app, ["import", "households", str(source)])
    assert imported.exit_code == 0, imported.output
    assert "3" in imported.output
    for lang, header in (("zh-CN", ZH_HEADER), ("en", HOUSEHOLD_COLUMNS)):
        out = tmp_path / f"out-{lang}.csv"
        args = ["export", "households", "--territory", tree.town.code, "--out", str(out)]
        result = runner.invoke(app, [*args, "--lang", lang])
        assert result.exit_code == 0, result.output
        assert read_table_bytes(out.read_bytes(), out.name).columns == header
    default = tmp_path / "default.csv"
    runner.invoke(
        app, ["export", "households", "--territory", tree.town.code, "--out", str(default)]
    )
    assert read_table_bytes(default.read_bytes(), "d.csv").columns == HOUSEHOLD_COLUMNS
    wrong = runner.invoke(
        app,
        [
            "export",
            "households",
            "--territory",
            tree.town.code,
            "--out",
            str(default),
            "--lang",
            "fr",
        ],
    )
    assert wrong.exit_code != 0
