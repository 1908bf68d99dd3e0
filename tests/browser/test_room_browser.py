"""The demo workshop run in the room (issue 14's "Done when"), in real Chromium against a
live server and real Redis: the demo's "Musterhausen – Werkstattabend im Rathaus" (prepared
with a round of four for Sonnenblume, Kiefer, Linde and Mohn). The facilitator starts it on
a laptop (1,280 px) and shows the projector view on a second screen; three people join
from their phones (390 px) with the code from the projector and write their drafts; Mohn
has no device, so the facilitator records his draft from paper. Two pairs write their
proposals on the phones, then merge them as a four (feedback on the other pair's
proposal, the merged text, "fertig"); in step 3 a strength marked on a phone appears on
the projector; the facilitator composes the vision from the four's proposal on the
workbench, freezes it and records one signature from the paper sheet.

Every step asserts what the person sees: the projector's count (never whose), the
headings, the messages; axe-core finds nothing serious or critical on the projector, the
phone's pages and the facilitator's; no page is wider than its screen. Screenshots go to
$VISIONSWERK_SHOTS or test-artifacts/room/ (kept out of the repository)."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from tests.browser.test_login_browser import CHROMIUM_ARGS, chromium_path, live_server  # noqa: F401
from tests.browser.test_projector_browser import PHONE, WIDE, _fits
from tests.pages.test_accessibility_browser import check
from visionswerk.db import db
from visionswerk.platform.demo import DEMO_PASSWORD, seed_demo
from visionswerk.platform.workshops.demo import ROOM_TITLE
from visionswerk.tenants.models import Tenant
from visionswerk.tenants.scoping import tenant_scope
from visionswerk.workshops.models import Workshop

pytestmark = [pytest.mark.browser, pytest.mark.committing]

SHOTS = Path(
    os.environ.get("VISIONSWERK_SHOTS")
    or Path(__file__).resolve().parents[2] / "test-artifacts" / "room"
)
FACILITATOR = "moderation@musterhausen.example"
PHONES = {  # display name: e-mail (the demo's accounts); Mohn writes on paper
    "Sonnenblume": "teilnahme@musterhausen.example",
    "Kiefer": "ortsteile1@musterhausen.example",
    "Linde": "ortsteile2@musterhausen.example",
}
DRAFTS = {
    "Sonnenblume": (["Glasfaser in jedem Ortsteil", "Dorfladen"], "Schnelles Netz überall."),
    "Kiefer": (["Bürgerbüro online", "Jugendtreff"], "Anträge von zu Hause aus."),
    "Linde": (["Pflege zu Hause", "Nachbarschaftshilfe"], "Alt werden im eigenen Dorf."),
}
# With Redis the projector hears every change at once (server-sent events); without it,
# it polls every 5 seconds.
LIVE = bool(os.environ.get("REDIS_URL"))
SOON = 3000 if LIVE else 8000  # ms
PAPER_DRAFT = (["Rufbus am Wochenende", "Mitfahrbank"], "Ohne eigenes Auto mobil sein.")


def _shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"room-{name}.png"), full_page=True)


def _login(page: Any, base: str, email: str) -> None:
    page.get_by_label("E-Mail-Adresse").fill(email)
    page.get_by_label("Passwort").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Anmelden").click()


def _room_workshop() -> tuple[str, int, str]:
    assert seed_demo() is not None
    db.commit()
    town = db.scalar(select(Tenant).where(Tenant.slug == "musterhausen"))
    assert town is not None
    with tenant_scope(town.id):
        w = db.scalar(select(Workshop).where(Workshop.title == ROOM_TITLE))
        assert w is not None and w.with_fours
        return town.slug, w.id, w.join_code


def test_the_demo_workshop_runs_in_the_room(live_server) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    from playwright.sync_api import expect, sync_playwright

    slug, wid, code = _room_workshop()
    base = live_server
    workshop = f"{base}/{slug}/workshops/{wid}/"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), headless=True,
                                     args=CHROMIUM_ARGS)  # fmt: skip
        try:
            laptop = browser.new_context(locale="de-DE", viewport=WIDE).new_page()
            laptop.goto(f"{base}/anmelden")
            _login(laptop, base, FACILITATOR)
            laptop.get_by_role("heading", name="Meine Kommunen").wait_for()
            laptop.goto(workshop)
            expect(laptop.get_by_text("2b Runde zu viert")).to_be_visible()
            laptop.get_by_role("button", name="Schritt 1 starten: Einzelarbeit").click()
            expect(laptop.locator("main")).to_contain_text("Aktueller Schritt: Schritt 1")

            # the second screen: the projector view, with the join code
            room = browser.new_context(locale="de-DE", viewport=WIDE).new_page()
            room.goto(f"{base}/anmelden")
            _login(room, base, FACILITATOR)
            room.get_by_role("heading", name="Meine Kommunen").wait_for()
            room.goto(workshop)
            room.get_by_role("link", name="Beamer-Ansicht öffnen").click()
            expect(room.get_by_role("heading", level=1)).to_have_text("Schritt 1: Einzelarbeit")
            expect(room.locator(".join-code")).to_have_text(f"{code[:3]} {code[3:]}")
            expect(room.locator("#beamer")).to_have_attribute(
                "data-mode", "live" if LIVE else "poll"
            )
            expect(room.locator(".projector-count")).to_have_text("0 von 4 Entwürfen eingereicht")
            check(room, "projector, step 1 (1,280 px)")
            _fits(room, "projector, step 1")
            _shot(room, "1-beamer-schritt1")

            phones = {name: _phone(browser, base, code, email) for name, email in PHONES.items()}
            for name, page in phones.items():
                _write_draft(page, *DRAFTS[name])
            expect(room.locator(".projector-count")).to_have_text(
                "3 von 4 Entwürfen eingereicht", timeout=SOON
            )
            check(phones["Kiefer"], "draft on the phone (390 px)")
            _shot(phones["Kiefer"], "2-entwurf-handy")

            _paper_draft(laptop, workshop, "Mohn", *PAPER_DRAFT)
            expect(room.locator(".projector-count")).to_have_text(
                "4 von 4 Entwürfen eingereicht", timeout=SOON
            )
            _shot(room, "3-beamer-alle-eingereicht")

            _pairs(laptop, workshop, room, phones)
            _fours(laptop, workshop, room, phones)
            _plenary(laptop, workshop, room, phones["Linde"])
            _vision(laptop, workshop)
            _paper_signature(laptop, workshop, room)
        finally:
            browser.close()


def _phone(browser: Any, base: str, code: str, email: str) -> Any:
    """Join from a phone: /mitmachen (the address under the QR code), the login on the
    way, the code typed in, then the current step."""
    from playwright.sync_api import expect

    page = browser.new_context(locale="de-DE", viewport=PHONE, is_mobile=True,
                               has_touch=True).new_page()  # fmt: skip
    page.goto(f"{base}/mitmachen")
    expect(page.get_by_role("heading", level=1)).to_have_text("Anmelden")
    _login(page, base, email)
    page.get_by_label("Code vom Beamer").fill(f"{code[:3].lower()} {code[3:]}")
    page.get_by_role("button", name="Zum Workshop").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Schritt 1")
    return page


def _write_draft(page: Any, keywords: list[str], text: str) -> None:
    from playwright.sync_api import expect

    page.get_by_role("textbox", name="Stichpunkte", exact=True).fill("\n".join(keywords))
    page.get_by_label("Ausformulierter Entwurf").fill(text)
    page.get_by_role("button", name="Speichern und einreichen").click()
    expect(page.get_by_label("Ausformulierter Entwurf")).to_have_value(text)
    expect(page.locator("main")).to_contain_text("eingereicht")
    _fits(page, "draft on the phone")


def _paper_draft(laptop: Any, workshop: str, name: str, keywords: list[str], text: str) -> None:
    from playwright.sync_api import expect

    laptop.goto(workshop)
    laptop.get_by_role("link", name=re.compile("Entwurf vom Papier erfassen")).click()
    expect(laptop.get_by_role("heading", level=1)).to_have_text("Entwurf vom Papier erfassen")
    laptop.get_by_label("Für wen?").select_option(label=name)
    laptop.get_by_label(re.compile(r"^Stichpunkte \(einer pro Zeile\)")).fill("\n".join(keywords))
    laptop.get_by_label("Ausformulierter Entwurf (optional)").fill(text)
    check(laptop, "paper draft (1,280 px)")
    laptop.get_by_role("button", name="Entwurf erfassen und einreichen").click()
    expect(laptop.locator("main")).to_contain_text(name)
    _shot(laptop, "4-papierentwurf-erfasst")


def _pairs(laptop: Any, workshop: str, room: Any, phones: dict[str, Any]) -> None:
    """Step 2: the pairs proposed and confirmed; on each pair's first phone the proposal
    is written, every phone marks it ready (Mohn's partner for both)."""
    from playwright.sync_api import expect

    laptop.goto(workshop)
    laptop.get_by_role("button", name="Einzelarbeit beenden und Paare vorschlagen").click()
    laptop.get_by_role("button", name=re.compile(r"bestätigen und")).click()
    expect(room.get_by_role("heading", level=1)).to_have_text(
        "Schritt 2: Arbeit zu zweit", timeout=SOON
    )
    expect(room.locator(".projector-count")).to_have_text("0 von 2 Gruppen fertig")
    for name, page in phones.items():
        page.goto(workshop)  # "Jetzt zu tun" leads to the pair's page
        page.locator("main a[href*='/paare/']").first.click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Schritt 2")
        proposal = page.get_by_role("textbox", name="Gemeinsamer Vorschlag")
        if not proposal.input_value():
            proposal.fill(f"Unser Vorschlag (von {name}): digital verbunden, im Dorf daheim.")
            page.get_by_label("Stichpunkte des Vorschlags").fill(f"Gemeinsam mit {name}")
            page.get_by_role("button", name="Vorschlag speichern").click()
            expect(page.get_by_text(re.compile("Der Vorschlag ist gespeichert"))).to_be_visible()
        page.get_by_role("button", name="Unser Vorschlag ist fertig").click()
        expect(page.get_by_role("button", name="Fertig-Markierung zurücknehmen")).to_be_visible()
    _ready_for_mohn(laptop, workshop, "Paar")
    expect(room.locator(".projector-count")).to_have_text("2 von 2 Gruppen fertig", timeout=SOON)
    check(phones["Sonnenblume"], "pair page on the phone (390 px)")
    _fits(phones["Sonnenblume"], "pair page on the phone")
    _shot(phones["Sonnenblume"], "5-paar-handy")
    _shot(room, "6-beamer-paare")


def _fours(laptop: Any, workshop: str, room: Any, phones: dict[str, Any]) -> None:
    """Step 2b: the two pairs merge; one member gives feedback on the other pair's
    proposal, another condenses the merged text, and the four is ready."""
    from playwright.sync_api import expect

    laptop.goto(workshop)
    laptop.get_by_role("button", name="Die Runde zu viert beginnen: je zwei Paare zusammen").click()
    expect(room.get_by_role("heading", level=1)).to_have_text(
        "Schritt 2b: Runde zu viert", timeout=SOON
    )
    expect(room.locator(".projector-count")).to_have_text("0 von 1 Gruppe fertig")
    check(room, "projector, round of four (1,280 px)")
    _shot(room, "7-beamer-vierer")
    page = phones["Sonnenblume"]
    page.goto(workshop)
    page.get_by_role(
        "link", name="Rückmeldung zum Vorschlag des anderen Paares geben"
    ).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Schritt 2b: Runde zu viert – unsere Vierergruppe"
    )
    page.get_by_label("Besonders gut").fill("Der Rufbus am Wochenende")
    page.get_by_role("button", name="Rückmeldung speichern").click()
    expect(page.get_by_text("Ihre Rückmeldung ist gespeichert.")).to_be_visible()
    check(page, "the four's page on the phone (390 px)")
    _fits(page, "the four's page on the phone")
    _shot(page, "8-vierer-handy")
    other = phones["Kiefer"]
    other.goto(page.url)
    merged = other.get_by_role("textbox", name="Gemeinsamer Vorschlag")
    assert "Unser Vorschlag" in merged.input_value()  # it starts from both pairs' texts
    merged.fill("Musterhausen 2035: schnelles Netz, Bürgerbüro online, mobil ohne Auto.")
    other.get_by_role("button", name="Vorschlag speichern").click()
    expect(other.get_by_text(re.compile("Der Vorschlag ist gespeichert"))).to_be_visible()
    for p in phones.values():
        p.goto(page.url)
        p.get_by_role("button", name="Unser Vorschlag ist fertig").click()
        expect(p.get_by_role("button", name="Fertig-Markierung zurücknehmen")).to_be_visible()
    expect(room.locator(".projector-count")).to_have_text("0 von 1 Gruppe fertig")
    _ready_for_mohn(laptop, workshop, "Vierergruppe")
    expect(room.locator(".projector-count")).to_have_text("1 von 1 Gruppe fertig", timeout=SOON)


