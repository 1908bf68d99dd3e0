"""The whole journey, through the UI only, in real Chromium against a live server and a
real Celery worker: a facilitator creates a workshop on the ILE's vision with two of its
statements embedded and invites three people by e-mail; they register from the links in
the mails, write their drafts (one full of XSS payloads), work as a trio (feedback, a real
conflict between two browsers of one person, "fertig"), mark strengths and comment; the
facilitator composes the vision and decides every aspect; a member with an account and a
named person by link sign; the vision is adopted; the worker builds the vision PDF and
the process documentation, which are downloaded from the pages and read back.

Each step asserts what the person sees (issue 9: local times, the embedded statements in
what is signed and printed, a trio addressed as three, no link its reader cannot follow,
no page wider than its viewport, no serious axe-core finding) and leaves screenshots at
1,280 and 390 px in VISIONSWERK_SHOTS (CI: test-artifacts/, outside the repository) or
the test's tmp folder.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from tests.factories import PASSWORD
from tests.journey.conftest import NARROW, Journey
from tests.journey.trip import XSS_MARK, Person, Trip, pdf_text, squash
from visionswerk.db import db
from visionswerk.tenants.scoping import tenant_scope
from visionswerk.visions import services as vs
from visionswerk.workshops import signing
from visionswerk.workshops.models import VisionVersion

pytestmark = [pytest.mark.browser, pytest.mark.committing]

BERLIN = ZoneInfo("Europe/Berlin")
ILE_TEXT = (
    "# Leitbild ILE Musterland\n\nWir stärken die Dörfer gemeinsam.\n\n"
    "- Rufbus im Stundentakt bis ins letzte Dorf\n"
    "- Jede Gemeinde hat einen digitalen Dorfplatz\n"
    "- Förderanträge stellen wir gemeinsam\n"
)
EMBEDDED = ["Rufbus im Stundentakt bis ins letzte Dorf", "Förderanträge stellen wir gemeinsam"]
NOT_EMBEDDED = "Jede Gemeinde hat einen digitalen Dorfplatz"
TAKEN = "Wir stärken die Dörfer gemeinsam."  # Cem takes it into his draft

TITLE = "Musterhausen 2036"
QUESTION = "Wie sieht Musterhausen 2036 aus – und was hat die Digitalisierung damit zu tun?"
VISION_TITLE = "Vision Musterhausen 2036"
PEOPLE = {  # display name: e-mail
    "Anna Adler": "anna@musterhausen.example",
    "Ben Berg": "ben@musterhausen.example",
    "Cem Çelik": "cem@musterhausen.example",
}
XSS_KEYWORDS = [
    f"<script>alert('{XSS_MARK}-1')</script>",
    f"\"><svg onload=alert('{XSS_MARK}-2')>",
]
XSS_TEXT = (
    f"Ben schreibt: <img src=x onerror=\"window.__xss_journey='img';alert('{XSS_MARK}-3')\"> "
    f"und [Klick mich](javascript:window.__xss_journey='link') "
    f"und <script>window.__xss_journey='script'</script> **Ende**"
)
DRAFTS = {
    "Anna Adler": (
        ["Glasfaser in jedem Haus", "Bürgerbus per App"],
        "Musterhausen ist 2036 **digital und nah**: Glasfaser in jedem Haus.",
    ),
    "Ben Berg": ([*XSS_KEYWORDS, "Dorfladen rund um die Uhr"], XSS_TEXT),
    "Cem Çelik": (["Bürgerportal für alle Anträge"], "Alle Anträge gehen online."),
}
PROPOSAL_LAPTOP = "Musterhausen 2036: Glasfaser in jedem Haus und ein Bürgerbus per App."
PROPOSAL_PHONE = "Der Dorfladen hat rund um die Uhr offen."
VISION_TEXT = (
    "Musterhausen ist 2036 digital und nah.\n\n"
    "- Glasfaser in jedem Haus\n- Bürgerbus per App\n- Dorfladen rund um die Uhr\n"
    "- Bürgerportal für alle Anträge\n- Wir stärken die Dörfer gemeinsam.\n"
)
STRENGTH = "Konkret und nah an den Menschen"
COMMENT = "Schön – gefällt mir 👍"


def expect(*args: Any) -> Any:
    from playwright.sync_api import expect as pw_expect

    return pw_expect(*args)


def local_clocks(around: dt.datetime) -> set[str]:
    """The local wall-clock times (HH:MM, Berlin) within a few minutes of ``around``."""
    return {
        (around + dt.timedelta(minutes=m)).astimezone(BERLIN).strftime("%H:%M")
        for m in range(-3, 2)
    }


def utc_clocks(around: dt.datetime) -> set[str]:
    return {(around + dt.timedelta(minutes=m)).strftime("%H:%M") for m in range(-3, 2)}


def shows_local_time(text: str, around: dt.datetime) -> bool:
    return "UTC" not in text and any(c in text for c in local_clocks(around))


def test_the_whole_journey_in_real_browsers(journey: Journey, browser, make) -> None:  # type: ignore[no-untyped-def]
    trip = Trip(journey, browser)
    slug, region_slug = setup_tenants(make)
    moderator = trip.person("Moritz Moderator", "moritz@musterhausen.example")
    wid = create_workshop(trip, moderator, slug)
    people = register_from_invitations(trip, moderator, slug)
    start_step_1(trip, moderator)
    write_drafts(trip, people)
    form_the_trio(trip, moderator)
    work_as_a_trio(trip, people)
    plenary(trip, moderator, people)
    compose_and_decide(trip, moderator)
    sha = collect_signatures(trip, moderator, people["Anna Adler"], slug, wid)
    adopt(trip, moderator, people["Ben Berg"], sha)
    vision_pdf(trip, moderator, sha, slug, wid)
    process_pdf(trip, moderator, slug, wid)
    coordinator(trip, region_slug, slug, wid)
    protocol(trip, moderator, slug, wid)


# --- setting up: the region with its adopted vision, the municipality, the facilitator ------


def setup_tenants(make) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    region = make.region("ILE Musterland")
    ilse = make.user(region, "coordinator", display_name="Ilse Koordinatorin",
                     email="ilse@ile-musterland.example")  # fmt: skip
    with tenant_scope(region.id):
        vs.import_vision(ilse, region, title="Leitbild ILE Musterland", text=ILE_TEXT,
                         adopted_on=dt.date(2024, 3, 1), source_note="Beschluss 2024")  # fmt: skip
        db.commit()
    town = make.municipality(region, "Gemeinde Musterhausen")
    make.user(town, "facilitator", display_name="Moritz Moderator",
              email="moritz@musterhausen.example")  # fmt: skip
    return town.slug, region.slug


# --- the facilitator creates the workshop -----------------------------------------------------


def create_workshop(trip: Trip, moderator: Person, slug: str) -> int:
    moderator.login()
    page = moderator.page
    page.get_by_role("link", name="Gemeinde Musterhausen").first.click()
    page.get_by_role("link", name="Neuen Workshop anlegen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Neuer Vision-Workshop")
    page.get_by_label("Titel").fill(TITLE)
    page.get_by_label("Leitfrage").fill(QUESTION)
    page.get_by_label("Frist für Schritt 1: Einzelarbeit").fill("2030-06-12T18:00")  # summer
    page.get_by_label("Frist für die Bestätigung").fill("2030-12-08T17:00")  # winter
    page.get_by_label("Weitere Personen per E-Mail einladen").fill("\n".join(PEOPLE.values()))
    moderator.shot("neuer-workshop")
    moderator.axe("Neuer Workshop")
    page.get_by_role("button", name="Workshop anlegen").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    match = re.search(r"/workshops/(\d+)/$", page.url)
    assert match, page.url
    trip.workshop = page.url.removeprefix(trip.base)
    expect(page.get_by_text(QUESTION)).to_be_visible()
    main = moderator.text()
    assert "12. Juni 2030, 18:00" in main and "8. Dezember 2030, 17:00" in main, main
    pending = page.get_by_role("table", name="Offene Einladungen zu diesem Workshop")
    for address in PEOPLE.values():
        row = pending.get_by_role("row").filter(has_text=address)
        expect(row.get_by_role("button", name=f"Erneut senden {address}")).to_be_visible()
        expect(row.get_by_role("button", name=f"Zurückziehen {address}")).to_be_visible()
    next_step = page.get_by_role("region", name="Jetzt zu tun")  # the facilitator's next move
    expect(next_step).to_contain_text("die Einzelarbeit starten")
    expect(next_step).to_contain_text(  # and why it is not possible yet
        "Noch nicht möglich: Es braucht mindestens zwei Teilnehmende"
    )
    moderator.shot("workshop-angelegt")

    # the ILE's vision as the basis, two of its statements embedded
    page.get_by_role("link", name="Auf einer bestehenden Vision aufbauen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Grundlage des Workshops")
    page.get_by_label(re.compile(r"^Leitbild ILE Musterland – Fassung 1 vom")).check()
    page.get_by_role("button", name="Grundlage speichern").click()
    for statement in EMBEDDED:
        page.get_by_label(statement, exact=True).check()
    page.get_by_role("button", name="Grundlage speichern").click()
    panel = page.get_by_role("complementary", name=re.compile("Wir bauen auf der Vision von ILE"))
    expect(panel).to_be_visible()
    # the chosen statements first, then the whole parent as context
    expect(panel.get_by_text("In unsere Vision eingebettet werden diese Aussagen:")).to_be_visible()
    chosen = panel.get_by_role("list").first.get_by_role("listitem")
    expect(chosen).to_have_text(EMBEDDED)
    expect(panel.get_by_role("list").nth(1)).to_contain_text(NOT_EMBEDDED)
    moderator.shot("grundlage-gewaehlt")
    moderator.axe("Grundlage des Workshops")
    return int(match.group(1))


def assert_all_in(needles: list[str], haystack: str) -> None:
    missing = [n for n in needles if n not in haystack]
    assert not missing, f"fehlt: {missing}"


# --- three people register from the links in their invitations -------------------------------


def register_from_invitations(trip: Trip, moderator: Person, slug: str) -> dict[str, Person]:
    people: dict[str, Person] = {}
    for n, (name, address) in enumerate(PEOPLE.items()):
        mail = trip.journey.outbox.wait(address, "Einladung")
        if n == 0:
            invitation_mail_says_what_it_is_about(trip, mail)
        link = next(u for u in mail.links() if "/einladung/" in u)
        assert link.startswith(trip.base), link
        person = trip.person(name, address)
        page = person.go(link.removeprefix(trip.base))
        expect(page.get_by_role("heading", level=1)).to_have_text(
            f"Einladung zum Workshop „{TITLE}“"
        )
        main = person.text()
        assert_all_in(["Gemeinde Musterhausen", QUESTION, "Moritz Moderator"], main)
        assert "12. Juni 2030, 18:00 Uhr" in main, main
        expect(page.get_by_text(address)).to_be_visible()
        page.get_by_label("Anzeigename").fill(name)
        page.get_by_label(re.compile(r"^Passwort\b(?! wiederholen)")).fill(PASSWORD)
        page.get_by_label("Passwort wiederholen").fill(PASSWORD)
        if n == 0:
            person.shot("registrieren")
            person.axe("Registrieren nach Einladung")
        page.get_by_role("button", name="Konto anlegen und Einladung annehmen").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)  # straight to it
        expect(
            page.get_by_text(f"Willkommen! Sie nehmen jetzt am Workshop „{TITLE}“ teil.")
        ).to_be_visible()
        expect(page.get_by_text("Willkommen in Gemeinde")).to_have_count(0)
        if n == 0:
            person.shot("eingeladen-und-dabei")
        people[name] = person
    moderator.go(trip.workshop)
    participants = moderator.page.get_by_role("region", name=re.compile(r"^Teilnehmende \(3\)"))
    for name in PEOPLE:
        expect(participants.get_by_role("cell", name=name, exact=True)).to_be_visible()
    expect(
        moderator.page.get_by_role("table", name="Offene Einladungen zu diesem Workshop")
    ).to_have_count(0)
    return people


def invitation_mail_says_what_it_is_about(trip: Trip, mail) -> None:  # type: ignore[no-untyped-def]
    assert mail.subject == f"Einladung zum Workshop „{TITLE}“ – Gemeinde Musterhausen", mail.subject
    assert_all_in([TITLE, QUESTION, "12. Juni 2030, 18:00 Uhr", "Moritz Moderator"], mail.text)
    assert "UTC" not in mail.text


def assert_not_in(needle: str, haystack: str) -> None:
    assert needle not in haystack, f"{needle!r} steht in {haystack[:200]!r}"


# --- step 1 -----------------------------------------------------------------------------------


def start_step_1(trip: Trip, moderator: Person) -> None:
    page = moderator.page
    page.get_by_role("button", name="Schritt 1 starten: Einzelarbeit").click()
    expect(page.get_by_text(re.compile(r"^Aktueller Schritt:.*Einzelarbeit"))).to_be_visible()
    mail = trip.journey.outbox.wait(PEOPLE["Anna Adler"], "Neuer Schritt")
    assert_not_in("UTC", mail.text)
    assert_not_in("16:00", mail.text)  # 18:00 in Berlin in June is 16:00 UTC
    assert_all_in(["12. Juni 2030, 18:00 Uhr"], mail.text)
    moderator.shot("einzelarbeit-gestartet")


def write_drafts(trip: Trip, people: dict[str, Person]) -> None:
    for name, person in people.items():
        page = person.go("/aufgaben")
        expect(page.get_by_role("heading", name="Meine Aufgaben")).to_be_visible()
        page.get_by_role("link", name="Ihren Entwurf schreiben und einreichen").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Einzelarbeit")
        expect(page.get_by_text(QUESTION)).to_be_visible()
        expect(page.get_by_text("Nur Sie sehen diesen Entwurf.")).to_be_visible()
        keywords, text = DRAFTS[name]
        if name == "Cem Çelik":
            cem_takes_a_statement(trip, person, keywords, text)
            continue
        page.get_by_role("textbox", name="Stichpunkte", exact=True).fill("\n".join(keywords))
        page.get_by_label("Ausformulierter Entwurf").fill(text)
        page.get_by_role("button", name="Speichern und einreichen").click()
        expect(page.get_by_text("Ihr Entwurf ist eingereicht.")).to_be_visible()
        expect(page.get_by_label("Ausformulierter Entwurf")).to_have_value(text)
        if name == "Anna Adler":  # Anna wants to be named in the documentation
            page.get_by_label(
                "Mein Anzeigename (Anna Adler) darf dort bei meinen Stichpunkten stehen."
            ).check()
            page.get_by_role("button", name="Auswahl speichern").click()
            expect(
                page.get_by_label(re.compile(r"^Mein Anzeigename \(Anna Adler\)"))
            ).to_be_checked()
            person.shot("entwurf-eingereicht")
            person.axe("Entwurf")
        if name == "Ben Berg":  # the payloads are shown as text, nothing runs
            preview = page.get_by_role("region", name="Vorschau der gespeicherten Fassung")
            expect(preview).to_contain_text(XSS_KEYWORDS[0])
            expect(preview.locator("img, svg, script")).to_have_count(0)
            expect(preview.locator("a[href^='javascript']")).to_have_count(0)
            person.shot("entwurf-mit-xss")


def cem_takes_a_statement(trip: Trip, cem: Person, keywords: list[str], text: str) -> None:
    """Issue 9, defect 6: taking a parent statement with unsaved text keeps both, and the
    next save is no conflict with himself. And the method: own thoughts first."""
    page = cem.page
    panel = page.get_by_role("complementary", name=re.compile("Wir bauen auf der Vision von ILE"))
    take = panel.get_by_role(
        "button", name=re.compile(rf"In meinen Entwurf übernehmen.*{re.escape(TAKEN)}")
    )
    # the parent is context, collapsed above the step; own thoughts first
    expect(panel.get_by_text(TAKEN)).to_be_hidden()
    panel.get_by_text("Wir bauen auf der Vision von ILE Musterland auf").click()
    expect(panel.get_by_text(TAKEN)).to_be_visible()
    expect(take).to_have_count(0)
    expect(panel.get_by_text("Schreiben Sie zuerst Ihre eigenen Gedanken auf")).to_be_visible()
    page.get_by_role("textbox", name="Stichpunkte", exact=True).fill("\n".join(keywords))
    page.get_by_label("Ausformulierter Entwurf").fill(text)
    page.get_by_role("button", name="Speichern", exact=True).click()
    expect(page.get_by_text("Gespeichert, aber noch nicht eingereicht.")).to_be_visible()
    unsaved = text + "\n\nUnd ein Repair-Café im alten Rathaus."
    page.get_by_label("Ausformulierter Entwurf").fill(unsaved)  # not saved yet
    panel.get_by_text("Wir bauen auf der Vision von ILE Musterland auf").click()  # collapsed again
    take.click()
    expect(page.get_by_role("status")).to_have_text(
        "Die Aussage steht jetzt in Ihrem Entwurf, mit allem, was Sie geschrieben haben."
    )
    editor = page.get_by_label("Ausformulierter Entwurf")
    expect(editor).to_have_value(re.compile("Repair-Café"))  # the unsaved text is kept
    expect(editor).to_have_value(re.compile(re.escape(TAKEN)))  # and the statement is in it
    cem.shot("aussage-uebernommen")
    page.get_by_role("button", name="Speichern und einreichen").click()
    expect(page.get_by_text("Ihr Entwurf ist eingereicht.")).to_be_visible()
    expect(page.get_by_role("heading", name="Zwei Fassungen – bitte zusammenführen")).to_have_count(
        0
    )
    preview = page.get_by_role("region", name="Vorschau der gespeicherten Fassung")
    expect(preview).to_contain_text("Repair-Café")
    expect(preview).to_contain_text(TAKEN)


# --- step 2: the trio -----------------------------------------------------------------------------


def form_the_trio(trip: Trip, moderator: Person) -> None:
    page = moderator.go(trip.workshop)
    expect(page.get_by_text(re.compile("eingereicht am"))).to_have_count(3)
    next_step = page.get_by_role("region", name="Jetzt zu tun")
    expect(next_step).not_to_contain_text("nichts bei Ihnen")
    expect(next_step).to_contain_text("Das ist jetzt möglich.")
    expect(page.get_by_text("Startwert")).to_have_count(0)  # no jargon
    moderator.shot("alle-entwuerfe-eingereicht")
    page.get_by_role("button", name="Einzelarbeit beenden und Paare vorschlagen").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Schritt 2")
    expect(page.get_by_text("Dreiergruppe").first).to_be_visible()
    moderator.shot("einteilung-vorgeschlagen")
    moderator.axe("Einteilung")
    page.get_by_role("button", name=re.compile(r"bestätigen und")).click()
    expect(
        page.get_by_role("status").filter(
            has_text=re.compile(r"(Paare|Gruppen|Einteilung).*bestätigt")
        )
    ).to_be_visible()


def work_as_a_trio(trip: Trip, people: dict[str, Person]) -> None:
    anna, ben, cem = people.values()
    mail = trip.journey.outbox.wait(anna.email, "Ihre Dreiergruppe steht fest")
    assert mail.subject.startswith("Ihre Dreiergruppe steht fest"), mail.subject
    assert "zu dritt" in mail.text
    assert_none_in(["zu zweit", "Gegenübers"], mail.text)
    link = next(u for u in mail.links() if "/paare" in u)
    page = anna.go(link.removeprefix(trip.base))
    expect(page.get_by_role("heading", name="Gemeinsamer Vorschlag")).to_be_visible()
    pair_path = page.url.removeprefix(trip.base)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Schritt 2: Arbeit zu dritt – unsere Dreiergruppe"
    )
    assert_none_in(
        ["Sie beide", "Sie können beide", "Gegenüber", "Ihres Paars", "zu zweit"], anna.text()
    )
    for person, partner, good in ((anna, ben, "Der Dorfladen"), (ben, cem, "Das Bürgerportal"),
                                  (cem, anna, "Die Glasfaser")):  # fmt: skip
        p = person.go(pair_path)
        draft = p.get_by_role("article", name=f"Entwurf von {partner.name}")
        expect(draft).to_be_visible()
        if partner is ben:  # Ben's payloads: text, never markup
            expect(draft).to_contain_text(XSS_KEYWORDS[0])
            expect(draft.locator("img, svg, script, a[href^='javascript']")).to_have_count(0)
            trip.no_script_ran(p, "Paarseite mit Bens Entwurf")
        draft.get_by_label("Besonders gut").fill(f"{good} ist konkret.")
        draft.get_by_label("Noch schärfen").fill("Bis wann genau?")
        draft.get_by_role("button", name=re.compile("Rückmeldung speichern")).click()
        expect(
            p.get_by_role("article", name=f"Entwurf von {partner.name}").get_by_label(
                "Besonders gut"
            )
        ).to_have_value(f"{good} ist konkret.")
    page = ben.go(pair_path)
    received = page.get_by_role("heading", name="Rückmeldungen zu Ihrem Entwurf")
    expect(received).to_be_visible()
    expect(page.get_by_text("Von Anna Adler", exact=True)).to_be_visible()
    expect(page.get_by_text("Der Dorfladen ist konkret.")).to_be_visible()
    ben.shot("gruppe-rueckmeldungen")
    ben.axe("Gruppenseite")
    two_browsers_of_anna(trip, anna, pair_path)
    for person in (anna, ben, cem):
        p = person.go(pair_path)
        p.get_by_role("button", name="Unser Vorschlag ist fertig").click()
        expect(p.get_by_role("button", name="Fertig-Markierung zurücknehmen")).to_be_visible()
    page.reload()
    for person in (anna, ben, cem):
        expect(
            page.get_by_role("listitem").filter(has_text=f"{person.name}: fertig")
        ).to_be_visible()
    ben.shot("gruppe-fertig")


def assert_none_in(needles: list[str], haystack: str) -> None:
    found = [n for n in needles if re.search(rf"\b{re.escape(n)}\b", haystack)]
    assert not found, f"steht da: {found}"


def two_browsers_of_anna(trip: Trip, anna: Person, pair_path: str) -> None:
    """Anna writes the proposal on her laptop and, from a page opened before, on her phone:
    the phone's save is refused with both texts side by side; she merges them there."""
    phone = trip.person("Anna Adler (Telefon)", anna.email, width=NARROW)
    phone.login()
    on_phone = phone.go(pair_path)
    laptop = anna.go(pair_path)
    laptop.get_by_role("textbox", name="Gemeinsamer Vorschlag").fill(PROPOSAL_LAPTOP)
    laptop.get_by_label("Stichpunkte des Vorschlags").fill(
        "Glasfaser in jedem Haus\nBürgerbus per App"
    )
    laptop.get_by_role("button", name="Vorschlag speichern").click()
    expect(laptop.get_by_text(re.compile(r"^Fassung 1, gespeichert am"))).to_be_visible()

    on_phone.get_by_role("textbox", name="Gemeinsamer Vorschlag").fill(PROPOSAL_PHONE)
    on_phone.get_by_label("Stichpunkte des Vorschlags").fill("Dorfladen rund um die Uhr")
    on_phone.get_by_role("button", name="Vorschlag speichern").click()
    conflict = on_phone.get_by_role("alert").filter(
        has=on_phone.get_by_role("heading", name="Zwei Fassungen – bitte zusammenführen")
    )
    expect(conflict).to_be_visible()
    expect(conflict.get_by_label("Text der gespeicherten Fassung (zum Kopieren)")).to_have_value(
        PROPOSAL_LAPTOP
    )
    expect(conflict.get_by_label("Ihr Text (zum Kopieren)")).to_have_value(PROPOSAL_PHONE)
    expect(on_phone.get_by_role("textbox", name="Gemeinsamer Vorschlag")).to_have_value(
        PROPOSAL_PHONE
    )
    merged_keywords = on_phone.get_by_label("Stichpunkte des Vorschlags")
    for keyword in ("Glasfaser in jedem Haus", "Bürgerbus per App", "Dorfladen rund um die Uhr"):
        expect(merged_keywords).to_have_value(re.compile(keyword))
    phone.shot("konflikt-zwei-browser")
    phone.axe("Konflikt auf der Gruppenseite")
    on_phone.get_by_role("textbox", name="Gemeinsamer Vorschlag").fill(
        f"{PROPOSAL_LAPTOP}\n\n{PROPOSAL_PHONE}"
    )
    on_phone.get_by_role("button", name="Vorschlag speichern").click()
    expect(on_phone.get_by_text(re.compile(r"^Fassung 2, gespeichert am"))).to_be_visible()
    expect(
        on_phone.get_by_role("heading", name="Zwei Fassungen – bitte zusammenführen")
    ).to_have_count(0)
    laptop.reload()
    expect(laptop.get_by_role("textbox", name="Gemeinsamer Vorschlag")).to_have_value(
        f"{PROPOSAL_LAPTOP}\n\n{PROPOSAL_PHONE}"
    )
    phone.context.close()


