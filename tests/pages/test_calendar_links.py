"""The deadlines' calendar files from the pages: "Meine Aufgaben" (participant and
facilitator) and the workshop page link each task's deadline as an ``.ics``; the file is
a download named for people, reads back at the local time, and answers 404 to anybody
who may not see the workshop and for another tenant's id."""

from __future__ import annotations

import datetime as dt
import re

import icalendar
from flask import Flask

from tests.factories import Factory
from tests.pages.conftest import Visitor, tags_of
from visionswerk.db import db
from visionswerk.tenants.models import Role
from visionswerk.workshops import services as ws

DEADLINE = dt.datetime(2031, 3, 10, 17, 0, tzinfo=dt.UTC)  # 18:00 in Berlin


def calendar_links(html: str) -> list[str]:
    return [
        str(attrs["href"])
        for tag, attrs in tags_of(html)
        if tag == "a" and str(attrs.get("href") or "").endswith(".ics")
    ]


def test_my_tasks_link_each_deadline_to_its_calendar_file(app: Flask, make: Factory) -> None:
    s = make.workshop(phase="individual", participants=2, title="Auental 2036")
    with s.scope():
        ws.update_workshop(s.facilitator, s.workshop, deadlines={"individual": DEADLINE})
        db.commit()
    expected = f"/{s.tenant.slug}/workshops/{s.id}/kalender/individual.ics"
    for person in (s.participants[0], s.facilitator):
        visitor = Visitor(app, person.email)
        html = visitor.html("/aufgaben")
        assert calendar_links(html) == [expected], person.email
        assert "In den Kalender (.ics)" in html
        assert (
            "Frist für Schritt 1: Einzelarbeit, Auental 2036" in html
        )  # the link's name out of context
        response = visitor.get(expected)
        assert response.mimetype == "text/calendar"
        assert response.headers["Content-Disposition"] == (
            f"attachment; filename=Frist-Einzelarbeit-Workshop-{s.id}.ics"
        )
        (event,) = icalendar.Calendar.from_ical(response.data).walk("VEVENT")
        start = event.decoded("dtstart")
        assert (start.hour, str(start.tzinfo), start == DEADLINE) == (18, "Europe/Berlin", True)
        assert str(event["URL"]) == f"http://localhost/{s.tenant.slug}/workshops/{s.id}/entwurf"
        # the workshop page lists the deadlines with the same link
        overview = visitor.html(f"/{s.tenant.slug}/workshops/{s.id}/")
        assert expected in calendar_links(overview)


def test_a_task_without_deadline_has_no_calendar_link(app: Flask, make: Factory) -> None:
    s = make.workshop(phase="individual", participants=2)
    html = Visitor(app, s.participants[0].email).html("/aufgaben")
    assert "Ihren Entwurf schreiben" in html and calendar_links(html) == []


def test_a_umlaut_in_the_file_name_is_sent_twice_as_rfc_6266_says(
    app: Flask, make: Factory
) -> None:
    s = make.workshop(phase="signing", participants=2)
    with s.scope():
        ws.update_workshop(s.facilitator, s.workshop, deadlines={"signing": DEADLINE})
        db.commit()
    signer = Visitor(app, s.participants[0].email)
    [link] = calendar_links(signer.html("/aufgaben"))  # the signatory's task
    assert link.endswith("/kalender/signing.ics")
    disposition = signer.get(link).headers["Content-Disposition"]
    assert f"filename=Frist-Bestaetigung-Workshop-{s.id}.ics" in disposition
    assert f"filename*=UTF-8''Frist-Best%C3%A4tigung-Workshop-{s.id}.ics" in disposition


def test_only_who_may_see_the_workshop_gets_the_file(app: Flask, make: Factory) -> None:
    region = make.region()
    town = make.municipality(region)
    s = make.workshop(town, phase="individual", participants=2)
    with s.scope():
        ws.update_workshop(s.facilitator, s.workshop, deadlines={"individual": DEADLINE})
        db.commit()
    url = f"/{town.slug}/workshops/{s.id}/kalender/individual.ics"
    coordinator = make.user(region, Role.COORDINATOR)
    outsider = make.user(town, Role.PARTICIPANT)
    other = make.municipality(region)
    stranger = make.workshop(other, phase="individual", participants=2)
    # the region's address does not hold the town's workshop
    Visitor(app, coordinator.email).get(url.replace(town.slug, region.slug), 404)
    Visitor(app, coordinator.email).get(url)  # the town's address: the coordinator may see it
    assert "Unsere Gemeinde" not in Visitor(app, outsider.email).html(url, 404)
    # another tenant's facilitator, through their own tenant's address: 404
    Visitor(app, stranger.facilitator.email).get(
        f"/{other.slug}/workshops/{s.id}/kalender/individual.ics", 404
    )
    anonymous = Visitor(app).client.get(url)
    assert anonymous.status_code in (302, 401) and "ics" not in anonymous.headers.get(
        "Content-Type", ""
    )
    facilitator = Visitor(app, s.facilitator.email)
    facilitator.get(url.replace("individual.ics", "pairs.ics"), 404)  # no deadline set
    facilitator.get(url.replace("individual.ics", "adopted.ics"), 404)  # no such step
    assert re.search(r"keine Frist", facilitator.html(url.replace("individual", "pairs"), 404))
