"""Real Chromium: the coordinator opens the region overview and filters it to
"veraltete Grundlage"; only the municipality on the old ILE version stays. The page has
no serious or critical axe-core violation, before and after filtering."""

from __future__ import annotations

import pytest

from tests.browser.test_login_browser import browser_page, live_server  # noqa: F401 (fixtures)
from tests.factories import PASSWORD
from tests.pages.test_accessibility_browser import check
from tests.visions.helpers import based_workshop, finish, make_region

pytestmark = [pytest.mark.browser, pytest.mark.committing]


def test_coordinator_filters_overview_to_outdated_parent(live_server, browser_page, make) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    from playwright.sync_api import expect

    r = make_region(make, "ILE Musterland")
    old = make.municipality(r.region, "Gemeinde Auental")
    finish(based_workshop(make, old, r.v1, participants=2))
    v2 = r.import_version()
    current = make.municipality(r.region, "Markt Beispielbach")
    based_workshop(make, current, v2, phase="individual", participants=2)
    slug, email = r.region.slug, r.coordinator.email

    page = browser_page
    page.goto(f"{live_server}/anmelden")
    page.get_by_label("E-Mail-Adresse").fill(email)
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    expect(page.get_by_role("heading", name="Meine Kommunen")).to_be_visible()

    page.goto(f"{live_server}/{slug}/uebersicht")
    table = page.get_by_role("table")
    expect(table.get_by_role("link", name="Gemeinde Auental")).to_be_visible()
    expect(table.get_by_role("link", name="Markt Beispielbach")).to_be_visible()
    expect(page.get_by_role("img", name="Wo die Kommunen stehen")).to_be_visible()
    expect(page.get_by_role("region", name="Tabelle: Stand der Kommunen")).to_be_visible()
    check(page, "region overview")

    page.get_by_label("veraltete Grundlage").check()
    page.get_by_role("button", name="Filtern").click()

    expect(page.get_by_text("1 von 2 Kommunen")).to_be_visible()
    expect(table.get_by_role("link", name="Gemeinde Auental")).to_be_visible()
    expect(table.get_by_role("link", name="Markt Beispielbach")).to_have_count(0)
    expect(page.get_by_label("veraltete Grundlage")).to_be_checked()
    assert "filter=veraltet" in page.url
    check(page, "region overview, filtered")
