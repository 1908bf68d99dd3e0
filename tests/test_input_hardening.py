"""Input no field has a use for answers a clear 4xx before it reaches the database:
ids above the id columns' range (404 on every route, pages and API), NUL bytes in the
path, the query string, a form or the login (400), and a form over 2 MB (413, our own
German page with the security headers). Never a 500."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.conftest import csrf_token, form_post
from tests.factories import PASSWORD, Factory
from visionswerk.db import db
from visionswerk.platform import MAX_ID
from visionswerk.tenants.models import Role
from visionswerk.workshops.models import Workshop

PARAM = re.compile(r"<(?:([a-z]+):)?([a-z_]+)>")


def _logged_in(client: FlaskClient, make: Factory) -> str:
    tenant = make.municipality()
    user = make.user(tenant, Role.FACILITATOR)
    slug, email = tenant.slug, user.email
    response = form_post(client, "/anmelden", {"email": email, "password": PASSWORD})
    assert response.status_code == 302
    return slug


def _int_routes(app: Flask) -> list[tuple[str, str]]:
    routes = []
    for rule in app.url_map.iter_rules():
        if "<int:" in rule.rule:
            method = sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})[0]
            routes.append((rule.rule, method))
    return routes


def _url(rule: str, slug: str, number: int) -> str:
    def fill(match: re.Match[str]) -> str:
        converter, name = match.groups()
        if name == "tenant_slug":
            return slug
        return str(number) if converter == "int" else "x"

    return PARAM.sub(fill, rule)


@pytest.mark.parametrize("number", [MAX_ID + 1, 2**63, 10**30])
def test_ids_beyond_the_column_range_answer_404_on_every_route(
    app: Flask, client: FlaskClient, make: Factory, number: int
) -> None:
    slug = _logged_in(client, make)
    routes = _int_routes(app)
    assert len(routes) > 50  # pages and API: every <int:…> is bounded without listing them
    for rule, method in routes:
        url = _url(rule, slug, number)
        response = client.open(url, method=method, headers={"X-CSRFToken": "egal"})
        assert response.status_code == 404, (method, url, response.status_code)


def test_the_largest_id_still_reaches_the_view(client: FlaskClient, make: Factory) -> None:
    slug = _logged_in(client, make)
    page = client.get(f"/{slug}/workshops/{MAX_ID}/")
    api = client.get(f"/api/v1/{slug}/workshops/{MAX_ID}")
    assert page.status_code == 404 and "Diesen Workshop gibt es hier nicht" in page.text
    assert api.status_code == 404 and api.mimetype == "application/problem+json"


NUL_MESSAGE = "Null-Byte"


def _assert_refused(response, *, api: bool = False) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 400, response.text[:300]
    if api:
        assert response.mimetype == "application/problem+json"
        assert NUL_MESSAGE in response.get_json()["detail"]
    else:
        assert NUL_MESSAGE in response.text and "Steuerzeichen" in response.text
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_nul_bytes_in_the_login_answer_400(client: FlaskClient, make: Factory) -> None:
    _assert_refused(form_post(client, "/anmelden", {"email": "a\x00@b.de", "password": "x"}))
    _assert_refused(form_post(client, "/anmelden", {"email": "a@b.de", "password": "x\x00"}))


def test_nul_bytes_in_path_query_and_form_answer_400_and_change_nothing(
    client: FlaskClient, make: Factory
) -> None:
    slug = _logged_in(client, make)
    _assert_refused(client.get(f"/{slug}/workshops/?q=a%00b"))
    _assert_refused(client.get(f"/{slug}%00/workshops/"))
    _assert_refused(client.get(f"/api/v1/{slug}/workshops?x=%00"), api=True)
    _assert_refused(client.get(f"/api/v1/{slug}%00/workshops"), api=True)
    before = db.scalar(select(func.count()).select_from(Workshop))
    token = csrf_token(client, f"/{slug}/workshops/neu")
    response = client.post(
        f"/{slug}/workshops/neu",
        data={"csrf_token": token, "title": "Unser\x00 Dorf", "guiding_question": "Wie?"},
    )
    _assert_refused(response)
    assert "Unser Dorf" in response.text  # what they typed is given back, without the NUL
    assert db.scalar(select(func.count()).select_from(Workshop)) == before


def test_a_form_over_2_mb_gets_our_own_413_page(client: FlaskClient, make: Factory) -> None:
    slug = _logged_in(client, make)
    token = csrf_token(client, f"/{slug}/workshops/neu")
    response = client.post(
        f"/{slug}/workshops/neu",
        data={"csrf_token": token, "title": "Dorf", "guiding_question": "x" * (2 * 1024 * 1024)},
    )
    assert response.status_code == 413
    assert response.mimetype == "text/html"
    assert "Die Eingabe ist zu groß" in response.text and "größer als 2 MB" in response.text
    assert response.headers["Content-Security-Policy"].startswith("default-src 'self'")
    assert response.headers["X-Frame-Options"] == "DENY"
    anonymous = form_post(client, "/anmelden", {"email": "a@b.de", "password": "x" * 3_000_000})
    assert anonymous.status_code == 413 and "größer als 2 MB" in anonymous.text
