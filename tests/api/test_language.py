"""/api/v1 answers in the language Accept-Language asks for (English by default, Chinese
available), and says which in Content-Language: error messages, field reasons, pydantic's
validation errors. English answers are exactly what they were."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.factories.territory import make_tree

API = "/api/v1"
ZH = {"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"}
EN = {"Accept-Language": "en-US"}


@pytest.fixture
def tree(session):
    return make_tree(session, villages=1)


def _create(client: TestClient, tree, headers: dict[str, str], **overrides):
    body = {
        "village_code": tree.villages[0].code,
        "household_no": "0001",
        "address": "宫下村1号",
        "unit_code": tree.all_units()[0].code,
    } | overrides
    return client.post(f"{API}/households", json=body, headers=headers)


def test_a_missing_record_is_named_in_chinese_when_asked(as_administrator: TestClient) -> None:
    client = as_administrator
    zh = client.get(f"{API}/households/h404", headers=ZH)
    assert zh.status_code == 404
    assert zh.headers["content-language"] == "zh-CN"
    assert zh.json()["error"]["message"] == "没有编号为 h404 的住户"
    assert zh.json()["error"]["code"] == "not_found"  # codes are never translated
    for headers in ({}, EN, {"Accept-Language": "fr, de;q=0.5"}):
        en = client.get(f"{API}/households/h404", headers=headers)
        assert en.headers["content-language"] == "en"
        assert en.json()["error"]["message"] == "no household has id h404"


def test_field_reasons_and_the_message_made_of_them(as_administrator: TestClient, tree) -> None:
    answer = _create(as_administrator, tree, ZH, household_no="", lat=25.0)
    assert answer.status_code == 422
    error = answer.json()["error"]
    assert error["fields"] == {
        "household_no": "字段 household_no 不能为空",
        "lon": "lon 和 lat 要么都填，要么都不填",
    }
    # The message is made of the translated reasons, as the English one is of the English.
    assert error["message"] == "; ".join(f"{name}: {why}" for name, why in error["fields"].items())
    english = _create(as_administrator, tree, EN, household_no="", lat=25.0).json()["error"]
    assert english["fields"] == {
        "household_no": "the household_no cannot be empty",
        "lon": "give lon and lat together, or neither",
    }


def test_pydantic_errors_are_mapped_to_the_catalog(as_administrator: TestClient, tree) -> None:
    client = as_administrator
    zh = client.get(f"{API}/households", params={"limit": 0}, headers=ZH).json()["error"]
    assert zh["fields"] == {"limit": "应大于或等于 1"}
    en = client.get(f"{API}/households", params={"limit": 0}).json()["error"]
    assert en["fields"] == {"limit": "Input should be greater than or equal to 1"}
    typed = _create(client, tree, ZH, lon="east", colour="red").json()["error"]["fields"]
    assert typed["lon"] == "应为数字，无法把输入识别为数字"
    assert typed["colour"] == "不允许有多余的字段"
    missing = client.post(f"{API}/households", json={}, headers=ZH).json()["error"]["fields"]
    assert missing["village_code"] == "必填项"


def test_malformed_json_and_the_input_rule_in_chinese(as_administrator: TestClient, tree) -> None:
    client = as_administrator
    broken = client.post(
        f"{API}/households",
        content=b'{"village_code": ',
        headers={**ZH, "Content-Type": "application/json"},
    )
    assert broken.status_code == 422
    assert broken.json()["error"]["fields"]["body"].startswith("JSON 格式有误")
    ruled = _create(client, tree, ZH, address="宫下村\u202e1号").json()["error"]["fields"]
    assert ruled["address"].startswith("含有控制字符或文字方向字符（U+202E）")


def test_no_token_is_refused_in_the_readers_language(client: TestClient) -> None:
    zh = client.get(f"{API}/households", headers=ZH)
    assert zh.status_code == 401
    assert zh.json()["error"]["message"] == "需要访问令牌：请先 POST /api/v1/auth/token"
    en = client.get(f"{API}/households")
    assert en.json()["error"]["message"] == "a bearer token is required: POST /api/v1/auth/token"


def test_an_unknown_path(client: TestClient) -> None:
    unknown = client.get(f"{API}/no-such-thing", headers=ZH)
    assert (unknown.status_code, unknown.json()["error"]["message"]) == (404, "未找到")
    assert unknown.headers["content-language"] == "zh-CN"


def test_a_refusal_for_the_role_names_the_action_in_chinese(
    client: TestClient, session, tree
) -> None:
    from tests.factories.access import bearer, make_user

    villager = make_user(session)
    answer = client.post(
        f"{API}/households",
        json={"village_code": tree.villages[0].code, "household_no": "1", "address": "x"},
        headers={**bearer(session, villager), **ZH},
    )
    assert answer.status_code == 403
    assert answer.json()["error"]["message"] == "您的角色无权新建住户"
