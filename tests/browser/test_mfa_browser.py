"""Two-factor login in real Chromium: a coordinator (who must use it) logs in, is sent to
the setup, reads the secret off the page as a person types it into an app, confirms with
the code pyotp computes from it, keeps the recovery codes, logs out and back in with a
code. Every page passes axe-core at 1,280 and 390 px; screenshots go to VISIONSWERK_SHOTS."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pyotp
import pytest

from tests.browser.test_login_browser import browser_page, live_server  # noqa: F401
from tests.factories import PASSWORD
from tests.pages.test_accessibility_browser import check
from tests.test_mfa import require_mfa  # noqa: F401
from tests.walk.test_walk_browser import shots_folder

pytestmark = [pytest.mark.browser, pytest.mark.committing]
# What is wider than its box, to name in the message (tag, class, scroll/client width).
WIDE = """() => [...document.querySelectorAll('*')]
  .filter(e => e.scrollWidth > e.clientWidth + 1)
  .map(e => `${e.tagName}.${e.className}: ${e.scrollWidth}/${e.clientWidth}`).slice(0, 8)"""


def look(page: Any, shots: Path, name: str) -> None:  # type: ignore[no-untyped-def]
    """At both widths: nothing wider than the screen, axe-core clean, a screenshot."""
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.wait_for_timeout(100)  # the layout after the resize
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        wide = page.evaluate(WIDE)
        assert overflow <= 0, f"{name} is {overflow} px wider than {width} px: {wide}"
        check(page, f"{name} at {width} px")
        page.screenshot(path=str(shots / f"mfa-{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


@pytest.mark.usefixtures("require_mfa")
def test_a_coordinator_sets_up_two_factor_login_and_logs_in_with_a_code(  # type: ignore[no-untyped-def]
    live_server: str,  # noqa: F811
    browser_page,  # noqa: F811
    make,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    from playwright.sync_api import expect

    shots = shots_folder(tmp_path_factory)
    region = make.region("ILE Musterland")
    user = make.user(region, "coordinator", email="ilse@musterland.example")
    page = browser_page

    page.goto(f"{live_server}/anmelden")
    page.get_by_label("E-Mail-Adresse").fill(user.email)
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    # required for coordinators: the setup comes first, with the reason why
    expect(page.get_by_role("heading", level=1)).to_have_text("Zwei-Faktor-Anmeldung")
    expect(
        page.get_by_text("Bitte richten Sie zuerst die Zwei-Faktor-Anmeldung ein.")
    ).to_be_visible()
    expect(page.get_by_role("img", name="QR-Code zum Einrichten der App")).to_be_visible()
    look(page, shots, "setup")
    page.goto(f"{live_server}/")  # anything else leads back to the setup
    expect(page.get_by_role("heading", level=1)).to_have_text("Zwei-Faktor-Anmeldung")

    typed = page.locator("#mfa-secret").inner_text()
    assert all(len(block) == 4 for block in typed.split()), typed
    totp = pyotp.TOTP(typed.replace(" ", ""))
    page.get_by_label("Sechsstelliger Code aus der App").fill(totp.now())
    page.get_by_label("Ihr aktuelles Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Zwei-Faktor-Anmeldung einschalten").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ihre Codes für den Notfall")
    expect(page.locator(".recovery-codes li")).to_have_count(10)
    look(page, shots, "recovery-codes")
    page.get_by_role("link", name="Ich habe die Codes aufbewahrt – weiter").click()
    expect(page.get_by_role("heading", name="Meine Kommunen")).to_be_visible()

    page.goto(f"{live_server}/konto/zwei-faktor")
    expect(page.get_by_text("Die Zwei-Faktor-Anmeldung ist eingeschaltet")).to_be_visible()
    look(page, shots, "manage")

    page.get_by_role("button", name="Abmelden").click()
    page.goto(f"{live_server}/anmelden?next=/konto")
    page.get_by_label("E-Mail-Adresse").fill(user.email)
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Code eingeben")
    page.get_by_label("Code").fill("000000" if totp.now() != "000000" else "111111")
    page.get_by_role("button", name="Anmelden").click()
    expect(
        page.get_by_text("Dieser Code stimmt nicht oder wurde schon benutzt.").first
    ).to_be_visible()
    look(page, shots, "code-wrong")
    # the code used to switch it on is spent: the app's next one (one step of drift allowed)
    page.get_by_label("Code").fill(totp.at(time.time() + 30))
    page.get_by_role("button", name="Anmelden").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mein Konto")
    expect(page.get_by_text("Eingeschaltet: Beim Anmelden fragen wir")).to_be_visible()