# --- step 3 ---------------------------------------------------------------------------------------


def plenary(trip: Trip, moderator: Person, people: dict[str, Person]) -> None:
    anna, ben, cem = people.values()
    page = moderator.page
    page.reload()
    next_step = page.get_by_role("region", name="Jetzt zu tun")
    expect(next_step).not_to_contain_text("nichts bei Ihnen")
    expect(next_step).to_contain_text("Das ist jetzt möglich.")
    page.get_by_role("button", name="Schritt 3 öffnen: Alle zusammen").click()
    expect(page.get_by_text(re.compile(r"^Aktueller Schritt:.*Alle zusammen"))).to_be_visible()
    workshop_path = page.url.removeprefix(trip.base).split("#")[0]

    p = ben.go(workshop_path)
    p.get_by_role("link", name=re.compile(r"Alle Vorschläge")).click()
    expect(p.get_by_role("heading", level=1)).to_have_text("Schritt 3: Alle zusammen")
    proposal = p.get_by_role("article").filter(has_text=PROPOSAL_PHONE)
    expect(proposal).to_contain_text(PROPOSAL_LAPTOP)
    proposal.get_by_label("Was ist die Stärke? (optional)").fill(STRENGTH)
    proposal.get_by_role("button", name=re.compile("Als Stärke markieren")).click()
    expect(p.get_by_text(f"Ben Berg: {STRENGTH}")).to_be_visible()
    plenary_path = p.url.removeprefix(trip.base)

    p = cem.go(plenary_path)
    p.get_by_label("Ihr Kommentar").fill(COMMENT)
    p.get_by_role("button", name=re.compile("Kommentieren")).click()
    comment = p.get_by_text(COMMENT).first
    expect(comment).to_be_visible()

    p = anna.go(plenary_path)
    expect(p.get_by_text(f"Ben Berg: {STRENGTH}")).to_be_visible()
    expect(p.get_by_text(COMMENT)).to_be_visible()
    keywords = p.get_by_role("region", name="Stichpunkte aus der Einzelarbeit")
    expect(keywords).to_contain_text("Glasfaser in jedem Haus")
    expect(keywords).to_contain_text(XSS_KEYWORDS[0])  # as text
    trip.no_script_ran(p, "Schritt 3")
    # names beside the keywords only with consent: Anna yes, Ben and Cem no
    expect(keywords).to_contain_text("Anna Adler")
    expect(keywords).not_to_contain_text("Ben Berg")
    expect(keywords).not_to_contain_text("Cem Çelik")
    expect(keywords).to_contain_text(re.compile(r"Beitrag [A-C]"))
    # no step-1 hints in step 3
    expect(p.get_by_role("button", name=re.compile("In meinen Entwurf übernehmen"))).to_have_count(
        0
    )
    expect(p.get_by_text("Schreiben Sie zuerst Ihre eigenen Gedanken auf")).to_have_count(0)
    anna.shot("schritt-3-staerken-kommentare")
    anna.axe("Schritt 3")


