"""Reports in ``/api/v1``: which kinds the reader may have built, request one (built by
the worker), follow its status, download the PDF, list them.

The same service and policy as the pages (``worker.reports``: ``report.request``,
``report.read``): before adoption only the workshop's facilitators have the process
documentation; a report the reader may not read answers 404, like another tenant's.
A request may carry a ``nonce``: the same nonce again finds the same report (a retried
request builds one report).
"""

from __future__ import annotations

import secrets
from typing import Annotated, Literal

from flask import url_for
from pydantic import Field

from visionswerk.errors import Conflict, NotFound
from visionswerk.i18n import N_
from visionswerk.platform.api import bp
from visionswerk.platform.api import models as m
from visionswerk.platform.api.fields import ID, DateTime
from visionswerk.platform.api.patterns import Request
from visionswerk.platform.api.spec import api
from visionswerk.platform.api.views import LOADERS, TENANT, WORKSHOP, me, url_object, workshop
from visionswerk.platform.pipeline import current_tenant
from visionswerk.platform.reports.views import pdf_response, status_message
from visionswerk.tenants.models import User
from visionswerk.worker import reports
from visionswerk.worker.models import Report, ReportKind, ReportStatus
from visionswerk.workshops.models import Workshop

TAG = "Reports"
REPORT = TENANT + f"/reports/<{ID}:report_id>"


def _load(user: User, report_id: int) -> Report:
    report = reports.get_report(user, report_id)
    if report.tenant_id != current_tenant().id:  # the tenant in the URL is the report's
        raise NotFound(N_("Das gibt es hier nicht."))
    return report


LOADERS["report_id"] = _load

PDF = {
    "200": {
        "description": "The PDF; `Content-Disposition: attachment` names the file (ASCII "
        "`filename`, and `filename*` in UTF-8 when the name has umlauts).",
        "content": {
            "application/pdf": {"schema": {"type": "string", "contentMediaType": "application/pdf"}}
        },
    }
}
Kind = Literal["vision", "process", "region"]
Nonce = Annotated[
    str,
    Field(
        min_length=1,
        max_length=60,
        pattern=r"^[A-Za-z0-9_-]+$",
        description="Any token of the client's: the same nonce again answers the same "
        "report instead of building another.",
    ),
]


class ReportOut(m.Answer):
    id: int
    kind: Kind
    workshop_id: int | None
    status: Literal["queued", "running", "done", "failed"]
    progress: int = Field(ge=0, le=100)
    message: str = Field(description="The state in words.")
    created_at: DateTime
    finished_at: DateTime | None
    filename: str | None = Field(description="The PDF's file name once it is done.")
    download: str | None = Field(description="The PDF's address once it is done.")

    @classmethod
    def of(cls, r: Report) -> ReportOut:
        done = r.status == ReportStatus.DONE
        return cls(
            id=r.id,
            kind=r.kind.value,
            workshop_id=r.workshop_id,
            status=r.status.value,
            progress=r.progress,
            message=status_message(r),
            created_at=r.created_at,
            finished_at=r.finished_at,
            filename=reports.download_name(r) if done else None,
            download=url_for("api.download_report", report_id=r.id) if done else None,
        )


class Reports(m.Answer):
    requestable_kinds: list[Kind] = Field(description="What the reader may have built now.")
    reports: list[ReportOut] = Field(description="Those the reader may read, newest first.")


class WorkshopReportRequest(Request):
    kind: Literal["vision", "process"] = Field(
        description="vision (once adopted), process (its facilitators at any time; "
        "everyone else who sees the workshop once adopted)."
    )
    nonce: Nonce | None = None


class RegionReportRequest(Request):
    kind: Literal["region"] = Field(description="The region's status report (coordinators).")
    nonce: Nonce | None = None


def _listing(w: Workshop | None) -> Reports:
    tenant = current_tenant()
    return Reports(
        requestable_kinds=[k.value for k in reports.requestable_kinds(me(), tenant, w)],
        reports=[ReportOut.of(r) for r in reports.reports_for(me(), tenant, w)],
    )


def _request(w: Workshop | None, kind: str, nonce: str | None):  # type: ignore[no-untyped-def]
    nonce = nonce or secrets.token_urlsafe(16)
    report = reports.request(me(), ReportKind(kind), current_tenant(), w, nonce)
    return ReportOut.of(report), 202, {"Location": url_for("api.get_report", report_id=report.id)}


@bp.get(WORKSHOP + "/reports")
@api(ok=Reports, tag=TAG)
def list_workshop_reports(workshop_id: int):  # type: ignore[no-untyped-def]
    """The workshop's reports the reader may read, and the kinds they may request"""
    return _listing(workshop(workshop_id))


@bp.post(WORKSHOP + "/reports")
@api(ok=ReportOut, status=202, tag=TAG)
def request_workshop_report(workshop_id: int, json: WorkshopReportRequest):  # type: ignore[no-untyped-def]
    """Have a report of the workshop built (the worker builds it; follow its status)"""
    return _request(workshop(workshop_id), json.kind, json.nonce)


@bp.get(TENANT + "/reports")
@api(ok=Reports, tag=TAG)
def list_region_reports():  # type: ignore[no-untyped-def]
    """The region's status reports the reader may read, and whether they may request one"""
    return _listing(None)


@bp.post(TENANT + "/reports")
@api(ok=ReportOut, status=202, tag=TAG)
def request_region_report(json: RegionReportRequest):  # type: ignore[no-untyped-def]
    """Have the region's status report built (the region's coordinators)"""
    return _request(None, json.kind, json.nonce)


@bp.get(REPORT)
@api(ok=ReportOut, tag=TAG)
def get_report(report_id: int):  # type: ignore[no-untyped-def]
    """A report's status"""
    return ReportOut.of(url_object("report_id", report_id))


@bp.get(REPORT + "/pdf")
@api(ok=None, tag=TAG, errors=(409,), responses=PDF)
def download_report(report_id: int):  # type: ignore[no-untyped-def]
    """The finished report as PDF, under a name a person recognises (Content-Disposition)"""
    report = url_object("report_id", report_id)
    if report.status != ReportStatus.DONE or report.pdf is None:
        raise Conflict(N_("Dieser Bericht ist noch nicht fertig."))
    return pdf_response(report)
