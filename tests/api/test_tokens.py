"""Personal API tokens: created on the account page (shown exactly once, stored as
SHA-256 only), used as Bearer tokens, revoked (then 401); last_used_at on changes only;
the session as the other way in, with CSRF for its changes."""

from __future__ import annotations

import hashlib
import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.api.conftest import Api, token_for
from tests.conftest import form_post, login
from tests.factories import Factory
from visionswerk.db import db
from visionswerk.tenants import api_tokens
from visionswerk.tenants.models import ApiToken, Role, User

NEW_TOKEN = re.compile(r'id="new-api-token"[^>]*value="([^"]+)"')


def create_on_account_page(client: FlaskClient, name: str) -> str:
    response = form_post(client, "/konto/api-schluessel", {"name": name})
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html[:500]
    match = NEW_TOKEN.search(html)
    assert match, "the new token is shown on the page answering the POST"
    return match.group(1)


def tokens(user_id: int) -> list[ApiToken]:
    db.expire_all()
    return list(db.scalars(select(ApiToken).where(ApiToken.user_id == user_id)))


def test_create_use_and_revoke_a_token_on_the_developer_page(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    town = make.municipality(make.region())
    user = make.user(town, Role.FACILITATOR, display_name="Moderatorin")
    user_id, slug = user.id, town.slug
    login(client, user)
    account = client.get("/konto").get_data(as_text=True)
    # a participant's account page does not explain API keys; it links to the page that does
    assert 'href="/konto/api-schluessel"' in account and "Schlüssel erstellen" not in account
    assert "Schlüssel erstellen" in client.get("/konto/api-schluessel").get_data(as_text=True)

    raw = create_on_account_page(client, "Auswertung im Rathaus")
    (stored,) = tokens(user_id)
    token_id, hint = stored.id, stored.hint
    assert stored.name == "Auswertung im Rathaus"
    assert stored.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in (stored.token_hash, hint) and raw.startswith(hint)
    page = client.get("/konto/api-schluessel").get_data(as_text=True)
    assert raw not in page, "shown exactly once"
    assert "Auswertung im Rathaus" in page and hint in page

    api = Api(app, raw)
    me = api.get("/me")
    assert me["id"] == user_id and me["authenticated_by"] == "token"
    assert me["csrf_token"] is None
    response = api.request("GET", f"/{slug}/workshops")
    assert "Set-Cookie" not in response.headers  # no session for token requests
    assert tokens(user_id)[0].last_used_at is None  # reading writes nothing
    api.post(f"/{slug}/workshops", {"title": "Per Schlüssel"}, status=201)  # no CSRF needed
    assert tokens(user_id)[0].last_used_at is not None

    revoked = form_post(client, f"/konto/api-schluessel/{token_id}/widerrufen")
    assert revoked.status_code == 302
    assert tokens(user_id)[0].revoked_at is not None
    problem = api.get("/me", status=401)
    assert problem["status"] == 401 and "API-Schlüssel" in problem["detail"]
    page = client.get("/konto/api-schluessel").get_data(as_text=True)
    assert "widerrufen" in page


def test_the_token_form_keeps_the_name_and_explains_errors(
    client: FlaskClient, make: Factory
) -> None:
    user = make.user()
    user_id = user.id
    login(client, user)
    response = form_post(client, "/konto/api-schluessel", {"name": "  "})
    assert response.status_code == 422
    assert "Bitte geben Sie dem Schlüssel einen Namen." in response.get_data(as_text=True)
    long_name = "Ä" * 101
    response = form_post(client, "/konto/api-schluessel", {"name": long_name})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and long_name in html
    assert tokens(user_id) == []


def test_creating_or_revoking_without_csrf_changes_nothing(
    client: FlaskClient, make: Factory
) -> None:
    user = make.user()
    user_id = user.id
    raw = token_for(user)
    token_id = tokens(user_id)[0].id
    login(client, user)
    assert client.post("/konto/api-schluessel", data={"name": "X"}).status_code == 400
    assert client.post(f"/konto/api-schluessel/{token_id}/widerrufen").status_code == 400
    (only,) = tokens(user_id)
    assert only.revoked_at is None and only.token_hash == hashlib.sha256(raw.encode()).hexdigest()


def test_nobody_revokes_another_persons_token(client: FlaskClient, make: Factory) -> None:
    owner = make.user()
    owner_id = owner.id
    token_for(owner)
    token_id = tokens(owner_id)[0].id
    login(client, make.user())
    response = form_post(client, f"/konto/api-schluessel/{token_id}/widerrufen")
    assert response.status_code == 404
    assert tokens(owner_id)[0].revoked_at is None


def test_bad_tokens_answer_401_even_beside_a_valid_session(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    user = make.user()
    raw = token_for(user)
    api_tokens.revoke_token(user, tokens(user.id)[0].id)
    db.commit()
    login(client, user)
    session_api = Api(app, client=client)
    assert session_api.get("/me")["authenticated_by"] == "session"
    for header in (
        "Bearer vw_unbekannt",
        f"Bearer {raw}",  # revoked
        "Bearer ",
        "Basic dXNlcjpwYXNz",
        f"Token {raw}",
    ):
        problem = session_api.get("/me", headers={"Authorization": header}, status=401)
        assert problem["title"] and problem["status"] == 401
    response = Api(app).request("GET", "/me", status=401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.mimetype == "application/problem+json"


def test_a_deactivated_account_cannot_use_its_token(app: Flask, make: Factory) -> None:
    user = make.user()
    raw = token_for(user)
    account = db.get(User, user.id)
    assert account is not None
    account.active = False
    db.commit()
    Api(app, raw).get("/me", status=401)


def test_session_changes_need_the_csrf_header(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    town = make.municipality(make.region())
    user = make.user(town, Role.FACILITATOR)
    slug = town.slug
    login(client, user)
    api = Api(app, client=client)
    refused = api.post(f"/{slug}/workshops", {"title": "Ohne Token"}, status=400)
    assert "X-CSRFToken" in refused["detail"]
    assert api.get(f"/{slug}/workshops")["workshops"] == []  # nothing saved
    api.post(
        f"/{slug}/workshops",
        {"title": "Falsches Token"},
        headers={"X-CSRFToken": "gefaelscht"},
        status=400,
    )
    api.csrf = api.get("/me")["csrf_token"]
    api.post(f"/{slug}/workshops", {"title": "Mit Token"}, status=201)
    assert [w["title"] for w in api.get(f"/{slug}/workshops")["workshops"]] == ["Mit Token"]


def test_tokens_are_part_of_the_data_export_without_the_secret(
    client: FlaskClient, make: Factory
) -> None:
    user = make.user()
    raw = token_for(user, "Mein Skript")
    login(client, user)
    response = form_post(client, "/konto/daten")
    export = response.get_json(force=True)
    assert [t["name"] for t in export["api_tokens"]] == ["Mein Skript"]
    assert raw not in response.get_data(as_text=True)
