"""Property: whatever form a client posts to Open311's ``requests`` (any fields, any values,
urlencoded, raw bytes or multipart, with or without an Idempotency-Key), the answer is never
a 5xx: it is a created request or an error in the specification's shape (issue 10, fuzzing
in CI). On both databases; the example count is bounded to keep the run short."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gridgov.api.routers.open311 import POST_FIELDS
from tests.open311.georeport import BASE, World, centre, parse

KEY = "<the world's key>"  # replaced by the real key (strategies cannot see fixtures)
lon, lat = centre(119.1, 0)
VALID = {
    "api_key": KEY,
    "service_code": "sanitation.garbage",
    "lat": f"{lat}",
    "long": f"{lon}",
    "description": "路口垃圾",
}
# Values a field may hold: anything, or something close to what that field expects.
ANY_TEXT = st.text(max_size=200)
NUMBERS = st.floats(allow_nan=True, allow_infinity=True).map(str) | st.sampled_from(
    [f"{lat}", f"{lon}", "nan", "-inf", "1e999", "9" * 400, "٣", "1_0", "0x1p3"]
)
NEAR: dict[str, st.SearchStrategy[str]] = {
    "api_key": st.sampled_from([KEY, "", "not-a-key"]),
    "jurisdiction_id": st.sampled_from(["350305108", "350305109", "350305", ""]),
    "service_code": st.sampled_from(
        ["sanitation.garbage", "sanitation.sewage", "dispute.noise", "no.such", "x" * 40]
    ),
    "lat": NUMBERS,
    "long": NUMBERS,
    "address_string": st.text(max_size=300),
    "address_id": st.text(max_size=20),
    "email": st.builds("{}@{}".format, ANY_TEXT, ANY_TEXT),
    "first_name": st.text(max_size=80),
    "last_name": st.text(max_size=80),
    "phone": st.text("0123456789+-() ", max_size=20),
    "description": st.text(max_size=2100),
    "media_url": st.sampled_from(["http://[::1", "https://ex]ample.org/", "ftp://x/y", "http://"])
    | st.builds("https://example.org/{}".format, ANY_TEXT),
}
FIELDS = st.dictionaries(st.sampled_from(POST_FIELDS) | st.text(max_size=12), ANY_TEXT, max_size=14)
HEADER_TEXT = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=200)


@st.composite
def one_field_off(draw: st.DrawFn) -> dict[str, str]:
    """A valid form with one field set to something near what it expects, or anything."""
    name = draw(st.sampled_from(sorted(NEAR)))
    return {**VALID, name: draw(NEAR[name] | ANY_TEXT)}


@st.composite
def any_fields(draw: st.DrawFn) -> dict[str, str]:
    """Any fields with any values, over a valid form or not."""
    fields = draw(FIELDS)
    return {**VALID, **fields} if draw(st.booleans()) else fields


@st.composite
def posts(draw: st.DrawFn) -> dict[str, Any]:
    """One POST: its encoding, its fields (over a valid form or not) and its headers."""
    encoding = draw(st.sampled_from(["urlencoded", "multipart", "raw"]))
    fields = draw(one_field_off() | any_fields())
    key = draw(st.none() | HEADER_TEXT)
    return {
        "encoding": encoding,
        "fields": fields,
        "raw": draw(st.binary(max_size=300)),
        "headers": {} if key is None else {"Idempotency-Key": key},
        "fmt": draw(st.sampled_from(["json", "xml"])),
    }


def _send(client, world: World, post: dict[str, Any]) -> Any:
    fields = {name: world.key if value == KEY else value for name, value in post["fields"].items()}
    url, headers = f"{BASE}/requests.{post['fmt']}", post["headers"]
    if post["encoding"] == "multipart":
        files = {name: (None, value.encode()) for name, value in fields.items()}
        return client.post(url, files=files or {"": (None, b"")}, headers=headers)
    if post["encoding"] == "raw":
        content_type = {"content-type": "application/x-www-form-urlencoded"}
        return client.post(url, content=post["raw"], headers=headers | content_type)
    return client.post(url, data=fields, headers=headers)


@settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(post=posts())
def test_any_post_gets_a_request_or_an_open311_error(client, world, post) -> None:
    response = _send(client, world, post)
    assert response.status_code < 500, (post, response.text)
    body = parse(response, post["fmt"])
    if response.status_code == 200:
        if post["fmt"] == "json":
            (created,) = body
            assert created["service_request_id"] == created["token"]
        else:
            assert body.tag == "service_requests"
            assert body.findtext("request/service_request_id")
        return
    if post["fmt"] == "json":
        assert [set(error) for error in body] == [{"code", "description"}]
        assert body[0]["code"] == response.status_code
    else:
        assert body.tag == "errors"
        assert body.findtext("error/code") == str(response.status_code)
