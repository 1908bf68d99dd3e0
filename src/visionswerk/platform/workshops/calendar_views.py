"""A step's deadline as a calendar file (``.ics``), linked from "Meine Aufgaben" and the
workshop page's deadlines (``workshops/calendar.py`` builds it; the API's
``…/deadlines/<step>.ics`` and the step-opened mail carry the same entry)."""

from __future__ import annotations

from urllib.parse import quote

from flask import Response, current_app
from flask_babel import gettext as _
from flask_login import current_user

from visionswerk.platform.workshops import helpers
from visionswerk.platform.workshops.blueprint import bp
from visionswerk.worker import emails, reports
from visionswerk.workshops import calendar
from visionswerk.workshops import services as ws
from visionswerk.workshops.lifecycle import DEADLINE_PHASES
from visionswerk.workshops.models import Phase, Workshop

#: the steps with a deadline as a URL converter: any other word is a 404 before any SQL
STEP = "any(" + ", ".join(p.value for p in DEADLINE_PHASES) + "):step"


def step_link(w: Workshop, step: Phase | str) -> str:
    """The address of the step's page (the same as in the mails)."""
    settings = current_app.config["VISIONSWERK"]
    return emails.task_link(settings, w.tenant.slug, w.id, Phase(step).value)


def file_response(entry: calendar.DeadlineFile) -> Response:
    """The entry as a download, named for people (RFC 6266: ASCII ``filename``, the real
    one as ``filename*``, as the reports' PDFs)."""
    response = Response(entry.content, mimetype=entry.media_type)
    names = {"filename": reports.ascii_name(entry.filename)}
    if names["filename"] != entry.filename:
        names["filename*"] = "UTF-8''" + quote(entry.filename, safe="!#$&+-.^_`|~")
    response.headers.set("Content-Disposition", "attachment", **names)
    response.headers["Cache-Control"] = "private, no-cache"  # a deadline may move
    return response


def entry_for(w: Workshop, step: str) -> calendar.DeadlineFile:
    return calendar.deadline_file(
        current_user, w, step, link=step_link(w, step), base_url=helpers.base_url(), translate=_
    )


@bp.get(f"/<tenant_slug>/workshops/<int:workshop_id>/kalender/<{STEP}>.ics")
def deadline_ics(workshop_id: int, step: str):  # type: ignore[no-untyped-def]
    return file_response(entry_for(ws.get_workshop(current_user, workshop_id), step))
