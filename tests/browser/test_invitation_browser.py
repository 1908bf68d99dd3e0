"""Real Chromium at 390 and 1,280 px: a newcomer registers from the invitation in the mail,
and a person without an account opens a signing link and declines. Every page on the way
passes axe-core (no serious or critical violation) and is no wider than the window."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.test_login_browser import browser_page, live_server  # noqa: F401 (fixtures)
from tests.conftest import Mailbox
from tests.pages.test_accessibility_browser import check, login
from visionswerk.db import db
from visionswerk.workshops import services as ws

pytestmark = [pytest.mark.browser, pytest.mark.committing]


def fits(page: Any, width: int, what: str) -> None:  # type: ignore[no-untyped-def]
    page.set_viewport_size({"width": width, "height": 900})
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"{what}: {scroll} px wide at {width} px"
    check(page, f"{what} at {width} px")


@pytest.mark.parametrize("width", [390, 1280])
def test_register_from_the_invitation_mail(  # type: ignore[no-untyped-def]
    live_server: str,  # noqa: F811
    browser_page,  # noqa: F811
    make,
    outbox: Mailbox,
    width: int,
) -> None:
    from playwright.sync_api import expect

    town = make.municipality(make.region(), "Gemeinde Musterhausen")
    facilitator = make.user(town, "facilitator", display_name="Moritz Moderator").email
    page = browser_page
    page.set_viewport_size({"width": width, "height": 900})
    login(page, live_server, facilitator)
    page.goto(f"{live_server}/{town.slug}/workshops/neu")
    page.get_by_label("Titel").fill("Musterhausen 2035")
    page.get_by_label("Leitfrage").fill("Wie leben wir 2035 in Musterhausen?")
    page.locator("#deadline_individual").fill("2030-06-12T18:00")
    page.get_by_label("Weitere Personen per E-Mail einladen").fill("neu@example.org")
    page.locator("form[action$='/workshops/neu'] button[type=submit]").click()
    expect(
        page.get_by_role("heading", name="Eingeladen, noch nicht angenommen (1)")
    ).to_be_visible()
    fits(page, width, "workshop page with an open invitation")

    [link] = outbox.links()
    page.context.clear_cookies()
    page.goto(link.replace("http://localhost", live_server))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Einladung zum Workshop „Musterhausen 2035“"
    )
    expect(page.get_by_text("12. Juni 2030, 18:00", exact=False)).to_be_visible()
    fits(page, width, "register page")
    page.get_by_label("Anzeigename").fill("Sonnenblume")
    page.locator("#password").fill("mein-eigenes-passwort")
    page.get_by_label("Passwort wiederholen").fill("mein-eigenes-passwort")
    page.get_by_role("button", name="Konto anlegen und Einladung annehmen").click()
    expect(
        page.get_by_text("Willkommen! Sie nehmen jetzt am Workshop „Musterhausen 2035“ teil.")
    ).to_be_visible()
    page.goto(f"{live_server}/konto")
    expect(page.get_by_role("heading", name="Passwort ändern")).to_be_visible()
    fits(page, width, "account page")


@pytest.mark.parametrize("width", [390, 1280])
def test_decline_by_signing_link(live_server: str, browser_page, make, width: int) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    from playwright.sync_api import expect

    setup = make.workshop(phase="signing", participants=2)
    with setup.scope():
        _signatory, token = ws.add_signatory(
            setup.facilitator, setup.workshop, name="Gerda Gemeinderätin", function="Gemeinderätin"
        )
        db.commit()
    page = browser_page
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{live_server}/{setup.tenant.slug}/unterschreiben/{token}")
    expect(page.get_by_role("heading", name="Was bedeutet Ihre Unterschrift?")).to_be_visible()
    fits(page, width, "signing link page")
    page.get_by_label("Möchten Sie einen Grund nennen? (freiwillig)").fill("Nicht mehr im Amt.")
    page.get_by_role("button", name="Ich möchte nicht unterschreiben").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ihre Antwort ist angekommen")
    fits(page, width, "declined page")
