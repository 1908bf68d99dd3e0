"""A form sent after the login session ended keeps its text: after logging in again the
page it was on shows it with "Ihr Text wurde aufbewahrt — bitte noch einmal speichern."
Never passwords or tokens, never text sent from another site, shown once."""

from __future__ import annotations

import json

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete, func, select

from tests.conftest import form_post
from tests.factories import PASSWORD, Factory
from visionswerk.db import db
from visionswerk.platform.models import KeptForm
from visionswerk.tenants.models import LoginSession

ORIGIN = "http://localhost"
KEPT = "Ihr Text wurde aufbewahrt — bitte noch einmal speichern."
QUESTION = "Wie leben wir 2035 in Musterhausen – mit Glasfaser & Bürgerbus? <b>fett</b>"


def end_sessions() -> None:
    """The session ended (expired, or ended on another device): its row is gone."""
    db.execute(delete(LoginSession))
    db.commit()


def login(client: FlaskClient, email: str, next_url: str):  # type: ignore[no-untyped-def]
    return form_post(client, f"/anmelden?next={next_url}", {"email": email, "password": PASSWORD})


def kept_rows() -> list[KeptForm]:
    return list(db.scalars(select(KeptForm)))


def test_a_workshop_form_sent_after_the_session_ended_comes_back_after_login(
    client: FlaskClient, make: Factory
) -> None:
    town = make.municipality(make.region())
    slug = town.slug
    email = make.user(town, "facilitator").email
    assert form_post(client, "/anmelden", {"email": email, "password": PASSWORD}).status_code == 302
    page = f"/{slug}/workshops/neu"
    assert client.get(page).status_code == 200
    end_sessions()

    sent = form_post(
        client,
        page,
        {"title": "Musterhausen 2035", "guiding_question": QUESTION, "password": "geheim"},
        headers={"Origin": ORIGIN, "Referer": ORIGIN + page},
    )
    assert sent.status_code == 302
    assert sent.headers["Location"].startswith("/anmelden?next=")
    [row] = kept_rows()
    fields = json.loads(row.fields)
    assert fields == {"title": ["Musterhausen 2035"], "guiding_question": [QUESTION]}
    assert row.page == page and row.action == page

    back = login(client, email, page)
    assert back.headers["Location"] == page
    html = client.get(page).get_data(as_text=True)
    assert KEPT in html
    assert "Musterhausen 2035" in html and "Glasfaser \\u0026 B\\u00fcrgerbus" in html
    assert "<b>fett</b>" not in html  # JSON in the page is escaped, never markup
    again = client.get(page).get_data(as_text=True)
    assert KEPT not in again  # shown once


def test_a_form_from_another_site_plants_nothing(client: FlaskClient, make: Factory) -> None:
    town = make.municipality(make.region())
    slug = town.slug
    email = make.user(town, "facilitator").email
    form_post(client, "/anmelden", {"email": email, "password": PASSWORD})
    end_sessions()
    sent = form_post(
        client,
        f"/{slug}/workshops/neu",
        {"title": "Untergeschoben"},
        headers={"Origin": "https://boese.example"},
    )
    assert sent.status_code == 302 and sent.headers["Location"].startswith("/anmelden")
    assert kept_rows() == []


def test_passwords_and_tokens_are_never_kept(client: FlaskClient, make: Factory) -> None:
    user = make.user()
    form_post(client, "/anmelden", {"email": user.email, "password": PASSWORD})
    end_sessions()
    form_post(
        client,
        "/konto/passwort",
        {"current_password": PASSWORD, "password": "neu-neu-neu-neu", "password_repeat": "x"},
        headers={"Origin": ORIGIN, "Referer": ORIGIN + "/konto"},
    )
    assert kept_rows() == []  # nothing but passwords and the CSRF token: nothing to keep


def test_without_cookies_nothing_is_kept_on_the_server_but_the_text_is_shown(
    app: Flask, make: Factory
) -> None:
    """The browser lost its cookies: whose text it is is unknown, so the server keeps
    nothing for a later login; the error page shows the text to copy."""
    make.user()
    browser = app.test_client()
    sent = browser.post(
        "/konto",
        data={"display_name": "Neuer Name", "locale": "de", "csrf_token": "alt"},
        headers={"Origin": ORIGIN, "Referer": ORIGIN + "/konto"},
    )
    assert sent.status_code == 400
    assert "Neuer Name" in sent.get_data(as_text=True)
    assert db.scalar(select(func.count()).select_from(KeptForm)) == 0


def test_the_next_person_on_a_shared_computer_never_gets_the_text(
    client: FlaskClient, make: Factory
) -> None:
    town = make.municipality(make.region())
    slug = town.slug
    first = make.user(town, "facilitator").email
    second = make.user(town, "facilitator").email
    form_post(client, "/anmelden", {"email": first, "password": PASSWORD})
    end_sessions()
    page = f"/{slug}/workshops/neu"
    form_post(
        client,
        page,
        {"title": "Geheimer Entwurf von Person eins"},
        headers={"Origin": ORIGIN, "Referer": ORIGIN + page},
    )
    assert len(kept_rows()) == 1
    assert login(client, second, page).status_code == 302
    html = client.get(page).get_data(as_text=True)
    assert KEPT not in html and "Geheimer Entwurf" not in html


def test_kept_text_is_only_shown_on_its_page(client: FlaskClient, make: Factory) -> None:
    email = make.user().email
    form_post(client, "/anmelden", {"email": email, "password": PASSWORD})
    end_sessions()
    form_post(
        client,
        "/konto",
        {"display_name": "Nur hier", "locale": "de"},
        headers={"Origin": ORIGIN, "Referer": ORIGIN + "/konto"},
    )
    login(client, email, "/konto")
    assert KEPT not in client.get("/").get_data(as_text=True)
    assert KEPT in client.get("/konto").get_data(as_text=True)


def test_kept_text_goes_with_the_account(make: Factory) -> None:
    from visionswerk.tenants import accounts

    user = make.user()
    db.add(
        KeptForm(key_hash="0" * 64, owner_id=user.id, page="/konto", action="/konto", fields="{}")
    )
    db.commit()
    accounts.delete_account(user, PASSWORD)
    db.commit()
    assert kept_rows() == []


def test_a_scripts_request_is_not_a_form_to_keep(client: FlaskClient, make: Factory) -> None:
    email = make.user().email
    form_post(client, "/anmelden", {"email": email, "password": PASSWORD})
    end_sessions()
    form_post(
        client,
        "/konto",
        {"display_name": "Von einem Skript", "locale": "de"},
        headers={"Origin": ORIGIN, "Sec-Fetch-Mode": "cors"},
    )
    assert kept_rows() == []