def compose_and_decide(trip: Trip, moderator: Person) -> None:
    page = moderator.page
    page.get_by_role("link", name="Vision und Aspekte").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Schritt 3: Die Vision zusammensetzen"
    )
    page.get_by_label("Titel der Vision").fill(VISION_TITLE)
    page.get_by_role("textbox", name="Visionstext", exact=True).fill(VISION_TEXT)
    page.get_by_role("button", name="Text speichern").click()
    expect(page.get_by_text(re.compile(r"^Fassung 1, gespeichert am"))).to_be_visible()
    moderator.shot("vision-geschrieben")
    actions = decide_on_the_workbench(page)
    print(
        f"\n[journey step 3] {actions.aspects} aspects decided with {actions.count} actions "
        f"on the workbench (one field and one button per aspect before: {2 * actions.aspects})"
    )
    expect(page.get_by_text("Alle Aspekte sind entschieden.")).to_be_visible()
    origin = (
        page.get_by_role("listitem")
        .filter(has_text=TAKEN)
        .filter(has_text="übernommen aus der Vision")
    )
    expect(origin.first).to_be_visible()
    trip.no_script_ran(page, "Vision und Aspekte")
    moderator.shot("alle-aspekte-entschieden")
    moderator.axe("Vision und Aspekte")


