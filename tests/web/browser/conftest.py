"""Fixtures of the browser tests (Playwright driving Debian's Chromium, headless).

- ``live_server``: the whole app over HTTP and HTTPS (a trustme certificate) on loopback,
  on a SQLite database of its own seeded with ``world.build_world`` (``.world``).
- ``browser``: Chromium, launched by ``executable_path`` (Playwright's own download is not
  reachable here) with an empty profile.
- ``new_page(https=False, width=360, height=780)``: a page in a fresh context, watched:
  after the test it FAILS on any console error, failed request, CSP violation or
  serious/critical axe-core violation, and its screenshot is saved to build/screenshots/.
- ``page_as(role, https=False, width=360)``: the same, signed in through the sign-in form as
  the world's user of ``role`` (world.ROLES).
- ``watch``: the test's PageWatch (``watch.allow(url_part, status)`` for an expected error).

Where Chromium or Playwright is missing, the tests skip with a one-line reason, unless
GRIDGOV_REQUIRE_BROWSER=1 (CI), which makes that a failure.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from gridgov.database.migrate import upgrade
from gridgov.database.sessions import session_factory
from gridgov.server import create_app
from gridgov.settings import Settings
from gridgov.storage.engine import create_engine_for
from tests.web.browser.harness import CHROMIUM, CHROMIUM_ARGS, LiveServer, PageWatch
from tests.web.browser.world import World, build_world

ROOT = Path(__file__).resolve().parents[3]
SCREENSHOTS = ROOT / "build" / "screenshots"
REQUIRE_BROWSER = os.environ.get("GRIDGOV_REQUIRE_BROWSER") == "1"
_saved: list[str] = []


def _browser_problem() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed (pip install '.[dev]')"
    if not CHROMIUM.exists():
        return f"Chromium is missing at {CHROMIUM} (apt-get install -y chromium)"
    return None


@pytest.fixture(scope="session")
def _browser_available() -> None:
    problem = _browser_problem()
    if problem is None:
        return
    if REQUIRE_BROWSER:
        pytest.fail(f"{problem} and GRIDGOV_REQUIRE_BROWSER=1", pytrace=False)
    pytest.skip(f"browser tests skipped: {problem}")


class Live:
    def __init__(
        self, http: LiveServer, https: LiveServer, world: World, spki: str, maker: Any
    ) -> None:
        self.http, self.https, self.world = http, https, world
        self.spki = spki  # the test certificate's key, which Chromium is told to trust
        # Sessions on the live database, for a test that needs data of its own (commit it).
        self.session_maker = maker

    def url(self, path: str = "/", *, https: bool = False) -> str:
        return (self.https if https else self.http).url + path


@pytest.fixture(scope="session")
def live_server(_browser_available, tmp_path_factory) -> Iterator[Live]:
    import trustme

    data_dir = tmp_path_factory.mktemp("live")
    # Every sign-in of the session comes from 127.0.0.1, a role's user signs in for each of its
    # tests, and the clock stands still, so the rate limits' minute never ends: they are raised.
    settings = Settings(
        data_dir=data_dir,
        environment="test",
        login_attempts_per_ip=10_000,
        login_attempts_per_login=10_000,
    )
    engine = create_engine_for(settings.resolved_database_url())
    upgrade(engine)
    maker = session_factory(engine)
    with maker() as session:
        world = build_world(session)
    app = create_app(settings=settings, engine=engine)
    authority = trustme.CA()
    certificate = authority.issue_cert("127.0.0.1", "localhost")
    certfile, keyfile = data_dir / "cert.pem", data_dir / "key.pem"
    certificate.private_key_and_cert_chain_pem.write_to_path(str(certfile))
    certificate.private_key_pem.write_to_path(str(keyfile))
    http = LiveServer(app).start()
    https = LiveServer(app, certfile=str(certfile), keyfile=str(keyfile)).start()
    spki = _spki_of(certificate.cert_chain_pems[0].bytes())
    yield Live(http, https, world, spki, maker)
    http.stop()
    https.stop()
    engine.dispose()


def _spki_of(certificate_pem: bytes) -> str:
    """The base64 SHA-256 of a certificate's public key, as Chromium's
    --ignore-certificate-errors-spki-list takes it."""
    import base64
    import hashlib

    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    key = x509.load_pem_x509_certificate(certificate_pem).public_key()
    der = key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(hashlib.sha256(der).digest()).decode()


@pytest.fixture(scope="session")
def browser(_browser_available, live_server) -> Iterator[Any]:
    """Chromium trusting the live server's test certificate (a service worker is only
    registered over HTTPS whose certificate is valid, not merely ignored)."""
    from playwright.sync_api import sync_playwright

    trust = f"--ignore-certificate-errors-spki-list={live_server.spki}"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=[*CHROMIUM_ARGS, trust], headless=True
        )
        yield chromium
        chromium.close()


@pytest.fixture
def watch() -> PageWatch:
    return PageWatch()


def _screenshot_name(nodeid: str, index: int) -> Path:
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", nodeid.split("::", 1)[-1]).strip("_")
    return SCREENSHOTS / (f"{name}.png" if index == 0 else f"{name}-{index + 1}.png")


@pytest.fixture
def new_page(browser, live_server, watch, request) -> Iterator[Callable[..., Any]]:
    contexts: list[Any] = []

    def make(*, https: bool = False, width: int = 360, height: int = 780) -> Any:
        context = browser.new_context(
            viewport={"width": width, "height": height},
            locale="zh-CN",
            service_workers="allow",
        )
        context.set_default_timeout(10_000)
        watch.attach(context)
        contexts.append(context)
        page = context.new_page()
        page.base = live_server.url("", https=https)  # type: ignore[attr-defined]
        return page

    yield make
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    problems = watch.check()
    for index, page in enumerate(p for p in watch.pages if not p.is_closed()):
        path = _screenshot_name(request.node.nodeid, index)
        page.screenshot(path=str(path), full_page=True)
        _saved.append(str(path.relative_to(ROOT)))
        print(f"screenshot: {path}")
    for context in contexts:
        context.close()
    if problems:
        pytest.fail("browser checks failed:\n" + "\n".join(problems), pytrace=False)


def sign_in_page(page: Any, username: str, password: str, *, expect_path: str = "/") -> None:
    """Sign in through the form, as a person would."""
    page.goto(page.base + "/signin")
    page.fill("#login", username)
    page.fill("#password", password)
    with page.expect_navigation():
        page.click("form.form button[type=submit]")
    assert page.url.endswith(expect_path), page.url


@pytest.fixture
def page_as(new_page, live_server) -> Callable[..., Any]:
    def make(role: str, *, https: bool = False, width: int = 360, height: int = 780) -> Any:
        page = new_page(https=https, width=width, height=height)
        world = live_server.world
        sign_in_page(page, world.usernames[role], world.password)
        return page

    return make


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if _saved:
        terminalreporter.write_sep("-", f"browser screenshots ({len(_saved)}) in build/screenshots")
        for path in _saved:
            terminalreporter.write_line(path)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test under tests/web/browser is a browser test (``-m "not browser"`` skips)."""
    here = Path(__file__).resolve().parent
    for item in items:
        if here in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.browser)
