"""Open311 follows Accept-Language too: service names (the categories' Chinese or English
names) and error descriptions, in JSON and XML, with Content-Language. English answers are
exactly what they were."""

from __future__ import annotations

import pytest

from tests.open311.georeport import BASE, FORMATS, assert_error, parse, post, post_case, xml_items

ZH = {"Accept-Language": "zh-CN"}


def test_service_names_follow_the_header(client, world) -> None:
    zh = client.get(f"{BASE}/services.json", headers=ZH)
    assert zh.headers["content-language"] == "zh-CN"
    services = {item["service_code"]: item for item in zh.json()}
    assert services["sanitation.garbage"]["service_name"] == "垃圾堆放"
    assert services["sanitation.garbage"]["group"] == "环境卫生"
    en = client.get(f"{BASE}/services.json")
    assert en.headers["content-language"] == "en"
    services = {item["service_code"]: item for item in en.json()}
    assert services["sanitation.garbage"]["service_name"] == "Piled-up garbage"
    assert services["sanitation.garbage"]["group"] == "Sanitation"


def test_service_names_in_xml_and_in_requests(client, world) -> None:
    root = parse(client.get(f"{BASE}/services.xml", headers=ZH), "xml")
    names = {
        item["service_code"]: item["service_name"]
        for item in xml_items(root, "services", "service")
    }
    assert names["sanitation.garbage"] == "垃圾堆放"
    case_id = post_case(client, world)
    zh = client.get(f"{BASE}/requests/{case_id}.json", headers=ZH).json()
    assert zh[0]["service_name"] == "垃圾堆放"
    assert zh[0]["status_notes"] == "已上报，等待受理"
    assert zh[0]["service_notice"].startswith("由单元一级的 ")
    listed = client.get(f"{BASE}/requests.json", headers=ZH).json()
    assert {item["service_name"] for item in listed} == {"垃圾堆放"}
    assert client.get(f"{BASE}/requests/{case_id}.json").json()[0]["service_name"] == (
        "Piled-up garbage"
    )


@pytest.mark.parametrize("fmt", FORMATS)
def test_error_descriptions_in_chinese(client, world, fmt) -> None:
    missing = client.get(f"{BASE}/requests/nope.{fmt}", headers=ZH)
    assert_error(missing, fmt, 404, "没有 service_request_id 为 'nope' 的诉求")
    assert missing.headers["content-language"] == "zh-CN"
    no_key = client.post(f"{BASE}/requests.{fmt}", data={"service_code": "x"}, headers=ZH)
    assert_error(no_key, fmt, 403, "api_key 缺失、无效或已吊销")
    unplaced = post(client, world, fmt, address_string="宫下村1号")
    assert_error(unplaced, fmt, 400, "address_string alone cannot be placed")
    unplaced = client.post(
        f"{BASE}/requests.{fmt}",
        data={"api_key": world.key, "service_code": "sanitation.garbage", "address_string": "x"},
        headers=ZH,
    )
    assert_error(unplaced, fmt, 400, "仅凭 address_string 无法定位")


def test_a_domain_refusal_names_the_spec_field_in_chinese(client, world) -> None:
    answer = client.post(
        f"{BASE}/requests.json",
        data={
            "api_key": world.key,
            "service_code": "sanitation.garbage",
            **world.point_in_village(),
            "email": "not-an-address",
        },
        headers=ZH,
    )
    assert_error(answer, "json", 400, "email: 不是电子邮箱地址")


def test_an_unknown_format_and_resource_in_chinese(client, world) -> None:
    assert_error(client.get(f"{BASE}/services.csv", headers=ZH), "json", 404, "未知格式 'csv'")
    wrong = client.delete(f"{BASE}/services.json", headers=ZH)
    assert_error(wrong, "json", 405, "只接受 GET")
