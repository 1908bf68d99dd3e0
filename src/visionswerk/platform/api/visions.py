"""Issue 4 in ``/api/v1``: the region overview (JSON and CSV), a tenant's vision
documents (read and import), a workshop's parent (read, set, take a statement, re-base),
the parent changes and notices. Routes on H5's ``api`` blueprint; their
OpenAPI paths and schemas are added to its document here (imported by
``platform/api/__init__.py``). Statuses and numbers only — never step-1 or pair content."""

from __future__ import annotations

from typing import Any

from flask import Response, abort, current_app, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from visionswerk.platform.api import body as b
from visionswerk.platform.api import bp, serialize
from visionswerk.platform.api.fields import ID
from visionswerk.platform.api.openapi import (
    DOCUMENT,
    EMBEDDED_PARENT,
    PARAMETERS,
    PATHS,
    SCHEMAS,
    B,
    I,
    S,
    _params,
    arr,
    enum,
    null,
    obj,
    op,
    ref,
)
from visionswerk.platform.api.problems import json_response
from visionswerk.platform.api.views import LOADERS, me, my_draft, ok, url_object, workshop
from visionswerk.platform.pipeline import current_tenant
from visionswerk.tenants.policy import can, require
from visionswerk.visions import services as vs
from visionswerk.workshops import signing
from visionswerk.workshops.models import VisionVersion, Workshop

TENANT = "/<tenant_slug>"
LOADERS["version_id"] = vs.get_version
DT_: dict[str, Any] = {"type": "string", "format": "date-time"}


def _region_or_404():  # type: ignore[no-untyped-def]
    """The region of the URL; a municipality's URL redirects to its region's overview
    (for the region's coordinators); anything else is 404."""
    tenant = current_tenant()
    if can(current_user, "region.overview", tenant):
        return tenant
    parent = tenant.parent
    if parent is not None and can(current_user, "region.overview", parent):
        location = url_for(request.endpoint, tenant_slug=parent.slug)  # type: ignore[arg-type]
        abort(current_app.response_class(status=302, headers={"Location": location}))
    abort(404)


def _overview_json(regions) -> Response:  # type: ignore[no-untyped-def]
    rows = vs.region_overview(current_user, regions)
    return json_response(
        {
            "regions": [{"slug": r.slug, "name": r.name} for r in regions],
            "stages": [{"stage": st, "count": n} for st, n in vs.stage_counts(rows)],
            "municipalities": [vs.row_json(r) for r in rows],
        }
    )


def _csv(regions, filename: str) -> Response:  # type: ignore[no-untyped-def]
    rows = vs.region_overview(current_user, regions)
    return current_app.response_class(
        vs.csv_bytes(rows, _),
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="{filename}"',
        },
    )


@bp.get(TENANT + "/overview")
def region_overview():  # type: ignore[no-untyped-def]
    return _overview_json([_region_or_404()])


@bp.get(TENANT + "/overview.csv")
def region_overview_csv():  # type: ignore[no-untyped-def]
    region = _region_or_404()
    return _csv([region], f"uebersicht-{region.slug}.csv")


@bp.get("/overview")
def overview():  # type: ignore[no-untyped-def]
    return _overview_json(vs.overview_regions(current_user))


def version_json(v: VisionVersion, *, with_text: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": v.id,
        "number": v.number,
        "title": v.title,
        "source": v.source.value,
        "source_note": v.source_note or "",
        "adopted_at": v.adopted_at.isoformat() if v.adopted_at else None,
        "sha256": v.sha256,
        "embedded_parent": serialize.embedded_parent(v),
    }
    if with_text:
        data["text"] = v.text
        data["verified"] = signing.verify(v)
    return data


@bp.get(TENANT + "/visions")
def list_vision_versions():  # type: ignore[no-untyped-def]
    versions = vs.versions_of(current_user, current_tenant())
    return json_response({"versions": [version_json(v) for v in versions]})


@bp.get(TENANT + f"/visions/<{ID}:version_id>")
def get_vision_version(version_id: int):  # type: ignore[no-untyped-def]
    return json_response(version_json(url_object("version_id", version_id), with_text=True))


