"""Links to sign by expire: after SIGNING_LINK_DAYS (default 30), never past the signing
deadline. An expired link answers 410 with a plain page saying whom to ask; the
facilitator sees until when each link works (local time) and can make a new one."""

from __future__ import annotations

import dataclasses
import datetime as dt

from flask import Flask
from sqlalchemy import select

from tests.conftest import Mailbox
from tests.factories import Factory
from tests.pages.conftest import Visitor, text_of
from tests.pages.test_sign_link import link_of, named_signatory
from visionswerk.db import db, utcnow
from visionswerk.settings import Settings
from visionswerk.workshops.models import Signatory, Workshop
from visionswerk.workshops.signing import link_expiry


def gerda(setup) -> Signatory:  # type: ignore[no-untyped-def]
    with setup.scope():
        found = db.scalar(select(Signatory).where(Signatory.name == "Gerda Gemeinderätin"))
        assert found is not None
        return found


def expire(setup) -> None:  # type: ignore[no-untyped-def]
    with setup.scope():
        row = gerda(setup)
        row.link_expires_at = utcnow() - dt.timedelta(minutes=1)
        db.commit()


def test_a_new_link_works_for_30_days_and_the_pages_say_until_when(
    app: Flask, make: Factory, outbox: Mailbox
) -> None:
    before = utcnow()
    setup, moderator, _sha = named_signatory(app, make)
    until = gerda(setup).link_expires_at
    assert until is not None
    assert dt.timedelta(days=30) <= until - before <= dt.timedelta(days=30, minutes=1)
    page = text_of(moderator.html(f"/{setup.tenant.slug}/workshops/{setup.id}/bestaetigung"))
    assert "Link gültig bis" in page and "UTC" not in page
    assert "Dieser Link gilt bis" in text_of(Visitor(app).html(link_of(outbox)))
    [mail] = outbox.messages()
    for part in (mail.get_body(("plain",)).get_content(), mail.get_body(("html",)).get_content()):
        assert "Er gilt bis" in part and "UTC" not in part


def test_an_expired_link_answers_410_says_whom_to_ask_and_signs_nothing(
    app: Flask, make: Factory, outbox: Mailbox
) -> None:
    setup, moderator, sha = named_signatory(app, make)
    expire(setup)
    guest = Visitor(app)
    link = link_of(outbox)
    response = guest.get(link, status=410)
    words = text_of(response.get_data(as_text=True))
    assert "Dieser Link ist abgelaufen" in words
    assert f"Bitte wenden Sie sich an {setup.facilitator.display_name}" in words
    assert setup.tenant.name in words
    guest.post(link, {"sha256": sha}, status=410)
    guest.post(link + "/ablehnen", {"reason": "zu spät"}, status=410)
    assert gerda(setup).signature is None

    # the facilitator sees it expired and makes a new link, which works
    slug = setup.tenant.slug
    page = text_of(moderator.html(f"/{slug}/workshops/{setup.id}/bestaetigung"))
    assert "Link abgelaufen am" in page and "bitte einen neuen Link erzeugen" in page
    made = moderator.post(f"/{slug}/unterzeichnende/{gerda(setup).id}/link", status=302)
    shown = text_of(moderator.follow(made))
    assert "Er gilt bis" in shown
    assert gerda(setup).link_expires_at > utcnow()  # type: ignore[operator]


def test_a_link_never_outlives_the_signing_deadline(app: Flask, make: Factory) -> None:
    setup = make.workshop(phase="signing", participants=2)
    with setup.scope():
        workshop = db.get(Workshop, setup.id)
        assert workshop is not None
        soon = utcnow() + dt.timedelta(days=3)
        workshop.deadline_signing = soon
        assert link_expiry(workshop, 30) == soon
        assert link_expiry(workshop, 1) < soon  # the shorter of the two
        workshop.deadline_signing = utcnow() - dt.timedelta(days=1)  # passed, still open
        assert link_expiry(workshop, 30) > utcnow() + dt.timedelta(days=29)


def test_signing_link_days_is_a_setting(
    app: Flask, make: Factory, settings: Settings, monkeypatch, outbox: Mailbox
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setitem(
        app.config, "VISIONSWERK", dataclasses.replace(settings, signing_link_days=2)
    )
    setup, _moderator, _sha = named_signatory(app, make)
    until = gerda(setup).link_expires_at
    assert until is not None and until - utcnow() <= dt.timedelta(days=2)
    assert Settings.from_env({"SIGNING_LINK_DAYS": "7"}).signing_link_days == 7
    assert Settings.from_env({}).signing_link_days == 30
