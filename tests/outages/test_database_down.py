"""Finding 7: with PostgreSQL down a logged-in person gets the product's own page — 503,
German, with the security headers, what they typed shown back — and the API a
problem+json 503; once the database is back, everything works again."""

from __future__ import annotations

import json

import pytest

from tests.outages.conftest import (
    Browser,
    Gunicorn,
    PostgresServer,
    assert_security_headers,
    base_env,
    minimal_seed,
)

pytestmark = pytest.mark.outage

UNAVAILABLE = "vorübergehend nicht verfügbar"


def test_a_database_outage_answers_503_with_our_page(
    tmp_path, postgres_server: PostgresServer, gunicorn_factory: type
) -> None:
    env = base_env(tmp_path, postgres_server.url)
    minimal_seed(postgres_server.url)
    web: Gunicorn = gunicorn_factory(env)
    browser = Browser(web.url)
    assert browser.login().status == 200
    account = browser.get("/konto")
    token = browser.csrf(account)

    postgres_server.stop()

    page = browser.get("/")
    assert page.status == 503, page.body[:300]
    assert UNAVAILABLE in page.body and "Sie bleiben angemeldet." in page.body
    assert page.headers.get("Retry-After")
    assert_security_headers(page)
    assert "Internal Server Error" not in page.body

    typed = browser.request(
        "POST", "/konto", data={"csrf_token": token, "display_name": "Mein neuer Name"}
    )
    assert typed.status == 503
    assert "Mein neuer Name" in typed.body  # nothing typed is lost
    assert_security_headers(typed)

    api = browser.get("/api/v1/me")
    assert api.status == 503
    assert api.headers["Content-Type"].startswith("application/problem+json")
    problem = json.loads(api.body)
    assert problem["status"] == 503 and UNAVAILABLE in problem["detail"]
    assert_security_headers(api)

    anonymous = Browser(web.url).get("/anmelden")
    assert anonymous.status in (200, 503)  # the login page needs no database to be shown

    postgres_server.start()
    back = browser.get("/")
    assert back.status == 200 and "Abmelden" in back.body  # still logged in
    assert "unexpected error" not in web.log  # an outage is expected, not a bug report
