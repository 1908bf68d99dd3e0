"""Reports (list, request, status, download) and the unsubscribe pages.

* ``/erinnerungen-abbestellen/<token>``: GET shows a confirmation with a POST button
  (changes nothing); POST stops reminders. The same URL is the RFC 8058 one-click endpoint
  (``List-Unsubscribe=One-Click``): CSRF-exempt because the token in the URL is the
  secret (a forger would need it); works without login. The first mails carried
  ``/abmelden/<token>`` ("abmelden" is what logging out is called here): GET redirects,
  POST still unsubscribes (mail providers do not follow redirects for one-click).
* ``/<tenant>/workshops/<id>/berichte`` and ``/<tenant>/berichte`` (region): the reports
  with status and a progress bar (the page refreshes itself with a meta refresh while a
  report is building, no script), request / re-generate (POST with a one-time nonce, so a
  double submit builds one report).
* ``/<tenant>/berichte/<id>`` (PDF, under a name a person recognises), ``…/<id>/html``,
  ``…/<id>/status`` (JSON): only for those the policy lets read it (``report.read``);
  another tenant's id is 404.
* ``report_panel(w)`` (templates): the "PDF erstellen / herunterladen" panel of the
  workshop, adopted-vision and region pages (``reports/_panel.html``). Its form posts to
  the request routes above with ``back`` naming the page to return to; ``reports.js``
  sends it in the background instead and follows the build through ``…/status``.
"""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import quote

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    url_for,
)
from flask import request as flask_request
from flask_babel import gettext as _
from flask_login import current_user

from visionswerk.db import db
from visionswerk.errors import DomainError
from visionswerk.platform.extensions import csrf
from visionswerk.platform.pipeline import current_tenant, get_or_404, public
from visionswerk.platform.workshops.helpers import local_datetime
from visionswerk.tenants.policy import can
from visionswerk.worker import preferences, reports
from visionswerk.worker.models import NotificationPreference, Report, ReportKind, ReportStatus
from visionswerk.workshops.models import Workshop

bp = Blueprint("reports", __name__)

BUILDING = reports.BUILDING


# --- unsubscribe ---------------------------------------------------------------------------


@bp.get("/abmelden/<token>")
@public
def unsubscribe_old(token: str):  # type: ignore[no-untyped-def]
    return redirect(url_for("reports.unsubscribe", token=token), 301)


@bp.get("/erinnerungen-abbestellen/<token>")
@public
def unsubscribe(token: str):  # type: ignore[no-untyped-def]
    pref = preferences.by_token(token)
    if pref is None:
        return render_template("reports/unsubscribe_invalid.html"), 404
    return render_template("reports/unsubscribe.html", token=token, done=not pref.reminders)


@bp.post("/erinnerungen-abbestellen/<token>")
@bp.post("/abmelden/<token>", endpoint="unsubscribe_confirm_old")
@public
@csrf.exempt
def unsubscribe_confirm(token: str):  # type: ignore[no-untyped-def]
    pref = preferences.by_token(token)
    if pref is None:
        return render_template("reports/unsubscribe_invalid.html"), 404
    pref.reminders = False
    return render_template("reports/unsubscribe.html", token=token, done=True)


@bp.get("/benachrichtigungen")
def notification_settings():  # type: ignore[no-untyped-def]
    pref = db.get(NotificationPreference, current_user.id)
    return render_template(
        "reports/notifications.html",
        reminders=pref.reminders if pref else True,
        digest=pref.digest if pref else False,
    )


@bp.post("/benachrichtigungen")
def save_notification_settings():  # type: ignore[no-untyped-def]
    settings = current_app.config["VISIONSWERK"]
    preferences.set_preferences(
        settings,
        current_user.id,
        reminders=flask_request.form.get("reminders") == "1",
        digest=flask_request.form.get("digest") == "1",
    )
    flash(_("Ihre Einstellungen sind gespeichert."), "success")
    return redirect(url_for("reports.notification_settings"))


# --- reports -------------------------------------------------------------------------------


def _list(workshop: Workshop | None):  # type: ignore[no-untyped-def]
    tenant = current_tenant()
    if workshop is not None and not can(current_user, "workshop.view", workshop):
        abort(404)
    items = reports.reports_for(current_user, tenant, workshop)
    kinds = reports.requestable_kinds(current_user, tenant, workshop)
    return render_template(
        "reports/list.html",
        tenant=tenant,
        workshop=workshop,
        reports=items,
        kinds=kinds,
        nonce=secrets.token_urlsafe(16),
        building=any(r.status in BUILDING for r in items),
        KIND_TITLES=reports.KIND_TITLES,
    )


#: The pages a report panel sits on (``back``: where its form returns to; never a URL).
BACK_PAGES = {
    "workshop": "workshops.overview",
    "adopted": "workshops.adopted",
    "tenant": "tenancy.tenant_page",
}


def _request(workshop: Workshop | None):  # type: ignore[no-untyped-def]
    kind = flask_request.form.get("kind", "")
    if kind not in {k.value for k in ReportKind}:
        abort(422)
    nonce = flask_request.form.get("nonce") or secrets.token_urlsafe(16)
    try:
        report = reports.request(current_user, kind, current_tenant(), workshop, nonce)
    except DomainError as err:
        if err.status == 404 or err.status == 403:
            abort(404)
        raise
    if _wants_json():  # reports.js: the page stays, the script follows the build
        return jsonify({**_status_of(report), "nonce": secrets.token_urlsafe(16)}), 202
    return redirect(_back_url(workshop))