@dataclasses.dataclass
class Actions:
    aspects: int = 0
    count: int = 0  # clicks, ticks, selections and fields filled by the person


def decide_on_the_workbench(page: Any) -> Actions:
    """Decide every aspect as a facilitator would on the workbench: a suggested passage
    where one is offered (one click); aspects whose words the text carries, ticked and
    taken up with a passage selected in the text; the rest ticked and set aside at once
    with one reason. Never a typed passage."""
    done = Actions(aspects=page.locator("#wb-rows > li").count())
    while (button := page.locator("#wb-rows > li.open button[name=suggest]").first).count():
        button.click()
        page.wait_for_load_state()
        done.count += 1
    rows = page.locator("#wb-rows > li.open")
    text = page.get_by_role("textbox", name="Visionstext", exact=True)
    labels = [rows.nth(i).locator("label").inner_text() for i in range(rows.count())]
    carried = [i for i, label in enumerate(labels) if label in VISION_TEXT]
    if carried:
        first = labels[carried[0]]
        start = VISION_TEXT.index(first)
        text.evaluate(  # a selection with the mouse: one action
            "(t, r) => { t.focus(); t.setSelectionRange(r[0], r[1]);"
            " t.dispatchEvent(new Event('select')); }",
            [start, start + len(first)],
        )
        done.count += 1
        for i in carried:
            rows.nth(i).get_by_role("checkbox").check()
        page.get_by_role("button", name="Angekreuzte aufnehmen").click()
        page.wait_for_load_state()
        done.count += len(carried) + 1
    rows = page.locator("#wb-rows > li.open")
    rest = rows.count()
    if rest:
        for i in range(rest):
            rows.nth(i).get_by_role("checkbox").check()
        page.get_by_role("textbox", name="Begründung").fill("Kein Inhalt für die Vision.")
        page.get_by_role("button", name="Angekreuzte zurückstellen").click()
        page.wait_for_load_state()
        done.count += rest + 2
    return done


