"""Mein Konto → "Angemeldete Geräte" (one's live login sessions: end one, end all others)
and "Anmeldeprotokoll" (one's authentication events); the platform admin's log of
everyone's events. The services are ``tenants.login_sessions`` and ``tenants.auth_events``.

Also, for every request: the client (address, User-Agent) for the authentication log,
and the session timeouts from the settings."""

from __future__ import annotations

import datetime as dt

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.blueprints import BlueprintSetupState
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from flask_wtf import FlaskForm

from visionswerk.platform.extensions import client_address
from visionswerk.tenants import auth_events, login_sessions
from visionswerk.tenants.policy import can

bp = Blueprint("sessions", __name__)


class EndForm(FlaskForm):
    """Only the CSRF token."""


def _remember_client() -> None:
    auth_events.set_client(client_address(), request.headers.get("User-Agent"))


@bp.record_once
def _first_of_every_request(state: BlueprintSetupState) -> None:
    # first, before the login check: a worker thread serves many requests, and no event
    # of this one may carry the previous request's client
    state.app.before_request_funcs.setdefault(None, []).insert(0, _remember_client)


def limits() -> login_sessions.Limits:
    """The session timeouts of the settings (README: ``SESSION_*``)."""
    return login_sessions.limits_of(current_app.config["VISIONSWERK"])


def _page_number() -> int:
    return request.args.get("seite", 1, type=int) or 1


def duration(value: dt.timedelta) -> str:
    """ "8 Stunden", "30 Tage", "90 Minuten": a timeout as people say it."""
    minutes = int(value.total_seconds() // 60)
    if minutes % (24 * 60) == 0 and minutes >= 48 * 60:
        return ngettext("%(num)d Tag", "%(num)d Tage", minutes // (24 * 60))
    if minutes % 60 == 0:
        return ngettext("%(num)d Stunde", "%(num)d Stunden", minutes // 60)
    return ngettext("%(num)d Minute", "%(num)d Minuten", minutes)


@bp.get("/konto/geraete")
def devices():  # type: ignore[no-untyped-def]
    idle, absolute = limits().for_user(current_user)
    return render_template(
        "accounts/devices.html",
        sessions=login_sessions.sessions_of(current_user, limits()),
        idle=duration(idle),
        absolute=duration(absolute),
    )


@bp.post("/konto/geraete/<int:session_id>/beenden")
def end_session(session_id: int):  # type: ignore[no-untyped-def]
    if not EndForm().validate_on_submit():
        abort(400)
    login_sessions.end_session(current_user, session_id)
    flash(_("Die Sitzung ist beendet. Dort sind Sie jetzt abgemeldet."), "success")
    return redirect(url_for("sessions.devices"))


@bp.post("/konto/geraete/andere-beenden")
def end_others():  # type: ignore[no-untyped-def]
    if not EndForm().validate_on_submit():
        abort(400)
    count = login_sessions.end_others(current_user)
    if count:
        flash(_("Sie sind jetzt auf allen anderen Geräten abgemeldet."), "success")
    else:
        flash(_("Sie waren auf keinem anderen Gerät angemeldet."), "success")
    return redirect(url_for("sessions.devices"))


@bp.get("/konto/anmeldeprotokoll")
def log():  # type: ignore[no-untyped-def]
    page = auth_events.events_of(current_user, _page_number())
    return render_template("accounts/auth_log.html", page=page, label=auth_events.label)


@bp.get("/admin/anmeldeprotokoll")
def admin_log():  # type: ignore[no-untyped-def]
    if not can(current_user, "auth_events.read_all"):
        abort(404)
    account = (request.args.get("konto") or "").strip()[:254]
    page = auth_events.all_events(_page_number(), account=account)
    return render_template(
        "admin/auth_log.html", page=page, label=auth_events.label, account=account
    )
