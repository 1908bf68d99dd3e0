"""Security basics: CSRF, no state change on GET, headers on every response, login on
every non-public route, production settings and cookies."""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.routing import Rule

from tests.conftest import csrf_token, form_post
from tests.factories import PASSWORD, Factory
from tests.test_cross_tenant import PARAMETERS
from visionswerk import db as dbmod
from visionswerk.db import Base, db, utcnow
from visionswerk.platform.pipeline import is_public
from visionswerk.settings import ConfigurationError, Settings
from visionswerk.tenants.models import PasswordReset, Tenant, User
from visionswerk.tenants.tokens import new_token

CSRF_MESSAGE = "Es wurde nichts gespeichert"


def login(client: FlaskClient, email: str) -> None:
    response = form_post(client, "/anmelden", {"email": email, "password": PASSWORD})
    assert response.status_code == 302


def snapshot() -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in a stable order."""
    data = {}
    for table in Base.metadata.sorted_tables:
        rows = db.execute(select(table).order_by(*table.primary_key.columns)).all()
        data[table.name] = [tuple(r) for r in rows]
    dbmod.db.remove()  # read fresh next time
    return data


def assert_security_headers(response: Any, what: str) -> None:
    csp = response.headers.get("Content-Security-Policy", "")
    for directive in ("object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"):
        assert directive in csp, f"{what}: CSP lacks {directive}"
    assert "unsafe-inline" not in csp, what
    assert response.headers.get("X-Content-Type-Options") == "nosniff", what
    assert response.headers.get("Referrer-Policy"), what


class World:
    def __init__(self, make: Factory) -> None:
        region = make.region("ILE Musterland")
        town = make.municipality(region, "Gemeinde Musterhausen")
        self.region_id, self.region_slug = region.id, region.slug
        self.town_id, self.town_slug = town.id, town.slug
        self.admin = make.user(admin=True, email="admin@example.org").email
        self.coordinator = make.user(region, "coordinator", email="ile@example.org").email
        self.facilitator = make.user(town, "facilitator", email="moderation@example.org").email
        self.participant_id = make.user(town, "participant", display_name="Sonnenblume").id


@pytest.fixture()
def world(make: Factory) -> World:
    return World(make)


def tenant(ident: int) -> Tenant:
    found = db.get(Tenant, ident)
    assert found is not None
    return found


# --- CSRF --------------------------------------------------------------------------------


def test_post_without_csrf_token_changes_nothing_and_gives_the_text_back(
    client: FlaskClient, world: World
) -> None:
    login(client, world.coordinator)
    before = snapshot()
    response = client.post(
        f"/{world.region_slug}/kommunen",
        data={"name": "Gemeinde Vergessen", "slug": "vergessen"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert CSRF_MESSAGE in html
    assert "Ihre Eingaben" in html
    assert "Gemeinde Vergessen" in html
    assert snapshot() == before


def test_post_with_a_wrong_csrf_token_is_rejected(client: FlaskClient, world: World) -> None:
    login(client, world.coordinator)
    before = snapshot()
    response = client.post(
        f"/{world.region_slug}/kommunen",
        data={"csrf_token": "gefaelscht", "name": "Gemeinde Gefälscht"},
    )
    assert response.status_code == 400
    assert snapshot() == before


@pytest.mark.parametrize(
    ("url", "data", "logged_in"),
    [
        ("/anmelden", {"email": "wer@example.org", "password": "geheim-geheim-1"}, False),
        ("/konto/loeschen", {"password": "geheim-geheim-1"}, True),
        ("/passwort/vergessen", {"email": "wer@example.org"}, False),
    ],
)
def test_csrf_error_page_never_shows_a_password(
    client: FlaskClient, world: World, url: str, data: dict[str, str], logged_in: bool
) -> None:
    if logged_in:
        login(client, world.facilitator)
    before = snapshot()
    response = client.post(url, data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert CSRF_MESSAGE in html
    assert "geheim-geheim-1" not in html
    if "email" in data:
        assert data["email"] in html
    assert snapshot() == before


def test_csrf_applies_to_logout(app: Flask, client: FlaskClient, world: World) -> None:
    login(client, world.facilitator)
    assert client.post("/abmelden").status_code == 400
    assert client.get("/").status_code == 200  # still logged in


# --- no state change on GET --------------------------------------------------------------


def _reset_token(make: Factory, _tenant: Tenant) -> str:
    user = make.user()
    token, digest = new_token()
    db.add(
        PasswordReset(
            token_hash=digest, user_id=user.id, expires_at=utcnow() + dt.timedelta(hours=1)
        )
    )
    make.commit()
    return token


def _api_token_id(make: Factory, _tenant: Tenant) -> int:
    from visionswerk.tenants import api_tokens

    token, _raw = api_tokens.create_token(make.user(), "Auswertung")
    make.commit()
    return token.id


def _unsubscribe_token(make: Factory, tenant: Tenant) -> str:
    from visionswerk.worker import preferences
    from visionswerk.worker.celery_app import celery, settings_of

    token = preferences.token_for(settings_of(celery), make.user().id)
    make.commit()
    return token


def _login_session_id(make: Factory, _tenant: Tenant) -> int:
    from visionswerk.tenants.models import LoginSession

    user = make.user()
    _token, digest = new_token()
    row = LoginSession(token_hash=digest, user_id=user.id)
    db.add(row)
    make.commit()
    return row.id


# values for parameters of routes outside a tenant (by endpoint), beside PARAMETERS
def _join_code(make: Factory, tenant: Tenant) -> str:
    return str(make.workshop(tenant, phase="individual", participants=2).workshop.join_code)


ENDPOINT_VALUES: dict[str, dict[str, Callable[[Factory, Tenant], Any]]] = {
    "workshops.join_code": {"code": _join_code},
    "accounts.reset_password": {"token": _reset_token},
    "api_tokens.revoke_token": {"token_id": _api_token_id},
    "api.revoke_token": {"token_id": _api_token_id},
    "sessions.end_session": {"session_id": _login_session_id},
    "reports.unsubscribe": {"token": _unsubscribe_token},
    "reports.unsubscribe_old": {"token": _unsubscribe_token},
    "static": {"filename": lambda _make, _tenant: "visionswerk.css"},
}


def route_values(rule: Rule, make: Factory, town: Tenant) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in sorted(rule.arguments):
        if name == "tenant_slug":
            values[name] = town.slug
            continue
        fill = ENDPOINT_VALUES.get(rule.endpoint, {}).get(name) or PARAMETERS.get(name)
        assert fill is not None, (
            f"route {rule.rule} ({rule.endpoint}) has a parameter <{name}> that the security "
            "tests cannot fill: add it to PARAMETERS in tests/test_cross_tenant.py (tenant "
            "routes) or ENDPOINT_VALUES in tests/test_security.py"
        )
        values[name] = fill(make, town)
    return values


def get_rules(app: Flask) -> list[Rule]:
    return sorted(
        (r for r in app.url_map.iter_rules() if "GET" in (r.methods or ())),
        key=lambda r: r.rule,
    )


@pytest.mark.parametrize("who", ["admin", "facilitator", "anonymous"])
def test_no_get_route_changes_the_database(
    app: Flask, make: Factory, world: World, who: str
) -> None:
    client = app.test_client()
    if who != "anonymous":
        login(client, getattr(world, who))
    requested = 0
    for rule in get_rules(app):
        values = route_values(rule, make, tenant(world.town_id))
        url = rule.build(values, append_unknown=False)[1]  # type: ignore[index]
        before = snapshot()
        response = client.get(url)
        response.close()
        after = snapshot()
        changed = [name for name in before if before[name] != after[name]]
        assert not changed, f"GET {url} ({rule.endpoint}) as {who} changed {changed}"
        assert response.status_code < 500, f"GET {url} as {who}: {response.status_code}"
        assert_security_headers(response, f"GET {url}")
        if response.mimetype == "text/html":
            html = response.get_data(as_text=True)
            assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), f"inline script: {url}"
            assert " style=" not in html, f"inline style attribute on {url}"
        requested += 1
    assert requested >= 8


@pytest.fixture()
def patched_view(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., None]]:
    def patch(endpoint: str, before_view: Callable[[], None]) -> None:
        original = app.view_functions[endpoint]

        @functools.wraps(original)
        def view(*args: Any, **kwargs: Any) -> Any:
            before_view()
            return original(*args, **kwargs)

        monkeypatch.setitem(app.view_functions, endpoint, view)

    yield patch


def _rename_participant(world: World, flush: bool = True) -> Callable[[], None]:
    def change() -> None:
        user = db.get(User, world.participant_id)
        assert user is not None
        user.display_name = "Geändert"
        if flush:
            db.flush()

    return change


def test_a_get_that_writes_is_refused(
    client: FlaskClient, world: World, patched_view: Callable[..., None]
) -> None:
    """On PostgreSQL the database refuses it (a READ ONLY transaction); the tests refuse
    every write in a safe request on every database (conftest.py)."""
    patched_view("tenancy.home", _rename_participant(world))
    login(client, world.facilitator)
    response = client.get("/")
    assert response.status_code == 500
    assert "Ein Fehler ist aufgetreten" in response.get_data(as_text=True)
    user = db.get(User, world.participant_id)
    assert user is not None and user.display_name == "Sonnenblume"


def test_a_get_cannot_commit_even_explicitly(
    client: FlaskClient, world: World, patched_view: Callable[..., None]
) -> None:
    rename = _rename_participant(world, flush=False)  # the commit would flush it

    def rename_and_commit() -> None:
        rename()
        dbmod.commit()

    patched_view("tenancy.home", rename_and_commit)
    login(client, world.facilitator)
    response = client.get("/")
    assert response.status_code == 500
    assert "Ein Fehler ist aufgetreten" in response.get_data(as_text=True)
    user = db.get(User, world.participant_id)
    assert user is not None and user.display_name == "Sonnenblume"


def test_a_failed_post_is_rolled_back(
    client: FlaskClient, world: World, patched_view: Callable[..., None]
) -> None:
    """The view changed a row, then the form was invalid (422): nothing is kept."""
    patched_view("accounts.account", _rename_participant(world))
    login(client, world.facilitator)
    response = form_post(client, "/konto", {"display_name": "", "locale": "de"})
    assert response.status_code == 422
    user = db.get(User, world.participant_id)
    assert user is not None and user.display_name == "Sonnenblume"


def test_a_successful_post_is_committed(
    client: FlaskClient, world: World, patched_view: Callable[..., None]
) -> None:
    """The control for the rollbacks above."""
    patched_view("accounts.account", _rename_participant(world))
    login(client, world.facilitator)
    assert (
        form_post(client, "/konto", {"display_name": "Moritz", "locale": "de"}).status_code == 302
    )
    user = db.get(User, world.participant_id)
    assert user is not None and user.display_name == "Geändert"


# --- login on every non-public route -----------------------------------------------------


def test_every_non_public_route_needs_a_login(app: Flask, make: Factory, world: World) -> None:
    client = app.test_client()
    token = csrf_token(client, "/anmelden")
    requests = [
        (
            method,
            rule.build(route_values(rule, make, tenant(world.town_id)), append_unknown=False)[1],
        )  # type: ignore[index]
        for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule)
        if not is_public(app, rule.endpoint)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})
    ]
    before = snapshot()
    for method, url in requests:
        response = client.open(url, method=method, data={"csrf_token": token})
        response.close()
        if url.startswith("/api/"):  # the JSON API answers 401, never a redirect
            assert response.status_code == 401, f"{method} {url}: {response.status_code}"
            assert response.mimetype == "application/problem+json", f"{method} {url}"
            continue
        assert response.status_code == 302, f"{method} {url}: {response.status_code}"
        assert response.headers["Location"].startswith("/anmelden"), f"{method} {url}"
    assert len(requests) >= 5
    assert snapshot() == before


# --- headers -----------------------------------------------------------------------------


def test_security_headers_on_errors_redirects_static_and_json(
    client: FlaskClient, world: World
) -> None:
    responses = {
        "login page": client.get("/anmelden"),
        "redirect to login": client.get("/"),
        "404": client.get("/gibt-es-nicht/"),
        "static": client.get("/static/visionswerk.css"),
        "csrf 400": client.post("/anmelden", data={"email": "a@b.de"}),
        "healthz": client.get("/healthz"),
    }
    login(client, world.facilitator)
    responses["logged-in page"] = client.get(f"/{world.town_slug}/")
    responses["403"] = form_post(client, f"/{world.region_slug}/kommunen", {"name": "X"})
    for what, response in responses.items():
        assert_security_headers(response, what)
        response.close()
    assert responses["logged-in page"].headers["Cache-Control"] == "no-store"


# --- production ----------------------------------------------------------------------------


@pytest.mark.parametrize("secret", [None, ""])
def test_production_refuses_to_start_without_a_secret_key(secret: str | None) -> None:
    env = {"VISIONSWERK_ENV": "production"}
    if secret is not None:
        env["SECRET_KEY"] = secret
    with pytest.raises(ConfigurationError):
        Settings.from_env(env)


@pytest.fixture()
def production_app(settings: Settings, app: Flask) -> Iterator[Flask]:
    """A second app with production settings; the shared session and Celery are put back
    to the test app's configuration afterwards."""
    from visionswerk.platform import create_app
    from visionswerk.worker.celery_app import celery, configure

    env = {
        "VISIONSWERK_ENV": "production",
        "VISIONSWERK_INSTANCE": str(settings.instance_path),
        "SECRET_KEY": "production-secret-for-the-test",
        "DATABASE_URL": settings.database_url,
        "CELERY_ALWAYS_EAGER": "1",
        "MAIL_OUTBOX": str(settings.mail_outbox),
        "RATELIMIT_KEY_PREFIX": settings.ratelimit_key_prefix,
        "TRUSTED_PROXIES": "1",  # behind one TLS proxy, as in the README
    }
    if settings.redis_url:
        env["REDIS_URL"] = settings.redis_url
    bind = dbmod.SessionFactory.kw["bind"]
    prod = create_app(Settings.from_env(env), ENGINE=app.extensions["visionswerk.engine"])
    dbmod.db.remove()
    dbmod.SessionFactory.configure(bind=bind)
    try:
        yield prod
    finally:
        configure(celery, settings)


