"""In real Chromium: a person logged in on a laptop and a phone finds "Angemeldete Geräte"
under Mein Konto, sees both devices (this one marked), ends the other one, reads the
login history, and after a long pause is sent to the login page with a plain message.
Both pages pass axe-core at 1,280 and 390 px; screenshots go to VISIONSWERK_SHOTS."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from tests.browser.test_login_browser import CHROMIUM_ARGS, chromium_path, live_server  # noqa: F401
from tests.factories import PASSWORD
from tests.pages.test_accessibility_browser import check
from visionswerk.db import db, utcnow
from visionswerk.tenants.models import LoginSession

pytestmark = [pytest.mark.browser, pytest.mark.committing]

PHONE_UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
)


@pytest.fixture()
def two_browsers(tmp_path: Path) -> Iterator[tuple[Any, Any]]:
    executable = chromium_path()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        laptop = browser.new_context(locale="de-DE", viewport={"width": 1280, "height": 900})
        phone = browser.new_context(
            locale="de-DE", user_agent=PHONE_UA, viewport={"width": 390, "height": 844}
        )
        try:
            yield laptop.new_page(), phone.new_page()
        finally:
            browser.close()


def _shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("VISIONSWERK_SHOTS") or tmp_path / "shots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _login(page: Any, base: str, email: str) -> None:
    page.goto(f"{base}/anmelden")
    page.get_by_label("E-Mail-Adresse").fill(email)
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    page.get_by_role("heading", name="Meine Kommunen").wait_for()


def _look(page: Any, name: str, shots: Path) -> None:
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        check(page, f"{name} at {width} px")
        wider = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert wider <= 0, f"{name} is {wider} px wider than the screen at {width} px"
        page.screenshot(path=str(shots / f"sessions-{name}-{width}.png"), full_page=True)


def test_devices_page_ends_the_other_device_and_a_long_pause_logs_out(
    live_server: str,  # noqa: F811
    two_browsers: tuple[Any, Any],
    make: Any,
    tmp_path: Path,
) -> None:
    from playwright.sync_api import expect

    shots = _shots(tmp_path)
    town = make.municipality(make.region())
    user = make.user(town, "participant", email="gerda@musterhausen.example")
    user_id = user.id
    laptop, phone = two_browsers
    _login(phone, live_server, user.email)
    _login(laptop, live_server, user.email)

    laptop.get_by_role("link", name="Mein Konto").click()
    laptop.get_by_role("link", name="Angemeldete Geräte").click()
    expect(laptop.get_by_role("heading", level=1)).to_have_text("Angemeldete Geräte")
    rows = laptop.locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("(dieses Gerät)")
    phone_cell = laptop.get_by_role("cell", name="Mobile Safari, iOS (iPhone)", exact=True)
    expect(phone_cell).to_be_visible()
    expect(laptop.get_by_text("nach 8 Stunden, spätestens 30 Tage")).to_be_visible()
    _look(laptop, "devices", shots)

    laptop.get_by_role("button", name="Alle anderen beenden").click()
    expect(
        laptop.get_by_text("Sie sind jetzt auf allen anderen Geräten abgemeldet.")
    ).to_be_visible()
    expect(laptop.locator("tbody tr")).to_have_count(1)
    phone.reload()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Anmelden")

    laptop.get_by_role("link", name="Anmeldeprotokoll ansehen").click()
    expect(laptop.get_by_role("heading", level=1)).to_have_text("Anmeldeprotokoll")
    expect(laptop.locator("tbody tr").first).to_contain_text("Sitzung beendet")
    _look(laptop, "login-history", shots)

    # nine hours without a request (the stored time moved back, no sleeping)
    db.execute(
        update(LoginSession)
        .where(LoginSession.user_id == user_id)
        .values(last_seen_at=utcnow() - dt.timedelta(hours=9))
    )
    db.commit()
    laptop.reload()
    expect(laptop.get_by_role("heading", level=1)).to_have_text("Anmelden")
    expect(laptop.get_by_text("Zu Ihrer Sicherheit sind Sie abgemeldet")).to_be_visible()
    _look(laptop, "expired-login", shots)
