"""The browser harness: a live server (uvicorn in a thread, on loopback, over HTTP and
HTTPS) and the checks every page test gets.

``PageWatch`` listens to a browser context: console errors, failed requests, error answers
to sub-resources (a document's own status is the test's business), and CSP violations
(``securitypolicyviolation``, recorded by an init script: CDP injects it, so the page's
CSP does not apply to it, as for axe-core). ``check()`` also runs axe-core on every open
page and lists serious or critical violations.
"""

from __future__ import annotations

import re
import socket
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import uvicorn

VENDOR = Path(__file__).resolve().parent.parent / "vendor"
AXE = VENDOR / "axe-core" / "axe.min.js"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # --- group pages: a voice message recorded from Chromium's fake microphone (a tone),
    # the permission granted without a prompt.
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
    # --- end of the group pages' block
]
CSP_RECORDER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.__cspViolations.push(event.violatedDirective + " " + (event.blockedURI || "inline"));
});
"""
AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => {
      const where = v.nodes.map((n) => n.target.join(" ")).join(", ");
      return `${v.impact} ${v.id}: ${v.help} (${where})`;
    });
}"""
# Chromium's own line for an error status; the response listener reports those precisely.
STATUS_LINE = re.compile(r"^Failed to load resource: the server responded with a status of")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class LiveServer:
    """uvicorn serving ``app`` on 127.0.0.1 in a daemon thread until ``stop()``."""

    def __init__(self, app: Any, *, certfile: str | None = None, keyfile: str | None = None):
        self.port = free_port()
        scheme = "https" if certfile else "http"
        self.url = f"{scheme}://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            app,
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            ssl_certfile=certfile,
            ssl_keyfile=keyfile,
            lifespan="off",
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def start(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the live server on {self.url} did not start")
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@dataclass
class PageWatch:
    """What went wrong in one browser context, collected while a test runs."""

    problems: list[str] = field(default_factory=list)
    pages: list[Any] = field(default_factory=list)
    allowed: list[tuple[str, int]] = field(default_factory=list)

    def allow(self, url_part: str, status: int) -> None:
        """An error answer the test expects (e.g. an htmx form's 422)."""
        self.allowed.append((url_part, status))

    def attach(self, context: Any) -> None:
        context.add_init_script(CSP_RECORDER)
        context.add_init_script(path=str(AXE))
        context.on("page", self._watch_page)
        for page in context.pages:
            self._watch_page(page)

    def _watch_page(self, page: Any) -> None:
        self.pages.append(page)
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        page.on("requestfailed", self._request_failed)
        page.on("response", self._response)

    def _console(self, message: Any) -> None:
        if message.type == "error" and not STATUS_LINE.match(message.text):
            self.problems.append(f"console error: {message.text}")

    def _request_failed(self, request: Any) -> None:
        failure = request.failure or ""
        if "ERR_ABORTED" in failure:
            # Cancelled by the browser, not refused: a navigation replaced by another (a
            # redirect the test follows), or a page's icon or image still loading when the
            # test moved on. A refusal shows as another code (ERR_BLOCKED_BY_CSP, ...) or as
            # an error answer, both still counted.
            return
        self.problems.append(f"request failed: {request.method} {request.url} ({failure})")

    def _response(self, response: Any) -> None:
        request = response.request
        if response.status < 400 or request.resource_type == "document":
            return
        if any(part in response.url and status == response.status for part, status in self.allowed):
            return
        self.problems.append(f"error answer: {response.status} {request.method} {response.url}")

    def check(self) -> list[str]:
        """The problems seen, plus CSP violations and serious axe-core findings of every
        page still open."""
        found = list(self.problems)
        for page in self.pages:
            if page.is_closed():
                continue
            try:
                violations = page.evaluate("() => window.__cspViolations || []")
                found += [f"CSP violation on {page.url}: {v}" for v in violations]
                found += [f"axe on {page.url}: {v}" for v in page.evaluate(AXE_RUN)]
            except Exception as exc:  # a page mid-navigation: report, do not hide
                found.append(f"could not check {page.url}: {exc}")
        return found