def test_production_cookies_are_secure_httponly_and_samesite(
    production_app: Flask, world: World
) -> None:
    client = production_app.test_client()
    response = client.get("/anmelden")
    cookie = response.headers["Set-Cookie"]
    # __Host-: the browser accepts it only with Secure, Path=/ and no Domain
    assert cookie.startswith("__Host-visionswerk_session=")
    for flag in ("Secure", "HttpOnly", "SameSite=Lax", "Path=/"):
        assert flag in cookie, f"session cookie lacks {flag}: {cookie}"
    assert "domain=" not in cookie.lower()
    hsts = response.headers["Strict-Transport-Security"]
    assert "max-age=31536000" in hsts and "includeSubDomains" in hsts
    assert_security_headers(response, "production login page")


def test_test_app_cookies_are_httponly_and_samesite(client: FlaskClient) -> None:
    response = client.get("/anmelden")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Strict-Transport-Security" not in response.headers  # no TLS outside production


def test_production_login_works_with_the_host_cookie(production_app: Flask, make: Factory) -> None:
    """Logged in over https (behind the proxy), the __Host- cookie carries the session."""
    user = make.user()
    client = production_app.test_client()
    kw: dict[str, Any] = {
        "headers": {"X-Forwarded-Proto": "https", "Referer": "https://localhost/anmelden"},
        "base_url": "https://localhost",
    }
    data = {"email": user.email, "password": PASSWORD, "csrf_token": csrf_token(client, **kw)}
    assert client.post("/anmelden", data=data, **kw).status_code == 302
    assert client.get_cookie("__Host-visionswerk_session") is not None
    assert client.get("/konto", **kw).status_code == 200


