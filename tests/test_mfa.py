"""Two-factor login (TOTP): switching it on with a code from the app, the second step of
logging in, codes that work once, recovery codes, the limit on wrong codes, the roles that
must use it, switching it off, and that nobody but its owner ever sees the secret."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import json
import re
import zlib
from collections.abc import Iterator

import pyotp
import pytest
from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.conftest import form_post, login
from tests.factories import PASSWORD, Factory
from visionswerk.db import db
from visionswerk.tenants import accounts, api_tokens, auth_events, mfa
from visionswerk.tenants.models import RecoveryCode, Role, User, UserMfa

SETUP = "/konto/zwei-faktor"
CODES = re.compile(r"<code>([A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4})</code>")
T0 = dt.datetime(2026, 12, 2, 9, 0, 10, tzinfo=dt.UTC)


class Clock:
    """The time the TOTP check sees; the tests move it on by 30-second steps."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> dt.datetime:
        return self.now

    def step(self, n: int = 1) -> None:
        self.now += dt.timedelta(seconds=30 * n)


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    c = Clock()
    monkeypatch.setattr(mfa, "utcnow", c)
    return c


@pytest.fixture(autouse=True)
def cheap_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Ten recovery codes are ten argon2 hashes; their real cost is not what is tested."""
    monkeypatch.setattr(accounts, "hasher", PasswordHasher(time_cost=1, memory_cost=1024))


@pytest.fixture()
def events(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int | None, str]]:
    """The two-factor events recorded (the real log is written as well)."""
    seen: list[tuple[int | None, str]] = []
    real = auth_events.record

    def record(user: User | None, kind: str, *, email: str | None = None, **detail: str) -> None:
        real(user, kind, email=email, **detail)
        if kind.startswith(("mfa_", "recovery_")):
            seen.append((user.id if user else None, kind))

    monkeypatch.setattr(auth_events, "record", record)
    return seen


@pytest.fixture()
def require_mfa(app: Flask) -> Iterator[None]:
    """MFA_REQUIRED_ROLES as in production (the suite switches it off)."""
    original = app.config["VISIONSWERK"]
    app.config["VISIONSWERK"] = dataclasses.replace(
        original, mfa_required_roles=frozenset({"platform_admin", "coordinator"})
    )
    yield
    app.config["VISIONSWERK"] = original


def code(secret: str, clock: Clock, offset: int = 0) -> str:
    return pyotp.TOTP(secret).at(clock.now + dt.timedelta(seconds=30 * offset))


def secret_on_page(client: FlaskClient) -> str:
    html = client.get(SETUP).get_data(as_text=True)
    match = re.search(r'id="mfa-secret">([A-Z2-7 ]+)</code>', html)
    assert match, "no secret on the setup page"
    return match.group(1).replace(" ", "")


def switch_on(client: FlaskClient, clock: Clock) -> tuple[str, list[str]]:
    secret = secret_on_page(client)
    response = form_post(
        client, f"{SETUP}/einschalten", {"code": code(secret, clock), "password": PASSWORD}
    )
    assert response.status_code == 200, response.get_data(as_text=True)[:800]
    codes = CODES.findall(response.get_data(as_text=True))
    assert len(codes) == mfa.RECOVERY_CODES
    return secret, codes


@dataclasses.dataclass(frozen=True)
class Person:
    """What a test keeps of a user: the ORM object is detached after each request."""

    id: int
    email: str


def person(user: User) -> Person:
    return Person(user.id, user.email)


def password_step(client: FlaskClient, user: Person, next_: str = ""):  # type: ignore[no-untyped-def]
    url = "/anmelden" + (f"?next={next_}" if next_ else "")
    return form_post(client, url, {"email": user.email, "password": PASSWORD})


def code_step(client: FlaskClient, value: str, next_: str = ""):  # type: ignore[no-untyped-def]
    url = "/anmelden/code" + (f"?next={next_}" if next_ else "")
    return form_post(client, url, {"code": value})


def logged_in(client: FlaskClient) -> bool:
    return client.get("/konto").status_code == 200


def user_with_mfa(make: Factory, app: Flask, clock: Clock, role: str = "facilitator"):  # type: ignore[no-untyped-def]
    """A user who switched it on (through the pages), logged out again."""
    user = person(make.user(make.municipality(make.region()), role))
    client = app.test_client()
    login(client, user)
    secret, codes = switch_on(client, clock)
    return user, secret, codes


# --- switching it on ----------------------------------------------------------------------


def test_enabling_refuses_a_wrong_code_and_accepts_a_current_one(
    client: FlaskClient, make: Factory, clock: Clock, events: list[tuple[int | None, str]]
) -> None:
    user = person(make.user(make.municipality(make.region()), "facilitator"))
    login(client, user)
    page = client.get(SETUP).get_data(as_text=True)
    assert "<svg" in page and "Zwei-Faktor-Anmeldung ist ausgeschaltet" in page
    secret = secret_on_page(client)
    assert secret_on_page(client) == secret  # a reload shows the same secret
    wrong = "000000" if code(secret, clock) != "000000" else "111111"

    response = form_post(client, f"{SETUP}/einschalten", {"code": wrong, "password": PASSWORD})
    assert response.status_code == 422
    assert "Dieser Code stimmt nicht" in response.get_data(as_text=True)
    response = form_post(
        client, f"{SETUP}/einschalten", {"code": code(secret, clock), "password": "falsch-falsch"}
    )
    assert response.status_code == 422
    assert "Das Passwort stimmt nicht." in response.get_data(as_text=True)
    assert db.get(UserMfa, user.id) is None and events == []

    response = form_post(
        client, f"{SETUP}/einschalten", {"code": code(secret, clock), "password": PASSWORD}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Ihre Codes für den Notfall" in html and len(CODES.findall(html)) == 10
    row = db.get(UserMfa, user.id)
    assert row is not None and secret not in row.secret_sealed  # encrypted at rest
    stored = db.scalars(select(RecoveryCode.code_hash).where(RecoveryCode.user_id == user.id))
    assert all(h.startswith("$argon2id$") for h in stored)
    assert events == [(user.id, "mfa_enabled")]
    page = client.get(SETUP).get_data(as_text=True)
    assert "ist eingeschaltet" in page and "10 unbenutzte" in page
    assert secret not in page.replace(" ", "") and not CODES.search(page)  # shown once only
    assert "Eingeschaltet" in client.get("/konto").get_data(as_text=True)


# --- logging in ---------------------------------------------------------------------------


def test_login_needs_the_code_and_keeps_next(
    app: Flask, make: Factory, clock: Clock, events: list[tuple[int | None, str]]
) -> None:
    user, secret, _codes = user_with_mfa(make, app, clock)
    client = app.test_client()
    response = password_step(client, user, next_="/aufgaben")
    assert response.status_code == 302
    assert response.headers["Location"] == "/anmelden/code?next=/aufgaben"
    assert not logged_in(client)  # the password alone logs nobody in
    page = client.get("/anmelden/code?next=/aufgaben").get_data(as_text=True)
    assert "Code eingeben" in page

    wrong = code_step(client, "123456" if code(secret, clock, 1) != "123456" else "654321")
    assert wrong.status_code == 422
    assert "Dieser Code stimmt nicht" in wrong.get_data(as_text=True)
    assert (user.id, "mfa_failed") in events

    clock.step()
    response = code_step(client, code(secret, clock), next_="/aufgaben")
    assert response.status_code == 302 and response.headers["Location"] == "/aufgaben"
    assert logged_in(client)


def test_a_code_works_once(app: Flask, make: Factory, clock: Clock) -> None:
    user, secret, _codes = user_with_mfa(make, app, clock)
    clock.step()
    first = app.test_client()
    password_step(first, user)
    assert code_step(first, code(secret, clock)).status_code == 302
    # the same code, overheard, on another computer within its 30 seconds
    second = app.test_client()
    password_step(second, user)
    assert code_step(second, code(secret, clock)).status_code == 422
    assert code_step(second, code(secret, clock, -1)).status_code == 422  # older: no
    assert not logged_in(second)
    # the enabling code's step is used up too
    assert code_step(second, code(secret, clock, 1)).status_code == 302  # the next step is new


def test_codes_are_accepted_one_step_either_side_only(
    app: Flask, make: Factory, clock: Clock
) -> None:
    user, secret, _codes = user_with_mfa(make, app, clock)
    clock.step(5)
    client = app.test_client()
    password_step(client, user)
    assert code_step(client, code(secret, clock, -2)).status_code == 422
    assert code_step(client, code(secret, clock, 2)).status_code == 422
    assert code_step(client, code(secret, clock, -1)).status_code == 302


def test_a_recovery_code_works_once(
    app: Flask, make: Factory, clock: Clock, events: list[tuple[int | None, str]]
) -> None:
    user, _secret, codes = user_with_mfa(make, app, clock)
    client = app.test_client()
    password_step(client, user)
    response = code_step(client, codes[3].lower().replace("-", " "))  # typed off paper
    assert response.status_code == 302
    assert "Verbleibende Codes: 9" in client.get("/").get_data(as_text=True)  # the notice, once
    assert (user.id, "mfa_recovery_used") in events

    other = app.test_client()
    password_step(other, user)
    assert code_step(other, codes[3]).status_code == 422
    assert code_step(other, codes[4]).status_code == 302


def test_wrong_codes_are_limited(app: Flask, make: Factory, clock: Clock, settings) -> None:  # type: ignore[no-untyped-def]
    import limits

    user, secret, _codes = user_with_mfa(make, app, clock)
    allowed = limits.parse(settings.login_limit_per_account).amount
    clock.step()
    client = app.test_client()
    password_step(client, user)
    bad = "999999" if code(secret, clock) != "999999" else "888888"
    for _ in range(allowed):
        assert code_step(client, bad).status_code == 422
    response = code_step(client, code(secret, clock))
    assert response.status_code == 429  # even the right code waits: guessing stops
    assert "Zu viele Versuche" in response.get_data(as_text=True)
    # a new password step does not reset the count for this account
    password_step(client, user)
    assert code_step(client, code(secret, clock)).status_code == 429


def test_the_code_step_expires_and_needs_the_password_first(
    app: Flask, make: Factory, clock: Clock
) -> None:
    user, secret, _codes = user_with_mfa(make, app, clock)
    client = app.test_client()
    response = client.get("/anmelden/code")
    assert response.status_code == 302 and response.headers["Location"].startswith("/anmelden")
    password_step(client, user)
    with client.session_transaction() as sess:
        sess["mfa_login"] = {**sess["mfa_login"], "at": sess["mfa_login"]["at"] - 301}
    clock.step()
    response = code_step(client, code(secret, clock))
    assert response.status_code == 302 and response.headers["Location"].startswith("/anmelden")
    assert not logged_in(client)


# --- required for some roles --------------------------------------------------------------


@pytest.mark.usefixtures("require_mfa")
@pytest.mark.parametrize("who", ["admin", "coordinator"])
def test_required_roles_are_sent_to_the_setup_and_reach_nothing_else(
    app: Flask, make: Factory, clock: Clock, who: str
) -> None:
    region = make.region()
    user = person(make.user(admin=True) if who == "admin" else make.user(region, Role.COORDINATOR))
    slug = region.slug
    client = app.test_client()
    response = login(client, user)
    assert client.get(response.headers["Location"]).headers["Location"] == SETUP
    for path in ("/", "/konto", "/aufgaben", f"/{slug}/", "/konto/api-schluessel"):
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"] == SETUP, path
    blocked = form_post(client, "/konto", {"display_name": "Neu", "locale": "de"})
    assert blocked.headers["Location"] == SETUP
    assert client.get("/api/v1/me").status_code == 403  # the API by session cookie too
    page = client.get(SETUP).get_data(as_text=True)
    assert "Bitte richten Sie zuerst die Zwei-Faktor-Anmeldung ein." in page
    assert "Erst danach können Sie Visionswerk weiter nutzen." in page

    secret, _codes = switch_on(client, clock)
    assert client.get("/").status_code == 200
    assert client.get(f"/{slug}/").status_code == 200
    # switched off again, the requirement applies at once
    clock.step()
    off = {"off-password": PASSWORD, "off-code": code(secret, clock)}
    response = form_post(client, f"{SETUP}/ausschalten", off)
    assert response.status_code == 302
    assert client.get("/").headers["Location"] == SETUP
    assert form_post(client, "/abmelden").headers["Location"].startswith("/anmelden")


@pytest.mark.usefixtures("require_mfa")
def test_facilitators_and_participants_are_offered_it_not_forced(app: Flask, make: Factory) -> None:
    town = make.municipality(make.region())
    people = [person(make.user(town, role)) for role in (Role.FACILITATOR, Role.PARTICIPANT)]
    for user in people:
        client = app.test_client()
        login(client, user)
        assert client.get("/").status_code == 200
        assert "Zwei-Faktor-Anmeldung einrichten" in client.get("/konto").get_data(as_text=True)
        assert "Bitte richten Sie zuerst" not in client.get(SETUP).get_data(as_text=True)


@pytest.mark.usefixtures("require_mfa")
def test_api_tokens_are_not_affected(app: Flask, make: Factory) -> None:
    coordinator = make.user(make.region(), Role.COORDINATOR)
    _token, raw = api_tokens.create_token(coordinator, "Auswertung")
    db.commit()
    response = app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 200


def test_mfa_required_roles_setting() -> None:
    from visionswerk.settings import ConfigurationError, Settings

    base = {"SECRET_KEY": "x", "VISIONSWERK_INSTANCE": "/tmp/vw-mfa-settings"}
    assert Settings.from_env(base).mfa_required_roles == {"platform_admin", "coordinator"}
    both = Settings.from_env({**base, "MFA_REQUIRED_ROLES": "coordinator, facilitator"})
    assert both.mfa_required_roles == {"coordinator", "facilitator"}
    assert Settings.from_env({**base, "MFA_REQUIRED_ROLES": ""}).mfa_required_roles == set()
    with pytest.raises(ConfigurationError, match="koordinator"):
        Settings.from_env({**base, "MFA_REQUIRED_ROLES": "koordinator"})


# --- switching it off, new codes ----------------------------------------------------------


def test_disabling_needs_the_password(
    app: Flask, make: Factory, clock: Clock, events: list[tuple[int | None, str]]
) -> None:
    user = person(make.user(make.municipality(make.region()), "participant"))
    client = app.test_client()
    login(client, user)
    secret, _codes = switch_on(client, clock)
    clock.step()
    current = code(secret, clock)
    response = form_post(
        client, f"{SETUP}/ausschalten", {"off-password": "falsch-falsch", "off-code": current}
    )
    assert response.status_code == 422
    assert "Das Passwort stimmt nicht." in response.get_data(as_text=True)
    response = form_post(client, f"{SETUP}/ausschalten", {"off-password": PASSWORD})
    assert response.status_code == 422  # the password alone is not enough either
    wrong = "000000" if current != "000000" else "111111"
    response = form_post(
        client, f"{SETUP}/ausschalten", {"off-password": PASSWORD, "off-code": wrong}
    )
    assert response.status_code == 422
    assert "Dieser Code stimmt nicht" in response.get_data(as_text=True)
    assert db.get(UserMfa, user.id) is not None
    response = form_post(
        client, f"{SETUP}/ausschalten", {"off-password": PASSWORD, "off-code": current}
    )
    assert response.status_code == 302
    assert db.get(UserMfa, user.id) is None
    assert db.scalars(select(RecoveryCode).where(RecoveryCode.user_id == user.id)).all() == []
    assert (user.id, "mfa_disabled") in events
    fresh = app.test_client()
    assert login(fresh, user).headers["Location"] == "/"  # the password is enough again


def test_new_recovery_codes_need_the_password_and_void_the_old(
    app: Flask, make: Factory, clock: Clock, events: list[tuple[int | None, str]]
) -> None:
    user = person(make.user(make.municipality(make.region()), "participant"))
    client = app.test_client()
    login(client, user)
    _secret, old = switch_on(client, clock)
    response = form_post(
        client, f"{SETUP}/neue-codes", {"renew-password": "falsch-falsch", "renew-code": old[9]}
    )
    assert response.status_code == 422
    response = form_post(
        client, f"{SETUP}/neue-codes", {"renew-password": PASSWORD, "renew-code": old[9]}
    )  # a recovery code is a second factor too
    new = CODES.findall(response.get_data(as_text=True))
    assert response.status_code == 200 and len(new) == 10 and not set(new) & set(old)
    assert (user.id, "recovery_codes_renewed") in events
    other = app.test_client()
    password_step(other, user)
    assert code_step(other, old[0]).status_code == 422
    assert code_step(other, new[0]).status_code == 302


# --- privacy ------------------------------------------------------------------------------


def _cookie_payload(client: FlaskClient) -> str:
    cookie = client.get_cookie("visionswerk_session")
    assert cookie is not None
    value = cookie.value
    raw = value[1:] if value.startswith(".") else value
    data = base64.urlsafe_b64decode(raw.split(".")[0] + "==")
    return (zlib.decompress(data) if value.startswith(".") else data).decode()


def test_nobody_but_its_owner_sees_the_secret(app: Flask, make: Factory, clock: Clock) -> None:
    town = make.municipality(make.region())
    slug = town.slug
    owner = person(make.user(town, "facilitator"))
    client = app.test_client()
    login(client, owner)
    secret = secret_on_page(client)
    assert secret not in _cookie_payload(client)  # the pending secret is sealed there
    switch_on(client, clock)

    admin = app.test_client()
    login(admin, make.user(admin=True))
    other_secret = secret_on_page(admin)
    assert other_secret != secret
    for path in ("/admin/", f"/{slug}/", f"/{slug}/mitglieder", SETUP, "/konto"):
        html = admin.get(path, follow_redirects=True).get_data(as_text=True)
        assert secret not in html.replace(" ", ""), path
    export = form_post(client, "/konto/daten").get_data(as_text=True)
    assert json.loads(export)["two_factor_login"]["unused_recovery_codes"] == 10
    assert secret not in export and "secret" not in export
    row = db.get(UserMfa, owner.id)
    assert row is not None and secret not in row.secret_sealed
    assert mfa.unseal("another key", row.secret_sealed) is None


def test_deleting_the_account_erases_the_second_factor(
    app: Flask, make: Factory, clock: Clock
) -> None:
    user = person(make.user(make.municipality(make.region()), "participant"))
    user_id = user.id
    client = app.test_client()
    login(client, user)
    switch_on(client, clock)
    response = form_post(client, "/konto/loeschen", {"password": PASSWORD})
    assert response.status_code == 302
    assert db.get(UserMfa, user_id) is None
    assert db.scalars(select(RecoveryCode).where(RecoveryCode.user_id == user_id)).all() == []


def test_two_logins_racing_with_one_code_cannot_both_win(
    app: Flask, make: Factory, clock: Clock
) -> None:
    """The step moves on in one conditional UPDATE: a second request that read the row
    before the first one's UPDATE still loses (simulated: the row is changed behind the
    loaded object's back, as a parallel transaction would)."""
    from sqlalchemy import text

    user, secret, _codes = user_with_mfa(make, app, clock)
    clock.step()
    row = db.get(UserMfa, user.id)
    owner = db.get(User, user.id)
    assert row is not None and owner is not None
    stale = row.last_step
    db.execute(
        text("UPDATE user_mfa SET last_step = :s WHERE user_id = :u"),
        {"s": stale + 1, "u": user.id},
    )
    assert row.last_step == stale  # what the losing request had read
    assert mfa.verify_login(owner, code(secret, clock), app.config["SECRET_KEY"]) is None


