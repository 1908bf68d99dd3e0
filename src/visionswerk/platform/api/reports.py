"""Reports in ``/api/v1``: which kinds the reader may have built, request one (built by
the worker), follow its status, download the PDF, list them.

The same service and policy as the pages (``worker.reports``: ``report.request``,
``report.read``): before adoption only the workshop's facilitators have the process
documentation; a report the reader may not read answers 404, like another tenant's.
A request carries an optional ``nonce``: the same nonce again finds the same report
(a retried request builds one report).
"""

from __future__ import annotations

import secrets
from typing import Any

from flask import url_for

from visionswerk.errors import Conflict, NotFound
from visionswerk.i18n import N_
from visionswerk.platform.api import body as b
from visionswerk.platform.api import bp
from visionswerk.platform.api.views import TENANT, WORKSHOP, me, ok, workshop
from visionswerk.platform.pipeline import current_tenant
from visionswerk.platform.reports.views import pdf_response, status_message
from visionswerk.tenants.accounts import InvalidField
from visionswerk.worker import reports
from visionswerk.worker.models import Report, ReportKind, ReportStatus
from visionswerk.workshops.models import Workshop

REPORT = TENANT + "/reports/<int:report_id>"


def report_of(r: Report) -> dict[str, Any]:
    done = r.status == ReportStatus.DONE
    return {
        "id": r.id,
        "kind": r.kind.value,
        "workshop_id": r.workshop_id,
        "status": r.status.value,
        "progress": r.progress,
        "message": status_message(r),
        "created_at": r.created_at.isoformat(),
        "finished_at": r.finished_at.isoformat() if r.finished_at else None,
        "filename": reports.download_name(r) if done else None,
        "download": url_for("api.download_report", report_id=r.id) if done else None,
    }


def _listing(w: Workshop | None) -> dict[str, Any]:
    tenant = current_tenant()
    return {
        "requestable_kinds": [k.value for k in reports.requestable_kinds(me(), tenant, w)],
        "reports": [report_of(r) for r in reports.reports_for(me(), tenant, w)],
    }


def _request(w: Workshop | None):  # type: ignore[no-untyped-def]
    data = b.json_body()
    kind = b.text(data, "kind", required=True)
    allowed = [k.value for k in reports.kinds_of(w)]
    if kind not in allowed:
        raise InvalidField(
            "kind", N_("„%(name)s“ muss einer dieser Werte sein: %(values)s."),
            name="kind", values=", ".join(allowed),
        )  # fmt: skip
    nonce = b.text(data, "nonce") or secrets.token_urlsafe(16)
    report = reports.request(me(), ReportKind(kind), current_tenant(), w, nonce)
    location = url_for("api.get_report", report_id=report.id)
    return ok(report_of(report), 202, location)


@bp.get(WORKSHOP + "/reports")
def list_workshop_reports(workshop_id: int):  # type: ignore[no-untyped-def]
    return ok(_listing(workshop(workshop_id)))


@bp.post(WORKSHOP + "/reports")
def request_workshop_report(workshop_id: int):  # type: ignore[no-untyped-def]
    return _request(workshop(workshop_id))


@bp.get(TENANT + "/reports")
def list_region_reports():  # type: ignore[no-untyped-def]
    return ok(_listing(None))


@bp.post(TENANT + "/reports")
def request_region_report():  # type: ignore[no-untyped-def]
    return _request(None)


@bp.get(REPORT)
def get_report(report_id: int):  # type: ignore[no-untyped-def]
    return ok(report_of(_report(report_id)))


@bp.get(REPORT + "/pdf")
def download_report(report_id: int):  # type: ignore[no-untyped-def]
    report = _report(report_id)
    if report.status != ReportStatus.DONE or report.pdf is None:
        raise Conflict(N_("Dieser Bericht ist noch nicht fertig."))
    return pdf_response(report)


def _report(report_id: int) -> Report:
    report = reports.get_report(me(), report_id)
    if report.tenant_id != current_tenant().id:  # the tenant in the URL is the report's
        raise NotFound(N_("Das gibt es hier nicht."))
    return report
