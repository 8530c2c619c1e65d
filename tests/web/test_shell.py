"""The shell: headers, the not-found and error pages, what stays JSON, static files."""

from __future__ import annotations

import pytest

from gridgov.http.headers import PAGE_CSP
from tests.factories.territory import make_tree
from tests.web.helpers import make_person, sign_in
from tests.web.template_lint import inline_code

# Issue #11's policy, word for word.
ISSUE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "media-src 'self' blob:; connect-src 'self'; worker-src 'self'; manifest-src 'self'; "
    "frame-ancestors 'none'"
)


def test_pages_carry_the_issue_s_csp_and_permissions(client) -> None:
    page = client.get("/signin")
    assert page.headers["content-security-policy"] == ISSUE_CSP == PAGE_CSP.decode()
    assert page.headers["permissions-policy"] == (
        "geolocation=(self), camera=(self), microphone=(self)"
    )
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["cache-control"] == "no-store"


@pytest.mark.parametrize("path", ["/api/v1/nothing", "/healthz", "/open311/v2/services.json"])
def test_the_api_keeps_its_own_policies(client, path) -> None:
    answer = client.get(path)
    assert answer.headers["content-security-policy"] == "default-src 'none'; frame-ancestors 'none'"
    assert answer.headers["permissions-policy"] == "geolocation=(), camera=(), microphone=()"


def test_an_unknown_page_is_the_not_found_page(client) -> None:
    answer = client.get("/no/such/page")
    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("text/html")
    assert 'data-page="not-found"' in answer.text and '<html lang="zh-CN"' in answer.text


def test_the_not_found_page_keeps_a_signed_in_reader_s_menu_and_language(client, session) -> None:
    user = make_person(session, "lost.one")
    user.language = "en"
    session.commit()
    sign_in(client, "lost.one")
    answer = client.get("/no/such/page")
    assert answer.status_code == 404
    assert '<html lang="en"' in answer.text and "Not found" in answer.text
    assert 'action="/signout"' in answer.text


def test_unknown_api_and_open311_paths_keep_their_shapes(client) -> None:
    api = client.get("/api/v1/nothing-here")
    assert api.status_code == 404 and api.json()["error"]["code"] == "http_404"
    open311 = client.get("/open311/v2/nothing.json")
    assert open311.status_code == 404
    assert isinstance(open311.json(), list) and open311.json()[0]["code"] == 404


def test_a_wrong_method_on_a_page_is_an_error_page(client) -> None:
    answer = client.put("/signin")
    assert answer.status_code == 405
    assert 'data-page="error"' in answer.text


def test_static_files_and_the_install_files_are_served(client) -> None:
    css = client.get("/static/css/app.css")
    assert css.status_code == 200 and "text/css" in css.headers["content-type"]
    assert client.get("/static/vendor/htmx/htmx.min.js").status_code == 200
    manifest = client.get("/manifest.webmanifest")
    assert manifest.headers["content-type"].startswith("application/manifest+json")
    assert manifest.json()["name"] == "网格治理" and manifest.json()["start_url"] == "/"
    worker = client.get("/sw.js")
    assert worker.status_code == 200 and worker.headers["service-worker-allowed"] == "/"
    assert client.get("/static/nothing.js").status_code == 404


def test_the_pages_are_not_in_the_api_document(client) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert "/signin" not in paths and "/" not in paths


def test_rendered_pages_hold_no_inline_script_or_style(client, session) -> None:
    tree = make_tree(session, villages=1, grids_per_village=1)
    make_person(
        session, "inline.check", role="village_secretary", territory_code=tree.villages[0].code
    )
    session.commit()
    pages = [client.get("/signin"), client.get("/nowhere")]
    sign_in(client, "inline.check")
    pages += [client.get(path) for path in ("/", "/settings", "/password", "/nowhere")]
    for page in pages:
        assert inline_code(page.text) == [], page.url
        assert '<meta name="htmx-config" content=\'{"includeIndicatorStyles": false' in page.text
        assert '<meta name="csrf-token"' in page.text
