"""Accounts: login, sessions, logout, passwords, reset links, rate limits, the account
page, the language switch, and the DSGVO basics (data export, account deletion)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import limits
import pytest
from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.conftest import Mailbox, csrf_token, form_post, login
from tests.factories import PASSWORD, Factory
from visionswerk.db import db, utcnow
from visionswerk.settings import Settings
from visionswerk.tenants import accounts, personal_data
from visionswerk.tenants.models import LoginSession, Membership, PasswordReset, Role, User
from visionswerk.tenants.tokens import new_token

COOKIE = "visionswerk_session"
WRONG = "E-Mail-Adresse oder Passwort ist falsch."


def sign_in(client: FlaskClient, email: str, password: str = PASSWORD, **kw):  # type: ignore[no-untyped-def]
    return form_post(client, "/anmelden", {"email": email, "password": password}, **kw)


def login_sessions(user_id: int) -> int:
    return db.scalar(select(func.count()).where(LoginSession.user_id == user_id)) or 0


def session_data(client: FlaskClient) -> dict[str, object]:
    with client.session_transaction() as sess:
        return dict(sess)


# --- login -------------------------------------------------------------------------------


def test_wrong_password_is_422_in_german_and_logs_nobody_in(
    client: FlaskClient, make: Factory
) -> None:
    user = make.user()
    email, user_id = user.email, user.id
    response = sign_in(client, email, "falsches-passwort")
    assert response.status_code == 422
    assert WRONG in response.get_data(as_text=True)
    assert "_user_id" not in session_data(client)
    assert login_sessions(user_id) == 0
    assert client.get("/").status_code == 302  # still anonymous


def test_unknown_email_answers_like_a_wrong_password(client: FlaskClient) -> None:
    response = sign_in(client, "niemand@example.org")
    assert response.status_code == 422
    assert WRONG in response.get_data(as_text=True)


def test_login_starts_a_new_session_and_drops_the_anonymous_one(
    client: FlaskClient, make: Factory
) -> None:
    user = make.user()
    email, user_id = user.email, user.id
    old_token = csrf_token(client)
    with client.session_transaction() as sess:
        sess["anonymous_marker"] = "vorher"
    cookie_before = client.get_cookie(COOKIE).value  # type: ignore[union-attr]

    assert sign_in(client, email).status_code == 302

    cookie_after = client.get_cookie(COOKIE).value  # type: ignore[union-attr]
    after = session_data(client)
    assert cookie_after != cookie_before
    assert "anonymous_marker" not in after
    assert after["_user_id"]
    assert login_sessions(user_id) == 1
    # the anonymous session's CSRF secret went with it
    stale = client.post("/sprache", data={"csrf_token": old_token, "lang": "en"})
    assert stale.status_code == 400


def test_each_login_gets_its_own_session_token(app: Flask, make: Factory) -> None:
    user = make.user()
    email, user_id = user.email, user.id
    first, second = app.test_client(), app.test_client()
    sign_in(first, email)
    sign_in(second, email)
    assert session_data(first)["_user_id"] != session_data(second)["_user_id"]
    assert login_sessions(user_id) == 2


def test_logout_ends_the_session_and_a_replayed_cookie_is_rejected(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    user = make.user()
    user_id = user.id
    login(client, user)
    old_cookie = client.get_cookie(COOKIE).value  # type: ignore[union-attr]

    # control: the copied cookie works in another client while the session lives
    twin = app.test_client()
    twin.set_cookie(COOKIE, old_cookie)
    assert twin.get("/").status_code == 200

    response = form_post(client, "/abmelden")
    assert response.status_code == 302
    assert login_sessions(user_id) == 0

    replay = app.test_client()
    replay.set_cookie(COOKIE, old_cookie)
    response = replay.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/anmelden")


def test_logout_needs_a_post(client: FlaskClient, make: Factory) -> None:
    login(client, make.user())
    # (GET is routed to the tenant catch-all /<slug>/, where no tenant "abmelden" exists)
    assert client.get("/abmelden", follow_redirects=True).status_code in (404, 405)
    assert client.get("/").status_code == 200  # still logged in


# --- passwords ---------------------------------------------------------------------------


def test_passwords_are_hashed_with_argon2id(make: Factory) -> None:
    user = accounts.create_user("neu@example.org", "ein-langes-passwort", "Neu")
    assert user.password_hash is not None
    assert user.password_hash.startswith("$argon2id$")
    assert "ein-langes-passwort" not in user.password_hash


def test_login_rehashes_a_hash_made_with_weaker_parameters(
    client: FlaskClient, make: Factory
) -> None:
    user = make.user()
    email, user_id = user.email, user.id
    weak = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)
    user.password_hash = weak
    make.commit()
    assert accounts.hasher.check_needs_rehash(weak)

    assert sign_in(client, email).status_code == 302

    stored = db.get(User, user_id)
    assert stored is not None and stored.password_hash != weak
    assert stored.password_hash.startswith("$argon2id$")
    assert accounts.hasher.verify(stored.password_hash, PASSWORD)
    assert not accounts.hasher.check_needs_rehash(stored.password_hash)


# --- password reset ----------------------------------------------------------------------


def _request_reset(client: FlaskClient, email: str):  # type: ignore[no-untyped-def]
    return form_post(client, "/passwort/vergessen", {"email": email})


def test_password_reset_link_works_once(
    app: Flask, client: FlaskClient, make: Factory, outbox: Mailbox
) -> None:
    user = make.user()
    email = user.email
    elsewhere = app.test_client()
    login(elsewhere, user)

    assert _request_reset(client, email).status_code == 302
    [link] = outbox.links()
    assert outbox.html_links() == [link]
    path = link.removeprefix("http://localhost")
    assert path.startswith("/passwort/neu/")
    assert outbox.messages()[0]["To"] == email

    assert client.get(path).status_code == 200
    new = "ein-ganz-neues-passwort"
    response = form_post(client, path, {"password": new, "password_repeat": new})
    assert response.status_code == 302

    assert sign_in(app.test_client(), email, new).status_code == 302
    assert sign_in(app.test_client(), email, PASSWORD).status_code == 422
    assert elsewhere.get("/").status_code == 302  # every old session ended

    # second use: refused, password unchanged
    again = client.get(path)
    assert again.status_code == 404
    assert "Dieser Link gilt nicht mehr" in again.get_data(as_text=True)
    other = "noch-ein-anderes-passwort"
    response = form_post(client, path, {"password": other, "password_repeat": other})
    assert response.status_code == 404
    assert sign_in(app.test_client(), email, other).status_code == 422


def test_a_used_reset_link_voids_the_other_open_ones(
    app: Flask, client: FlaskClient, make: Factory, outbox: Mailbox
) -> None:
    user = make.user()
    email = user.email
    _request_reset(client, email)
    _request_reset(client, email)
    first, second = (link.removeprefix("http://localhost") for link in outbox.links())
    new = "ein-ganz-neues-passwort"
    assert form_post(client, second, {"password": new, "password_repeat": new}).status_code == 302
    assert client.get(first).status_code == 404


def test_expired_reset_link_is_refused(client: FlaskClient, make: Factory) -> None:
    user = make.user()
    email = user.email
    token, digest = new_token()
    db.add(
        PasswordReset(
            token_hash=digest, user_id=user.id, expires_at=utcnow() - dt.timedelta(minutes=1)
        )
    )
    make.commit()
    assert client.get(f"/passwort/neu/{token}").status_code == 404
    new = "ein-ganz-neues-passwort"
    response = form_post(
        client, f"/passwort/neu/{token}", {"password": new, "password_repeat": new}
    )
    assert response.status_code == 404
    assert sign_in(client, email, new).status_code == 422


def test_reset_link_is_stored_only_as_a_hash(
    client: FlaskClient, make: Factory, outbox: Mailbox
) -> None:
    user = make.user()
    _request_reset(client, user.email)
    token = outbox.links()[0].rsplit("/", 1)[1]
    hashes = db.scalars(select(PasswordReset.token_hash)).all()
    assert token not in hashes
    assert len(hashes) == 1 and len(hashes[0]) == 64


def test_unknown_email_answers_the_same_as_a_known_one(
    app: Flask, make: Factory, outbox: Mailbox
) -> None:
    user = make.user()
    known = _request_reset(app.test_client(), user.email)
    assert len(outbox.messages()) == 1
    outbox.clear()

    unknown_client = app.test_client()
    unknown = _request_reset(unknown_client, "unbekannt@example.org")
    assert outbox.messages() == []
    assert (unknown.status_code, unknown.headers["Location"]) == (
        known.status_code,
        known.headers["Location"],
    )
    page = unknown_client.get(unknown.headers["Location"]).get_data(as_text=True)
    assert "Wenn es zu dieser Adresse ein Konto gibt" in page


def test_new_password_too_short_is_refused_in_german(
    client: FlaskClient, make: Factory, outbox: Mailbox
) -> None:
    user = make.user()
    email = user.email
    _request_reset(client, email)
    path = outbox.links()[0].removeprefix("http://localhost")
    response = form_post(client, path, {"password": "kurz", "password_repeat": "kurz"})
    assert response.status_code == 422
    assert "Das Passwort muss 12 bis 200 Zeichen lang sein." in response.get_data(as_text=True)
    assert sign_in(client, email, "kurz").status_code == 422
    assert client.get(path).status_code == 200  # the link still works


# --- rate limits -------------------------------------------------------------------------

CHEAP = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@pytest.fixture()
def cheap_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """The limit tests log in dozens of times; argon2's real cost is not what they test."""
    monkeypatch.setattr(accounts, "hasher", CHEAP)


