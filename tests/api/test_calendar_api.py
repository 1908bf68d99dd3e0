"""The deadlines' calendar entries through the API: ``/me/tasks`` links each task's
deadline to ``…/deadlines/<step>.ics``, which answers the same entry as the page (as the
OpenAPI document describes it), and 404 to anybody who may not see the workshop, for
another tenant's workshop, and for a step without a deadline."""

from __future__ import annotations

import datetime as dt

import icalendar
from flask import Flask

from tests.api.conftest import Api, token_for
from tests.factories import Factory
from tests.pages.conftest import Visitor
from visionswerk.db import db
from visionswerk.tenants.models import Role
from visionswerk.workshops import services as ws

DEADLINE = dt.datetime(2031, 6, 10, 16, 0, tzinfo=dt.UTC)  # 18:00 in Berlin (summer time)


def test_my_tasks_link_the_deadline_and_the_entry_reads_back(app: Flask, make: Factory) -> None:
    s = make.workshop(phase="individual", participants=2, title="Auental 2036")
    with s.scope():
        ws.update_workshop(s.facilitator, s.workshop, deadlines={"individual": DEADLINE})
        db.commit()
    slug, wid = s.tenant.slug, s.id  # requests detach the rows
    path = f"/{slug}/workshops/{wid}/deadlines/individual.ics"
    tokens = [token_for(s.participants[0]), token_for(s.facilitator)]
    facilitator_email = s.facilitator.email
    for token in tokens:
        api = Api(app, token)
        [task] = api.get("/me/tasks")["tasks"]
        assert (task["deadline_step"], task["calendar"]) == ("individual", "/api/v1" + path)
        response = api.request("GET", path)  # checked against the OpenAPI document
        assert response.mimetype == "text/calendar"
        assert (
            f"filename=Frist-Einzelarbeit-Workshop-{wid}.ics"
            in (response.headers["Content-Disposition"])
        )
        (event,) = icalendar.Calendar.from_ical(response.data).walk("VEVENT")
        start = event.decoded("dtstart")
        assert (start.hour, str(start.tzinfo), start == DEADLINE) == (18, "Europe/Berlin", True)
        assert str(event["SUMMARY"]) == "Frist: Einzelarbeit – Auental 2036"
    # the page's file is the same entry (UID, SEQUENCE, time)
    page = Visitor(app, facilitator_email).get(f"/{slug}/workshops/{wid}/kalender/individual.ics")
    (same,) = icalendar.Calendar.from_ical(page.data).walk("VEVENT")
    assert (same["UID"], same["SEQUENCE"], same.decoded("dtstart")) == (
        event["UID"], event["SEQUENCE"], start,
    )  # fmt: skip


def test_a_task_without_deadline_has_no_calendar_link(app: Flask, make: Factory) -> None:
    s = make.workshop(phase="individual", participants=2)
    [task] = Api(app, token_for(s.participants[0])).get("/me/tasks")["tasks"]
    assert task["calendar"] is None and task["deadline"] is None
    assert task["deadline_step"] == "individual"


def test_only_who_may_see_the_workshop_gets_the_entry(app: Flask, make: Factory) -> None:
    region = make.region()
    town = make.municipality(region)
    s = make.workshop(town, phase="individual", participants=2)
    with s.scope():
        ws.update_workshop(s.facilitator, s.workshop, deadlines={"individual": DEADLINE})
        db.commit()
    path = f"/{town.slug}/workshops/{s.id}/deadlines/individual.ics"
    other = make.municipality(region)
    other_path = path.replace(town.slug, other.slug)
    coordinator = Api(app, token_for(make.user(region, Role.COORDINATOR)))
    outsider = Api(app, token_for(make.user(town, Role.PARTICIPANT)))
    stranger = Api(app, token_for(make.user(other, Role.FACILITATOR)))
    facilitator = Api(app, token_for(s.facilitator))
    coordinator.request("GET", path)
    problem = outsider.request("GET", path, status=404).get_json()
    assert problem["type"].endswith("/nicht-gefunden")
    stranger.request("GET", other_path, status=404)
    facilitator.request("GET", path.replace("individual", "pairs"), status=404)  # no deadline
    facilitator.request("GET", path.replace("individual", "adopted"), status=404)  # no step
    Api(app).request("GET", path, status=401)
