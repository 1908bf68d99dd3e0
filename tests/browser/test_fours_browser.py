"""Real Chromium, a live server: a member of a four opens the round of four from the
workshop's "Jetzt zu tun" on a phone (390 px), reads both pairs' proposals, gives feedback
on the other pair's, condenses the merged proposal and marks it ready; the facilitator sees the
four's progress at 1,280 px. axe-core finds nothing serious or critical on the four's page
at either width. Screenshots go to $VISIONSWERK_SHOTS or test-artifacts/fours/."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.browser.test_login_browser import CHROMIUM_ARGS, chromium_path, live_server  # noqa: F401
from tests.factories import PASSWORD
from tests.pages.test_accessibility_browser import check
from visionswerk.db import db
from visionswerk.tenants.models import User
from visionswerk.workshops.models import Pair

pytestmark = [pytest.mark.browser, pytest.mark.committing]

SHOTS = Path(
    os.environ.get("VISIONSWERK_SHOTS")
    or Path(__file__).resolve().parents[2] / "test-artifacts" / "fours"
)
WIDE, PHONE = {"width": 1280, "height": 800}, {"width": 390, "height": 844}


def _login(page, base: str, email: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/anmelden")
    page.get_by_label("E-Mail-Adresse").fill(email)
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()


def test_a_four_merges_its_pairs_proposals_on_a_phone(live_server, make) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    from playwright.sync_api import expect, sync_playwright

    s = make.workshop(phase="fours", participants=4)
    with s.scope():
        four = db.scalar(select(Pair).where(Pair.workshop_id == s.id, Pair.round == 2))
        assert four is not None
        member = db.get(User, four.member_ids[0])
        assert member is not None
        email, four_id = member.email, four.id
    base, slug = live_server, s.tenant.slug
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), headless=True,
                                     args=CHROMIUM_ARGS)  # fmt: skip
        phone = browser.new_context(locale="de-DE", viewport=PHONE, is_mobile=True).new_page()
        _login(phone, base, email)
        phone.get_by_role("heading", name="Meine Kommunen").wait_for()
        phone.goto(f"{base}/{slug}/workshops/{s.id}/")  # "Jetzt zu tun" on the workshop
        phone.get_by_role(
            "link", name="Rückmeldung zum Vorschlag des anderen Paares geben"
        ).first.click()
        expect(phone.get_by_role("heading", level=1)).to_have_text(
            "Schritt 2b: Runde zu viert – unsere Vierergruppe"
        )
        assert phone.url.endswith(f"/{slug}/paare/{four_id}")
        expect(phone.get_by_text("(Ihr Paar)")).to_be_visible()
        check(phone, "the four's page at 390 px")
        phone.screenshot(path=str(SHOTS / "fours-1-phone.png"), full_page=True)
        phone.get_by_label("Besonders gut").fill("Klar und konkret")
        phone.get_by_role("button", name="Rückmeldung speichern").click()
        expect(phone.get_by_text("Ihre Rückmeldung ist gespeichert.")).to_be_visible()
        phone.get_by_role("textbox", name="Gemeinsamer Vorschlag").fill(
            "Wir verbinden Glasfaser und Nähe."
        )
        phone.get_by_role("button", name="Vorschlag speichern").click()
        expect(phone.get_by_text("Der Vorschlag ist gespeichert (Fassung 1).")).to_be_visible()
        phone.get_by_role("button", name="Unser Vorschlag ist fertig").click()
        expect(phone.locator("#fertig")).to_contain_text("fertig")
        phone.screenshot(path=str(SHOTS / "fours-2-phone-ready.png"), full_page=True)

        room = browser.new_context(locale="de-DE", viewport=WIDE).new_page()
        _login(room, base, s.facilitator.email)
        room.goto(f"{base}/{slug}/paare/{four_id}")
        expect(room.get_by_role("heading", level=1)).to_have_text("Vierergruppe 1")
        expect(room.get_by_role("heading", name="Fortschritt")).to_be_visible()
        check(room, "the four's page at 1,280 px (facilitator)")
        room.goto(f"{base}/{slug}/workshops/{s.id}/")
        expect(room.get_by_text("2b Runde zu viert")).to_be_visible()
        check(room, "the overview in the round of four at 1,280 px")
        room.screenshot(path=str(SHOTS / "fours-3-overview-wide.png"), full_page=True)
        browser.close()
