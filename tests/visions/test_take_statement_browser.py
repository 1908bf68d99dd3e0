"""Real Chromium, defect 6 of issue 9: a participant has saved her own thoughts, types
more without saving, and takes a statement of the parent vision into her draft. The page
comes back with her typed text AND the statement (no restored copy that drops it), and
her next save is no conflict with herself. Screenshots at 1,280 and 390 px."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.browser.test_login_browser import browser_page, live_server  # noqa: F401 (fixtures)
from tests.pages.test_keep_text_browser import login
from tests.visions.helpers import based_workshop, make_region

pytestmark = [pytest.mark.browser, pytest.mark.committing]

STATEMENT = "Bus im Stundentakt"
TYPED = "Unser Dorf 2035: Glasfaser in jedem Haus und ein Dorfladen mit Paketstation 🌻"
SHOTS = Path(os.environ.get("VISIONSWERK_SHOTS", "/tmp/visionswerk-shots"))


@pytest.mark.parametrize("width", [1280, 390])
def test_taking_a_statement_with_unsaved_text_keeps_both_and_no_self_conflict(
    live_server: str,  # noqa: F811
    browser_page,  # noqa: F811
    make,
    width: int,
) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    r = make_region(make)
    town = make.municipality(r.region)
    setup = based_workshop(make, town, r.v1, phase="individual", statements=[STATEMENT])
    slug, wid, email = town.slug, setup.id, setup.participants[0].email
    page = browser_page
    page.set_viewport_size({"width": width, "height": 900})
    draft_url = f"{live_server}/{slug}/workshops/{wid}/entwurf"
    page.goto(f"{live_server}/anmelden")
    login(page, live_server, email)
    page.goto(draft_url)

    panel = page.locator("aside.parent-panel")
    panel.locator("summary").click()
    expect(panel.get_by_text("Schreiben Sie zuerst Ihre eigenen Gedanken auf")).to_be_visible()
    expect(panel.get_by_role("button", name="In meinen Entwurf übernehmen")).to_have_count(0)
    page.get_by_label("Stichpunkte", exact=True).fill("Mein eigener Gedanke")
    page.get_by_role("button", name="Speichern", exact=True).click()
    expect(page.get_by_text("Ihr Entwurf ist gespeichert.")).to_be_visible()

    page.get_by_label("Ausformulierter Entwurf").fill(TYPED)  # typed, not saved
    panel.locator("summary").click()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"take-statement-before-{width}.png"), full_page=True)
    take = re.compile(rf"^In meinen Entwurf übernehmen\s*: {STATEMENT}$")
    panel.get_by_role("button", name=take).click()

    expect(page.get_by_text("Die Aussage steht jetzt in Ihrem Entwurf")).to_be_visible()
    expect(page.get_by_label("Ausformulierter Entwurf")).to_have_value(f"{TYPED}\n\n> {STATEMENT}")
    expect(page.get_by_label("Stichpunkte", exact=True)).to_have_value(
        f"Mein eigener Gedanke\n{STATEMENT}"
    )
    expect(page.locator(".keep-note")).to_have_count(0)
    page.screenshot(path=str(SHOTS / f"take-statement-after-{width}.png"), full_page=True)

    text = page.get_by_label("Ausformulierter Entwurf")
    text.fill(text.input_value() + "\n\nUnd noch ein eigener Satz.")
    page.get_by_role("button", name="Speichern", exact=True).click()
    expect(page.get_by_text("Ihr Entwurf ist gespeichert.")).to_be_visible()
    expect(page.get_by_text("an anderer Stelle gespeichert")).to_have_count(0)
    expect(page.get_by_label("Ausformulierter Entwurf")).to_have_value(
        f"{TYPED}\n\n> {STATEMENT}\n\nUnd noch ein eigener Satz."
    )
    kept = page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('visionswerk:keep:'))")
    assert kept == [], kept
    assert page.evaluate("document.documentElement.scrollWidth") <= width
