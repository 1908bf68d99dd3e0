"""Vision documents of a tenant, building on a parent vision, parent changes and the
coordinator's region overview (thin views over ``visionswerk.visions``)."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from visionswerk.errors import DomainError
from visionswerk.i18n import N_
from visionswerk.platform.errors import form_error
from visionswerk.platform.i18n import message_of
from visionswerk.platform.pipeline import current_tenant, get_or_404
from visionswerk.platform.visions.chart import stage_chart
from visionswerk.platform.visions.forms import ImportForm
from visionswerk.tenants.policy import can, require
from visionswerk.visions import services as vs
from visionswerk.workshops import signing
from visionswerk.workshops.models import Workshop
from visionswerk.workshops.text import render_markdown

bp = Blueprint("visions", __name__)


@bp.app_context_processor
def _helpers() -> dict[str, Any]:
    def vision_notices(tenant_id: int | None = None) -> list[vs.NoticeView]:
        if not current_user.is_authenticated:
            return []
        return vs.notices_for(current_user, tenant_id)

    def parent_origin(aspect: object) -> object:
        """For the aspect ledger: the parent version a keyword was taken from, or None."""
        cache = g.setdefault("vision_parent_origin", {})
        return vs.parent_origin(aspect, cache)

    def overview_region_count() -> int:
        if not current_user.is_authenticated:
            return 0
        return len(vs.overview_regions(current_user))

    return {
        "overview_region_count": overview_region_count,
        "vision_notices": vision_notices,
        "parent_panel": parent_panel_context,
        "parent_origin": parent_origin,
        # what a version embeds from its parent (part of the signed text, on every page
        # that shows a version: signing, signing by link, adopted, version page)
        "embedded_of": vs.embedded_view,
    }


# --- vision documents -------------------------------------------------------------


@bp.get("/<tenant_slug>/visionen")
def index():  # type: ignore[no-untyped-def]
    tenant = current_tenant()
    versions = vs.versions_of(current_user, tenant)
    outdated = vs.outdated_of(current_user, tenant)
    return render_template(
        "visions/index.html", tenant=tenant, versions=versions, outdated=outdated
    )


def _import_page(form: ImportForm, status: int = 200):  # type: ignore[no-untyped-def]
    return render_template("visions/import.html", tenant=current_tenant(), form=form), status


@bp.get("/<tenant_slug>/visionen/eintragen")
def import_form():  # type: ignore[no-untyped-def]
    require(current_user, "vision.import", current_tenant())
    return _import_page(ImportForm(formdata=None))


@bp.post("/<tenant_slug>/visionen/eintragen")
def import_vision():  # type: ignore[no-untyped-def]
    tenant = current_tenant()
    require(current_user, "vision.import", tenant)
    form = ImportForm()
    if form.validate_on_submit():
        try:
            version = vs.import_vision(
                current_user,
                tenant,
                title=form.title.data or "",
                text=form.text.data or "",
                adopted_on=form.adopted_on.data,
                source_note=form.source_note.data or "",
            )
        except DomainError as e:
            if e.status in (403, 404):
                raise
            form_error(form, e, "text")
        else:
            flash(_("Die Vision ist als Fassung %(n)d eingetragen.", n=version.number), "success")
            return redirect(url_for("visions.version", version_id=version.id))
    return _import_page(form, 422)


@bp.get("/<tenant_slug>/visionen/<int:version_id>")
def version(version_id: int):  # type: ignore[no-untyped-def]
    v = vs.get_version(current_user, version_id)
    return render_template(
        "visions/version.html",
        tenant=current_tenant(),
        version=v,
        html=render_markdown(v.text),
        embedded=vs.embedded_view(v),
        signatures=signing.signatures_of(v),
        verified=signing.verify(v),
    )


# --- parent changes ---------------------------------------------------------------


@bp.get("/<tenant_slug>/visionen/grundlage")
def parent_changes():  # type: ignore[no-untyped-def]
    tenant = current_tenant()
    items = [(o, vs.diff(o.old, o.newest)) for o in vs.outdated_of(current_user, tenant)]
    return render_template(
        "visions/parent_changes.html",
        tenant=tenant,
        items=items,
        may_rebase=can(current_user, "vision.rebase", tenant),
    )


@bp.post("/<tenant_slug>/visionen/werkstatt/<int:workshop_id>/neu-aufsetzen")
def rebase(workshop_id: int):  # type: ignore[no-untyped-def]
    workshop = get_or_404(Workshop, workshop_id)
    vs.rebase(current_user, workshop)
    flash(
        _(
            "Der Workshop baut jetzt auf der neuen Fassung auf. Bitte lassen Sie die Vision "
            "erneut bestätigen, wo sie schon unterschrieben war."
        ),
        "success",
    )
    return redirect(url_for("visions.parent_changes"))


# --- the parent of a workshop -----------------------------------------------------


# pages that show a frozen version: they show what it embeds (visions/_embedded.html),
# the context panel would repeat the parent beside it
VERSION_PAGES = {
    "workshops.signing",
    "workshops.sign",
    "workshops.add_signatory",
    "workshops.renew_link",
    "workshops.remove_signatory",
    "workshops.adopted",
}


# the pages with the writable draft form (id "entwurf") that taking a statement submits
DRAFT_PAGES = {"workshops.draft", "workshops.save_draft", "visions.take_statement"}
OWN_DRAFT_FIRST = N_(
    "Schreiben Sie zuerst Ihre eigenen Gedanken auf und speichern Sie sie. Danach können "
    "Sie hier einzelne Aussagen in Ihren Entwurf übernehmen."
)


def parent_panel_context(workshop: Workshop) -> dict[str, Any]:
    """What ``visions/_parent_panel.html`` needs: ``{% with panel=parent_panel(w) %}``.
    The parent is context; taking its statements is offered on the draft page only,
    and only once the own draft has saved content (own thoughts first)."""
    endpoint = request.endpoint or ""
    panel: dict[str, Any] = {
        "workshop": workshop,
        "view": None,
        "may_take": False,
        "may_set": False,
        "set_link": False,
        "hint": None,
        "open": endpoint == "visions.workshop_parent",
    }
    hidden = endpoint in VERSION_PAGES and workshop.phase.value in ("signing", "adopted")
    if hidden or not can(current_user, "workshop.view", workshop):
        return panel
    panel["view"] = view = vs.parent_of(current_user, workshop)
    panel["may_set"] = can(current_user, "workshop.set_parent", workshop)
    # the link to the parent page: beside the parent; without one only on the overview
    panel["set_link"] = panel["may_set"] and endpoint != "visions.workshop_parent"
    panel["set_link"] = panel["set_link"] and (view is not None or endpoint == "workshops.overview")
    on_draft_page = endpoint in DRAFT_PAGES and can(current_user, "draft.write", workshop)
    if view is not None and on_draft_page:
        panel["may_take"] = vs.may_take(current_user, workshop)
        panel["hint"] = None if panel["may_take"] else _(OWN_DRAFT_FIRST)
    return panel


@bp.get("/<tenant_slug>/visionen/werkstatt/<int:workshop_id>/grundlage")
def workshop_parent(workshop_id: int):  # type: ignore[no-untyped-def]
    workshop = get_or_404(Workshop, workshop_id)
    require(current_user, "workshop.view", workshop)
    return _workshop_parent_page(workshop)


def _workshop_parent_page(workshop: Workshop, error: str | None = None, status: int = 200):  # type: ignore[no-untyped-def]
    candidates = (
        vs.parent_candidates(current_user, workshop)
        if can(current_user, "workshop.set_parent", workshop)
        else []
    )
    return (
        render_template(
            "visions/workshop_parent.html",
            tenant=current_tenant(),
            workshop=workshop,
            panel=parent_panel_context(workshop),
            candidates=candidates,
            error=error,
        ),
        status,
    )


@bp.post("/<tenant_slug>/visionen/werkstatt/<int:workshop_id>/grundlage")
def set_parent(workshop_id: int):  # type: ignore[no-untyped-def]
    workshop = get_or_404(Workshop, workshop_id)
    require(current_user, "workshop.set_parent", workshop)
    raw = request.form.get("version_id", "").strip()
    if raw and not raw.isdecimal():
        return _workshop_parent_page(
            workshop, _("Auf dieser Fassung kann der Workshop nicht aufbauen."), 422
        )
    chosen = request.form.getlist("statements") or None
    try:
        vs.set_parent(current_user, workshop, int(raw) if raw else None, chosen)
    except DomainError as e:
        if e.status in (403, 404):
            raise
        return _workshop_parent_page(workshop, message_of(e), 422)
    flash(_("Die Grundlage des Workshops ist gespeichert."), "success")
    target = request.form.get("next_local")
    return redirect(
        _local(target) if target else url_for("visions.workshop_parent", workshop_id=workshop.id)
    )


def _local(path: str) -> str:
    """Only same-site paths ("/…", never "//…" or with a backslash)."""
    if path.startswith("/") and not path.startswith("//") and "\\" not in path:
        return path
    return "/"


@bp.post("/<tenant_slug>/visionen/werkstatt/<int:workshop_id>/uebernehmen")
def take_statement(workshop_id: int):  # type: ignore[no-untyped-def]
    workshop = get_or_404(Workshop, workshop_id)
    require(current_user, "workshop.view", workshop)
    statement = request.form.get("statement", "")
    if "text" in request.form or "keywords" in request.form:
        return _take_with_typed_draft(workshop, statement)
    next_local = request.form.get("next_local")
    target = (
        _local(next_local)
        if next_local
        else url_for("visions.workshop_parent", workshop_id=workshop.id)
    )
    try:
        vs.take_statement(current_user, workshop, statement)
    except DomainError as e:
        if e.status in (403, 404):
            raise
        flash(message_of(e), "error")
        return redirect(target)  # nothing typed here is lost: the statement is the parent's
    flash(_("Die Aussage steht jetzt in Ihrem Entwurf."), "success")
    return redirect(target)


def _take_with_typed_draft(workshop: Workshop, statement: str):  # type: ignore[no-untyped-def]
    """Taken from the draft page: the button submits the draft form, so the typed and
    unsaved keywords and text are saved with the statement, on the form's version (a
    stale one shows both texts like any draft conflict; nothing is lost)."""
    from visionswerk.platform.workshops.forms import DraftForm
    from visionswerk.platform.workshops.helpers import conflict_view
    from visionswerk.platform.workshops.step_views import int_or_none, render_draft

    form = DraftForm()
    if not form.validate_on_submit():
        return render_draft(workshop, form, 422)
    try:
        vs.take_statement(
            current_user,
            workshop,
            statement,
            keywords=form.keywords.data or "",
            text=form.text.data or "",
            base_version=int_or_none(form.base_version.data),
        )
    except DomainError as e:
        if e.status in (403, 404):
            raise
        if "stored" not in e.payload:
            return render_draft(workshop, form, e.status, error=message_of(e))
        view = conflict_view(message_of(e), e.payload)
        form.base_version.data = str(view.stored_version)
        form.keywords.data = "\n".join(view.mine_keywords)
        form.text.data = view.mine_text
        return render_draft(workshop, form, 409, conflict=view)
    flash(
        _("Die Aussage steht jetzt in Ihrem Entwurf, mit allem, was Sie geschrieben haben."),
        "success",
    )
    return redirect(url_for("workshops.draft", workshop_id=workshop.id))


# --- the region overview ----------------------------------------------------------


def _overview_query(per_page: int | None = vs.PER_PAGE) -> vs.Query:
    return vs.Query.of(
        request.args.get("sortierung"),
        request.args.get("richtung"),
        request.args.getlist("filter"),
        page=request.args.get("seite", 1, type=int),
        per_page=per_page,
    )


def _overview(regions, csv_endpoint: str, **url_args: Any):  # type: ignore[no-untyped-def]
    query = _overview_query()
    page = vs.overview_page(current_user, regions, query)
    return render_template(
        "visions/overview.html",
        regions=regions,
        page=page,
        rows=page.rows,
        sort=query.sort,
        direction=query.direction,
        filters=list(query.filters),
        chart=stage_chart(page.stages, _),
        csv_url=url_for(csv_endpoint, **url_args)
        + ("?" + request.query_string.decode() if request.query_string else ""),
        endpoint=request.endpoint,
        url_args=url_args,
        stage_labels=vs.STAGE_LABELS,
        multi=len(regions) > 1,
    )


def _csv(regions, filename: str) -> Response:  # type: ignore[no-untyped-def]
    rows = vs.overview_page(current_user, regions, _overview_query(per_page=None)).rows
    return Response(
        vs.csv_bytes(rows, _),
        mimetype="text/csv",
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="{filename}"',
        },
    )


def _region():  # type: ignore[no-untyped-def]
    """The region of the page, or a redirect to the region of a municipality's page."""
    tenant = current_tenant()
    if can(current_user, "region.overview", tenant):
        return tenant
    parent = tenant.parent
    if parent is not None and can(current_user, "region.overview", parent):
        abort(redirect(url_for(request.endpoint, tenant_slug=parent.slug)))  # type: ignore[arg-type]
    abort(404)


@bp.get("/<tenant_slug>/uebersicht")
def region_overview():  # type: ignore[no-untyped-def]
    return _overview([_region()], "visions.region_overview_csv")


@bp.get("/<tenant_slug>/uebersicht.csv")
def region_overview_csv():  # type: ignore[no-untyped-def]
    region = _region()
    return _csv([region], f"uebersicht-{region.slug}.csv")


@bp.get("/uebersicht")
def overview():  # type: ignore[no-untyped-def]
    regions = vs.overview_regions(current_user)
    if not regions:
        abort(404)
    return _overview(regions, "visions.overview_csv")


@bp.get("/uebersicht.csv")
def overview_csv():  # type: ignore[no-untyped-def]
    regions = vs.overview_regions(current_user)
    if not regions:
        abort(404)
    return _csv(regions, "uebersicht.csv")
