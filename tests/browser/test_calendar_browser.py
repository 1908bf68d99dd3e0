"""The deadline's calendar entry in a real Chromium, at 1,280 and 390 px: the facilitator
starts step 1 with a deadline, downloads its ``.ics`` from "Meine Aufgaben"; a
participant on a phone downloads theirs and reads the step-opened mail in the local
outbox page (``/_dev/postausgang``), whose attachment downloads too. Every file reads back
(icalendar) at 18:00 Berlin time, in German; no page is wider than the screen, and axe
finds nothing serious. Screenshots go to ``VISIONSWERK_SHOTS`` (default: pytest's tmp)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import icalendar
import pytest
from flask import Flask
from sqlalchemy import Engine
from werkzeug.serving import make_server

from tests.browser.test_login_browser import browser_page  # noqa: F401 (fixture)
from tests.conftest import Mailbox
from tests.pages.test_accessibility_browser import check, login
from visionswerk import db as dbmod
from visionswerk.db import db
from visionswerk.settings import Settings
from visionswerk.worker import notifications
from visionswerk.worker.celery_app import celery, configure
from visionswerk.workshops import services as ws
from visionswerk.workshops.models import Workshop

pytestmark = [pytest.mark.browser, pytest.mark.committing]

DEADLINE = dt.datetime(2031, 3, 10, 17, 0, tzinfo=dt.UTC)  # Montag, 10. März 2031, 18:00 Uhr


@pytest.fixture()
def dev_server(app: Flask, settings: Settings, engine: Engine) -> Iterator[str]:
    """The app as the local run serves it (development: with the outbox page)."""
    from visionswerk.platform import create_app

    dev = create_app(
        dataclasses.replace(settings, env="development"),
        ENGINE=engine,
        TESTING=True,
        RATELIMIT_STORAGE_OPTIONS=app.config["RATELIMIT_STORAGE_OPTIONS"],
    )
    server = make_server("127.0.0.1", 0, dev, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(5)
        configure(celery, settings)


def read_back(path: str | Path) -> icalendar.Event:
    (event,) = icalendar.Calendar.from_ical(Path(path).read_bytes()).walk("VEVENT")
    start = event.decoded("dtstart")
    assert (start.hour, start.minute, str(start.tzinfo), start == DEADLINE) == (
        18, 0, "Europe/Berlin", True,
    )  # fmt: skip
    return event


def download(page: Any, link: Any) -> tuple[str, icalendar.Event]:  # type: ignore[no-untyped-def]
    with page.expect_download() as info:
        link.click()
    got = info.value
    return got.suggested_filename, read_back(got.path())


def fits(page: Any, what: str) -> None:  # type: ignore[no-untyped-def]
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{what}: {width}px wide"


def test_the_deadline_goes_into_the_calendar_from_tasks_and_mail(
    dev_server: str,
    browser_page,  # noqa: F811
    make,
    outbox: Mailbox,
    settings: Settings,
    tmp_path: Path,
) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    shots = Path(os.environ.get("VISIONSWERK_SHOTS") or tmp_path / "shots")
    shots.mkdir(parents=True, exist_ok=True)
    setup = make.workshop(phase="preparation", participants=2, title="Auental 2036")
    slug, wid = setup.tenant.slug, setup.id
    facilitator, participant = setup.facilitator.email, setup.participants[0].email
    with setup.scope():
        w = db.get(Workshop, wid)
        ws.update_workshop(setup.facilitator, w, deadlines={"individual": DEADLINE})
        dbmod.commit()
    page = browser_page
    base = dev_server

    # the facilitator, on a desktop: start step 1, then its deadline from "Meine Aufgaben"
    page.set_viewport_size({"width": 1280, "height": 900})
    login(page, base, facilitator)
    page.goto(f"{base}/{slug}/workshops/{wid}/")
    page.get_by_role("button", name="Schritt 1 starten: Einzelarbeit").click()
    page.goto(f"{base}/aufgaben")
    link = page.get_by_role("link", name="In den Kalender (.ics) – Frist für Schritt 1")
    expect(link).to_have_count(1)
    check(page, "Meine Aufgaben (facilitator)")
    page.screenshot(path=str(shots / "calendar-tasks-facilitator-1280.png"), full_page=True)
    name, event = download(page, link)
    assert name == f"Frist-Einzelarbeit-Workshop-{wid}.ics"
    assert str(event["SUMMARY"]) == "Frist: Einzelarbeit – Auental 2036"
    uid = str(event["UID"])

    # the worker's scan queues the step-opened mails (delivered eagerly to the outbox folder)
    notifications.scan(settings, dbmod.utcnow())
    dbmod.commit()
    assert len(outbox.messages()) == 2

    # a participant, on a phone: the task's entry, then the mail in the local outbox
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, base, participant)
    page.goto(f"{base}/aufgaben")
    fits(page, "Meine Aufgaben at 390 px")
    check(page, "Meine Aufgaben (participant, 390 px)")
    page.screenshot(path=str(shots / "calendar-tasks-participant-390.png"), full_page=True)
    _name, event = download(page, page.get_by_role("link", name="In den Kalender (.ics)"))
    assert str(event["UID"]) == uid
    # the workshop's deadlines on the phone: each step above its date, the date not
    # squeezed into a column beside it
    page.goto(f"{base}/{slug}/workshops/{wid}/")
    step = page.locator("dl.deadlines dt").first.bounding_box()
    date = page.locator("dl.deadlines dd").first.bounding_box()
    assert step and date and date["y"] >= step["y"] + step["height"] - 1
    assert date["width"] > 300, date
    expect(page.locator("dl.deadlines dd").first).to_contain_text("10. März 2031, 18:00 Uhr")
    page.goto(f"{base}/_dev/postausgang")
    row = page.locator("tr").filter(has_text=participant)
    row.get_by_role("link", name="Neuer Schritt: Einzelarbeit – Auental 2036").click()
    text = page.locator("pre.mail-text").first  # the text part (the HTML source follows)
    expect(text).to_contain_text("Bis: 10. März 2031, 18:00 Uhr")
    expect(text).to_contain_text("Die Frist steht als Kalendereintrag im Anhang (.ics).")
    fits(page, "the mail at 390 px")
    page.screenshot(path=str(shots / "calendar-mail-390.png"), full_page=True)
    name, event = download(
        page, page.get_by_role("link", name=f"Frist-Einzelarbeit-Workshop-{wid}.ics")
    )
    assert name == f"Frist-Einzelarbeit-Workshop-{wid}.ics" and str(event["UID"]) == uid

    # the same mail at 1280 px
    page.set_viewport_size({"width": 1280, "height": 900})
    page.screenshot(path=str(shots / "calendar-mail-1280.png"), full_page=True)