# --- signing -----------------------------------------------------------------------------------


def collect_signatures(trip: Trip, moderator: Person, anna: Person, slug: str, wid: int) -> str:
    page = moderator.go(f"/{slug}/workshops/{wid}/")
    page.get_by_role("button", name="Text einfrieren und zur Bestätigung geben").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Bestätigung: die Vision unterschreiben"
    )
    sha = stored_hash(slug, wid)
    signing_path = page.url.removeprefix(trip.base)
    frozen = page.get_by_role("region", name=re.compile(r"^Der Text \(Fassung 1\)"))
    expect(frozen).to_contain_text("Musterhausen ist 2036 digital und nah.")
    expect(frozen).to_contain_text(f"Fingerabdruck des Textes: {fingerprint(sha)}")
    signed = moderator.text_outside_panels()
    assert_all_in(EMBEDDED, signed)  # what the facilitator chose to embed is signed too
    assert NOT_EMBEDDED not in signed
    assert sha not in signed  # the short fingerprint where people read
    # no adoption without a signature: the reason instead of the button
    expect(page.get_by_role("button", name=re.compile("Vision beschließen"))).to_have_count(0)
    expect(
        page.get_by_text(
            "Beschließen können Sie, sobald mindestens eine Person unterschrieben hat."
        )
    ).to_be_visible()

    page.get_by_label("Ein Mitglied mit Konto").check()
    member = page.get_by_label("Mitglied", exact=True)
    option = next(o for o in member.locator("option").all_inner_texts() if "Anna Adler" in o)
    member.select_option(label=option)
    page.get_by_label("Funktion", exact=True).fill("Teilnehmerin")
    page.get_by_role("button", name="Eintragen").click()
    expect(page.get_by_role("cell", name="Anna Adler", exact=True)).to_be_visible()
    page.get_by_label("Eine Person ohne Konto (mit Link zum Unterschreiben)").check()
    page.locator("input#name").fill("Erika Muster")
    page.get_by_label("Funktion", exact=True).fill("Bürgermeisterin")
    page.get_by_label("E-Mail-Adresse für den Link (optional)").fill("erika@musterhausen.example")
    page.get_by_role("button", name="Eintragen").click()
    expect(page.get_by_text("Link zum Unterschreiben für Erika Muster:")).to_be_visible()
    moderator.shot("unterzeichnende-eingetragen")
    moderator.axe("Bestätigung (Moderation)")

    sign_with_account(trip, anna)
    sign_by_link(trip, sha)
    page = moderator.go(signing_path)  # (not a reload: the page showing the link was a POST)
    expect(
        page.get_by_role("heading", name=re.compile(r"2 von 2 haben unterschrieben"))
    ).to_be_visible()
    row = page.get_by_role("row").filter(has_text="Erika Muster")
    assert_local(row.inner_text(), dt.datetime.now(dt.UTC))
    assert_not_in(sha, row.inner_text())
    moderator.shot("alle-unterschrieben")
    return sha


