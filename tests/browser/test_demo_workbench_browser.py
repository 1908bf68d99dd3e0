"""Real Chromium: the facilitator decides every aspect of the demo's step-3 workshop
("Musterhausen – Ortsteile 2035", ``platform/workshops/demo.py``: 24 aspects) without typing
a single passage — clicks on the pairs' proposals, the suggested groups and the suggested
passages, and one selection in the text for what no suggestion covers. Counts the actions
(clicks, selections, typed fields) as the README states them; axe-core finds nothing serious
or critical at 1,280 and 390 px. Screenshots go to test-artifacts/demo-workbench/."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.browser.test_login_browser import browser_page, live_server  # noqa: F401 (fixtures)
from tests.factories import PASSWORD
from tests.pages.test_accessibility_browser import check, login
from visionswerk.db import db
from visionswerk.platform.workshops.demo import seed_workbench_story
from visionswerk.tenants.models import Role
from visionswerk.tenants.scoping import tenant_scope
from visionswerk.workshops.models import Workshop

pytestmark = [pytest.mark.browser, pytest.mark.committing]

SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "demo-workbench"


def _shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _click_while(page, locator, actions: Counter, limit: int = 40) -> int:  # type: ignore[no-untyped-def]
    """Click the first match until there is none (each click reloads the page)."""
    done = 0
    while locator.count() and done < limit:
        locator.first.click()
        page.wait_for_load_state()
        actions["click"] += 1
        done += 1
    return done


def test_the_demo_workshop_is_decided_without_typing_a_passage(  # type: ignore[no-untyped-def]
    live_server,  # noqa: F811
    browser_page,  # noqa: F811
    make,
) -> None:
    from playwright.sync_api import expect

    town = make.municipality(make.region())
    facilitator = make.user(town, Role.FACILITATOR)
    seed_workbench_story(town, facilitator, make.user(town, Role.PARTICIPANT), PASSWORD)
    db.commit()
    with tenant_scope(town.id):
        wid = db.scalar(select(Workshop.id).where(Workshop.tenant_id == town.id))
    page = browser_page
    page.set_viewport_size({"width": 1280, "height": 900})
    login(page, live_server, facilitator.email)
    page.goto(f"{live_server}/{town.slug}/workshops/{wid}/vision")
    counts = page.locator("#wb-counts")
    expect(counts).to_contain_text("Offen: 24 · Aufgenommen: 0")
    actions: Counter = Counter()

    # 1. the three pairs' proposals into the text: one click each
    for n in (1, 2, 3):
        page.get_by_role("group", name=f"Paar {n}").get_by_role(
            "button", name="Ganzen Vorschlag einfügen"
        ).click()
        expect(page.get_by_text("Der Text des Vorschlags ist eingefügt")).to_be_visible()
        actions["click"] += 1
    check(page, "demo workbench, proposals inserted (1,280 px)")
    _shot(page, "1-vorschlaege-1280")

    # 2. every suggested group as offered, 3. a group's or an aspect's suggested passage
    suggested = page.get_by_role("region", name="Vorgeschlagene Gruppen")
    groups = _click_while(page, suggested.get_by_role("button", name="Gruppe bilden"), actions)
    _shot(page, "2-gruppen-1280")
    hints = _click_while(page, page.locator("button[name=suggest]"), actions, limit=60)
    _shot(page, "3-vorschlaege-angenommen-1280")

    # 4. what no suggestion found: one selection in the text (the second proposal, whose
    # sentences carry mobility and the cycle path), tick, take up
    page.get_by_label("Stand").select_option("open")
    rows = page.locator("#wb-rows > li:visible")
    left = [r.locator("label").inner_text() for r in rows.all()]
    if left:
        actions["click"] += 1  # the filter
        text = page.get_by_role("textbox", name="Visionstext", exact=True)
        start = text.input_value().index("Ein Rufbus")
        end = text.input_value().index("Beispielbach.") + len("Beispielbach.")
        pick = "t.focus(); t.setSelectionRange(%d, %d); t.dispatchEvent(new Event('select'))"
        text.evaluate("t => { " + pick % (start, end) + " }")  # as a drag with the mouse
        actions["selection"] += 1
        for row in rows.all():
            row.get_by_role("checkbox").check()
            actions["click"] += 1
        page.get_by_role("button", name="Angekreuzte aufnehmen").click()
        actions["click"] += 1
    expect(page.get_by_text("Alle Aspekte sind entschieden.")).to_be_visible()
    expect(counts).to_contain_text("Offen: 0 · Aufgenommen: 24")
    check(page, "demo workbench, all decided (1,280 px)")
    _shot(page, "4-entschieden-1280")
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    check(page, "demo workbench, all decided (390 px)")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert sum(actions.values()) <= 25 and not actions["typed"]
    _shot(page, "5-entschieden-390")
    print(
        f"\n[demo workbench] {sum(actions.values())} actions: {dict(actions)}; "
        f"{groups} suggested groups accepted, {hints} suggested passages, "
        f"left for one selection: {left}; typed fields: 0"
    )