@bp.get(TENANT + "/visions/parent-changes")
def parent_changes():  # type: ignore[no-untyped-def]
    items = vs.outdated_of(current_user, current_tenant())
    return json_response(
        {
            "changes": [
                {
                    "workshop_id": o.workshop.id if o.workshop else None,
                    "version_id": o.version.id if o.version else None,
                    "old_number": o.old.number,
                    "new_number": o.newest.number,
                    "diff": [{"op": d.op, "text": d.text} for d in vs.diff(o.old, o.newest)],
                }
                for o in items
            ]
        }
    )


@bp.get("/me/notices")
def my_notices():  # type: ignore[no-untyped-def]
    return json_response(
        {
            "notices": [
                {
                    "id": n.id,
                    "kind": n.kind,
                    "tenant": {"slug": n.tenant.slug, "name": n.tenant.name},
                    "new_number": n.version.number if n.version else None,
                    "old_number": n.old_version.number if n.old_version else None,
                    "created_at": n.created_at.isoformat(),
                }
                for n in vs.notices_for(current_user)
            ]
        }
    )


# --- writing: import, a workshop's parent, taking statements, re-basing -----------------


@bp.post(TENANT + "/visions")
def import_vision_version():  # type: ignore[no-untyped-def]
    data = b.json_body()
    version = vs.import_vision(
        me(),
        current_tenant(),
        title=b.text(data, "title") or "",
        text=b.text(data, "text") or "",
        adopted_on=b.date(data, "adopted_on"),
        source_note=b.text(data, "source_note") or "",
    )
    location = url_for("api.get_vision_version", version_id=version.id)
    return ok(version_json(version, with_text=True), 201, location)


def _parent_json(w: Workshop) -> dict[str, Any]:
    user = me()
    view = vs.parent_of(user, w)
    may_set = can(user, "workshop.set_parent", w)
    return {
        "parent": (
            {
                "tenant": {"slug": view.tenant.slug, "name": view.tenant.name},
                "version": version_json(view.version, with_text=True),
                "statements": view.statements,
                "chosen": view.chosen,
                "outdated": view.outdated,
                "newest_number": view.newest.number if view.newest else None,
            }
            if view
            else None
        ),
        "may_set": may_set,
        "may_take": view is not None and vs.may_take(user, w),
        "candidates": [version_json(v) for v in vs.parent_candidates(user, w)] if may_set else [],
    }


@bp.get(TENANT + f"/workshops/<{ID}:workshop_id>/parent")
def get_workshop_parent(workshop_id: int):  # type: ignore[no-untyped-def]
    return ok(_parent_json(workshop(workshop_id)))


@bp.put(TENANT + f"/workshops/<{ID}:workshop_id>/parent")
def set_workshop_parent(workshop_id: int):  # type: ignore[no-untyped-def]
    w = workshop(workshop_id)
    data = b.json_body()
    require(me(), "workshop.set_parent", w)
    version_id = b.integer(data, "version_id")
    vs.set_parent(me(), w, version_id, b.strings(data, "statements") or None)
    return ok(_parent_json(w))


@bp.post(TENANT + f"/workshops/<{ID}:workshop_id>/parent/take")
def take_parent_statement(workshop_id: int):  # type: ignore[no-untyped-def]
    w = workshop(workshop_id)
    statement = b.text(b.json_body(), "statement", required=True) or ""
    vs.take_statement(me(), w, statement)
    return ok(my_draft(w))


@bp.post(TENANT + f"/workshops/<{ID}:workshop_id>/rebase")
def rebase_workshop(workshop_id: int):  # type: ignore[no-untyped-def]
    w = workshop(workshop_id)
    vs.rebase(me(), w)
    return ok(_parent_json(w))


# --- OpenAPI ------------------------------------------------------------------------

