"""`gridgov serve --certfile --keyfile`: refused in one line when the pair is wrong; over
HTTPS the pages' cookies are Secure (a real server process)."""

from __future__ import annotations

import os
import socket
import ssl
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import trustme
from typer.testing import CliRunner

from gridgov.cli.main import app

runner = CliRunner()


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> tuple[trustme.CA, Path, Path]:
    folder = tmp_path_factory.mktemp("tls")
    authority = trustme.CA()
    issued = authority.issue_cert("127.0.0.1")
    certfile, keyfile = folder / "cert.pem", folder / "key.pem"
    issued.cert_chain_pems[0].write_to_path(str(certfile))
    issued.private_key_pem.write_to_path(str(keyfile))
    return authority, certfile, keyfile


def test_a_certificate_without_its_key_is_refused(certificate) -> None:
    _ca, certfile, _keyfile = certificate
    result = runner.invoke(app, ["serve", "--certfile", str(certfile)])
    assert result.exit_code == 1
    assert "--certfile and --keyfile go together" in result.stderr


def test_a_missing_or_mismatched_file_is_refused(certificate, tmp_path) -> None:
    _ca, certfile, keyfile = certificate
    missing = runner.invoke(
        app, ["serve", "--certfile", str(tmp_path / "no.pem"), "--keyfile", str(keyfile)]
    )
    assert missing.exit_code == 1 and "no such file" in missing.stderr
    other_key = trustme.CA().issue_cert("127.0.0.1").private_key_pem
    other_key.write_to_path(str(tmp_path / "other.pem"))
    mismatched = runner.invoke(
        app, ["serve", "--certfile", str(certfile), "--keyfile", str(tmp_path / "other.pem")]
    )
    assert mismatched.exit_code == 1 and "not a certificate and its key" in mismatched.stderr


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_serve_answers_over_https_with_secure_cookies(certificate, tmp_path) -> None:
    authority, certfile, keyfile = certificate
    port = _free_port()
    env = {**os.environ, "GRIDGOV_DATA_DIR": str(tmp_path), "GRIDGOV_EMBEDDED_WORKER": "false"}
    command = [sys.executable, "-c", "from gridgov.cli.main import app; app()"]
    subprocess.run([*command, "db", "upgrade"], env=env, check=True, capture_output=True)
    server = subprocess.Popen(
        [
            *command,
            "serve",
            "--port",
            str(port),
            "--certfile",
            str(certfile),
            "--keyfile",
            str(keyfile),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    context = ssl.create_default_context()
    authority.configure_trust(context)
    try:
        answered: tuple[int, str] | None = None
        for _ in range(300):
            try:
                with urllib.request.urlopen(
                    f"https://127.0.0.1:{port}/signin", context=context, timeout=2
                ) as answer:
                    answer.read()
                    answered = (answer.status, answer.headers["set-cookie"])
                break
            except OSError:
                time.sleep(0.1)
        assert answered is not None, "the HTTPS server did not answer"
        status, cookie = answered
        assert status == 200
        assert "gridgov_presession=" in cookie and "Secure" in cookie and "HttpOnly" in cookie
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
            raise
