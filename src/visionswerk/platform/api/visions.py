"""Issue 4 in ``/api/v1``: the region overview (JSON and CSV), a tenant's vision
documents (read and import), a workshop's parent (read, set, remove, take a statement,
re-base), the parent changes and notices. Statuses and numbers only — never step-1 or
pair content."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from visionswerk.platform.api import answers, bp
from visionswerk.platform.api import models as m
from visionswerk.platform.api.fields import ID
from visionswerk.platform.api.spec import api, created
from visionswerk.platform.api.views import LOADERS, me, my_draft, url_object, workshop
from visionswerk.platform.pipeline import current_tenant
from visionswerk.tenants.policy import can, require
from visionswerk.visions import services as vs
from visionswerk.workshops import signing
from visionswerk.workshops.models import VisionVersion, Workshop

TENANT = "/<tenant_slug>"
PARENT = TENANT + f"/workshops/<{ID}:workshop_id>/parent"
LOADERS["version_id"] = vs.get_version

OVERVIEW_NOTE = (
    "One row per municipality: statuses and numbers only, never step-1 or pair content. "
    "`workshop` and its numbers are the municipality's current workshop: the one it started "
    "last, whatever its step (the same as on the page, in the CSV and in the region report); "
    "`adopted_vision` is its newest adopted version; `parent` is the version that workshop "
    "(once adopted: its vision) builds on. "
    "Coordinators of the region (and platform admins); other regions answer 404. "
    "Paged by name: `page` and `per_page` (50 by default, at most 200); `total` and `pages` "
    "say how many there are. The CSV holds every row."
)
REDIRECT = {
    "302": {
        "description": "A municipality's URL: redirect (Location) to its region's overview, "
        "for the region's coordinators."
    }
}
CSV = {
    "200": {
        "description": "CSV for Excel in German locale: UTF-8 with BOM, `;` separated, "
        "German column names.",
        "content": {"text/csv": {"schema": {"type": "string"}}},
    }
}


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


def _overview(regions, query: m.OverviewQuery) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    wanted = vs.Query.of(page=query.page, per_page=query.per_page)
    page = vs.overview_page(current_user, regions, wanted, clamp=False)
    return {
        "regions": [{"slug": r.slug, "name": r.name} for r in regions],
        "stages": [{"stage": st, "count": n} for st, n in page.stages],
        "total": page.total,
        "page": page.number,
        "per_page": page.per_page,
        "pages": page.pages,
        "municipalities": [vs.row_json(r) for r in page.rows],
    }


@bp.get(TENANT + "/overview")
@api(ok=m.Overview, tag="Visions", responses=REDIRECT, errors=[422])
def region_overview(query: m.OverviewQuery):  # type: ignore[no-untyped-def]
    """The region's overview of its municipalities"""
    return _overview([_region_or_404()], query)


region_overview.__doc__ = f"{region_overview.__doc__}\n\n{OVERVIEW_NOTE}"


@bp.get(TENANT + "/overview.csv")
@api(ok=None, tag="Visions", responses={**CSV, **REDIRECT})
def region_overview_csv():  # type: ignore[no-untyped-def]
    """The region's overview as CSV"""
    region = _region_or_404()
    rows = vs.region_overview(current_user, [region])
    return current_app.response_class(
        vs.csv_bytes(rows, _),
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="uebersicht-{region.slug}.csv"',
        },
    )


@bp.get("/overview")
@api(ok=m.Overview, tag="Visions", errors=[422])
def overview(query: m.OverviewQuery):  # type: ignore[no-untyped-def]
    """Overview of every region I coordinate"""
    return _overview(vs.overview_regions(current_user), query)


def version_json(v: VisionVersion, *, with_text: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": v.id,
        "number": v.number,
        "title": v.title,
        "source": v.source.value,
        "source_note": v.source_note or "",
        "adopted_at": v.adopted_at.isoformat() if v.adopted_at else None,
        "sha256": v.sha256,
        "canonical": v.canonical,
        "embedded_parent": answers.embedded_parent(v),
    }
    if with_text:
        data["text"] = v.text
        data["verified"] = signing.verify(v)
    return data


