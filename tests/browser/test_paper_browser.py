"""Real Chromium: the facilitator of a workshop in signing downloads the signature sheet,
opens the page its QR code leads to, and records a signature from the sheet with a scan
through the real form (a wrong file first: the typed name stays). At 390 and 1,280 px the
signing page is never wider than the window and axe-core finds no serious or critical
violation. Screenshots go to test-artifacts/paper/ (kept out of the repository)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.test_login_browser import browser_page, live_server  # noqa: F401 (fixtures)
from tests.pages.test_accessibility_browser import check, login
from tests.workshops import paper_files

pytestmark = [pytest.mark.browser, pytest.mark.committing]

SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "paper"
WIDTH = "() => [document.documentElement.scrollWidth, window.innerWidth]"


@pytest.mark.parametrize("width", [390, 1280])
def test_facilitator_records_a_paper_signature(
    live_server,  # noqa: F811
    browser_page,  # noqa: F811
    make,
    tmp_path,
    width,
) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    setup = make.workshop(phase="signing", participants=2)
    slug, wid, email = setup.tenant.slug, setup.id, setup.facilitator.email
    page = browser_page
    page.set_viewport_size({"width": width, "height": 900})
    SHOTS.mkdir(parents=True, exist_ok=True)
    login(page, live_server, email)
    page.goto(f"{live_server}/{slug}/workshops/{wid}/bestaetigung")
    section = page.locator("#papier")
    expect(section.get_by_role("heading", name="Auf Papier unterschreiben")).to_be_visible()
    with page.expect_download() as download:
        section.get_by_role("link", name="Unterschriftenblatt herunterladen (PDF)").click()
    sheet = tmp_path / "blatt.pdf"
    download.value.save_as(sheet)
    assert sheet.read_bytes().startswith(b"%PDF-")
    check(page, f"signing page ({width} px)")

    wrong = tmp_path / "scan.png"
    wrong.write_bytes(b"kein Bild, nur Text")
    section.get_by_label("Name").fill("Erika Muster")
    section.get_by_label("Funktion (optional)").fill("Erste Bürgermeisterin")
    section.get_by_label("Scan oder Foto des Blattes (optional)").set_input_files(str(wrong))
    section.get_by_role("button", name="Unterschrift erfassen").click()
    expect(
        page.get_by_text("Der Scan muss eine PDF-, PNG- oder JPEG-Datei sein.").first
    ).to_be_visible()
    expect(page.locator("#papier").get_by_label("Name")).to_have_value("Erika Muster")
    page.screenshot(path=str(SHOTS / f"signing-error-{width}.png"), full_page=True)
    check(page, f"signing page with an error ({width} px)")

    good = tmp_path / "blatt.png"
    good.write_bytes(paper_files.png())
    page.locator("#papier").get_by_label("Scan oder Foto des Blattes (optional)").set_input_files(
        str(good)
    )
    page.locator("#papier").get_by_role("button", name="Unterschrift erfassen").click()
    expect(
        page.get_by_text("Die Unterschrift von Erika Muster auf Papier ist erfasst.")
    ).to_be_visible()
    row = page.get_by_role("row", name="Erika Muster")
    expect(row.get_by_text("auf Papier unterschrieben am")).to_be_visible()
    expect(row.get_by_role("link", name="Scan ansehen")).to_be_visible()
    page.screenshot(path=str(SHOTS / f"signing-recorded-{width}.png"), full_page=True)
    scroll, window = page.evaluate(WIDTH)
    assert scroll <= window, (width, scroll, window)
    check(page, f"signing page after recording ({width} px)")

    page.locator("#papier").get_by_role(
        "link", name="Prüfseite des Textes ansehen (Ziel des QR-Codes)"
    ).click()
    expect(page.get_by_text("Dieser Text ist unverändert.")).to_be_visible()
    page.screenshot(path=str(SHOTS / f"verify-{width}.png"), full_page=True)
    scroll, window = page.evaluate(WIDTH)
    assert scroll <= window, (width, scroll, window)
    check(page, f"verification page ({width} px)")