def assert_local(text: str, around: dt.datetime) -> None:
    assert "UTC" not in text, f"UTC in {text!r}"
    assert any(c in text for c in local_clocks(around)), f"keine Ortszeit in {text!r}"
    if not local_clocks(around) & utc_clocks(around):
        assert not any(c in text for c in utc_clocks(around)), f"UTC-Uhrzeit in {text!r}"


def fingerprint(sha: str) -> str:
    """The short fingerprint people read: 12 hex digits in groups of four."""
    return f"{sha[:4]} {sha[4:8]} {sha[8:12]}"


def stored_hash(slug: str, wid: int) -> str:
    """The hash the server stored for the frozen text (checked against the text here)."""
    from visionswerk.tenants.models import Tenant

    db.remove()
    tenant_id = db.scalar(select(Tenant.id).where(Tenant.slug == slug))
    with tenant_scope(tenant_id):
        version = db.scalar(select(VisionVersion).where(VisionVersion.workshop_id == wid))
        assert version is not None and signing.verify(version)
        sha = version.sha256
    db.remove()
    assert re.fullmatch(r"[0-9a-f]{64}", sha)
    return sha


def sign_with_account(trip: Trip, anna: Person) -> None:
    page = anna.go("/aufgaben")
    page.get_by_role("link", name="Die Vision lesen und unterschreiben").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Bestätigung: die Vision unterschreiben"
    )
    signed = anna.text_outside_panels()
    assert_all_in(EMBEDDED, signed)
    assert NOT_EMBEDDED not in signed
    page.get_by_label(
        "Ich habe den Text gelesen und bestätige ihn mit meiner Unterschrift."
    ).check()
    page.get_by_role("button", name="Unterschreiben", exact=True).click()
    done = page.get_by_text(re.compile(r"^Sie haben am .* unterschrieben\.$"))
    expect(done).to_be_visible()
    assert_local(done.inner_text(), dt.datetime.now(dt.UTC))
    anna.shot("unterschrieben-mit-konto")


