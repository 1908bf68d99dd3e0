"""Real Chromium: the coordinator opens the region overview and filters it to
"veraltete Grundlage"; only the municipality on the old ILE version stays. At 390 and
1,280 px, as coordinator and as platform admin, the page is never wider than the window,
the column headers are never drawn over the first row, every link in the table answers,
and axe-core finds no serious or critical violation. Screenshots go to
test-artifacts/overview/ (kept out of the repository)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.test_login_browser import browser_page, live_server  # noqa: F401 (fixtures)
from tests.factories import PASSWORD
from tests.pages.test_accessibility_browser import check
from tests.visions.helpers import based_workshop, finish, make_region

pytestmark = [pytest.mark.browser, pytest.mark.committing]

SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "overview"


def _login(page, base: str, email: str) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    page.context.clear_cookies()
    page.goto(f"{base}/anmelden")
    page.get_by_label("E-Mail-Adresse").fill(email)
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    expect(page.get_by_role("heading", name="Meine Kommunen")).to_be_visible()


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
    _login(page, live_server, email)
    page.goto(f"{live_server}/{slug}/uebersicht")
    table = page.get_by_role("table", name="Stand der Kommunen")
    expect(table.get_by_role("link", name="Gemeinde Auental")).to_be_visible()
    expect(table.get_by_role("link", name="Markt Beispielbach")).to_be_visible()
    expect(page.get_by_role("img", name="Wo die Kommunen stehen")).to_be_visible()
    check(page, "region overview")

    page.get_by_label("veraltete Grundlage").check()
    page.get_by_role("button", name="Filtern").click()

    expect(page.get_by_text("1 von 2 Kommunen")).to_be_visible()
    expect(table.get_by_role("link", name="Gemeinde Auental")).to_be_visible()
    expect(table.get_by_role("link", name="Markt Beispielbach")).to_have_count(0)
    expect(page.get_by_label("veraltete Grundlage")).to_be_checked()
    assert "filter=veraltet" in page.url
    check(page, "region overview, filtered")


GEOMETRY = """() => {
  const table = document.querySelector('table.overview');
  const head = table.querySelector('thead').getBoundingClientRect();
  const first = table.querySelector('tbody tr').getBoundingClientRect();
  const cells = [...table.querySelectorAll('th, td')].map(c => c.getBoundingClientRect().right);
  return {
    pageWidth: document.documentElement.scrollWidth, window: window.innerWidth,
    tableWidth: table.scrollWidth, tableBox: table.clientWidth,
    headBottom: head.bottom, firstTop: first.top, headHeight: head.height,
    rightmost: Math.max(...cells), viewport: document.documentElement.clientWidth,
  };
}"""


LONG_TITLE = "Digitale Zukunft für Jung und Alt in allen Ortsteilen 2040"


def _story(make):  # type: ignore[no-untyped-def]
    """Three municipalities; one has adopted its first workshop and runs a second one
    with a long title; long names test the layout."""
    r = make_region(make, "ILE Musterland")
    finish(based_workshop(make, make.municipality(r.region, "Gemeinde Auental"), r.v1,
                          participants=2))  # fmt: skip
    v2 = r.import_version()
    twice = make.municipality(r.region, "Markt Oberschleißheim-Beispielbach")
    finish(based_workshop(make, twice, v2, participants=2))
    second = make.workshop(twice, phase="plenary", participants=3, title=LONG_TITLE)
    make.workshop(make.municipality(r.region, "Gemeinde Musterhausen"), phase="individual")
    admin = make.user(admin=True)
    return r, (twice.slug, second.id), admin


@pytest.mark.parametrize("width", [390, 1280])
def test_overview_fits_phone_and_desktop(live_server, browser_page, make, width) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    from playwright.sync_api import expect

    r, (town_slug, second_id), admin = _story(make)
    page = browser_page
    page.set_viewport_size({"width": width, "height": 900})
    SHOTS.mkdir(parents=True, exist_ok=True)
    for who, email, path in (
        ("coordinator", r.coordinator.email, f"/{r.region.slug}/uebersicht"),
        ("admin", admin.email, "/uebersicht"),
    ):
        _login(page, live_server, email)
        page.goto(live_server + path)
        table = page.get_by_role("table", name="Stand der Kommunen")
        expect(table.get_by_role("row")).to_have_count(4)  # header row and three towns
        row = table.get_by_role("row", name="Markt Oberschleißheim-Beispielbach")
        expect(row.get_by_role("link", name=LONG_TITLE)).to_have_attribute(
            "href", f"/{town_slug}/workshops/{second_id}/"
        )
        expect(row.get_by_text("Alle zusammen")).to_be_visible()
        page.screenshot(path=str(SHOTS / f"{who}-{width}.png"), full_page=True)

        g = page.evaluate(GEOMETRY)
        where = f"{who} at {width} px: {g}"
        assert g["pageWidth"] <= g["window"], where  # no sideways scrolling of the page
        assert g["tableWidth"] <= g["tableBox"], where  # nor of the table
        assert g["rightmost"] <= g["viewport"], where  # no cell sticks out of the window
        assert g["headHeight"] > 0 and g["headBottom"] <= g["firstTop"], where
        check(page, f"region overview ({who}, {width} px)")

        links = page.eval_on_selector_all(
            "table.overview tbody a", "links => links.map(a => a.getAttribute('href'))"
        )
        assert links
        for href in set(links):
            assert page.request.get(live_server + href).status == 200, (who, href)


@pytest.mark.parametrize("width", [390, 1280])
def test_coordinator_pages_through_a_large_region(live_server, browser_page, make, width) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    """55 municipalities: 50 on the first page; the pager (a labelled navigation) leads to
    the second and keeps the filter; both pages fit and pass axe-core."""
    from playwright.sync_api import expect

    r = make_region(make, "ILE Großregion")
    for i in range(55):
        make.municipality(r.region, f"Gemeinde {i:02d}")
    page = browser_page
    page.set_viewport_size({"width": width, "height": 900})
    SHOTS.mkdir(parents=True, exist_ok=True)
    _login(page, live_server, r.coordinator.email)
    page.goto(f"{live_server}/{r.region.slug}/uebersicht?sortierung=kommune&richtung=ab")
    table = page.get_by_role("table", name="Stand der Kommunen")
    expect(table.get_by_role("row")).to_have_count(51)
    pager = page.get_by_role("navigation", name="Seiten der Tabelle")
    expect(pager.get_by_text("Seite 1 von 2")).to_be_visible()
    check(page, f"region overview, page 1 ({width} px)")
    pager.get_by_role("link", name="Nächste Seite").click()
    expect(pager.get_by_text("Seite 2 von 2")).to_be_visible()
    expect(table.get_by_role("link", name="Gemeinde 04")).to_be_visible()
    expect(table.get_by_role("row")).to_have_count(6)
    assert "richtung=ab" in page.url and "seite=2" in page.url
    expect(pager.get_by_role("link", name="Seite 1")).to_be_visible()
    page.screenshot(path=str(SHOTS / f"pager-{width}.png"), full_page=True)
    g = page.evaluate(GEOMETRY)
    assert g["pageWidth"] <= g["window"], g
    check(page, f"region overview, page 2 ({width} px)")
