"""Real Chromium: workshops.js keeps a draft that could not be sent. The participant types,
their session expires (cookies gone), the save lands on the login page; after logging in
again the draft page shows the typed text again with a visible note, and saving it works
and forgets the kept copy."""

from __future__ import annotations

import pytest

from tests.browser.test_login_browser import browser_page, live_server  # noqa: F401 (fixtures)
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.committing]

TYPED = "Unser Dorf 2035: Glasfaser in jedem Haus, der Bürgerbus per App – und Grüße an Öd 🌻"


def login(page, base: str, email: str) -> None:  # type: ignore[no-untyped-def]
    page.get_by_label("E-Mail-Adresse").fill(email)
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()


def test_a_draft_typed_before_the_session_expired_comes_back(
    live_server: str,  # noqa: F811
    browser_page,  # noqa: F811
    make,
) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    setup = make.workshop(phase="individual", participants=2)
    slug, wid, email = setup.tenant.slug, setup.id, setup.participants[0].email
    page = browser_page
    draft_url = f"{live_server}/{slug}/workshops/{wid}/entwurf"

    page.goto(f"{live_server}/anmelden")
    login(page, live_server, email)
    expect(page.get_by_role("heading", name="Meine Kommunen")).to_be_visible()
    page.goto(draft_url)
    expect(page.get_by_text("Nur Sie sehen diesen Entwurf.")).to_be_visible()
    page.get_by_label("Ausformulierter Entwurf").fill(TYPED)

    page.context.clear_cookies()  # the session expires while the text is being written
    page.get_by_role("button", name="Speichern", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Anmelden")
    login(page, live_server, email)
    page.goto(draft_url)

    expect(page.get_by_label("Ausformulierter Entwurf")).to_have_value(TYPED)
    expect(page.get_by_role("status").filter(has_text="noch nicht gespeichert")).to_be_visible()
    page.get_by_role("button", name="Speichern und einreichen").click()
    expect(page.get_by_text("Ihr Entwurf ist eingereicht.")).to_be_visible()
    expect(page.get_by_label("Ausformulierter Entwurf")).to_have_value(TYPED)
    expect(page.locator(".keep-note")).to_have_count(0)
    kept = page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('visionswerk:keep:'))")
    assert kept == [], kept

    # discarding a restored text shows the saved version again
    page.get_by_label("Ausformulierter Entwurf").fill("Nur ein Versuch")
    page.goto(draft_url)
    expect(page.get_by_label("Ausformulierter Entwurf")).to_have_value("Nur ein Versuch")
    page.get_by_role("button", name="Verwerfen und gespeicherte Fassung zeigen").click()
    expect(page.get_by_label("Ausformulierter Entwurf")).to_have_value(TYPED)
