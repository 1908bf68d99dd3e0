"""Bestätigung: the frozen text with its SHA-256, the signatories, signing (with an
account, or through a single-use link without one), and the adopted vision's page."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from visionswerk.db import db, utcnow
from visionswerk.errors import Conflict, DomainError, InvalidInput, NotAllowed, NotFound
from visionswerk.i18n import N_
from visionswerk.platform.errors import form_error
from visionswerk.platform.i18n import message_of
from visionswerk.platform.pipeline import current_tenant, get_or_404, public
from visionswerk.platform.tenancy.forms import TOO_LONG
from visionswerk.platform.workshops import helpers
from visionswerk.platform.workshops.blueprint import bp
from visionswerk.platform.workshops.forms import MoveForm, SignatoryForm, SignForm
from visionswerk.platform.workshops.step_views import int_or_none
from visionswerk.platform.workshops.views import member_choices, page_error
from visionswerk.tenants.accounts import validate_email
from visionswerk.tenants.models import User
from visionswerk.tenants.policy import can
from visionswerk.workshops import paper
from visionswerk.workshops import services as ws
from visionswerk.workshops import signing as signing_service
from visionswerk.workshops import text as texts
from visionswerk.workshops.models import Phase, Signatory, Workshop

NOT_YET = N_(
    "Die Bestätigung beginnt, wenn die Moderation den Visionstext einfriert. Dann steht er "
    "hier mit seiner Prüfsumme zum Unterschreiben."
)
NOT_A_SIGNATORY = N_("Sie stehen nicht auf der Liste der Unterzeichnenden.")


def render_signing(
    workshop: Workshop,
    status: int = 200,
    form: SignatoryForm | None = None,
    sign_form: SignForm | None = None,
    error: str | None = None,
    new_link: dict[str, str] | None = None,
    paper_form: Any = None,
):  # type: ignore[no-untyped-def]
    user = current_user
    state = ws.signing_status(user, workshop)
    if state is None:
        return render_template(
            "workshops/not_yet.html", tenant=current_tenant(), w=workshop, message=_(NOT_YET)
        ), status
    manages = can(user, "signatory.manage", workshop)
    mine = ws.my_signatory(user, workshop)
    if form is None:
        form = SignatoryForm(formdata=None)
    listed = {s.user_id for s in state.signatories if s.user_id is not None}
    form.user_id.choices = [SelectChoice("", _("Bitte wählen"))] + [
        SelectChoice(str(c.value), c.label) for c in member_choices(workshop.tenant, listed)
    ]
    if sign_form is None:
        sign_form = SignForm(formdata=None)
    sign_form.sha256.data = state.version.sha256
    records_paper = can(user, paper.RECORD_PAPER, workshop)
    return (
        render_template(
            "workshops/signing.html",
            tenant=current_tenant(),
            w=workshop,
            state=state,
            version=state.version,
            verified=ws.verify(state.version),
            current=workshop.phase == Phase.SIGNING,
            manages=manages,
            may_move=can(user, "workshop.manage", workshop) and workshop.phase == Phase.SIGNING,
            move_form=MoveForm(formdata=None),
            mine=mine,
            form=form,
            sign_form=sign_form,
            error=error,
            new_link=new_link,
            declines=signing_service.declines(state.version) if manages else {},
            now=utcnow(),  # which links have expired (_sign_link_validity.html)
            paper_form=paper_views.paper_form(workshop, state, paper_form)
            if records_paper
            else None,
            sees_scans=can(user, "signature.scan", workshop),
        ),
        status,
    )


@bp.get("/<tenant_slug>/workshops/<int:workshop_id>/bestaetigung")
def signing(workshop_id: int):  # type: ignore[no-untyped-def]
    # a link just made is shown once, on the page the POST redirected to (a reload of that
    # page must not send the form again and list the person twice)
    new_link = session.pop(NEW_LINK_KEY, None)
    return render_signing(ws.get_workshop(current_user, workshop_id), new_link=new_link)


NEW_LINK_KEY = "new_sign_link"


def _show_link_once(workshop: Workshop, signatory: Signatory, link: str, email: str):  # type: ignore[no-untyped-def]
    session[NEW_LINK_KEY] = {
        "name": signatory.name,
        "link": link,
        "email": email,
        "until": helpers.local_datetime(signatory.link_expires_at),
    }
    return redirect(url_for("workshops.signing", workshop_id=workshop.id) + "#neuer-link")


def _link_days() -> int:
    return current_app.config["VISIONSWERK"].signing_link_days  # type: ignore[no-any-return]


def _link(token: str) -> str:
    return helpers.base_url() + url_for("workshops.sign_link", sign_token=token)


@bp.post("/<tenant_slug>/workshops/<int:workshop_id>/unterzeichnende")
def add_signatory(workshop_id: int):  # type: ignore[no-untyped-def]
    workshop = ws.get_workshop(current_user, workshop_id)
    form = SignatoryForm()
    if not form.validate_on_submit():
        return render_signing(workshop, 422, form=form)
    try:
        email = ""
        if form.kind.data == "person":
            if (form.email.data or "").strip():
                email = validate_email(form.email.data or "")
            signatory, token = ws.add_signatory(
                current_user,
                workshop,
                name=form.name.data,
                function=form.function.data,
                link_days=_link_days(),
            )
        else:
            user_id = int_or_none(form.user_id.data)
            if user_id is None:
                form.user_id.errors = [_("Bitte wählen Sie ein Mitglied aus.")]
                return render_signing(workshop, 422, form=form)
            signatory, token = ws.add_signatory(
                current_user, workshop, user_id=user_id, function=form.function.data
            )
    except DomainError as e:
        page_error(e)
        form_error(form, e, "name" if form.kind.data == "person" else "user_id")
        return render_signing(workshop, e.status, form=form)
    if token is None:
        flash(_("%(name)s steht auf der Liste.", name=signatory.name), "success")
        return redirect(url_for("workshops.signing", workshop_id=workshop.id) + "#liste")
    link = _link(token)
    if email:
        helpers.mail_signing_link(email, signatory, link, workshop, current_user)
    return _show_link_once(workshop, signatory, link, email)


def _managed_signatory(signatory_id: int) -> tuple[Signatory, Workshop]:
    signatory = ws.get_signatory(current_user, signatory_id)
    workshop_id = signatory.version.workshop_id
    if workshop_id is None:
        raise NotFound(N_("Diese Unterschrift gibt es hier nicht."))
    return signatory, ws.get_workshop(current_user, workshop_id)


@bp.post("/<tenant_slug>/unterzeichnende/<int:signatory_id>/link")
def renew_link(signatory_id: int):  # type: ignore[no-untyped-def]
    signatory, workshop = _managed_signatory(signatory_id)
    try:
        token = ws.renew_signatory_link(current_user, signatory, link_days=_link_days())
    except DomainError as e:
        page_error(e)
        return render_signing(workshop, e.status, error=message_of(e))
    return _show_link_once(workshop, signatory, _link(token), "")


@bp.post("/<tenant_slug>/unterzeichnende/<int:signatory_id>/entfernen")
def remove_signatory(signatory_id: int):  # type: ignore[no-untyped-def]
    signatory, workshop = _managed_signatory(signatory_id)
    name = signatory.name
    try:
        ws.remove_signatory(current_user, signatory)
    except DomainError as e:
        page_error(e)
        return render_signing(workshop, e.status, error=message_of(e))
    flash(_("%(name)s steht nicht mehr auf der Liste.", name=name), "success")
    return redirect(url_for("workshops.signing", workshop_id=workshop.id) + "#liste")


@bp.post("/<tenant_slug>/workshops/<int:workshop_id>/unterschreiben")
def sign(workshop_id: int):  # type: ignore[no-untyped-def]
    workshop = ws.get_workshop(current_user, workshop_id)
    mine = ws.my_signatory(current_user, workshop)
    if mine is None:
        raise NotAllowed(NOT_A_SIGNATORY)
    form = SignForm()
    if not form.validate_on_submit():
        return render_signing(workshop, 422, sign_form=form)
    try:
        ws.sign(current_user, mine, form.sha256.data or "")
    except Conflict as e:
        return render_signing(workshop, 409, error=message_of(e))
    except DomainError as e:
        page_error(e)
        return render_signing(workshop, e.status, error=message_of(e))
    flash(_("Danke! Ihre Unterschrift ist gespeichert."), "success")
    return redirect(url_for("workshops.signing", workshop_id=workshop.id))


# --- signing through a single-use link (no account) ------------------------------------------


class DeclineForm(FlaskForm):
    reason = StringField(
        _l("Möchten Sie einen Grund nennen? (freiwillig)"),
        validators=[Optional(), Length(max=texts.REASON_MAX, message=TOO_LONG)],
    )


def fingerprint(sha256: str) -> str:
    """The first 12 hex digits in groups of four: enough to compare by eye, short enough
    to read aloud ("3f2a 9b1c 77de"). The full hash is for checking, under a details."""
    return " ".join(sha256[i : i + 4] for i in range(0, 12, 4))


def _link_gone(e: InvalidInput | Conflict, status: int = 410):  # type: ignore[no-untyped-def]
    """A used link: 410 when it is opened, 409 when a (concurrent) use lost; an expired
    link: 410 with until when it worked and whom to ask."""
    if isinstance(e, signing_service.LinkExpired):
        inviter = db.get(User, e.signatory.invited_by_id) if e.signatory.invited_by_id else None
        return render_template(
            "workshops/sign_link_expired.html",
            tenant=current_tenant(),
            signatory=e.signatory,
            inviter=inviter,
        ), 410
    return render_template(
        "workshops/sign_link_done.html", tenant=current_tenant(), message=message_of(e)
    ), status


def _sign_link_page(  # type: ignore[no-untyped-def]
    token: str,
    form: SignForm | None = None,
    status: int = 200,
    error: str | None = None,
    decline_form: DeclineForm | None = None,
):
    try:
        signatory = ws.signatory_by_token(token)
    except (signing_service.LinkUsed, signing_service.LinkExpired) as e:
        return _link_gone(e)
    version = signatory.version
    workshop = version.workshop
    current = workshop is not None and workshop.phase == Phase.SIGNING
    if current and workshop is not None:
        latest = ws.current_version(workshop)
        current = latest is not None and latest.id == version.id
    if form is None:
        form = SignForm(formdata=None)
    form.sha256.data = version.sha256
    inviter = db.get(User, signatory.invited_by_id) if signatory.invited_by_id else None
    return (
        render_template(
            "workshops/sign_link.html",
            tenant=current_tenant(),
            signatory=signatory,
            version=version,
            workshop=workshop,
            inviter_name=inviter.display_name if inviter is not None else "",
            fingerprint=fingerprint(version.sha256),
            current=current,
            form=form,
            decline_form=decline_form or DeclineForm(formdata=None),
            error=error,
        ),
        status,
    )


@bp.get("/<tenant_slug>/unterschreiben/<sign_token>")
@public
def sign_link(sign_token: str):  # type: ignore[no-untyped-def]
    return _sign_link_page(sign_token)


@bp.post("/<tenant_slug>/unterschreiben/<sign_token>")
@public
def sign_with_link(sign_token: str):  # type: ignore[no-untyped-def]
    form = SignForm()
    if not form.validate_on_submit():
        return _sign_link_page(sign_token, form, 422)
    try:
        signature = ws.sign_with_token(sign_token, form.sha256.data or "")
    except signing_service.LinkExpired as e:
        return _link_gone(e)
    except signing_service.LinkUsed as e:
        return _link_gone(e, 409)
    except Conflict as e:
        return _sign_link_page(sign_token, form, 409, message_of(e))
    return render_template(
        "workshops/sign_link_done.html",
        tenant=current_tenant(),
        signature=signature,
        fingerprint=fingerprint(signature.sha256),
    )


@bp.post("/<tenant_slug>/unterschreiben/<sign_token>/ablehnen")
@public
def decline_with_link(sign_token: str):  # type: ignore[no-untyped-def]
    """ "Ich möchte nicht unterschreiben": recorded for the facilitator; the link ends."""
    form = DeclineForm()
    if not form.validate_on_submit():
        return _sign_link_page(sign_token, status=422, decline_form=form)
    try:
        signatory = signing_service.decline_with_token(sign_token, form.reason.data)
    except InvalidInput as e:
        if getattr(e, "field", None) == "reason":
            form_error(form, e, "reason")
            return _sign_link_page(sign_token, status=422, decline_form=form)
        return _link_gone(e)
    except signing_service.LinkUsed as e:
        return _link_gone(e, 409)
    except Conflict as e:
        return _sign_link_page(sign_token, status=409, error=message_of(e))
    inviter = db.get(User, signatory.invited_by_id) if signatory.invited_by_id else None
    return render_template(
        "workshops/sign_link_done.html",
        tenant=current_tenant(),
        declined=signatory,
        inviter_name=inviter.display_name if inviter is not None else "",
    )


# --- the adopted vision -------------------------------------------------------------------------


@bp.get("/<tenant_slug>/workshops/<int:workshop_id>/beschlossen")
@public
def adopted(workshop_id: int):  # type: ignore[no-untyped-def]
    """The adopted vision, read-only: public when the tenant publishes its visions,
    otherwise for its members. Anybody else gets 404, as for something that is not there."""
    tenant = current_tenant()
    workshop: Workshop = get_or_404(Workshop, workshop_id)
    viewer = current_user if current_user.is_authenticated else None
    version = ws.current_version(workshop) if workshop.phase == Phase.ADOPTED else None
    if version is None or version.adopted_at is None:
        if viewer is not None and can(viewer, "workshop.view", workshop):
            return render_template(
                "workshops/not_yet.html",
                tenant=tenant,
                w=workshop,
                message=_("Diese Vision ist noch nicht beschlossen."),
            )
        abort(404)
    if not (tenant.visions_public or (viewer is not None and can(viewer, "vision.read", version))):
        abort(404)
    return render_template(
        "workshops/adopted.html",
        tenant=tenant,
        w=workshop,
        version=version,
        signatures=ws.signatures_of(version),
        verified=ws.verify(version),
        member=viewer is not None and can(viewer, "workshop.view", workshop),
    )


# recording signatures given on paper, the sheet and its verification page
from visionswerk.platform.workshops import paper_views  # noqa: E402