def test_wrong_passwords_from_elsewhere_do_not_lock_out_the_owner(
    app: Flask, make: Factory, settings: Settings, cheap_hashing: None
) -> None:
    """Finding 10: five wrong passwords used to lock the real user out for 10 minutes."""
    user = make.user()
    email = user.email
    user.password_hash = CHEAP.hash(PASSWORD)
    allowed = limits.parse(settings.login_limit_per_account).amount
    attacker = app.test_client()
    there = {"REMOTE_ADDR": "198.51.100.66"}
    for _ in range(allowed):
        assert sign_in(attacker, email, "falsch-falsch", environ_base=there).status_code == 422
    response = sign_in(attacker, email, "falsch-falsch", environ_base=there)
    assert response.status_code == 429  # the guesser is stopped
    assert "Zu viele Versuche" in response.get_data(as_text=True)
    # even with the right password, from the guessing address
    assert sign_in(attacker, email, environ_base=there).status_code == 429
    # the owner, from home, gets in at once
    owner = app.test_client()
    response = sign_in(owner, email, environ_base={"REMOTE_ADDR": "192.0.2.10"})
    assert response.status_code == 302
    assert "_user_id" in session_data(owner)


def test_guessing_from_many_addresses_is_stopped_but_not_at_the_owners_address(
    app: Flask,
    make: Factory,
    settings: Settings,
    cheap_hashing: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Across addresses a higher limit stops distributed guessing; an address the owner
    logged in from lately is exempt, so the owner still gets in there."""
    user = make.user()
    email = user.email
    user.password_hash = CHEAP.hash(PASSWORD)
    home = {"REMOTE_ADDR": "192.0.2.10"}
    owner = app.test_client()
    assert sign_in(owner, email, environ_base=home).status_code == 302
    form_post(owner, "/abmelden")
    lower = dataclasses.replace(settings, login_limit_per_account_all="6 per hour")
    monkeypatch.setitem(app.config, "VISIONSWERK", lower)
    bots = app.test_client()
    for i in range(6):
        addr = {"REMOTE_ADDR": f"198.51.100.{i + 1}"}
        assert sign_in(bots, email, "falsch-falsch", environ_base=addr).status_code == 422
    fresh = {"REMOTE_ADDR": "198.51.100.200"}
    assert sign_in(bots, email, "falsch-falsch", environ_base=fresh).status_code == 429
    assert sign_in(bots, email, environ_base=fresh).status_code == 429
    # the owner's own address was not guessed from and is known: in
    assert sign_in(owner, email, environ_base=home).status_code == 302


def test_login_is_limited_per_address_across_accounts(
    app: Flask, settings: Settings, cheap_hashing: None
) -> None:
    allowed = limits.parse(settings.login_limit_per_address).amount
    addr = {"REMOTE_ADDR": "203.0.113.7"}
    client = app.test_client()
    for i in range(allowed):
        response = sign_in(client, f"versuch{i}@example.org", "falsch", environ_base=addr)
        assert response.status_code == 422
    response = sign_in(client, "noch-einer@example.org", "falsch", environ_base=addr)
    assert response.status_code == 429
    assert "Zu viele Versuche" in response.get_data(as_text=True)
    # another address is not affected
    other = sign_in(client, "noch-einer@example.org", "falsch",
                    environ_base={"REMOTE_ADDR": "203.0.113.8"})  # fmt: skip
    assert other.status_code == 422


def test_successful_logins_do_not_use_up_the_address_limit(
    app: Flask, make: Factory, settings: Settings, cheap_hashing: None
) -> None:
    """A workshop group logs in from one town-hall address."""
    allowed = limits.parse(settings.login_limit_per_address).amount
    user = make.user()
    email = user.email
    user.password_hash = CHEAP.hash(PASSWORD)
    make.commit()
    addr = {"REMOTE_ADDR": "192.0.2.50"}
    for _ in range(allowed + 1):
        assert sign_in(app.test_client(), email, environ_base=addr).status_code == 302


# --- open redirects ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("next_url", "expected"),
    [
        ("/konto", "/konto"),
        ("/konto?x=1", "/konto?x=1"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example/", "/"),
        ("/\t/evil.example/", "/"),
        ("javascript:alert(1)", "/"),
        ("", "/"),
    ],
)
def test_login_redirects_only_within_the_site(
    client: FlaskClient, make: Factory, next_url: str, expected: str
) -> None:
    email = make.user().email
    token = csrf_token(client)
    response = client.post(
        "/anmelden",
        query_string={"next": next_url},
        data={"csrf_token": token, "email": email, "password": PASSWORD},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == expected


# --- the account page --------------------------------------------------------------------


def test_account_page_changes_display_name_and_language(client: FlaskClient, make: Factory) -> None:
    user = make.user(display_name="Alter Name")
    user_id = user.id
    login(client, user)
    assert "Alter Name" in client.get("/konto").get_data(as_text=True)
    response = form_post(client, "/konto", {"display_name": "  Sonnen   Blume ", "locale": "en"})
    assert response.status_code == 302
    stored = db.get(User, user_id)
    assert stored is not None
    assert (stored.display_name, stored.locale) == ("Sonnen Blume", "en")
    assert '<html lang="en">' in client.get("/konto").get_data(as_text=True)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"display_name": "   ", "locale": "de"}, "Anzeigename"),
        ({"display_name": "x" * 81, "locale": "de"}, "höchstens 80 Zeichen"),
        ({"display_name": "Gültig", "locale": "fr"}, "Diese Sprache wird nicht angeboten."),
    ],
)
def test_account_page_refuses_bad_input_and_changes_nothing(
    client: FlaskClient, make: Factory, data: dict[str, str], message: str
) -> None:
    user = make.user(display_name="Bleibt")
    user_id = user.id
    login(client, user)
    response = form_post(client, "/konto", data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Bitte prüfen Sie Ihre Eingaben" in html
    assert message in html
    assert data["display_name"].strip()[:10] in html or not data["display_name"].strip()
    stored = db.get(User, user_id)
    assert stored is not None
    assert (stored.display_name, stored.locale) == ("Bleibt", "de")


def test_update_profile_checks_everything_before_changing_anything(make: Factory) -> None:
    user = make.user(display_name="Bleibt")
    with pytest.raises(accounts.InvalidField) as err:
        accounts.update_profile(user, "Neuer Name", "fr")
    assert err.value.field == "locale"
    assert user.display_name == "Bleibt"


# --- the language switch -----------------------------------------------------------------


def test_language_switch_for_visitors(client: FlaskClient) -> None:
    response = form_post(client, "/sprache", {"lang": "en", "next": "/anmelden"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/anmelden"
    assert '<html lang="en">' in client.get("/anmelden").get_data(as_text=True)
    form_post(client, "/sprache", {"lang": "xx", "next": "/anmelden"})
    assert '<html lang="en">' in client.get("/anmelden").get_data(as_text=True)


def test_language_switch_is_stored_on_the_account(client: FlaskClient, make: Factory) -> None:
    user = make.user()
    user_id = user.id
    login(client, user)
    response = form_post(client, "/sprache", {"lang": "en", "next": "https://evil.example/"})
    assert response.headers["Location"] == "/"
    stored = db.get(User, user_id)
    assert stored is not None and stored.locale == "en"


def test_language_switch_needs_a_post(client: FlaskClient) -> None:
    assert client.get("/sprache?lang=en", follow_redirects=True).status_code in (404, 405)
    assert '<html lang="de">' in client.get("/anmelden").get_data(as_text=True)


# --- DSGVO: my data, delete my account ---------------------------------------------------


def test_data_export_is_a_json_download_of_own_data_only(
    client: FlaskClient, make: Factory
) -> None:
    region = make.region("ILE Musterland")
    town = make.municipality(region, "Gemeinde Musterhausen")
    user = make.user(town, "participant", display_name="Sonnenblume", email="sonne@example.org")
    make.user(town, "facilitator", email="andere@example.org")
    login(client, user)

    response = form_post(client, "/konto/daten")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.get_data(as_text=True))
    assert data["profile"]["email"] == "sonne@example.org"
    assert data["profile"]["display_name"] == "Sonnenblume"
    assert [(m["tenant"], m["role"]) for m in data["memberships"]] == [
        ("Gemeinde Musterhausen", "participant")
    ]
    assert len(data["login_sessions"]) == 1
    assert "andere@example.org" not in response.get_data(as_text=True)
    assert "password" not in json.dumps(data)


def test_data_export_needs_a_post_with_csrf(client: FlaskClient, make: Factory) -> None:
    login(client, make.user())
    assert client.get("/konto/daten", follow_redirects=True).status_code in (404, 405)
    assert client.post("/konto/daten").status_code == 400


def test_later_features_add_to_the_export_and_the_erasure(
    client: FlaskClient, make: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    erased: list[int] = []
    monkeypatch.setitem(personal_data._exporters, "beitraege", lambda u: [f"Text von {u.id}"])
    monkeypatch.setattr(
        personal_data, "_erasers", [*personal_data._erasers, lambda u: erased.append(u.id)]
    )
    user = make.user()
    user_id = user.id
    login(client, user)
    data = json.loads(form_post(client, "/konto/daten").get_data(as_text=True))
    assert data["beitraege"] == [f"Text von {user_id}"]
    form_post(client, "/konto/loeschen", {"password": PASSWORD})
    assert erased == [user_id]


def test_delete_account_needs_the_current_password(client: FlaskClient, make: Factory) -> None:
    town = make.municipality()
    user = make.user(town, "participant")
    user_id = user.id
    login(client, user)
    response = form_post(client, "/konto/loeschen", {"password": "falsches-passwort"})
    assert response.status_code == 422
    assert "Das Passwort stimmt nicht." in response.get_data(as_text=True)
    assert db.get(User, user_id) is not None
    assert client.get("/").status_code == 200


def test_delete_account_removes_account_memberships_and_every_session(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    town = make.municipality()
    user = make.user(town, "participant")
    email, user_id = user.email, user.id
    make.member(user, make.municipality(), Role.FACILITATOR)
    other_device = app.test_client()
    login(other_device, db.get(User, user_id))
    login(client, db.get(User, user_id))
    assert login_sessions(user_id) == 2

    response = form_post(client, "/konto/loeschen", {"password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/anmelden")
    assert db.get(User, user_id) is None
    assert db.scalars(select(Membership).where(Membership.user_id == user_id)).all() == []
    assert login_sessions(user_id) == 0
    assert client.get("/").status_code == 302
    assert other_device.get("/").status_code == 302
    assert sign_in(app.test_client(), email).status_code == 422


# --- form-level messages and the error summary ----------------------------------------------


def test_a_wrong_login_is_announced_for_the_form_not_glued_to_the_email_field(
    client: FlaskClient, make: Factory
) -> None:
    from tests.pages.conftest import text_of

    email = make.user().email
    html = sign_in(client, email, "falsches-passwort").get_data(as_text=True)
    summary = html[
        html.index('class="error-summary"') : html.index(
            "</div>", html.index('class="error-summary"')
        )
    ]
    assert 'role="alert"' in summary and WRONG in text_of(summary)
    assert 'href="#email"' not in summary  # not a link to one field
    assert 'aria-invalid="true"' not in html and 'id="email-error"' not in html
    assert f'value="{email}"' in html  # what was typed stays


def test_the_error_summary_names_short_labels_and_never_glues_a_sentence_label(
    app: Flask,
) -> None:
    from flask import render_template_string
    from flask_wtf import FlaskForm
    from wtforms import BooleanField, StringField

    class Form(FlaskForm):
        class Meta:
            csrf = False

        name = StringField("Name")
        confirm = BooleanField(
            "Ich habe den Text gelesen und bestätige ihn mit meiner Unterschrift."
        )

    with app.test_request_context():
        form = Form()
        form.name.errors = ["Bitte geben Sie den Namen an."]
        form.confirm.errors = ["Bitte bestätigen Sie, dass Sie unterschreiben."]
        html = render_template_string(
            '{% from "_forms.html" import error_summary %}{{ error_summary(form) }}', form=form
        )
    assert "Unterschrift.:" not in html
    assert '<a href="#confirm">Bitte bestätigen Sie, dass Sie unterschreiben.</a>' in html
    assert '<span class="error-field">Name:</span> Bitte geben Sie den Namen an.' in html


# --- Passwort ändern, mail settings, developer features -------------------------------------


def change(client: FlaskClient, current: str, new: str, repeat: str | None = None):  # type: ignore[no-untyped-def]
    return form_post(
        client,
        "/konto/passwort",
        {"current_password": current, "password": new, "password_repeat": repeat or new},
    )


def test_changing_the_password_needs_the_current_one(client: FlaskClient, make: Factory) -> None:
    user = make.user()
    user_id = user.id
    login(client, user)
    before = db.get(User, user_id).password_hash  # type: ignore[union-attr]
    wrong = change(client, "nicht-das-passwort", "ganz-neues-passwort")
    assert wrong.status_code == 422
    assert "Das bisherige Passwort stimmt nicht." in wrong.get_data(as_text=True)
    assert db.get(User, user_id, populate_existing=True).password_hash == before  # type: ignore[union-attr]
    short = change(client, PASSWORD, "kurz")
    assert short.status_code == 422 and "12 bis 200 Zeichen" in short.get_data(as_text=True)
    mismatch = change(client, PASSWORD, "ganz-neues-passwort", "anders-getippt-1")
    assert mismatch.status_code == 422
    assert "Die beiden Passwörter stimmen nicht überein." in mismatch.get_data(as_text=True)
    assert db.get(User, user_id, populate_existing=True).password_hash == before  # type: ignore[union-attr]


def test_a_changed_password_logs_out_other_devices_but_not_this_one(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    user = make.user()
    email, user_id = user.email, user.id
    other_device = app.test_client()
    assert sign_in(client, email).status_code == 302
    assert sign_in(other_device, email).status_code == 302
    assert login_sessions(user_id) == 2
    response = change(client, PASSWORD, "ganz-neues-passwort")
    assert response.status_code == 302 and response.headers["Location"] == "/konto"
    assert "Ihr Passwort ist geändert" in client.get("/konto").get_data(as_text=True)
    assert login_sessions(user_id) == 1
    assert other_device.get("/konto").status_code == 302  # sent to the login
    stored = db.get(User, user_id, populate_existing=True)
    assert stored is not None and stored.password_hash.startswith("$argon2id$")
    assert sign_in(app.test_client(), email, PASSWORD).status_code == 422
    assert sign_in(app.test_client(), email, "ganz-neues-passwort").status_code == 302


def test_the_account_page_shows_the_mail_settings_and_links_to_them(
    client: FlaskClient, make: Factory
) -> None:
    user = make.user()
    login(client, user)
    page = client.get("/konto").get_data(as_text=True)
    assert "Erinnerungen vor Fristen: <strong>an</strong>" in page
    assert 'href="/benachrichtigungen"' in page
    form_post(client, "/benachrichtigungen", {"digest": "1"})  # reminders unticked
    page = client.get("/konto").get_data(as_text=True)
    assert "Erinnerungen vor Fristen: <strong>aus</strong>" in page
    assert "Tagesübersicht statt einzelner E-Mails: <strong>an</strong>" in page
    assert "Passwort ändern" in page
