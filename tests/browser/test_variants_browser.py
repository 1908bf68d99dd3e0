"""Real Chromium, the adapted steps (issue 14) as facilitator and participant at 1,280
and 390 px: choosing the group size and the skip when creating a workshop, the pairing
page and a group page of four, the step-3 workbench naming groups of four, leaving out
step 2 and the plenary afterwards. axe-core finds nothing serious or critical; at 390 px
nothing is wider than the window. Screenshots go to test-artifacts/variants/."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.browser.test_login_browser import browser_page, live_server  # noqa: F401 (fixtures)
from tests.pages.test_accessibility_browser import check, login
from visionswerk.db import db
from visionswerk.tenants.models import Role, User
from visionswerk.workshops import services as ws
from visionswerk.workshops.models import Pair

pytestmark = [pytest.mark.browser, pytest.mark.committing]

SHOTS = Path(
    os.environ.get("VISIONSWERK_SHOTS")
    or Path(__file__).resolve().parents[2] / "test-artifacts" / "variants"
)


def _look(page, name: str) -> None:  # type: ignore[no-untyped-def]
    """Both widths: axe, the phone width, a screenshot each."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        check(page, f"{name} at {width}")
        if width == 390:
            wider = page.evaluate("document.documentElement.scrollWidth")
            assert wider <= 390, f"{name}: {wider} px wide at 390"
        page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)


def test_group_sizes_and_the_skip_in_the_browser(live_server, browser_page, make) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    from playwright.sync_api import expect

    page = browser_page
    tenant = make.municipality(make.region())
    facilitator = make.user(tenant, Role.FACILITATOR)
    make.commit()
    slug, email = tenant.slug, facilitator.email
    login(page, live_server, email)
    page.goto(f"{live_server}/{slug}/workshops/neu")
    page.locator("#title").fill("Jugend 2035")
    page.get_by_role("radio", name="zu viert").check()
    expect(page.get_by_text("Es wird zu viert gearbeitet.")).to_be_visible()
    _look(page, "1-neu-zu-viert")
    page.get_by_role("button", name="Workshop anlegen").click()
    expect(page.get_by_text("2 Arbeit zu viert")).to_be_visible()
    _look(page, "2-uebersicht-moderation")

    # a workshop in fours, step 2 under way
    s = make.workshop(phase="pairs", participants=9, group_size=4, confirmed=False)
    with s.scope():
        slug2, wid = s.tenant.slug, s.id
        femail = s.facilitator.email
    login(page, live_server, femail)
    page.goto(f"{live_server}/{slug2}/workshops/{wid}/paare")
    expect(page.get_by_role("heading", name="Fünfergruppe 2")).to_be_visible()
    _look(page, "3-einteilung-vierergruppen")
    page.get_by_role("button", name="Gruppen bestätigen und Schritt 2 beginnen").click()
    with s.scope():
        pair = db.scalars(select(Pair).where(Pair.workshop_id == wid).order_by(Pair.number)).first()
        member = db.get(User, pair.members[0].user_id)
        pid, memail = pair.id, member.email
    login(page, live_server, memail)
    page.goto(f"{live_server}/{slug2}/paare/{pid}")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Schritt 2: Arbeit zu viert – unsere Vierergruppe"
    )
    _look(page, "4-vierergruppe-teilnehmende")
    page.goto(f"{live_server}/{slug2}/workshops/{wid}/")
    _look(page, "5-uebersicht-teilnehmende")

    # step 3 with groups of four: the workbench
    p3 = make.workshop(phase="plenary", participants=8, group_size=4)
    with p3.scope():
        slug3, wid3, f3 = p3.tenant.slug, p3.id, p3.facilitator.email
    login(page, live_server, f3)
    page.goto(f"{live_server}/{slug3}/workshops/{wid3}/vision")
    expect(page.get_by_role("group", name="Vierergruppe 1")).to_be_visible()
    _look(page, "6-werkbank-vierergruppen")

    # leaving out step 2
    small = make.workshop(phase="individual", participants=3)
    with small.scope():
        ws.update_workshop(small.facilitator, small.workshop, skip_pairs=True)
        for person in small.participants[:3]:
            ws.save_draft(
                person, small.workshop, keywords=["Dorfladen", "Bus am Abend"], text="", submit=True
            )
        db.commit()
        slug4, wid4 = small.tenant.slug, small.id
        f4, p4 = small.facilitator.email, small.participants[0].email
    login(page, live_server, f4)
    page.goto(f"{live_server}/{slug4}/workshops/{wid4}/")
    skip = page.get_by_role(
        "button", name="Schritt 2 auslassen: Einzelarbeit beenden und gleich alle zusammen weiter"
    )
    expect(skip).to_be_visible()
    _look(page, "7-uebersicht-auslassen-moderation")
    skip.click()
    expect(page.get_by_text("2 ausgelassen")).to_be_visible()
    login(page, live_server, p4)
    page.goto(f"{live_server}/{slug4}/workshops/{wid4}/alle")
    expect(page.get_by_text("Es gibt darum keine gemeinsamen Vorschläge")).to_be_visible()
    _look(page, "8-alle-zusammen-ausgelassen-teilnehmende")


def test_starting_from_the_ile_statements_in_the_browser(live_server, browser_page, make) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    from playwright.sync_api import expect

    from tests.visions.helpers import based_workshop, make_region

    region = make_region(make)
    town = make.municipality(region.region)
    s = based_workshop(make, town, region.v1, phase="preparation", participants=2)
    with s.scope():
        ws.update_workshop(s.facilitator, s.workshop, start_from_parent=True)
        db.commit()
        slug, wid, email = town.slug, s.id, s.facilitator.email
        participant = s.participants[0].email
    page = browser_page
    login(page, live_server, email)
    page.goto(f"{live_server}/{slug}/workshops/{wid}/")
    start = page.get_by_role(
        "button",
        name="Gleich mit Schritt 3 beginnen: mit den Aussagen der Vision, auf der der "
        "Workshop aufbaut",
    )
    expect(start).to_be_visible()
    _look(page, "9-uebersicht-ile-moderation")
    start.click()
    expect(page.get_by_text("1 ausgelassen")).to_be_visible()
    page.goto(f"{live_server}/{slug}/workshops/{wid}/vision")
    expect(
        page.get_by_text("aus der Vision, auf der der Workshop aufbaut (Fassung 1)").first
    ).to_be_visible()
    _look(page, "10-werkbank-ile-aussagen")
    login(page, live_server, participant)
    page.goto(f"{live_server}/{slug}/workshops/{wid}/alle")
    _look(page, "11-alle-zusammen-ile-teilnehmende")
