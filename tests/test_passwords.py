"""New passwords (registration, reset, change, create-admin) as ASVS 5.0 V6.2 asks:
at least 12 characters and at least 64 allowed, not the account's address or name, not
breached, not easy to guess — checked offline, with no network call."""

from __future__ import annotations

import socket

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.conftest import Mailbox, form_post, login
from tests.factories import PASSWORD, Factory
from tests.test_invitations import NEW_PASSWORD
from visionswerk.db import db
from visionswerk.platform.demo import DEMO_PASSWORD
from visionswerk.tenants import accounts
from visionswerk.tenants.accounts import InvalidField, validate_password
from visionswerk.tenants.models import User

SHORT = "Das Passwort muss mindestens 12 Zeichen lang sein."
BREACHED = "Listen gestohlener Passwörter"
GUESSABLE = "leicht zu erraten"
OWN = "nicht Ihre E-Mail-Adresse oder Ihr Name"


@pytest.fixture()
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any connection attempt during the check fails the test: the lists are local."""

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the password check tried to reach the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("1234567890", SHORT),  # the finding: accepted before
        ("elf-zeichen", SHORT),
        ("123456789012", BREACHED),
        ("passwort1234", BREACHED),
        ("!alfonso921!", BREACHED),  # in the breached list, though zxcvbn rates it fair
        ("qwertzuiopasdf", GUESSABLE),  # a keyboard row, not in the list
        ("abcabcabcabcabc", GUESSABLE),
        ("visionswerk2035", GUESSABLE),  # the product's name and a year (context words)
        ("anna.beispiel@example.org", OWN),
        ("Anna Beispiel-Meier", OWN),
        ("x" * 201, "höchstens 200 Zeichen"),
    ],
)
def test_weak_passwords_are_refused_with_a_plain_reason(
    no_network: None, password: str, message: str
) -> None:
    with pytest.raises(InvalidField) as err:
        validate_password(
            password, email="anna.beispiel@example.org", display_name="Anna Beispiel-Meier"
        )
    assert err.value.field == "password"
    assert message in str(err.value)


@pytest.mark.parametrize(
    "password",
    [
        DEMO_PASSWORD,  # musterland-2035: the demo keeps working
        PASSWORD,  # the test factories' password
        NEW_PASSWORD,
        "Birnbaum Rathaus Fahrrad",  # words with spaces: any characters are allowed
        "ä" * 3 + " Grüße aus Öd 🌻 und Glasfaser",
        "Sieben Zwerge hinter den Bergen, " * 2,  # 66 characters (V6.2.9: 64 allowed)
    ],
)
def test_good_passwords_pass(no_network: None, password: str) -> None:
    assert validate_password(password, email="anna@example.org", display_name="Anna") == password


def test_registration_refuses_a_common_password_and_creates_nothing(
    app: Flask, client: FlaskClient, make: Factory, outbox: Mailbox
) -> None:
    town = make.municipality(make.region())
    slug = town.slug
    login(client, make.user(town, "facilitator"))
    form_post(client, f"/{slug}/einladungen", {"email": "neu@example.org", "role": "participant"})
    [link] = outbox.links()
    guest = app.test_client()
    weak = "123456789012"
    response = form_post(
        guest,
        link.removeprefix("http://localhost"),
        {"display_name": "Neu", "password": weak, "password_repeat": weak},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert BREACHED in html
    assert 'value="Neu"' in html and weak not in html
    assert db.scalar(select(User).where(User.email == "neu@example.org")) is None


def test_reset_refuses_the_own_address_as_password(
    client: FlaskClient, make: Factory, outbox: Mailbox
) -> None:
    email = make.user(email="lang-genug@example.org").email
    form_post(client, "/passwort/vergessen", {"email": email})
    path = outbox.links()[0].removeprefix("http://localhost")
    response = form_post(client, path, {"password": email, "password_repeat": email})
    assert response.status_code == 422
    assert OWN in response.get_data(as_text=True)
    assert client.get(path).status_code == 200  # the link still works


def test_passwort_aendern_is_on_mein_konto_needs_the_current_password_and_the_rules(
    client: FlaskClient, make: Factory
) -> None:
    user = make.user()
    user_id = user.id
    login(client, user)
    page = client.get("/konto").get_data(as_text=True)
    assert "Passwort ändern" in page and 'action="/konto/passwort"' in page
    assert 'autocomplete="current-password"' in page
    assert "Häufige und gestohlene Passwörter werden abgelehnt." in page
    before = db.get(User, user_id).password_hash  # type: ignore[union-attr]

    no_current = form_post(
        client,
        "/konto/passwort",
        {"password": "Birnbaum Rathaus", "password_repeat": "Birnbaum Rathaus"},
    )
    assert no_current.status_code == 422
    assert "Bitte geben Sie Ihr bisheriges Passwort ein." in no_current.get_data(as_text=True)
    weak = form_post(
        client,
        "/konto/passwort",
        {
            "current_password": PASSWORD,
            "password": "passwort1234",
            "password_repeat": "passwort1234",
        },
    )
    assert weak.status_code == 422 and BREACHED in weak.get_data(as_text=True)
    assert db.get(User, user_id, populate_existing=True).password_hash == before  # type: ignore[union-attr]


def test_existing_passwords_still_log_in(client: FlaskClient, make: Factory) -> None:
    """The rules apply to new passwords only: nobody is locked out of an account."""
    user = make.user()
    user.password_hash = accounts.hash_password("kurz-altes")
    db.commit()
    response = form_post(client, "/anmelden", {"email": user.email, "password": "kurz-altes"})
    assert response.status_code == 302
