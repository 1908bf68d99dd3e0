"""A step's deadline as a calendar entry: read back by a calendar parser (icalendar) with
the right local time — through the zone's name and through the file's own VTIMEZONE —,
one UID per workshop and step, a SEQUENCE that rises when the deadline moves, German
words, and only for people who may see the workshop."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import icalendar
import pytest

from visionswerk.db import db
from visionswerk.errors import NotFound
from visionswerk.tenants.accounts import InvalidField
from visionswerk.tenants.models import Role
from visionswerk.workshops import calendar
from visionswerk.workshops import services as ws
from visionswerk.workshops.lifecycle import DEADLINE_PHASES
from visionswerk.workshops.models import Phase

BERLIN = ZoneInfo("Europe/Berlin")
WINTER = dt.datetime(2031, 3, 10, 17, 0, tzinfo=dt.UTC)  # 18:00 in Berlin (CET)
SUMMER = dt.datetime(2031, 6, 10, 16, 0, tzinfo=dt.UTC)  # 18:00 in Berlin (CEST)
BASE = "https://visionswerk.example"
LINK = BASE + "/kommune/workshops/1/entwurf"


def entry(actor, w, step: str = "individual") -> calendar.DeadlineFile:  # type: ignore[no-untyped-def]
    return calendar.deadline_file(actor, w, step, link=LINK, base_url=BASE)


def event_of(content: bytes) -> icalendar.Event:
    cal = icalendar.Calendar.from_ical(content)
    (event,) = cal.walk("VEVENT")
    return event


def test_the_entry_reads_back_at_the_local_time_by_name_and_by_its_own_vtimezone(make) -> None:
    s = make.workshop(phase="individual", participants=2)
    with s.scope():
        ws.update_workshop(
            s.facilitator, s.workshop, deadlines={"individual": WINTER, "pairs": SUMMER}
        )
        for step, deadline in (("individual", WINTER), ("pairs", SUMMER)):
            got = entry(s.participants[0], s.workshop, step)
            assert got.media_type == "text/calendar"
            assert b"DTSTART;TZID=Europe/Berlin:2031" in got.content
            assert b"T180000" in got.content
            cal = icalendar.Calendar.from_ical(got.content)
            event = event_of(got.content)
            start = event.decoded("dtstart")
            assert (start.hour, start.minute) == (18, 0)
            assert start == deadline  # the same moment as stored
            assert str(start.tzinfo) == "Europe/Berlin"
            # a calendar without tzdata uses the file's VTIMEZONE: the same offset
            (zone,) = cal.walk("VTIMEZONE")
            assert zone["TZID"] == "Europe/Berlin"
            own = start.replace(tzinfo=None).replace(tzinfo=zone.to_tz())
            assert own.utcoffset() == start.utcoffset() == deadline.astimezone(BERLIN).utcoffset()
            assert cal["METHOD"] == "PUBLISH"
            assert "DTEND" not in event  # a moment: the entry ends where it starts


def test_another_time_zone_of_the_tenant_is_the_entrys_zone(make) -> None:
    town = make.municipality(make.region())
    town.time_zone = "America/New_York"
    db.commit()
    s = make.workshop(town, phase="individual", participants=2)
    with s.scope():
        ws.update_workshop(s.facilitator, s.workshop, deadlines={"individual": WINTER})
        start = event_of(entry(s.facilitator, s.workshop).content).decoded("dtstart")
        assert (str(start.tzinfo), start.hour, start == WINTER) == ("America/New_York", 13, True)


def test_german_words_the_workshop_and_a_link_to_the_step(make) -> None:
    s = make.workshop(phase="individual", participants=2, title="Auental 2036")
    with s.scope():
        ws.update_workshop(s.facilitator, s.workshop, deadlines={"individual": WINTER})
        got = entry(s.participants[1], s.workshop)
        event = event_of(got.content)
        assert str(event["SUMMARY"]) == "Frist: Einzelarbeit – Auental 2036"
        description = str(event["DESCRIPTION"])
        assert "Schritt „Einzelarbeit“ im Workshop „Auental 2036“" in description
        assert s.tenant.name in description and LINK in description
        assert str(event["URL"]) == LINK
        assert got.filename == f"Frist-Einzelarbeit-Workshop-{s.id}.ics"
        english = calendar.deadline_file(
            s.facilitator, s.workshop, "individual", link=LINK, base_url=BASE,
            translate=lambda m: {"Einzelarbeit": "Individual work"}.get(m, m),
        )  # fmt: skip
        assert "Individual work" in str(event_of(english.content)["SUMMARY"])


def test_one_uid_per_workshop_and_step_and_sequence_rises_when_the_deadline_moves(make) -> None:
    s = make.workshop(phase="individual", participants=2)
    other = make.workshop(s.tenant, phase="individual", participants=2)
    with s.scope():
        ws.update_workshop(s.facilitator, s.workshop, deadlines={"individual": WINTER})
        ws.update_workshop(other.facilitator, other.workshop, deadlines={"individual": WINTER})
        first = event_of(entry(s.facilitator, s.workshop).content)
        assert (first["UID"], first["SEQUENCE"]) == (
            f"workshop-{s.id}-individual@{'visionswerk.example'}",
            1,
        )
        assert event_of(entry(other.facilitator, other.workshop).content)["UID"] != first["UID"]
        # the same deadline again, or only the title: nothing moved
        ws.update_workshop(s.facilitator, s.workshop, deadlines={"individual": WINTER})
        ws.update_workshop(s.facilitator, s.workshop, title="Neuer Titel")
        assert event_of(entry(s.facilitator, s.workshop).content)["SEQUENCE"] == 1
        later = WINTER + dt.timedelta(days=2)
        ws.update_workshop(s.facilitator, s.workshop, deadlines={"individual": later})
        moved = event_of(entry(s.participants[0], s.workshop).content)
        assert moved["UID"] == first["UID"] and moved["SEQUENCE"] == 2
        assert moved.decoded("dtstart") == later
        # each step has its own entry
        ws.update_workshop(s.facilitator, s.workshop, deadlines={"pairs": SUMMER})
        pairs = event_of(entry(s.facilitator, s.workshop, "pairs").content)
        assert pairs["UID"] == f"workshop-{s.id}-pairs@visionswerk.example"


def test_a_refused_deadline_change_does_not_raise_the_sequence(make) -> None:
    s = make.workshop(phase="individual", participants=2)
    with s.scope():
        ws.update_workshop(s.facilitator, s.workshop, deadlines={"pairs": SUMMER})
        with pytest.raises(InvalidField):  # out of order: refused before anything changes
            ws.update_workshop(
                s.facilitator, s.workshop, deadlines={"individual": SUMMER + dt.timedelta(days=1)}
            )
        assert s.workshop.deadline_revision == 1


def test_without_a_deadline_or_for_a_step_without_one_there_is_no_entry(make) -> None:
    s = make.workshop(phase="individual", participants=2)
    with s.scope():
        for step in ("individual", "preparation", "adopted", "nonsense"):
            with pytest.raises(NotFound):
                entry(s.facilitator, s.workshop, step)
        assert calendar.steps_with_deadline(s.workshop) == []
        ws.update_workshop(s.facilitator, s.workshop, deadlines={"plenary": SUMMER})
        assert calendar.steps_with_deadline(s.workshop) == [Phase.PLENARY]


def test_every_step_with_a_deadline_has_an_entry() -> None:
    """The one list of steps with deadlines decides (a new step is one line there)."""
    assert list(DEADLINE_PHASES) == [
        Phase.INDIVIDUAL, Phase.PAIRS, Phase.FOURS, Phase.PLENARY, Phase.SIGNING
    ]  # fmt: skip


def test_only_people_who_may_see_the_workshop_get_the_entry(make) -> None:
    region = make.region()
    town = make.municipality(region)
    s = make.workshop(town, phase="individual", participants=2)
    coordinator = make.user(region, Role.COORDINATOR)
    make.member(coordinator, town, Role.COORDINATOR)
    admin = make.user(admin=True)
    outsider = make.user(town, Role.PARTICIPANT)  # same tenant, not taking part
    other_town = make.municipality(region)
    stranger = make.workshop(other_town, phase="individual", participants=2)
    with s.scope():
        ws.update_workshop(s.facilitator, s.workshop, deadlines={"individual": WINTER})
        for who in (s.facilitator, s.participants[0], coordinator, admin):
            assert event_of(entry(who, s.workshop).content)["UID"]
        with pytest.raises(NotFound):
            entry(outsider, s.workshop)
        with pytest.raises(NotFound):  # another tenant's workshop, even for its facilitator
            entry(stranger.facilitator, stranger.workshop)