# --- behind a reverse proxy -------------------------------------------------------------

PROXY = {"REMOTE_ADDR": "10.0.0.2"}  # every request arrives from the proxy's address
_ATTEMPT = itertools.count()


def _failed_login(app: Flask, client_addr: str | None) -> int:
    """One failed login from ``client_addr`` (as the proxy reports it), over https."""
    client = app.test_client()
    # the proxy speaks http to the app; the browser used https (and sends a Referer,
    # which Flask-WTF requires on https)
    headers = {"X-Forwarded-Proto": "https", "Referer": "https://localhost/anmelden"}
    if client_addr:
        headers["X-Forwarded-For"] = client_addr
    kw: dict[str, Any] = {"environ_base": PROXY, "headers": headers}
    email = f"niemand-{next(_ATTEMPT)}@example.org"  # a new account each time: the
    data = {"email": email, "password": "falsch", "csrf_token": csrf_token(client, **kw)}
    return client.post("/anmelden", data=data, **kw).status_code  # address limit counts


def test_behind_a_proxy_the_login_limit_counts_each_client_not_the_proxy(
    production_app: Flask, settings: Settings
) -> None:
    """TRUSTED_PROXIES=1: the forwarded client address is the one that is limited."""
    import limits

    allowed = limits.parse(settings.login_limit_per_address).amount
    for _ in range(allowed):
        assert _failed_login(production_app, "198.51.100.77") == 422
    assert _failed_login(production_app, "198.51.100.77") == 429
    # another citizen behind the same proxy can still sign in
    assert _failed_login(production_app, "198.51.100.78") == 422


def test_without_trusted_proxies_a_forged_forwarded_address_does_not_escape_the_limit(
    app: Flask, settings: Settings
) -> None:
    import limits

    assert settings.trusted_proxies == 0
    allowed = limits.parse(settings.login_limit_per_address).amount
    for i in range(allowed):
        assert _failed_login(app, f"192.0.2.{i + 1}") == 422
    assert _failed_login(app, "192.0.2.250") == 429
