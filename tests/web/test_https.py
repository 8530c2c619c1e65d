"""Over HTTPS every page cookie is Secure."""

from __future__ import annotations

from fastapi.testclient import TestClient

from gridgov.server import create_app
from gridgov.settings import Settings
from tests.web.helpers import make_person, sign_in


def test_cookies_are_secure_over_https(session, session_maker, tmp_path) -> None:
    make_person(session, "secure.one")
    session.commit()
    app = create_app(
        settings=Settings(data_dir=tmp_path, environment="test"), session_maker=session_maker
    )
    with TestClient(app, base_url="https://testserver") as https:
        form = https.get("/signin")
        assert "Secure" in form.headers["set-cookie"]
        answer = sign_in(https, "secure.one")
        assert answer.status_code == 303
        cookies = answer.headers.get_list("set-cookie")
        assert all("Secure" in cookie and "HttpOnly" in cookie for cookie in cookies)
        assert https.get("/").status_code == 200