@bp.get(TENANT + "/visions")
@api(ok=m.VisionVersionList, tag="Visions")
def list_vision_versions():  # type: ignore[no-untyped-def]
    """The tenant's adopted and imported vision versions"""
    versions = vs.versions_of(current_user, current_tenant())
    return {"versions": [version_json(v) for v in versions]}


@bp.get(TENANT + f"/visions/<{ID}:version_id>")
@api(ok=m.VisionVersion, tag="Visions")
def get_vision_version(version_id: int):  # type: ignore[no-untyped-def]
    """A vision version with text, hash, canonical form and embedded parent"""
    return version_json(url_object("version_id", version_id), with_text=True)


@bp.get(TENANT + "/parent-changes")
@api(ok=m.ParentChanges, tag="Visions")
def parent_changes():  # type: ignore[no-untyped-def]
    """What builds on an older parent version, with the diff"""
    items = vs.outdated_of(current_user, current_tenant())
    return {
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


@bp.get("/me/notices")
@api(ok=m.NoticeList, tag="Visions")
def my_notices():  # type: ignore[no-untyped-def]
    """My open notices (e.g. a parent vision changed)"""
    return {
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


# --- writing: import, a workshop's parent, taking statements, re-basing -----------------


@bp.post(TENANT + "/visions")
@api(ok=m.VisionVersion, status=201, tag="Visions", state_fields=("adopted_on",))
def import_vision_version(json: m.VisionImport):  # type: ignore[no-untyped-def]
    """Record an existing vision (e.g. the ILE's Leitbild) as the tenant's next version,
    marked imported"""
    version = vs.import_vision(
        me(),
        current_tenant(),
        title=json.title,
        text=json.text,
        adopted_on=json.adopted_on,
        source_note=json.source_note,
    )
    location = url_for("api.get_vision_version", version_id=version.id)
    return created(version_json(version, with_text=True), location)


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


@bp.get(PARENT)
@api(ok=m.WorkshopParent, tag="Visions")
def get_workshop_parent(workshop_id: int):  # type: ignore[no-untyped-def]
    """The vision the workshop builds on, its statements, and (for facilitators) the
    versions it may build on"""
    return _parent_json(workshop(workshop_id))


@bp.put(PARENT)
@api(ok=m.WorkshopParent, tag="Visions", state_fields=("version_id", "statements"))
def set_workshop_parent(workshop_id: int, json: m.WorkshopParentSet):  # type: ignore[no-untyped-def]
    """Build the workshop on a vision version, embedding the whole text or chosen
    statements"""
    w = workshop(workshop_id)
    require(me(), "workshop.set_parent", w)
    vs.set_parent(me(), w, json.version_id, json.statements or None)
    return _parent_json(w)


@bp.delete(PARENT)
@api(ok=m.WorkshopParent, tag="Visions", errors=(409,))
def remove_workshop_parent(workshop_id: int):  # type: ignore[no-untyped-def]
    """Build the workshop on no vision"""
    w = workshop(workshop_id)
    require(me(), "workshop.set_parent", w)
    vs.set_parent(me(), w, None, None)
    return _parent_json(w)


@bp.post(PARENT + "/take")
@api(ok=m.Draft, tag="Visions", state_fields=("statement",))
def take_parent_statement(workshop_id: int, json: m.StatementTake):  # type: ignore[no-untyped-def]
    """Take a statement of the parent vision into my step-1 draft (keyword and quoted
    line; provenance kept)"""
    w = workshop(workshop_id)
    vs.take_statement(me(), w, json.statement)
    return my_draft(w)


@bp.post(TENANT + f"/workshops/<{ID}:workshop_id>/rebase")
@api(ok=m.WorkshopParent, tag="Visions", errors=(409,))
def rebase_workshop(workshop_id: int):  # type: ignore[no-untyped-def]
    """Build on the parent's newest version: in progress the parent is swapped; a signed
    vision becomes a new version to sign again"""
    w = workshop(workshop_id)
    vs.rebase(me(), w)
    return _parent_json(w)
