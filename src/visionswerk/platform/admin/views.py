"""Platform administration: regions and their first coordinator."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from visionswerk.db import db
from visionswerk.errors import DomainError
from visionswerk.platform.errors import form_error
from visionswerk.platform.tenancy.forms import RegionForm
from visionswerk.platform.tenancy.views import send_invitation
from visionswerk.tenants import services
from visionswerk.tenants.models import Role, Tenant, TenantKind
from visionswerk.tenants.policy import can

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
def _admins_only() -> None:
    if not can(current_user, "region.create"):
        abort(404)


def _page(form: RegionForm):  # type: ignore[no-untyped-def]
    regions = db.scalars(
        select(Tenant).where(Tenant.kind == TenantKind.REGION).order_by(Tenant.name)
    ).all()
    return render_template("admin/index.html", regions=regions, form=form)


@bp.get("/")
def index():  # type: ignore[no-untyped-def]
    return _page(RegionForm(formdata=None))


@bp.post("/regionen")
def create_region():  # type: ignore[no-untyped-def]
    form = RegionForm()
    if form.validate_on_submit():
        try:
            region = services.create_region(current_user, form.name.data or "", form.slug.data)
            invitation, token = services.invite(
                current_user, region, form.coordinator_email.data or "", Role.COORDINATOR,
                days=current_app.config["VISIONSWERK"].invitation_days,
            )  # fmt: skip
        except DomainError as e:
            if e.status in (403, 404):
                raise
            form_error(form, e, "name", email="coordinator_email")
        else:
            send_invitation(invitation, token, current_user)
            flash(
                _(
                    "Die Region „%(name)s“ ist angelegt; die Koordination ist eingeladen.",
                    name=region.name,
                ),
                "success",
            )
            return redirect(url_for("admin.index"))
    return _page(form), 422