def sign_by_link(trip: Trip, sha: str) -> None:
    mail = trip.journey.outbox.wait("erika@musterhausen.example", "bestätigen Sie die Vision")
    link = next(u for u in mail.links() if "/unterschreiben/" in u)
    erika = trip.person("Erika Muster", "erika@musterhausen.example", width=NARROW)
    page = erika.go(link.removeprefix(trip.base))
    expect(page.get_by_role("heading", level=1)).to_have_text("Vision unterschreiben")
    expect(
        page.get_by_text("Moritz Moderator bittet Sie, als Erika Muster, Bürgermeisterin,")
    ).to_be_visible()
    expect(page.get_by_role("heading", name=VISION_TITLE)).to_be_visible()
    main = erika.text_outside_panels()
    assert NOT_EMBEDDED not in main
    # which municipality, which workshop, who asks, and how to decline
    assert_all_in(["Gemeinde Musterhausen", TITLE, "Moritz Moderator"], main)
    expect(page.get_by_role("button", name="Ich möchte nicht unterschreiben")).to_be_visible()
    assert_all_in(EMBEDDED, main)
    # a short fingerprint for the mayor; the full hash only under "zum Nachprüfen"
    assert fingerprint(sha) in main and sha not in main, main
    page.get_by_text("Vollständige Prüfsumme (SHA-256) zum Nachprüfen").click()
    expect(page.get_by_text(sha, exact=True)).to_be_visible()
    erika.shot("unterschreiben-per-link")
    erika.axe("Unterschreiben per Link")
    page.get_by_label(
        "Ich habe den Text gelesen und bestätige ihn mit meiner Unterschrift."
    ).check()
    page.get_by_role("button", name="Unterschreiben", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Danke für Ihre Unterschrift!")
    status = page.get_by_role("status")
    expect(status).to_contain_text("Erika Muster, Bürgermeisterin")
    assert_local(status.inner_text(), dt.datetime.now(dt.UTC))
    erika.shot("danke-fuer-die-unterschrift")
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text("Link schon benutzt")
    erika.context.close()


# --- adoption ----------------------------------------------------------------------------------


def adopt(trip: Trip, moderator: Person, ben: Person, sha: str) -> None:
    page = moderator.page
    adopt_button = page.get_by_role("button", name="Unterschriften abschließen: Vision beschließen")
    confirm = page.get_by_role("checkbox", name=re.compile(r"^Ja, die Vision beschließen\."))
    adopt_button.click()  # without the tick: refused, nothing adopted
    expect(
        page.get_by_role("checkbox", name=re.compile(r"^Ja, die Vision beschließen\."))
    ).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_role("link", name=re.compile("beschlossene(n)? Vision"))).to_have_count(0)
    moderator.shot("beschliessen-ohne-bestaetigung")
    confirm.check()
    page.get_by_role("button", name="Unterschriften abschließen: Vision beschließen").click()
    expect(
        page.get_by_role("link", name=re.compile("beschlossene(n)? Vision")).first
    ).to_be_visible()
    page.get_by_role("link", name=re.compile("beschlossene(n)? Vision")).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(VISION_TITLE)
    adopted_path = page.url.removeprefix(trip.base)
    for person in (moderator, ben):
        p = person.go(adopted_path)
        expect(p.get_by_role("heading", level=1)).to_have_text(VISION_TITLE)
        main = person.text_outside_panels()
        assert "Musterhausen ist 2036 digital und nah." in main
        assert "Erika Muster" in main and "Bürgermeisterin" in main and "Anna Adler" in main
        assert NOT_EMBEDDED not in main
        expect(p.get_by_text("Die Prüfsumme passt zum Text")).to_be_visible()
        expect(p.get_by_text("Die Prüfsumme passt nicht")).to_have_count(0)
        assert_all_in(EMBEDDED, main)
        assert_local(main, dt.datetime.now(dt.UTC))  # signed and adopted: local times
        assert_one_breadcrumb_trail(p)
        assert f"Fingerabdruck des Textes: {fingerprint(sha)}" in main, main
        assert sha not in main  # the full hash only under "zum Nachprüfen"
        person.shot("beschlossene-vision")
    moderator.axe("Beschlossene Vision")


def assert_one_breadcrumb_trail(page: Any) -> None:
    """One trail (municipality › workshop › page), not a second one in a meta line."""
    expect(page.get_by_role("navigation", name="Sie sind hier")).to_have_count(1)
    expect(page.locator("main").get_by_role("link", name="Gemeinde Musterhausen")).to_have_count(1)


# --- the PDFs ------------------------------------------------------------------------------------


def build_and_download(person: Person, kind: str) -> tuple[str, bytes]:
    """On the page the person is on, in its report panel: "PDF erstellen", the progress
    shown live (no reload), then "PDF herunterladen"."""
    page = person.page
    title = {"vision": "Visionsdokument", "process": "Prozessdokumentation"}[kind]
    panel = page.get_by_role("region", name="Als PDF herunterladen")
    entry = panel.get_by_role("listitem").filter(has=page.get_by_role("heading", name=title))
    url = page.url
    entry.get_by_role("button", name=f"PDF erstellen ({title})").click()
    link = entry.get_by_role("link", name=f"PDF herunterladen ({title})")
    expect(link).to_be_visible(timeout=90_000)  # appears without a reload
    assert page.url == url
    expect(entry.get_by_role("button", name=f"Neu erstellen ({title})")).to_be_visible()
    return person.download(link)


