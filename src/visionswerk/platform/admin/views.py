"""Platform administration: regions and their first coordinator."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from visionswerk.errors import DomainError
from visionswerk.platform.errors import form_error
from visionswerk.platform.tenancy import invitations
from visionswerk.platform.tenancy.forms import RegionForm
from visionswerk.tenants.policy import can
from visionswerk.visions import services as vs

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
def _admins_only() -> None:
    if not can(current_user, "region.create"):
        abort(404)


def _page(form: RegionForm):  # type: ignore[no-untyped-def]
    page = vs.regions_page(current_user, request.args.get("seite", 1, type=int))
    return render_template("admin/index.html", page=page, form=form)


@bp.get("/")
def index():  # type: ignore[no-untyped-def]
    return _page(RegionForm(formdata=None))


@bp.post("/regionen")
def create_region():  # type: ignore[no-untyped-def]
    form = RegionForm()
    if form.validate_on_submit():
        try:
            region = invitations.create_region(
                current_user, form.name.data or "", form.slug.data,
                form.coordinator_email.data or "",
            )  # fmt: skip
        except DomainError as e:
            if e.status in (403, 404):
                raise
            form_error(form, e, "name", email="coordinator_email")
        else:
            flash(
                _(
                    "Die Region „%(name)s“ ist angelegt; die Koordination ist eingeladen.",
                    name=region.name,
                ),
                "success",
            )
            return redirect(url_for("admin.index"))
    return _page(form), 422