def _back_url(workshop: Workshop | None) -> str:
    """The page the form came from (a workshop page for a workshop's report, the region
    page for a region's), else the reports list."""
    back = BACK_PAGES.get(flask_request.form.get("back", ""))
    if workshop is not None:
        if back in ("workshops.overview", "workshops.adopted"):
            return url_for(back, workshop_id=workshop.id, _anchor="berichte")
        return url_for("reports.workshop_reports", workshop_id=workshop.id)
    if back == "tenancy.tenant_page":
        return url_for(back, _anchor="berichte")
    return url_for("reports.region_reports")


def _wants_json() -> bool:
    accept = flask_request.accept_mimetypes
    return accept.best_match(["text/html", "application/json"]) == "application/json"


@bp.get("/<tenant_slug>/workshops/<int:workshop_id>/berichte")
def workshop_reports(workshop_id: int):  # type: ignore[no-untyped-def]
    return _list(get_or_404(Workshop, workshop_id))


@bp.post("/<tenant_slug>/workshops/<int:workshop_id>/berichte")
def request_workshop_report(workshop_id: int):  # type: ignore[no-untyped-def]
    return _request(get_or_404(Workshop, workshop_id))


@bp.get("/<tenant_slug>/berichte")
def region_reports():  # type: ignore[no-untyped-def]
    return _list(None)


@bp.post("/<tenant_slug>/berichte")
def request_region_report():  # type: ignore[no-untyped-def]
    return _request(None)


def _report(report_id: int, *, blobs: bool = True) -> Report:
    try:
        return reports.get_report(current_user, report_id, blobs=blobs)
    except DomainError:
        abort(404)


@bp.get("/<tenant_slug>/berichte/<int:report_id>")
def download(report_id: int):  # type: ignore[no-untyped-def]
    report = _report(report_id)
    if report.status != ReportStatus.DONE or report.pdf is None:
        abort(404)
    return pdf_response(report)


def pdf_response(report: Report) -> Response:
    """The finished report's PDF as a download under its recognisable name (the page's
    link and the API's ``…/pdf`` answer the same)."""
    assert report.pdf is not None
    name = reports.download_name(report)
    response = Response(report.pdf, mimetype="application/pdf")
    # RFC 6266: a plain-ASCII name for old clients, the real one (umlauts) as filename*
    names = {"filename": reports.ascii_name(name)}
    if names["filename"] != name:
        names["filename*"] = "UTF-8''" + quote(name, safe="!#$&+-.^_`|~")
    response.headers.set("Content-Disposition", "attachment", **names)
    return response


@bp.get("/<tenant_slug>/berichte/<int:report_id>/html")
def download_html(report_id: int):  # type: ignore[no-untyped-def]
    report = _report(report_id)
    if report.status != ReportStatus.DONE or report.html is None:
        abort(404)
    response = Response(report.html, mimetype="text/html")
    # the stored document is sanitised; still, no script may ever run in it
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'self'; object-src 'none'; base-uri 'none'; "
        "frame-ancestors 'none'"
    )
    return response


@bp.get("/<tenant_slug>/berichte/<int:report_id>/status")
def status(report_id: int):  # type: ignore[no-untyped-def]
    return jsonify(_status_of(_report(report_id, blobs=False)))  # polled: no blobs


def _status_of(report: Report) -> dict[str, Any]:
    done = report.status == ReportStatus.DONE
    return {
        "id": report.id,
        "kind": report.kind.value,
        "status": report.status.value,
        "progress": report.progress,
        "message": status_message(report),
        "status_url": url_for("reports.status", report_id=report.id),
        "download": url_for("reports.download", report_id=report.id) if done else None,
        "filename": reports.download_name(report) if done else None,
        "finished": _("erstellt am %(date)s", date=local_datetime(report.finished_at))
        if done
        else None,
    }


def status_message(report: Report) -> str:
    """The state of a build in words (the panel and its script show the same text)."""
    if report.status == ReportStatus.QUEUED:
        return _("Wartet auf den Start …")
    if report.status == ReportStatus.RUNNING:
        return _("Wird erstellt: %(n)d %%", n=report.progress)
    if report.status == ReportStatus.FAILED:
        return _("Das hat nicht geklappt. Bitte versuchen Sie es noch einmal.")
    return _("Fertig.")


# --- the panel on the workshop, adopted-vision and region pages -----------------------------


@bp.app_context_processor
def _panel_helpers() -> dict[str, Any]:
    return {"report_panel": report_panel}


def report_panel(workshop: Workshop | None = None, back: str = "workshop") -> dict[str, Any] | None:
    """What ``reports/_panel.html`` needs: ``{% with panel=report_panel(w, "adopted") %}``;
    None (nothing shown) for a reader who may neither request nor read a report here."""
    if not current_user.is_authenticated or back not in BACK_PAGES:
        return None
    tenant = workshop.tenant if workshop is not None else current_tenant()
    cache = g.setdefault("report_panels", {})  # asked once per request
    key = (tenant.id, workshop.id if workshop is not None else None)
    if key not in cache:
        cache[key] = reports.panel(current_user, tenant, workshop)
    if not cache[key]:
        return None
    where = {"tenant_slug": tenant.slug}
    if workshop is not None:
        where["workshop_id"] = workshop.id
    return {
        "entries": cache[key],
        "workshop": workshop,
        "back": back,
        # one nonce per form: a request is known by who asked and its nonce, whatever kind
        "nonce": lambda: secrets.token_urlsafe(16),
        "action": url_for(
            "reports.request_workshop_report" if workshop else "reports.request_region_report",
            **where,
        ),
        "list_url": url_for(
            "reports.workshop_reports" if workshop else "reports.region_reports", **where
        ),
        "titles": reports.KIND_TITLES,
        "message": status_message,
    }
