"""'Meine Kommunen', the region and municipality pages, invitations, members."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_user
from wtforms.fields.choices import SelectChoice

from visionswerk.errors import DomainError
from visionswerk.platform.errors import form_error
from visionswerk.platform.i18n import message_of
from visionswerk.platform.pipeline import current_tenant, public
from visionswerk.platform.tenancy import invitations
from visionswerk.platform.tenancy.forms import (
    ROLE_LABELS,
    AcceptForm,
    InviteForm,
    RegisterForm,
    TenantForm,
)
from visionswerk.tenants import accounts, services
from visionswerk.tenants.models import Role, Tenant, User
from visionswerk.tenants.policy import can, require
from visionswerk.workshops import services as ws

bp = Blueprint("tenancy", __name__)


def role_choice(role: Role) -> SelectChoice:
    return SelectChoice(role.value, str(ROLE_LABELS[role.value]))


def invitable_roles(user: User, tenant: Tenant) -> list[SelectChoice]:
    return [
        role_choice(role)
        for role in (Role.PARTICIPANT, Role.FACILITATOR, Role.COORDINATOR)
        if can(user, f"member.invite.{role.value}", tenant)
    ]


@bp.app_context_processor
def _pending_invitations() -> dict[str, Any]:
    """For ``tenancy/_workshop_invitations.html``, which the workshop page includes."""
    return {
        "pending_invitations": lambda w: invitations.pending_for_workshop(current_user, w),
    }


@bp.get("/")
def home():  # type: ignore[no-untyped-def]
    return render_template(
        "tenancy/home.html", entries=services.tenants_of(current_user), ROLE_LABELS=ROLE_LABELS
    )


def _tenant_page(invite_form: InviteForm | None = None, tenant_form: TenantForm | None = None):  # type: ignore[no-untyped-def]
    tenant = current_tenant()
    invite_form = invite_form or InviteForm(formdata=None)
    invite_form.role.choices = invitable_roles(current_user, tenant)
    show_members = can(current_user, "tenant.view_members", tenant)
    return render_template(
        "tenancy/tenant.html",
        tenant=tenant,
        members=services.members(current_user, tenant) if show_members else [],
        invitations=services.pending_invitations(current_user, tenant) if show_members else [],
        invite_form=invite_form,
        tenant_form=tenant_form or TenantForm(formdata=None),
        ROLE_LABELS=ROLE_LABELS,
    )


@bp.get("/<tenant_slug>/")
def tenant_page():  # type: ignore[no-untyped-def]
    return _tenant_page()


@bp.post("/<tenant_slug>/kommunen")
def create_municipality():  # type: ignore[no-untyped-def]
    require(current_user, "municipality.create", current_tenant())
    form = TenantForm()
    if form.validate_on_submit():
        try:
            municipality = services.create_municipality(
                current_user, current_tenant(), form.name.data or "", form.slug.data
            )
        except DomainError as e:
            if e.status in (403, 404):
                raise
            form_error(form, e, "name")
        else:
            flash(_("Die Kommune „%(name)s“ ist angelegt.", name=municipality.name), "success")
            return redirect(url_for("tenancy.tenant_page"))
    return _tenant_page(tenant_form=form), 422


@bp.post("/<tenant_slug>/einladungen")
def invite():  # type: ignore[no-untyped-def]
    tenant = current_tenant()
    if not invitable_roles(current_user, tenant):
        require(current_user, "member.invite.participant", tenant)  # the weakest right
    form = InviteForm()
    # Every role is a valid choice here; whether this user may invite it, the policy
    # decides in the service (403, not a form error).
    form.role.choices = [role_choice(role) for role in Role]
    if form.validate_on_submit():
        try:
            invitation = invitations.invite_to_tenant(
                current_user, tenant, form.email.data or "", Role(form.role.data)
            )
        except DomainError as e:
            if e.status in (403, 404):
                raise
            form_error(form, e, "email")
        else:
            flash(
                _("Die Einladung an %(email)s ist verschickt.", email=invitation.email), "success"
            )
            return redirect(url_for("tenancy.tenant_page"))
    return _tenant_page(invite_form=form), 422


@bp.post("/<tenant_slug>/mitglieder/<int:membership_id>/entfernen")
def remove_member(membership_id: int):  # type: ignore[no-untyped-def]
    membership = services.membership_in(current_tenant(), membership_id)
    name = membership.user.display_name
    services.remove_member(current_user, membership)
    flash(_("%(name)s ist nicht mehr Mitglied.", name=name), "success")
    return redirect(url_for("tenancy.tenant_page"))


@bp.post("/<tenant_slug>/einladungen/<int:invitation_id>/erneut")
def resend_invitation(invitation_id: int):  # type: ignore[no-untyped-def]
    """A new link (the old one stops working) and the mail again, e.g. when it expired."""
    invitation = invitations.resend(
        current_user, services.invitation_in(current_tenant(), invitation_id)
    )
    flash(
        _("Die Einladung an %(email)s ist noch einmal verschickt.", email=invitation.email),
        "success",
    )
    return redirect(_back())


@bp.post("/<tenant_slug>/einladungen/<int:invitation_id>/zurueckziehen")
def withdraw_invitation(invitation_id: int):  # type: ignore[no-untyped-def]
    invitation = services.invitation_in(current_tenant(), invitation_id)
    email = invitation.email
    invitations.withdraw(current_user, invitation)
    flash(
        _("Die Einladung an %(email)s ist zurückgezogen; der Link gilt nicht mehr.", email=email),
        "success",
    )
    return redirect(_back())


def _back() -> str:
    """Back to the workshop page the buttons sat on, else the tenant page."""
    workshop_id = request.form.get("workshop_id", "")
    if workshop_id.isdigit():
        return url_for("workshops.overview", workshop_id=int(workshop_id)) + "#einladungen"
    return url_for("tenancy.tenant_page") + "#members-heading"


def _welcome(tenant: Tenant, user: User, token: str) -> tuple[str, str]:
    """Accept and join the workshops that invited the address: where to go next, and the
    welcome (flashed by the caller, after any session reset)."""
    services.accept_invitation(tenant, token, user)
    joined = ws.claim_invited_participation(user, tenant)  # workshops that invited them
    if len(joined) == 1:
        message = _(
            "Willkommen! Sie nehmen jetzt am Workshop „%(title)s“ teil.", title=joined[0].title
        )
        return url_for("workshops.overview", workshop_id=joined[0].id), message
    return url_for("tenancy.tenant_page"), _(
        "Willkommen! Sie gehören jetzt dazu: %(name)s.", name=tenant.name
    )


@bp.route("/<tenant_slug>/einladung/<token>", methods=["GET", "POST"])
@public
def accept(token: str):  # type: ignore[no-untyped-def]
    tenant = current_tenant()
    try:
        invitation = services.open_invitation(tenant, token)
    except DomainError as e:
        return render_template("tenancy/invitation_invalid.html", message=message_of(e)), 404
    about = {"invitation": invitation, **invitations.details(invitation)}

    if current_user.is_authenticated:
        if not services.is_for(invitation, current_user):
            # another account: explain how to switch; nothing is accepted or changed
            return render_template("tenancy/accept_other_account.html", token=token, **about), 403
        form = AcceptForm()
        if form.validate_on_submit():
            target, message = _welcome(tenant, current_user, token)
            flash(message, "success")
            return redirect(target)
        return render_template("tenancy/accept.html", form=form, **about)

    if accounts.user_by_email(invitation.email) is not None:
        login_url = url_for("accounts.login", next=url_for("tenancy.accept", token=token))
        return render_template("tenancy/accept.html", form=None, login_url=login_url, **about)

    form = RegisterForm()
    if form.validate_on_submit():
        try:
            user = accounts.create_user(
                invitation.email, form.password.data, form.display_name.data or "",
                locale=session.get("lang", "de"),
            )  # fmt: skip
        except DomainError as e:
            form_error(form, e, "display_name")
        else:
            target, message = _welcome(tenant, user, token)
            session.clear()
            accounts.start_login_session(user)
            login_user(user)
            flash(message, "success")
            return redirect(target)
    status = 422 if form.errors else 200
    return render_template("tenancy/register.html", form=form, **about), status