def _ready_for_mohn(laptop: Any, workshop: str, group: str) -> None:
    """Mohn has no device: he says "fertig", the facilitator records it on his group's
    page, which shows no content of the group's work."""
    from playwright.sync_api import expect

    laptop.goto(workshop)
    row = laptop.get_by_role("row").filter(has_text="Mohn – noch nicht fertig")
    row.get_by_role("link", name=re.compile(group)).click()
    expect(laptop.get_by_role("heading", level=1)).to_contain_text(group)
    expect(laptop.get_by_role("textbox", name="Gemeinsamer Vorschlag")).to_have_count(0)
    laptop.get_by_role("button", name="„Fertig“ für Mohn erfassen").click()
    expect(laptop.get_by_text("„Fertig“ für Mohn ist erfasst.")).to_be_visible()
    expect(laptop.get_by_role("row").filter(has_text="Mohn")).to_contain_text("Mohn – fertig")
    check(laptop, f"{group} page of the facilitator (1,280 px)")
    _shot(laptop, f"fertig-fuer-mohn-{group.lower()}")


def _plenary(laptop: Any, workshop: str, room: Any, phone: Any) -> None:
    """Step 3: a strength marked on a phone shows on the projector (live)."""
    from playwright.sync_api import expect

    laptop.goto(workshop)
    laptop.get_by_role("button", name="Schritt 3 öffnen: Alle zusammen").click()
    expect(room.get_by_role("heading", level=1)).to_have_text(
        "Schritt 3: Alle zusammen", timeout=SOON
    )
    expect(room.get_by_role("heading", name="Die Vorschläge der Vierergruppen")).to_be_visible()
    phone.goto(workshop + "alle")
    proposal = phone.locator("article.proposal").first
    proposal.get_by_label("Was ist die Stärke? (optional)").fill("Mobil ohne Auto")
    proposal.get_by_role("button", name="Als Stärke markieren").click()
    expect(room.locator(".room-proposal").first).to_contain_text(
        "Mobil ohne Auto", timeout=2000 if LIVE else 8000
    )
    expect(room.locator(".projector-count")).to_contain_text("1 Stärke markiert")
    check(room, "projector, step 3 (1,280 px)")
    check(phone, "step 3 on the phone (390 px)")
    _fits(phone, "step 3 on the phone")
    _shot(room, "9-beamer-staerke")