RATIO = obj({"done": I, "total": I, "percent": null(I)})
TENANT_REF = obj({"slug": S, "name": S})
SCHEMAS.update(
    {
        "Ratio": RATIO,
        "OverviewRow": obj(
            {
                "region": obj({"id": I, "slug": S, "name": S}),
                "municipality": obj({"id": I, "slug": S, "name": S}),
                "workshop": null(obj({"id": I, "title": S, "phase": S})),
                "deadline": null(DT_),
                "overdue": B,
                "participants": I,
                "drafts_submitted": ref("Ratio"),
                "pairs_ready": ref("Ratio"),
                "coverage": ref("Ratio"),
                "signatures": ref("Ratio"),
                "adopted_vision": null(obj({"number": I, "title": S, "adopted_at": DT_})),
                "parent": null(
                    obj(
                        {
                            "tenant": S,
                            "number": I,
                            "adopted_at": null(DT_),
                            "outdated": B,
                            "newest_number": null(I),
                        }
                    )
                ),
                "last_activity": null(DT_),
            }
        ),
        "Overview": obj(
            {
                "regions": arr(TENANT_REF),
                "stages": arr(obj({"stage": S, "count": I})),
                "municipalities": arr(ref("OverviewRow")),
            }
        ),
        "VisionVersion": obj(
            {
                "id": I,
                "number": I,
                "title": S,
                "source": enum("workshop", "imported"),
                "source_note": S,
                "adopted_at": null(DT_),
                "sha256": S,
                "embedded_parent": null(EMBEDDED_PARENT),
                "text": S,
                "verified": B,
            },
            required=["id", "number", "title", "source", "adopted_at", "sha256"],
        ),
        "VisionVersionList": obj({"versions": arr(ref("VisionVersion"))}),
        "VisionImport": obj(
            {
                "title": S,
                "text": {**S, "description": "Markdown"},
                "adopted_on": {**S, "format": "date", "description": "When it was adopted."},
                "source_note": {**S, "description": "e.g. „Gemeinderatsbeschluss vom …“"},
            },
            required=["title", "text", "adopted_on"],
        ),
        "WorkshopParent": obj(
            {
                "parent": null(
                    obj(
                        {
                            "tenant": TENANT_REF,
                            "version": ref("VisionVersion"),
                            "statements": arr(S),
                            "chosen": null(arr(S)),
                            "outdated": B,
                            "newest_number": null(I),
                        }
                    )
                ),
                "may_set": B,
                "may_take": B,
                "candidates": arr(ref("VisionVersion")),
            }
        ),
        "WorkshopParentSet": obj(
            {
                "version_id": {**null(I), "description": "null: build on no vision."},
                "statements": {
                    **null(arr(S)),
                    "description": "The parent's statements to embed; null or empty: the "
                    "whole text.",
                },
            },
            required=["version_id"],
        ),
        "StatementTake": obj({"statement": S}),
        "ParentChanges": obj(
            {
                "changes": arr(
                    obj(
                        {
                            "workshop_id": null(I),
                            "version_id": null(I),
                            "old_number": I,
                            "new_number": I,
                            "diff": arr(obj({"op": enum("equal", "insert", "delete"), "text": S})),
                        }
                    )
                )
            }
        ),
        "NoticeList": obj(
            {
                "notices": arr(
                    obj(
                        {
                            "id": I,
                            "kind": S,
                            "tenant": TENANT_REF,
                            "new_number": null(I),
                            "old_number": null(I),
                            "created_at": DT_,
                        }
                    )
                )
            }
        ),
    }
)
PARAMETERS.setdefault(
    "version_id",
    {
        "name": "version_id",
        "in": "path",
        "required": True,
        "schema": I,
        "description": "A vision version of the tenant.",
    },
)
_CSV = {
    "200": {
        "description": "CSV for Excel in German locale: UTF-8 with BOM, `;` separated, "
        "German column names.",
        "content": {"text/csv": {"schema": {"type": "string"}}},
    },
    "401": {"$ref": "#/components/responses/Unauthorized"},
    "404": {"$ref": "#/components/responses/NotFound"},
}
_OVERVIEW_NOTE = (
    "One row per municipality: statuses and numbers only, never step-1 or pair content. "
    "`workshop` and its numbers are the municipality's current workshop: the one it started "
    "last, whatever its step (the same as on the page, in the CSV and in the region report); "
    "`adopted_vision` is its newest adopted version; `parent` is the version that workshop "
    "(once adopted: its vision) builds on. "
    "Coordinators of the region (and platform admins); other regions answer 404."
)
PATHS.update(
    {
        "/me/notices": {
            "get": op("my_notices", "My open notices (e.g. a parent vision changed)", "Visions",
                      ok="NoticeList", errors=(401,)),
        },
        "/overview": {
            "get": op("overview", "Overview of every region I coordinate", "Visions",
                      ok="Overview", errors=(401,), description=_OVERVIEW_NOTE),
        },
        "/{tenant_slug}/overview": {
            "parameters": _params("tenant_slug"),
            "get": op("region_overview", "The region's overview of its municipalities",
                      "Visions", ok="Overview", errors=(401, 404), description=_OVERVIEW_NOTE),
        },
        "/{tenant_slug}/overview.csv": {
            "parameters": _params("tenant_slug"),
            "get": {
                "operationId": "region_overview_csv",
                "summary": "The region's overview as CSV",
                "tags": ["Visions"],
                "responses": _CSV,
            },
        },
        "/{tenant_slug}/visions": {
            "parameters": _params("tenant_slug"),
            "get": op("list_vision_versions", "The tenant's adopted and imported vision versions",
                      "Visions", ok="VisionVersionList"),
            "post": op("import_vision_version", "Record an existing vision (e.g. the ILE's "
                       "Leitbild) as the tenant's next version, marked imported", "Visions",
                       ok="VisionVersion", status=201, body="VisionImport"),
        },
        "/{tenant_slug}/workshops/{workshop_id}/parent": {
            "parameters": _params("tenant_slug", "workshop_id"),
            "get": op("get_workshop_parent", "The vision the workshop builds on, its statements, "
                      "and (for facilitators) the versions it may build on", "Visions",
                      ok="WorkshopParent"),
            "put": op("set_workshop_parent", "Build the workshop on a vision version (or on "
                      "none), embedding the whole text or chosen statements", "Visions",
                      ok="WorkshopParent", body="WorkshopParentSet", errors=(401, 403, 404, 409)),
        },
        "/{tenant_slug}/workshops/{workshop_id}/parent/take": {
            "parameters": _params("tenant_slug", "workshop_id"),
            "post": op("take_parent_statement", "Take a statement of the parent vision into "
                       "my step-1 draft (keyword and quoted line; provenance kept)", "Visions",
                       ok="Draft", body="StatementTake", errors=(401, 403, 404, 409)),
        },
        "/{tenant_slug}/workshops/{workshop_id}/rebase": {
            "parameters": _params("tenant_slug", "workshop_id"),
            "post": op("rebase_workshop", "Build on the parent's newest version: in progress the "
                       "parent is swapped; a signed vision becomes a new version to sign again",
                       "Visions", ok="WorkshopParent", errors=(401, 403, 404, 409)),
        },
        "/{tenant_slug}/visions/{version_id}": {
            "parameters": _params("tenant_slug", "version_id"),
            "get": op("get_vision_version", "A vision version with text, hash and embedded parent",
                      "Visions", ok="VisionVersion"),
        },
        "/{tenant_slug}/visions/parent-changes": {
            "parameters": _params("tenant_slug"),
            "get": op("parent_changes", "What builds on an older parent version, with the diff",
                      "Visions", ok="ParentChanges"),
        },
    }
)  # fmt: skip
_REDIRECT = {
    "description": "A municipality's URL: redirect (Location) to its region's overview, "
    "for the region's coordinators."
}
PATHS["/{tenant_slug}/overview"]["get"]["responses"]["302"] = _REDIRECT
PATHS["/{tenant_slug}/overview.csv"]["get"]["responses"]["302"] = _REDIRECT
if not any(t.get("name") == "Visions" for t in DOCUMENT["tags"]):
    DOCUMENT["tags"].append({"name": "Visions"})
