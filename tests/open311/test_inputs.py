"""Open311 inputs refused with a 400 naming the parameter, on both databases (issue 10,
findings 4, 5, 6 and 11): control characters anywhere, dates out of 1900-2199, ranges over
90 days, a long Idempotency-Key, ``address_id`` alone, a service that is not public. And
``api_key`` taken from the query string."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from sqlalchemy import func, select

from gridgov.cases.models import Case
from tests.open311.georeport import BASE, FORMATS, assert_error, post

# NUL, other C0 controls, DEL, a C1 control and the right-to-left override.
CONTROL = ["\x00", "\x01", "\x1b", "\x7f", "\x85", "\u202e"]


def case_count(session) -> int:
    return session.scalar(select(func.count()).select_from(Case))


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_control_character_in_a_path_answers_400_naming_it(client, world, fmt) -> None:
    for char in CONTROL:
        for resource, name in (
            ("requests", "service_request_id"),
            ("tokens", "token"),
            ("services", "service_code"),
        ):
            response = client.get(f"{BASE}/{resource}/{quote(char, safe='')}.{fmt}")
            assert_error(response, fmt, 400, name, "U+")


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_control_character_in_the_query_answers_400_naming_it(client, world, fmt) -> None:
    names = ("service_code", "service_request_id", "status", "start_date", "end_date", "page")
    for char in CONTROL:
        for name in (*names, "jurisdiction_id"):
            response = client.get(f"{BASE}/requests.{fmt}", params={name: f"a{char}b"})
            assert_error(response, fmt, 400, name, "U+")
        for path in ("discovery", "services", "services/sanitation.garbage"):
            response = client.get(f"{BASE}/{path}.{fmt}", params={"jurisdiction_id": char})
            assert_error(response, fmt, 400, "jurisdiction_id", "U+")


def test_a_control_character_in_a_posted_field_answers_400_naming_it(
    client, session, world
) -> None:
    point = world.point_in_village()
    fields = {
        "service_code": "sanitation.garbage",
        "description": "垃圾",
        "address_string": "村口",
        "first_name": "Li",
        "last_name": "Si",
        "email": "li@example.org",
        "jurisdiction_id": "350305108",
        "media_url": "https://example.org/p.jpg",
        "phone": "13812345678",
        **point,
    }
    for char in CONTROL:
        for name in (*fields, "api_key", "address_id"):
            value = world.key if name == "api_key" else fields.get(name, "x")
            sent = {**fields, name: f"{value}{char}"}
            assert_error(post(client, world, **sent), "json", 400, name, "U+")
    # Tab and line breaks belong in multi-line fields only.
    for name in ("first_name", "last_name", "service_code"):
        refused = post(client, world, **{**fields, name: f"{fields[name]}\tx"})
        assert_error(refused, "json", 400, name, "U+0009")
    assert_error(post(client, world, **{**fields, "first_name": "Li\x01Si"}), "json", 400)
    assert case_count(session) == 0
    text = "垃圾\t成堆\r\n第二行\n第三行"
    made = post(client, world, **{**fields, "description": text, "address_string": "村口\n东"})
    assert made.status_code == 200, made.text
    case = session.get(Case, made.json()[0]["service_request_id"])
    # Kept, with the one rule of multi-line text: a CRLF line break is stored as LF.
    assert (case.description, case.address) == (text.replace("\r\n", "\n"), "村口\n东")


def test_an_api_key_holding_a_control_character_in_the_query_answers_400(client, world) -> None:
    response = client.post(
        f"{BASE}/requests.xml?api_key=%00", data={"service_code": "sanitation.garbage"}
    )
    assert_error(response, "xml", 400, "api_key", "U+0000")


@pytest.mark.parametrize("fmt", FORMATS)
def test_dates_outside_1900_to_2199_answer_400_naming_them(client, world, fmt) -> None:
    for name, value in (
        ("end_date", "0001-01-01T00:00:00Z"),
        ("start_date", "9999-12-31T23:59:59-14:00"),
        ("start_date", "0001-01-01T00:00:00+14:00"),
        ("end_date", "9999-12-31T23:59:59Z"),
        ("start_date", "1899-12-31T23:59:59Z"),
        ("end_date", "2200-01-01T00:00:00+08:00"),
    ):
        response = client.get(f"{BASE}/requests.{fmt}", params={name: value})
        assert_error(response, fmt, 400, name, "1900-01-01", "2199-12-31")
    for name, value in (
        ("end_date", "1900-01-01T00:00:00Z"),
        ("start_date", "2199-12-31T23:59:59-14:00"),
    ):
        response = client.get(f"{BASE}/requests.{fmt}", params={name: value})
        assert response.status_code == 200, response.text


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_range_over_90_days_answers_400(client, world, fmt) -> None:
    over = {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-04-01T00:00:01Z"}
    assert_error(
        client.get(f"{BASE}/requests.{fmt}", params=over), fmt, 400, "start_date", "end_date"
    )
    exactly = {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-04-01T00:00:00Z"}
    assert client.get(f"{BASE}/requests.{fmt}", params=exactly).status_code == 200
    # Without end_date the range ends now (the test clock: 2026-11-30).
    long_ago = {"start_date": "2026-08-01T00:00:00Z"}
    assert_error(client.get(f"{BASE}/requests.{fmt}", params=long_ago), fmt, 400, "90 days")
    ended = client.get(f"{BASE}/requests.{fmt}", params={"end_date": "2020-01-01T00:00:00Z"})
    assert ended.status_code == 200, ended.text


def test_an_idempotency_key_over_128_characters_answers_400(client, session, world) -> None:
    point = world.point_in_village()
    for length in (129, 200):
        refused = client.post(
            f"{BASE}/requests.json",
            data={"api_key": world.key, "service_code": "sanitation.garbage", "description": "x"}
            | point,
            headers={"Idempotency-Key": "k" * length},
        )
        assert_error(refused, "json", 400, "Idempotency-Key", "128")
    longest = client.post(
        f"{BASE}/requests.json",
        data={"api_key": world.key, "service_code": "sanitation.garbage", "description": "x"}
        | point,
        headers={"Idempotency-Key": "k" * 128},
    )
    assert longest.status_code == 200, longest.text
    stored = session.get(Case, longest.json()[0]["service_request_id"])
    assert stored.idempotency_key == "k" * 128
    control = client.post(
        f"{BASE}/requests.json",
        data={"api_key": world.key, "service_code": "sanitation.garbage", "description": "x"}
        | point,
        headers={"Idempotency-Key": "k\x7fk"},
    )
    assert_error(control, "json", 400, "Idempotency-Key", "U+007F")


def test_a_media_url_that_is_no_url_answers_400(client, session, world) -> None:
    for url in ("http://[::1", "https://ex]ample.org/"):
        refused = post(client, world, description="x", media_url=url, **world.point_in_village())
        assert_error(refused, "json", 400, "media_url")
    assert case_count(session) == 0


@pytest.mark.parametrize("fmt", FORMATS)
def test_address_id_alone_is_refused_naming_it(client, session, world, fmt) -> None:
    refused = post(client, world, fmt, address_id="12345", description="x")
    assert_error(refused, fmt, 400, "address_id", "lat and long")
    nothing = post(client, world, fmt, description="x")
    assert_error(nothing, fmt, 400, "location", "lat and long")
    assert case_count(session) == 0


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_post_to_a_service_that_is_not_public_answers_400(client, session, world, fmt) -> None:
    for code in ("dispute.noise", "dispute"):  # categories that are not public
        refused = post(client, world, fmt, service_code=code, **world.point_in_village())
        assert_error(refused, fmt, 400, "service_code", code)
    assert case_count(session) == 0


def test_api_key_may_come_in_the_query_string(client, session, world) -> None:
    form = {"service_code": "sanitation.garbage", "description": "x", **world.point_in_village()}
    made = client.post(f"{BASE}/requests.json", params={"api_key": world.key}, data=form)
    assert made.status_code == 200, made.text
    case = session.get(Case, made.json()[0]["service_request_id"])
    assert case.created_by == "open311:conformance"
    wrong = client.post(f"{BASE}/requests.xml", params={"api_key": "not-a-key"}, data=form)
    assert_error(wrong, "xml", 403, "api_key")