def test_a_changed_factor_logs_out_the_other_devices(
    app: Flask, make: Factory, clock: Clock
) -> None:
    user = person(make.user(make.municipality(make.region()), "participant"))
    elsewhere, here = app.test_client(), app.test_client()
    login(elsewhere, user)  # e.g. someone who had only the password
    login(here, user)
    secret, _codes = switch_on(here, clock)
    assert not logged_in(elsewhere)
    assert logged_in(here)
    again = app.test_client()
    password_step(again, user)
    clock.step()
    assert code_step(again, code(secret, clock)).status_code == 302
    clock.step()
    off = {"off-password": PASSWORD, "off-code": code(secret, clock)}
    assert form_post(here, f"{SETUP}/ausschalten", off).status_code == 302
    assert not logged_in(again) and logged_in(here)


def test_a_password_reset_does_not_bypass_the_second_factor(
    app: Flask, make: Factory, clock: Clock
) -> None:
    user, _secret, _codes = user_with_mfa(make, app, clock)
    _user, token = accounts.request_password_reset(user.email, 60) or (None, "")
    accounts.reset_password(token, "ein-ganz-neues-passwort")
    db.commit()
    client = app.test_client()
    response = form_post(
        client, "/anmelden", {"email": user.email, "password": "ein-ganz-neues-passwort"}
    )
    assert response.headers["Location"].startswith("/anmelden/code")
    assert not logged_in(client)
