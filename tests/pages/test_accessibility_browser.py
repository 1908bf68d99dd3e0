"""Real Chromium with axe-core: a participant writes and submits a draft, the facilitator
opens step 2 — and every page on the way (and the step-3, signing and adopted pages of a
later workshop) has no serious or critical accessibility violation."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.test_login_browser import browser_page, live_server  # noqa: F401 (fixtures)
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.committing]


def check(page: Any, what: str) -> None:  # type: ignore[no-untyped-def]
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    bad = [
        f"{v['id']} ({v['impact']}): {v['help']} – "
        + "; ".join(n["target"][0] for n in v["nodes"][:3])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not bad, f"{what}: " + " | ".join(bad)


def login(page: Any, base: str, email: str) -> None:  # type: ignore[no-untyped-def]
    page.context.clear_cookies()
    page.goto(f"{base}/anmelden")
    page.get_by_label("E-Mail-Adresse").fill(email)
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    page.get_by_role("heading", name="Meine Kommunen").wait_for()


def test_draft_and_opening_step_2_pass_axe(live_server: str, browser_page, make) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    from playwright.sync_api import expect

    setup = make.workshop(phase="individual", participants=3, submitted=0)
    slug, wid = setup.tenant.slug, setup.id
    people = [p.email for p in setup.participants]
    facilitator = setup.facilitator.email
    base = f"{live_server}/{slug}/workshops/{wid}"
    page = browser_page

    for n, email in enumerate(people[:2]):
        login(page, live_server, email)
        page.goto(f"{live_server}/aufgaben")
        check(page, "Meine Aufgaben")
        page.get_by_role("link", name="Ihren Entwurf schreiben und einreichen").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Einzelarbeit")
        check(page, "draft page")
        page.get_by_label("Stichpunkte").fill(f"Glasfaser\nDorfladen {n}")
        page.get_by_label("Ausformulierter Entwurf").fill("Wir sind **digital** und nah.")
        page.get_by_role("button", name="Speichern und einreichen").click()
        expect(page.get_by_text("Ihr Entwurf ist eingereicht.")).to_be_visible()
        check(page, "draft page after submitting")
        page.goto(f"{base}/")
        check(page, "overview (participant)")

    login(page, live_server, facilitator)
    page.goto(f"{base}/")
    check(page, "overview (facilitator)")
    page.get_by_label("Auch Teilnehmende ohne eingereichten Entwurf einteilen").check()
    page.get_by_role("button", name="Einzelarbeit beenden und Paare vorschlagen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Schritt 2: Paare")
    check(page, "pairing page")
    page.get_by_role("button", name="Paare bestätigen und Arbeit zu zweit beginnen").click()
    expect(page.get_by_text("Die Paare sind bestätigt.")).to_be_visible()
    check(page, "overview with pair progress")

    login(page, live_server, people[0])
    page.goto(f"{base}/paare")
    expect(page.get_by_role("heading", name="Gemeinsamer Vorschlag")).to_be_visible()
    check(page, "pair page")


def test_step_3_signing_and_adopted_pages_pass_axe(live_server: str, browser_page, make) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    plenary = make.workshop(phase="plenary", participants=3)
    signing = make.workshop(plenary.tenant, phase="signing", participants=2)
    adopted = make.workshop(plenary.tenant, phase="adopted", participants=2)
    slug = plenary.tenant.slug
    facilitator, participant = plenary.facilitator.email, plenary.participants[0].email
    urls = {
        "plenary": f"/{slug}/workshops/{plenary.id}/alle",
        "vision and ledger": f"/{slug}/workshops/{plenary.id}/vision",
        "settings": f"/{slug}/workshops/{plenary.id}/einstellungen",
        "new workshop": f"/{slug}/workshops/neu",
        "signing": f"/{slug}/workshops/{signing.id}/bestaetigung",
        "adopted": f"/{slug}/workshops/{adopted.id}/beschlossen",
    }
    page = browser_page
    login(page, live_server, facilitator)
    for what, url in urls.items():
        page.goto(live_server + url)
        check(page, f"{what} (facilitator)")
    login(page, live_server, participant)
    for what in ("plenary", "vision and ledger"):
        page.goto(live_server + urls[what])
        check(page, f"{what} (participant)")