def vision_pdf(trip: Trip, moderator: Person, sha: str, slug: str, wid: int) -> None:
    expect(moderator.page.get_by_role("heading", level=1)).to_have_text(VISION_TITLE)
    name, data = build_and_download(moderator, "vision")
    text = keep(trip, "vision", data)
    printed = squash(text)  # lines wrap anywhere in a PDF
    assert name == "Vision-Musterhausen-2036-Fassung-1.pdf", name
    for needle in (VISION_TITLE, "Musterhausen ist 2036 digital und nah.", "Erika Muster",
                   "Bürgermeisterin", "Anna Adler", "Teilnehmerin", sha):  # fmt: skip
        assert squash(needle) in printed, f"{needle!r} not in the vision PDF"
    assert squash(NOT_EMBEDDED) not in printed
    assert_all_in([squash(s) for s in EMBEDDED], printed)
    # the ILE's vision was adopted on a day (no time of day is known, none is invented)
    assert squash("beschlossen am 1. März 2024 · ausgewählte Aussagen") in printed, text
    assert f"{fingerprint(sha)} " in text  # each signature row: the fingerprint of the page
    assert_local(text, dt.datetime.now(dt.UTC))
    trip.no_script_ran(moderator.page, "Beschlossene Vision")
    moderator.shot("vision-pdf")


def process_pdf(trip: Trip, moderator: Person, slug: str, wid: int) -> None:
    moderator.go(f"/{slug}/workshops/{wid}/")
    name, data = build_and_download(moderator, "process")
    text = keep(trip, "prozess", data)
    printed = squash(text)
    assert_match(r"^Prozessdokumentation-.*Musterhausen-2036.*\.pdf$", name)
    for needle in (QUESTION, "Glasfaser in jedem Haus", "Dorfladen rund um die Uhr",
                   PROPOSAL_PHONE, TAKEN, "Kein Inhalt für die Vision.",
                   XSS_KEYWORDS[0]):  # the payload, printed as text  # fmt: skip
        assert squash(needle) in printed, f"{needle!r} not in the process PDF"
    assert "Ben schreibt" not in text and "Repair-Café" not in text  # drafts stay private
    assert_all_in([squash(STRENGTH), squash("gefällt mir")], printed)  # strengths, comments
    assert "Anna Adler" in text  # she agreed to be named beside her keywords
    assert "Cem Çelik" not in text  # he did not
    assert_not_in("UTC", text)
    assert_not_in(" beschlossen ", text.split("Ablauf", 1)[-1][:400])  # capitalised as a step
    moderator.shot("prozess-pdf")


def keep(trip: Trip, name: str, data: bytes) -> str:
    """The PDF and its text beside the screenshots, for a person to look at."""
    (trip.journey.shots / f"{name}.pdf").write_bytes(data)
    text = pdf_text(data)
    (trip.journey.shots / f"{name}.txt").write_text(text, encoding="utf-8")
    return text


def assert_match(pattern: str, value: str) -> None:
    assert re.search(pattern, value), f"{value!r} passt nicht zu {pattern!r}"


# --- the coordinator of the region --------------------------------------------------------------


def coordinator(trip: Trip, region_slug: str, slug: str, wid: int) -> None:
    ilse = trip.person("Ilse Koordinatorin", "ilse@ile-musterland.example")
    ilse.login()
    page = ilse.page
    page.get_by_role("link", name="ILE Musterland").first.click()
    page.get_by_role("link", name="Übersicht der Kommunen").click()
    row = page.get_by_role("row").filter(has_text="Gemeinde Musterhausen")
    expect(row).to_be_visible()
    # the municipality's current workshop, adopted, beside its adopted vision
    expect(
        row.get_by_role("cell").filter(has=page.get_by_role("link", name=TITLE))
    ).to_contain_text("Beschlossen")
    expect(row).to_contain_text(re.compile(r"Fassung 1 vom \d\d\.\d\d\.\d{4}"))
    ilse.shot("uebersicht-region")
    ilse.axe("Übersicht der Region")
    follow_every_link(trip, ilse, "Übersicht der Region")
    page = ilse.go(f"/{slug}/workshops/{wid}/")
    follow_every_link(trip, ilse, "Workshop-Seite (Koordination)")
    page = ilse.go(f"/{slug}/workshops/{wid}/beschlossen")
    expect(page.get_by_role("heading", level=1)).to_have_text(VISION_TITLE)
    assert_all_in(EMBEDDED, ilse.text_outside_panels())
    expect(page.get_by_role("link", name="PDF herunterladen (Visionsdokument)")).to_be_visible()
    ilse.shot("beschlossene-vision-koordination")
    ilse.context.close()


def follow_every_link(trip: Trip, person: Person, where: str) -> None:
    """No page shows a link its reader cannot follow (each link is fetched with the
    person's cookies)."""
    page = person.page
    hrefs = page.locator("main a[href]").evaluate_all("els => els.map(e => e.href)")
    broken = []
    for href in dict.fromkeys(h.split("#")[0] for h in hrefs):
        if not href.startswith(trip.base):
            continue
        response = person.context.request.get(href)
        if response.status >= 400 or "Kein Zugriff" in response.text():
            broken.append(f"{href.removeprefix(trip.base)} ({response.status})")
    assert not broken, f"{where}: Links, denen die Person nicht folgen kann: {broken}"


# --- the protocol ----------------------------------------------------------------------


def protocol(trip: Trip, moderator: Person, slug: str, wid: int) -> None:
    page = moderator.go(f"/{slug}/workshops/{wid}/")
    log = page.get_by_role("region", name="Protokoll")
    log.get_by_text(re.compile(r"^Alle \d+ Einträge anzeigen$")).click()  # collapsed at first
    expect(log).to_contain_text("Workshop angelegt")
    text = " ".join(log.inner_text().split())
    assert_match(r"^((?!\b[a-z]+\.[a-z_]+\b).)*$", text)  # no raw keys (workshop.set_parent)
    assert_not_in("UTC", text)
    assert_not_in("jemand mit Link", text)
    assert_all_in(["Erika Muster"], text)  # the signatory by link by her recorded name
    expect(
        page.get_by_role("button", name=re.compile("In meinen Entwurf übernehmen"))
    ).to_have_count(0)
    moderator.shot("protokoll")
