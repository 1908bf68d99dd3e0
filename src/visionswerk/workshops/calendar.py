"""A step's deadline as a calendar entry: one ``.ics`` file (RFC 5545) per workshop and
step, built with the ``icalendar`` library.

* **Local time.** The deadline (stored in UTC) is written in the tenant's time zone as
  ``DTSTART;TZID=Europe/Berlin:…T180000`` with the matching ``VTIMEZONE`` (standard and
  daylight time of the deadline's year, from the system's zoneinfo), so every calendar
  shows 18:00 where the pages say "18:00 Uhr" — also one that knows no IANA names.
* **One entry per step, updated in place.** The ``UID`` is the same for a workshop and
  step whatever the file was downloaded from (page, API, mail); ``SEQUENCE`` is the
  workshop's ``deadline_revision``, raised whenever a deadline moves
  (:func:`note_deadline_changes`), so a calendar that imports the file again replaces
  the entry instead of adding a second one.
* **What it says.** Summary, description and the link to the step's page, in the
  reader's language (German by default: the callers pass their ``translate``); the
  workshop's title and the tenant's name, nothing any participant wrote.

Which steps have a deadline is ``lifecycle.DEADLINE_PHASES`` — the one list; a step
added there (and its ``deadline_<step>`` column) gets its calendar entry from here.

Who may have it: whoever may see the workshop (``workshop.view``); anybody else, and any
other tenant's workshop, gets NotFound — the same answer as for a workshop that does not
exist.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Mapping
from urllib.parse import urlsplit

import icalendar

from visionswerk import timefmt
from visionswerk.db import utcnow
from visionswerk.errors import NotFound
from visionswerk.i18n import N_
from visionswerk.tenants.models import User
from visionswerk.tenants.policy import can
from visionswerk.workshops._common import in_scope
from visionswerk.workshops.lifecycle import DEADLINE_PHASES, WORKSHOP_NOT_FOUND
from visionswerk.workshops.models import Phase, Workshop

MEDIA_TYPE = "text/calendar"
#: the Content-Type parameter a mail's calendar part carries (RFC 6047: a published entry)
PARAMS = (("method", "PUBLISH"),)
PRODID = "-//Visionswerk//Fristen//DE"
NO_DEADLINE = N_("Für diesen Schritt ist keine Frist gesetzt.")

# the step's name as everywhere else (visions.overview: the one list of phase names)
SUMMARY = N_("Frist: %(step)s – %(title)s")
DESCRIPTION = N_(
    "Bis zu dieser Frist läuft der Schritt „%(step)s“ im Workshop „%(title)s“ (%(tenant)s)."
)
TO_THE_STEP = N_("Direkt zum Schritt: %(link)s")
FILE_NAME = N_("Frist-%(step)s-Workshop-%(id)d.ics")

Translate = Callable[[str], str]


@dataclasses.dataclass(frozen=True)
class DeadlineFile:
    """One step's calendar entry, ready to download or attach."""

    filename: str
    content: bytes
    media_type: str = MEDIA_TYPE


def steps_with_deadline(workshop: Workshop) -> list[Phase]:
    """The workshop's steps that have a deadline, in the order of the steps."""
    return [p for p in DEADLINE_PHASES if workshop.deadline(p) is not None]


def uid(workshop: Workshop, step: Phase | str, base_url: str) -> str:
    """Stable per workshop and step (RFC 5545 3.8.4.7: globally unique, so it names the
    installation's host)."""
    host = urlsplit(base_url).hostname or "visionswerk.localhost"
    return f"workshop-{workshop.id}-{Phase(step).value}@{host}"


def _step_name(step: Phase, translate: Translate) -> str:
    from visionswerk.visions.overview import PHASE_LABELS

    return translate(PHASE_LABELS[step])


def _file_name(workshop: Workshop, step: Phase, translate: Translate) -> str:
    name = translate(FILE_NAME) % {"step": _step_name(step, translate), "id": workshop.id}
    return name.replace(" ", "-")


def build(
    workshop: Workshop,
    step: Phase | str,
    *,
    tenant_name: str,
    time_zone: str | None,
    link: str,
    base_url: str,
    translate: Translate = str,
    now: dt.datetime | None = None,
) -> DeadlineFile:
    """The ``.ics`` of ``step``'s deadline (no policy: the callers have asked it).
    NotFound when the step has no deadline (or is no step with one)."""
    step = Phase(step)
    deadline = workshop.deadline(step) if step in DEADLINE_PHASES else None
    if deadline is None:
        raise NotFound(NO_DEADLINE)
    local = timefmt.to_local(deadline, time_zone)
    names = {"step": _step_name(step, translate), "title": workshop.title, "tenant": tenant_name}
    event = icalendar.Event()
    event.add("uid", uid(workshop, step, base_url))
    event.add("sequence", workshop.deadline_revision or 0)
    event.add("dtstamp", now or utcnow())
    # a moment, not a span: without DTEND the entry ends where it starts (RFC 5545 3.6.1)
    event.add("dtstart", local)
    event.add("summary", translate(SUMMARY) % names)
    event.add(
        "description",
        translate(DESCRIPTION) % names + "\n\n" + translate(TO_THE_STEP) % {"link": link},
    )
    event.add("url", link)
    event.add("transp", "TRANSPARENT")  # a deadline does not make anybody busy
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("method", "PUBLISH")  # an entry to keep, not an invitation to answer
    cal.add_component(event)
    # the zone's rules of the deadline's year (standard and daylight time), no more:
    # a file of a few hundred bytes that still reads right in a calendar without tzdata
    cal.add_missing_timezones(
        first_date=dt.date(local.year, 1, 1), last_date=dt.date(local.year + 1, 1, 1)
    )
    return DeadlineFile(_file_name(workshop, step, translate), cal.to_ical())


def deadline_file(
    actor: User,
    workshop: Workshop,
    step: Phase | str,
    *,
    link: str,
    base_url: str,
    translate: Translate = str,
) -> DeadlineFile:
    """The calendar entry of ``step``'s deadline for someone who may see the workshop
    (``workshop.view``); NotFound for anybody else, another tenant's workshop, a step
    that is none or has no deadline."""
    in_scope(workshop, WORKSHOP_NOT_FOUND)
    if not can(actor, "workshop.view", workshop):
        raise NotFound(WORKSHOP_NOT_FOUND)
    try:
        step = Phase(step)
    except ValueError:
        raise NotFound(NO_DEADLINE) from None
    return build(
        workshop,
        step,
        tenant_name=workshop.tenant.name,
        time_zone=workshop.tenant.time_zone,
        link=link,
        base_url=base_url,
        translate=translate,
    )


def note_deadline_changes(workshop: Workshop, before: Mapping[str, object]) -> None:
    """Raise the workshop's ``deadline_revision`` if a deadline moved (``before``: the
    changed attributes' old values). One UPDATE ``deadline_revision + 1`` in the
    database, so two concurrent changes count twice rather than once."""
    moved = any(
        key.startswith("deadline_") and value != getattr(workshop, key)
        for key, value in before.items()
    )
    if moved:
        workshop.deadline_revision = Workshop.deadline_revision + 1  # type: ignore[assignment]
