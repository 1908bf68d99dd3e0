"""The development outbox page: lists and shows the mails of the outbox folder, and
exists only in development."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine

from tests.conftest import Mailbox
from visionswerk import db as dbmod
from visionswerk.settings import Settings
from visionswerk.worker.celery_app import celery, configure
from visionswerk.worker.outbox import queue_email

pytestmark = pytest.mark.committing


def make_app(app: Flask, settings: Settings, engine: Engine, env: str) -> Flask:
    from visionswerk.platform import create_app

    return create_app(
        dataclasses.replace(settings, env=env),
        ENGINE=engine,
        TESTING=True,
        RATELIMIT_STORAGE_OPTIONS=app.config["RATELIMIT_STORAGE_OPTIONS"],
    )


@pytest.fixture()
def dev_client(app: Flask, settings: Settings, engine: Engine) -> Iterator[FlaskClient]:
    yield make_app(app, settings, engine, "development").test_client()
    configure(celery, settings)


def test_the_outbox_page_lists_and_shows_the_mails(
    dev_client: FlaskClient, outbox: Mailbox
) -> None:
    queue_email(
        "t:dev:1",
        "erika@example.org",
        "Einladung nach Musterhausen",
        "Guten Tag,\n\nEinladung annehmen:\nhttp://localhost/musterhausen/einladung/abc123\n",
        "<p>Guten Tag</p>",
    )
    queue_email("t:dev:2", "max@example.org", "Neues Passwort", "Hallo Max")
    dbmod.commit()  # eager tasks write both to the outbox folder
    assert len(outbox.messages()) == 2

    page = dev_client.get("/_dev/postausgang")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Einladung nach Musterhausen" in html
    assert "erika@example.org" in html
    assert "Neues Passwort" in html
    [name] = [f.name for f in outbox.folder.glob("*.eml") if "Einladung" in f.read_text()]

    shown = dev_client.get(f"/_dev/postausgang/{name}")
    assert shown.status_code == 200
    body = shown.get_data(as_text=True)
    assert "<h1>Einladung nach Musterhausen</h1>" in body
    link = "http://localhost/musterhausen/einladung/abc123"
    assert f'<a href="{link}">{link}</a>' in body
    assert "&lt;p&gt;Guten Tag&lt;/p&gt;" in body  # the HTML part, as escaped source


@pytest.mark.parametrize("name", ["nichtda.eml", "..%2Fsecret_key", "secret_key", ".hidden.eml"])
def test_only_mails_of_the_outbox_folder_can_be_opened(
    dev_client: FlaskClient, outbox: Mailbox, name: str
) -> None:
    assert dev_client.get(f"/_dev/postausgang/{name}").status_code == 404


def test_an_empty_outbox_says_so(dev_client: FlaskClient, outbox: Mailbox) -> None:
    page = dev_client.get("/_dev/postausgang")
    assert page.status_code == 200
    assert "Der Postausgang ist leer." in page.get_data(as_text=True)


@pytest.mark.parametrize("env", ["testing", "production"])
def test_the_outbox_page_does_not_exist_outside_development(
    app: Flask, settings: Settings, engine: Engine, outbox: Mailbox, env: str
) -> None:
    queue_email("t:dev:hidden", "a@example.org", "Geheim", "Text")
    dbmod.commit()
    [name] = [f.name for f in outbox.folder.glob("*.eml")]
    try:
        client = make_app(app, settings, engine, env).test_client()
        assert client.get("/_dev/postausgang").status_code == 404
        assert client.get(f"/_dev/postausgang/{name}").status_code == 404
    finally:
        configure(celery, settings)


def test_the_address_the_demo_prints_is_the_outbox_page(dev_client: FlaskClient) -> None:
    from urllib.parse import urlsplit

    from visionswerk.platform.cli import outbox_url

    page = dev_client.get(urlsplit(outbox_url("127.0.0.1", 5000)).path)
    assert page.status_code == 200 and "Postausgang" in page.get_data(as_text=True)


def test_a_mails_attachment_is_listed_and_downloads_as_sent(
    dev_client: FlaskClient, outbox: Mailbox
) -> None:
    from visionswerk.worker.outbox import Attachment

    entry = Attachment(
        "Frist-Bestätigung-Workshop-3.ics", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n",
        "text/calendar", (("method", "PUBLISH"),),
    )  # fmt: skip
    queue_email("t:dev:ics", "a@example.org", "Neuer Schritt", "Hallo", attachments=[entry])
    dbmod.commit()
    [name] = [f.name for f in outbox.folder.glob("*.eml")]
    body = dev_client.get(f"/_dev/postausgang/{name}").get_data(as_text=True)
    link = f"/_dev/postausgang/{name}/anhang/1"
    assert f'<a href="{link}">Frist-Bestätigung-Workshop-3.ics</a> (text/calendar)' in body
    download = dev_client.get(link)
    assert (download.status_code, download.mimetype, download.data) == (
        200, "text/calendar", entry.content,
    )  # fmt: skip
    assert dev_client.get(f"/_dev/postausgang/{name}/anhang/2").status_code == 404
