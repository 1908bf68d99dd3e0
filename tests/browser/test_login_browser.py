"""One real browser: the system Chromium, driven by Playwright, logs in through the
login page of a live server and sees "Meine Kommunen".

Skipped only when Chromium is missing and VISIONSWERK_REQUIRE_BROWSER is unset; CI sets
it, so there a missing browser fails the run.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import make_server

from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.committing]

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str:
    found = shutil.which("chromium") or (
        "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
    )
    if found is None:
        message = "Chromium not found (Debian: apt-get install -y chromium)"
        if os.environ.get("VISIONSWERK_REQUIRE_BROWSER"):
            pytest.fail(f"{message}; VISIONSWERK_REQUIRE_BROWSER is set", pytrace=False)
        pytest.skip(message)
    return found


@pytest.fixture()
def live_server(app: Flask) -> Iterator[str]:
    """The real app on a free port of 127.0.0.1, served from a thread."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture()
def browser_page(tmp_path: Path) -> Iterator[object]:
    executable = chromium_path()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(tmp_path / "profile"),  # a fresh user-data-dir
            executable_path=executable,
            headless=True,
            args=CHROMIUM_ARGS,
            locale="de-DE",
        )
        try:
            yield context.pages[0] if context.pages else context.new_page()
        finally:
            context.close()


def test_login_through_the_real_login_page(live_server: str, browser_page, make) -> None:
    from playwright.sync_api import expect

    region = make.region("ILE Musterland")
    user = make.user(region, "coordinator", email="ilse@musterland.example")
    page = browser_page

    page.goto(f"{live_server}/anmelden")
    expect(page.get_by_role("heading", level=1)).to_have_text("Anmelden")
    page.get_by_label("E-Mail-Adresse").fill(user.email)
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()

    expect(page.get_by_role("heading", name="Meine Kommunen")).to_be_visible()
    expect(page.get_by_text("ILE Musterland").first).to_be_visible()
    assert page.url.rstrip("/") == live_server
