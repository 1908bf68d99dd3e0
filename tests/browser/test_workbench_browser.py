"""Real Chromium: the facilitator composes the vision on the step-3 workbench without typing
a single passage — inserts a pair's proposal, selects a passage in the text (keyboard),
takes up three aspects with it, accepts a suggested group, sets that group aside with a
reason, takes up the rest with a selected passage and reaches 0 open aspects. axe-core
finds nothing serious or critical at 1,280 and 390 px; at 390 px nothing is wider than
the window. Screenshots go to test-artifacts/workbench/ (kept out of the repository)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.test_login_browser import browser_page, live_server  # noqa: F401 (fixtures)
from tests.pages.test_accessibility_browser import check, login

pytestmark = [pytest.mark.browser, pytest.mark.committing]

SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "workbench"


def _shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _select_first_line(page) -> None:  # type: ignore[no-untyped-def]
    """Select the text's first line as a person does with the keyboard."""
    text = page.get_by_role("textbox", name="Visionstext", exact=True)
    text.click()
    page.keyboard.press("Control+Home")
    page.keyboard.press("Shift+End")


def test_a_facilitator_decides_every_aspect_without_typing_a_passage(  # type: ignore[no-untyped-def]
    live_server,  # noqa: F811
    browser_page,  # noqa: F811
    make,
) -> None:
    from playwright.sync_api import expect

    s = make.workshop(phase="plenary", participants=4)
    slug, wid, email = s.tenant.slug, s.id, s.facilitator.email
    ideas = [f"Idee von {p.display_name}" for p in s.participants]
    page = browser_page
    page.set_viewport_size({"width": 1280, "height": 900})
    login(page, live_server, email)
    page.goto(f"{live_server}/{slug}/workshops/{wid}/vision")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Schritt 3: Die Vision zusammensetzen"
    )
    counts = page.locator("#wb-counts")
    expect(counts).to_contain_text("Offen: 12 · Aufgenommen: 0")
    check(page, "workbench, empty text")
    _shot(page, "1-leer-1280")

    # 1. insert pair 1's proposal with one click (saved, provenance shown)
    page.get_by_role("group", name="Paar 1").get_by_role(
        "button", name="Ganzen Vorschlag einfügen"
    ).click()
    expect(
        page.get_by_text("Der Text des Vorschlags ist eingefügt und gespeichert.")
    ).to_be_visible()
    text = page.get_by_role("textbox", name="Visionstext", exact=True)
    expect(text).to_have_value("Gemeinsamer Vorschlag 1: Wir leben gut vernetzt.")
    expect(page.get_by_text("Eingefügt: Vorschlag von Paar 1")).to_be_visible()

    # 2. select a passage, take up three aspects with it
    _select_first_line(page)
    passage = page.get_by_role("textbox", name="Stelle im Visionstext")
    expect(passage).to_have_value("Gemeinsamer Vorschlag 1: Wir leben gut vernetzt.")
    expect(page.get_by_text("Aus Ihrer Markierung:")).to_be_visible()
    for label in ("Vorschlag 1", "Vorschlag 2", ideas[0]):
        page.locator("#wb-rows").get_by_role("checkbox", name=label, exact=True).check()
    page.get_by_role("button", name="Angekreuzte aufnehmen").click()
    expect(page.get_by_text("Die angekreuzten Aspekte sind aufgenommen.")).to_be_visible()
    expect(counts).to_contain_text("Offen: 9 · Aufgenommen: 3")

    # 3. accept the suggested group of the four "Glasfaser für alle"
    suggested = page.get_by_role("region", name="Vorgeschlagene Gruppen")
    expect(suggested).to_contain_text("Glasfaser für alle")
    suggested.get_by_role("button", name="Gruppe bilden – Glasfaser für alle").click()
    expect(page.get_by_text("Die Gruppe ist gebildet.")).to_be_visible()
    expect(page.get_by_text("Gruppe: Glasfaser für alle (4, 4 offen)")).to_be_visible()
    _shot(page, "2-gruppe-1280")

    # 4. set the whole group aside with a reason
    page.get_by_role("checkbox", name="Gruppe: Glasfaser für alle (4, 4 offen)").check()
    page.get_by_role("textbox", name="Begründung").fill("Steht schon im Regionalplan.")
    page.get_by_role("button", name="Angekreuzte zurückstellen").click()
    expect(counts).to_contain_text("Offen: 5 · Aufgenommen: 3 · Zurückgestellt: 4")

    # 5. the rest: show only the open ones (live filter), select, tick, take up
    page.get_by_label("Stand").select_option("open")
    rows = page.locator("#wb-rows > li:visible")
    expect(rows).to_have_count(5)
    _select_first_line(page)
    for i in range(5):
        rows.nth(i).get_by_role("checkbox").check()
    page.get_by_role("button", name="Angekreuzte aufnehmen").click()
    expect(counts).to_contain_text("Offen: 0 · Aufgenommen: 8 · Zurückgestellt: 4")
    expect(page.get_by_text("Alle Aspekte sind entschieden.")).to_be_visible()
    expect(
        page.get_by_role("link", name="Weiter: Text einfrieren und zur Bestätigung geben")
    ).to_be_visible()
    check(page, "workbench, all decided (1,280 px)")
    _shot(page, "3-entschieden-1280")

    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    check(page, "workbench, all decided (390 px)")
    wide = page.evaluate("document.documentElement.scrollWidth")
    culprits = page.evaluate(
        "[...document.querySelectorAll('main *')].filter(e => e.getBoundingClientRect().right"
        " > 391).slice(0, 5).map(e => e.tagName + '.' + e.className + '#' + e.id)"
    )
    assert wide <= 390, f"the page is {wide} px wide at 390 px: {culprits}"
    _shot(page, "4-entschieden-390")


def test_a_filter_chosen_before_the_script_ran_still_filters(  # type: ignore[no-untyped-def]
    live_server,  # noqa: F811
    browser_page,  # noqa: F811
    make,
) -> None:
    """On a slow line the person may choose "Stand: offen" before workbench.js has run (or
    the browser restores the choice on "back"): the rows are filtered once it runs."""
    import time

    from playwright.sync_api import expect

    s = make.workshop(phase="plenary", participants=4)
    slug, wid, email = s.tenant.slug, s.id, s.facilitator.email
    page = browser_page
    login(page, live_server, email)
    page.goto(f"{live_server}/{slug}/workshops/{wid}/vision")
    rows = page.locator("#wb-rows > li:visible")
    expect(rows).to_have_count(12)
    first = page.locator("#wb-rows input[name=a]").first
    first.check()
    page.get_by_role("textbox", name="Begründung").fill("Steht schon im Regionalplan.")
    page.get_by_role("button", name="Angekreuzte zurückstellen").click()
    expect(page.locator("#wb-counts")).to_contain_text("Zurückgestellt: 1")

    def slowly(route) -> None:  # type: ignore[no-untyped-def]
        time.sleep(1.5)  # the script arrives after the person chose the filter
        route.continue_()

    page.route("**/static/workbench.js*", slowly)
    page.goto(f"{live_server}/{slug}/workshops/{wid}/vision", wait_until="commit")
    page.get_by_label("Stand").select_option("open")
    expect(rows).to_have_count(11)
