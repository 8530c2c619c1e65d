"""Fake far ends on loopback, started by the tests: a WeCom robot webhook, an SMS provider
that checks each request's signature, and a tiny SMTP server (aiosmtpd is not installed and
the standard library's smtpd is deprecated; this speaks just what smtplib says)."""

from __future__ import annotations

import contextlib
import email
import email.policy
import json
import socketserver
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from gridgov.notify.bridges import signing


@dataclass
class Received:
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))


@dataclass
class FakeHttp:
    """An HTTP server answering every POST with ``answer(received) -> (status, json)``."""

    answer: Callable[[Received], tuple[int, Any]]
    received: list[Received] = field(default_factory=list)
    url: str = ""


@contextlib.contextmanager
def http_server(answer: Callable[[Received], tuple[int, Any]]) -> Iterator[FakeHttp]:
    fake = FakeHttp(answer=answer)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            parts = urlsplit(self.path)
            got = Received(
                path=parts.path,
                query=parse_qs(parts.query),
                headers=dict(self.headers.items()),
                body=self.rfile.read(length),
            )
            fake.received.append(got)
            status, reply = fake.answer(got)
            data = json.dumps(reply).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def wecom_ok(_got: Received) -> tuple[int, Any]:
    return 200, {"errcode": 0, "errmsg": "ok"}


def sms_checker(key_id: str, secret: str) -> Callable[[Received], tuple[int, Any]]:
    """An SMS provider's answer: OK only for a request signed with ``secret`` (the canonical
    string rebuilt from what arrived), nonces used once."""
    seen_nonces: set[str] = set()

    def answer(got: Received) -> tuple[int, Any]:
        parsed = signing.parse_authorization(got.headers.get("Authorization", ""))
        stamp = got.headers.get("X-Gridgov-Timestamp", "")
        nonce = got.headers.get("X-Gridgov-Nonce", "")
        if parsed is None or parsed[0] != key_id or not stamp or nonce in seen_nonces:
            return 401, {"code": "Unauthorized", "message": "missing or unknown key"}
        canonical = signing.canonical_string(
            method="POST", url=got.path, timestamp=stamp, nonce=nonce, body=got.body
        )
        if not signing.verify(secret, canonical, parsed[1]):
            return 401, {"code": "SignatureDoesNotMatch", "message": "bad signature"}
        seen_nonces.add(nonce)
        return 200, {"code": "OK", "message": "sent"}

    return answer


@dataclass
class FakeSmtp:
    port: int = 0
    messages: list[tuple[str, list[str], email.message.EmailMessage]] = field(default_factory=list)
    refuse: bool = False  # answer 451 to MAIL FROM (a temporary failure)


def _smtp_session(fake: FakeSmtp, rfile: Any, wfile: Any) -> None:
    def say(line: str) -> None:
        wfile.write((line + "\r\n").encode())
        wfile.flush()

    say("220 fake.smtp ESMTP")
    sender, recipients = "", []
    while line := rfile.readline():
        command = line.decode().rstrip("\r\n")
        verb = command[:4].upper()
        if verb in ("EHLO", "HELO"):
            say("250-fake.smtp" if verb == "EHLO" else "250 fake.smtp")
            if verb == "EHLO":
                say("250 8BITMIME")
        elif verb == "MAIL":
            if fake.refuse:
                say("451 try again later")
                continue
            sender, recipients = command.split(":", 1)[1].strip().strip("<>").split(">")[0], []
            say("250 OK")
        elif verb == "RCPT":
            recipients.append(command.split(":", 1)[1].strip().strip("<>"))
            say("250 OK")
        elif verb == "DATA":
            say("354 end with <CRLF>.<CRLF>")
            lines = []
            while (data := rfile.readline()) not in (b".\r\n", b""):
                lines.append(data[1:] if data.startswith(b"..") else data)
            parsed = email.message_from_bytes(b"".join(lines), policy=email.policy.default)
            fake.messages.append((sender, recipients, parsed))  # type: ignore[arg-type]
            say("250 OK queued")
        elif verb == "QUIT":
            say("221 bye")
            return
        else:  # RSET, NOOP
            say("250 OK")


@contextlib.contextmanager
def smtp_server() -> Iterator[FakeSmtp]:
    fake = FakeSmtp()

    class Handler(socketserver.StreamRequestHandler):
        def handle(self) -> None:
            _smtp_session(fake, self.rfile, self.wfile)

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    fake.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
