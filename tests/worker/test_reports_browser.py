"""Real Chromium, a live server and a real worker process: on the page of an adopted
workshop the facilitator clicks "PDF erstellen"; the panel shows the build's progress and
turns into a download link without the page reloading, the download has the vision's
name, and the PDF holds the vision. The panel passes axe-core while building and after."""

from __future__ import annotations

import io
from pathlib import Path

import pypdf
import pytest

from tests.browser.test_login_browser import browser_page, live_server  # noqa: F401 (fixtures)
from tests.pages.test_accessibility_browser import check, login
from tests.reports.helpers import NAMED_NOTE, adopt, plenary_with_feedback
from tests.worker.conftest import WorkerProcess
from visionswerk.settings import Settings

pytestmark = [pytest.mark.browser, pytest.mark.committing]

#: Every text the panel's live region shows, in order (a MutationObserver writes it down).
WATCH_STATE = """() => {
  window.__stayed = "this page was not reloaded";
  window.__seen = [];
  const entry = [...document.querySelectorAll("[data-report-entry]")]
    .find((e) => e.querySelector("h3").textContent === "Visionsdokument");
  const state = entry.querySelector("[data-report-state]");
  new MutationObserver(() => window.__seen.push(state.textContent.trim().replace(/\\s+/g, " ")))
    .observe(state, { childList: true, subtree: true, characterData: true });
}"""


def test_the_facilitator_builds_and_downloads_the_vision_pdf_without_reloading(
    live_server: str,  # noqa: F811
    browser_page,  # noqa: F811
    make,
    worker: WorkerProcess,
    live_celery: Settings,
    tmp_path: Path,
) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    town = make.municipality(make.region("ILE Musterland"), "Gemeinde Musterhausen")
    setup = plenary_with_feedback(make, tenant=town, title="Musterhausen 2036")
    adopt(setup)
    url = f"{live_server}/{town.slug}/workshops/{setup.id}/"
    email = setup.facilitator.email

    page = browser_page
    login(page, live_server, email)
    page.goto(url)
    panel = page.locator("#berichte")
    expect(panel.get_by_role("heading", name="Als PDF herunterladen")).to_be_visible()
    expect(panel.get_by_role("link", name="PDF herunterladen (Visionsdokument)")).to_have_count(0)
    page.evaluate(WATCH_STATE)

    panel.get_by_role("button", name="PDF erstellen (Visionsdokument)").click()
    link = panel.get_by_role("link", name="PDF herunterladen (Visionsdokument)")
    expect(link).to_be_visible(timeout=90_000)

    seen = page.evaluate("window.__seen")
    assert any("Wartet auf den Start" in s or "Wird erstellt" in s for s in seen), seen
    assert "Fertig." in seen[-1], seen
    assert page.evaluate("window.__stayed") == "this page was not reloaded"
    assert page.url == url
    # the state is announced: it sits in a live region
    expect(panel.locator("[data-report-state][aria-live=polite]").first).to_contain_text("Fertig")
    # the facilitator may build it again (a new request, a new nonce)
    expect(panel.get_by_role("button", name="Neu erstellen (Visionsdokument)")).to_be_visible()
    check(page, "workshop page with a finished report")

    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert download.suggested_filename == "Vision-Musterhausen-2036-Fassung-1.pdf"
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    reader = pypdf.PdfReader(io.BytesIO(target.read_bytes()))
    text = "".join(p.extract_text() for p in reader.pages)
    assert "Vision Musterhausen 2036" in text and "Bürgermeisterin" in text

    # the process documentation, from the same panel: strengths of step 3 in it
    panel.get_by_role("button", name="PDF erstellen (Prozessdokumentation)").click()
    process = panel.get_by_role("link", name="PDF herunterladen (Prozessdokumentation)")
    expect(process).to_be_visible(timeout=90_000)
    with page.expect_download() as download_info:
        process.click()
    download = download_info.value
    assert download.suggested_filename.startswith("Prozessdokumentation-Musterhausen-2036-")
    download.save_as(tmp_path / "process.pdf")
    reader = pypdf.PdfReader(io.BytesIO((tmp_path / "process.pdf").read_bytes()))
    text = "".join("".join(p.extract_text().split()) for p in reader.pages)
    assert "".join(NAMED_NOTE.split()) in text
