"""Real Chromium at 390 and 1,280 px, as people meet the account rules of issue 13:

* a facilitator writes a new workshop, her session ends meanwhile (the login session row
  is deleted), she presses save, logs in — and the text is back in the form;
* an invitation opened by another account explains how to switch and accepts nothing;
* an expired signing link says whom to ask; the facilitator sees until when links work.

Every page passes axe-core and fits the window; screenshots go to VISIONSWERK_SHOTS
(default: pytest's temporary folder)."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete

from tests.browser.test_invitation_browser import fits
from tests.browser.test_login_browser import browser_page, live_server  # noqa: F401 (fixtures)
from tests.conftest import Mailbox
from tests.factories import PASSWORD
from tests.pages.test_accessibility_browser import login
from visionswerk.db import db, utcnow
from visionswerk.tenants.models import LoginSession
from visionswerk.workshops import services as ws
from visionswerk.workshops.models import Signatory

pytestmark = [pytest.mark.browser, pytest.mark.committing]

QUESTION = "Wie leben wir 2035 in Musterhausen – mit Glasfaser, Bürgerbus und Dorfladen? 🌻"


def shoot(page: Any, tmp_path: Path, name: str, width: int) -> None:  # type: ignore[no-untyped-def]
    folder = Path(os.environ.get("VISIONSWERK_SHOTS") or tmp_path / "shots")
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"accounts-{name}-{width}.png"), full_page=True)


@pytest.mark.parametrize("width", [390, 1280])
def test_text_typed_before_the_session_ended_is_back_after_login(  # type: ignore[no-untyped-def]
    live_server: str,  # noqa: F811
    browser_page,  # noqa: F811
    make,
    tmp_path: Path,
    width: int,
) -> None:
    from playwright.sync_api import expect

    town = make.municipality(make.region(), "Gemeinde Musterhausen")
    email = make.user(town, "facilitator", display_name="Moritz Moderator").email
    page = browser_page
    page.set_viewport_size({"width": width, "height": 900})
    login(page, live_server, email)
    page.goto(f"{live_server}/{town.slug}/workshops/neu")
    page.get_by_label("Titel").fill("Musterhausen 2035")
    page.get_by_label("Leitfrage").fill(QUESTION)

    db.execute(delete(LoginSession))  # the session ends while she writes
    db.commit()
    page.locator("form[action$='/workshops/neu'] button[type=submit]").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Anmelden")
    page.get_by_label("E-Mail-Adresse").fill(email)
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()

    expect(
        page.get_by_text("Ihr Text wurde aufbewahrt — bitte noch einmal speichern.")
    ).to_be_visible()
    expect(page.get_by_label("Titel")).to_have_value("Musterhausen 2035")
    expect(page.get_by_label("Leitfrage")).to_have_value(QUESTION)
    shoot(page, tmp_path, "kept-text", width)
    fits(page, width, "workshop form with kept text")
    page.locator("form[action$='/workshops/neu'] button[type=submit]").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Musterhausen 2035")


@pytest.mark.parametrize("width", [390, 1280])
def test_an_invitation_opened_by_another_account(  # type: ignore[no-untyped-def]
    live_server: str,  # noqa: F811
    browser_page,  # noqa: F811
    make,
    outbox: Mailbox,
    tmp_path: Path,
    width: int,
) -> None:
    from playwright.sync_api import expect

    town = make.municipality(make.region(), "Gemeinde Musterhausen")
    facilitator = make.user(town, "facilitator").email
    stranger = make.user(make.municipality(make.region()), "participant").email
    page = browser_page
    page.set_viewport_size({"width": width, "height": 900})
    login(page, live_server, facilitator)
    page.goto(f"{live_server}/{town.slug}/")
    page.get_by_label("E-Mail-Adresse").fill(
        "eine.sehr.lange.adresse@gemeinde-musterhausen.example"
    )
    page.get_by_role("button", name="Einladung senden").click()
    [link] = outbox.links()

    login(page, live_server, stranger)
    page.goto(link.replace("http://localhost", live_server))
    expect(
        page.get_by_role("heading", name="Diese Einladung gilt für eine andere E-Mail-Adresse")
    ).to_be_visible()
    shoot(page, tmp_path, "invitation-other-account", width)
    fits(page, width, "invitation for another address")
    page.get_by_role("button", name="Abmelden und Einladung öffnen").click()
    expect(page.get_by_role("heading", name="Konto anlegen")).to_be_visible()


@pytest.mark.parametrize("width", [390, 1280])
def test_an_expired_signing_link_and_the_facilitators_view(  # type: ignore[no-untyped-def]
    live_server: str,  # noqa: F811
    browser_page,  # noqa: F811
    make,
    tmp_path: Path,
    width: int,
) -> None:
    from playwright.sync_api import expect

    setup = make.workshop(phase="signing", participants=2)
    with setup.scope():
        signatory, token = ws.add_signatory(
            setup.facilitator, setup.workshop, name="Gerda Gemeinderätin", function="Gemeinderätin"
        )
        ws.add_signatory(setup.facilitator, setup.workshop, name="Bernd Bürgermeister")
        signatory.link_expires_at = utcnow() - dt.timedelta(hours=2)
        db.commit()
    page = browser_page
    page.set_viewport_size({"width": width, "height": 900})
    response = page.goto(f"{live_server}/{setup.tenant.slug}/unterschreiben/{token}")
    assert response is not None and response.status == 410
    expect(page.get_by_role("heading", name="Dieser Link ist abgelaufen")).to_be_visible()
    expect(
        page.get_by_text(f"Bitte wenden Sie sich an {setup.facilitator.display_name}")
    ).to_be_visible()
    shoot(page, tmp_path, "sign-link-expired", width)
    fits(page, width, "expired signing link")

    login(page, live_server, setup.facilitator.email)
    page.goto(f"{live_server}/{setup.tenant.slug}/workshops/{setup.id}/bestaetigung#liste")
    expect(page.get_by_text("Link abgelaufen am", exact=False)).to_be_visible()
    expect(page.get_by_text("Link gültig bis", exact=False)).to_be_visible()
    page.get_by_role("button", name="Neuen Link erzeugen – Gerda Gemeinderätin").click()
    expect(page.get_by_text("Er gilt bis", exact=False)).to_be_visible()
    shoot(page, tmp_path, "signing-page-links", width)
    fits(page, width, "signing page with link validity")
    with setup.scope():
        renewed = db.get(Signatory, signatory.id, populate_existing=True)
        assert renewed is not None and renewed.link_expires_at > utcnow()  # type: ignore[operator]
