"""A step's deadline as a calendar entry in ``/api/v1``: the same ``.ics`` as the page's
link in "Meine Aufgaben" (``workshops.calendar``, policy ``workshop.view``: anybody else and
another tenant's workshop answer 404), named by ``Content-Disposition``. ``/me/tasks``
links each task's deadline here (``calendar``)."""

from __future__ import annotations

from visionswerk.platform.api import bp
from visionswerk.platform.api.spec import api
from visionswerk.platform.api.views import WORKSHOP, workshop
from visionswerk.platform.workshops.calendar_views import STEP, entry_for, file_response

ICS = {
    "200": {
        "description": "The deadline as an iCalendar file (RFC 5545): one VEVENT at the "
        "tenant's local time (`DTSTART;TZID=…` with its VTIMEZONE), the same `UID` for the "
        "workshop and step whatever it is downloaded from, `SEQUENCE` raised whenever the "
        "deadline moves. `Content-Disposition: attachment` names the file (ASCII "
        "`filename`, and `filename*` in UTF-8 when the name has umlauts).",
        "content": {
            "text/calendar": {"schema": {"type": "string", "contentMediaType": "text/calendar"}}
        },
    }
}


@bp.get(WORKSHOP + f"/deadlines/<{STEP}>.ics")
@api(ok=None, tag="Workshops", responses=ICS)
def deadline_calendar(workshop_id: int, step: str):  # type: ignore[no-untyped-def]
    """A step's deadline as a calendar entry (.ics); 404 when the step has none"""
    return file_response(entry_for(workshop(workshop_id), step))