def _vision(laptop: Any, workshop: str) -> None:
    """The workbench: the four's proposal inserted, every aspect taken up by its
    suggested passage or set aside, the text frozen for signing."""
    from playwright.sync_api import expect

    laptop.goto(workshop + "vision")
    laptop.get_by_role("button", name="Ganzen Vorschlag einfügen").first.click()
    expect(laptop.get_by_text("Der Text des Vorschlags ist eingefügt")).to_be_visible()
    laptop.get_by_label("Titel der Vision").fill("Vision Musterhausen 2035")
    laptop.get_by_role("button", name="Text speichern").click()
    for _ in range(30):
        hint = laptop.locator("button[name=suggest]")
        if not hint.count():
            break
        hint.first.click()
        laptop.wait_for_load_state()
    laptop.get_by_label("Stand").select_option("open")
    rows = laptop.locator("#wb-rows > li:visible")
    if rows.count():
        for row in rows.all():
            row.get_by_role("checkbox").check()
        laptop.get_by_role("textbox", name="Begründung").fill("Im Raum besprochen: später.")
        laptop.get_by_role("button", name="Angekreuzte zurückstellen").click()
    expect(laptop.get_by_text("Alle Aspekte sind entschieden.")).to_be_visible()
    check(laptop, "workbench (1,280 px)")
    _shot(laptop, "10-werkbank")
    laptop.goto(workshop)
    laptop.get_by_role("button", name="Text einfrieren und zur Bestätigung geben").click()
    expect(laptop.get_by_text("Der Text ist eingefroren.")).to_be_visible()


def _paper_signature(laptop: Any, workshop: str, room: Any) -> None:
    """The mayor signs the printed sheet; the facilitator records it."""
    from playwright.sync_api import expect

    laptop.goto(workshop + "bestaetigung")
    section = laptop.locator("#papier")
    section.get_by_label("Name").fill("Erika Muster")
    section.get_by_label("Funktion (optional)").fill("Erste Bürgermeisterin")
    section.get_by_role("button", name="Unterschrift erfassen").click()
    expect(
        laptop.get_by_text("Die Unterschrift von Erika Muster auf Papier ist erfasst.")
    ).to_be_visible()
    row = laptop.get_by_role("row", name=re.compile("Erika Muster"))
    expect(row.get_by_text("auf Papier unterschrieben am")).to_be_visible()
    check(laptop, "signing page with the paper signature (1,280 px)")
    _shot(laptop, "11-papier-unterschrift")
    expect(room.get_by_role("heading", level=1)).to_have_text("Bestätigung", timeout=SOON)
    expect(room.locator(".projector-count")).to_contain_text("1 von")
    _shot(room, "12-beamer-bestaetigung")
    room.set_viewport_size(PHONE)
    _fits(room, "projector at 390 px")
    check(room, "projector at 390 px")
