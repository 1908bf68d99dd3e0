"""In the room: the printable signature sheet, the public page its QR code leads to, the
facilitator's recording of signatures given with a pen (with an optional scan), of drafts
and groups' proposals written on paper, and of "fertig" said without a device."""

from __future__ import annotations

from typing import Any

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from visionswerk import timefmt
from visionswerk.errors import Conflict, DomainError
from visionswerk.platform.errors import form_error
from visionswerk.platform.i18n import message_of
from visionswerk.platform.pipeline import current_tenant, public
from visionswerk.platform.workshops import helpers
from visionswerk.platform.workshops.blueprint import bp
from visionswerk.platform.workshops.forms import PaperProposalForm
from visionswerk.platform.workshops.step_views import render_pair
from visionswerk.platform.workshops.views import page_error
from visionswerk.tenants.policy import can, require
from visionswerk.worker import signature_sheet
from visionswerk.workshops import paper
from visionswerk.workshops import services as ws
from visionswerk.workshops import signing as signing_service
from visionswerk.workshops.models import Phase, Workshop

NEW_PERSON = ""


class PaperSignatureForm(FlaskForm):
    """One signature from the printed sheet. Prefixed: the signing page also has the form
    for listing signatories, with fields of the same names."""

    signatory_id = SelectField(_l("Wer hat unterschrieben?"), coerce=str, validate_choice=False)
    name = StringField(
        _l("Name"),
        description=_l("Wie auf dem Blatt. Bei Personen von der Liste steht er schon da."),
    )
    function = StringField(_l("Funktion (optional)"))
    signed_on = DateField(
        _l("Unterschrieben am"),
        validators=[Optional()],
        description=_l("Das Datum auf dem Blatt."),
    )
    scan = FileField(
        _l("Scan oder Foto des Blattes (optional)"),
        description=_l("PDF, PNG oder JPEG, höchstens 1 MB."),
        render_kw={"accept": "application/pdf,image/png,image/jpeg"},
    )


def paper_form(workshop: Workshop, state: Any, form: PaperSignatureForm | None = None) -> Any:
    """The form with the listed people who have not signed as choices (today's date)."""
    if form is None:
        form = PaperSignatureForm(formdata=None, prefix="paper")
        form.signed_on.data = paper.local_today(workshop)
    form.signatory_id.choices = [SelectChoice(NEW_PERSON, _("Eine weitere Person"))] + [
        SelectChoice(str(s.id), s.name + (f" ({s.function})" if s.function else ""))
        for s in state.signatories
        if s.signature is None
    ]
    return form


@bp.app_template_filter("local_day")
def _local_day(value: Any) -> str:
    """A calendar day (a date, or a moment's local day) as people read it."""
    from flask_babel import get_locale

    return timefmt.format_day(value, helpers.tenant_time_zone(), get_locale() or "de")


def _scan_bytes(form: PaperSignatureForm) -> bytes | None:
    file = form.scan.data
    if file is None or not getattr(file, "filename", ""):
        return None
    try:
        return bytes(file.read(paper.SCAN_MAX + 1))  # one byte more tells "too big"
    finally:
        file.close()  # a large upload is spooled to a temporary file


@bp.post("/<tenant_slug>/workshops/<int:workshop_id>/papier-unterschriften")
def record_paper_signature(workshop_id: int):  # type: ignore[no-untyped-def]
    from visionswerk.platform.workshops.signing_views import render_signing

    workshop = ws.get_workshop(current_user, workshop_id)
    form = PaperSignatureForm(prefix="paper")
    if not form.validate_on_submit():
        return render_signing(workshop, 422, paper_form=form)
    chosen = form.signatory_id.data or NEW_PERSON
    try:
        signature = paper.record_paper_signature(
            current_user,
            workshop,
            signatory_id=int(chosen) if chosen.isdigit() else None,
            name=form.name.data if (form.name.data or "").strip() or not chosen else None,
            function=form.function.data if (form.function.data or "").strip() else None,
            signed_on=form.signed_on.data,
            scan=_scan_bytes(form),
        )
    except DomainError as e:
        page_error(e)
        if isinstance(e, Conflict) and getattr(e, "field", None) is None:
            return render_signing(workshop, e.status, paper_form=form, error=message_of(e))
        form_error(form, e, "name", signatory_id="signatory_id")
        return render_signing(workshop, e.status, paper_form=form)
    flash(
        _("Die Unterschrift von %(name)s auf Papier ist erfasst.", name=signature.name), "success"
    )
    return redirect(url_for("workshops.signing", workshop_id=workshop.id) + "#liste")


@bp.get("/<tenant_slug>/workshops/<int:workshop_id>/unterschriftenblatt.pdf")
def signature_sheet_pdf(workshop_id: int):  # type: ignore[no-untyped-def]
    workshop = ws.get_workshop(current_user, workshop_id)
    if workshop.phase != Phase.SIGNING:
        raise Conflict(signing_service.NOT_SIGNING)
    require(current_user, paper.RECORD_PAPER, workshop)
    state = ws.signing_status(current_user, workshop)
    assert state is not None
    from flask_babel import get_locale

    pdf = signature_sheet.sheet_pdf(
        tenant=current_tenant(),
        workshop=workshop,
        version=state.version,
        signatories=state.signatories,
        verify_url=helpers.base_url() + verify_path(state.version.sha256),
        locale=str(get_locale() or "de")[:2],
    )
    response = Response(pdf, mimetype="application/pdf")
    name = f"Unterschriftenblatt-Fassung-{state.version.number}.pdf"
    response.headers.set("Content-Disposition", "attachment", filename=name)
    return response


def verify_path(sha256: str) -> str:
    return url_for("workshops.verify_text", sha256=sha256)


@bp.get("/<tenant_slug>/pruefen/<string(length=64):sha256>")
@public
def verify_text(sha256: str):  # type: ignore[no-untyped-def]
    """Where the sheet's QR code leads: does a text with this SHA-256 exist here, is it
    unchanged, is it being signed or adopted? Public, like the paper it is printed on:
    only who holds the text (or the sheet) knows its hash."""
    version = paper.version_by_hash(sha256)
    if version is None:
        abort(404)
    workshop = version.workshop
    return render_template(
        "workshops/verify.html",
        tenant=current_tenant(),
        version=version,
        workshop=workshop,
        verified=ws.verify(version),
        being_signed=paper.being_signed(version),
        signatures=ws.signatures_of(version),
    )


@bp.get("/<tenant_slug>/unterschriften/<int:signature_id>/scan")
def paper_scan(signature_id: int):  # type: ignore[no-untyped-def]
    scan = paper.paper_scan(current_user, signature_id)
    response = Response(scan.data, mimetype=scan.content_type)
    name = f"Unterschrift-{signature_id}.{scan.extension}"
    # shown in the browser, never as a page of ours: no script, no sniffing
    response.headers.set("Content-Disposition", "inline", filename=name)
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; sandbox"
    )
    return response


# --- paper contributions: a step-1 draft written on paper -----------------------------------


class PaperDraftForm(FlaskForm):
    participant_id = SelectField(_l("Für wen?"), coerce=str, validate_choice=False)
    keywords = TextAreaField(
        _l("Stichpunkte (einer pro Zeile)"), description=_l("Wie auf dem Blatt.")
    )
    text = TextAreaField(_l("Ausformulierter Entwurf (optional)"))


@bp.app_context_processor
def _paper_helpers() -> dict[str, Any]:
    def may_record_paper_draft(workshop: Workshop) -> bool:
        return current_user.is_authenticated and can(current_user, paper.RECORD_DRAFT, workshop)

    return {"may_record_paper_draft": may_record_paper_draft}


def _paper_draft_page(
    workshop: Workshop,
    form: PaperDraftForm | None = None,
    status: int = 200,
    error: str | None = None,
):  # type: ignore[no-untyped-def]
    people = paper.paper_draft_candidates(current_user, workshop)
    form = form or PaperDraftForm(formdata=None)
    form.participant_id.choices = [SelectChoice("", _("Bitte wählen"))] + [
        SelectChoice(str(u.id), u.display_name) for u in people
    ]
    return render_template(
        "workshops/paper_draft.html", tenant=current_tenant(), w=workshop, form=form,
        people=people, error=error,
    ), status  # fmt: skip


@bp.get("/<tenant_slug>/workshops/<int:workshop_id>/papier-entwurf")
def paper_draft(workshop_id: int):  # type: ignore[no-untyped-def]
    return _paper_draft_page(ws.get_workshop(current_user, workshop_id))


@bp.post("/<tenant_slug>/workshops/<int:workshop_id>/papier-entwurf")
def record_paper_draft(workshop_id: int):  # type: ignore[no-untyped-def]
    workshop = ws.get_workshop(current_user, workshop_id)
    form = PaperDraftForm()
    if not form.validate_on_submit():
        return _paper_draft_page(workshop, form, 422)
    chosen = form.participant_id.data or ""
    try:
        draft = paper.record_paper_draft(
            current_user, workshop, participant_id=int(chosen) if chosen.isdigit() else None,
            keywords=form.keywords.data, text=form.text.data,
        )  # fmt: skip
    except DomainError as e:
        page_error(e)
        if getattr(e, "field", None) is None:
            return _paper_draft_page(workshop, form, e.status, error=message_of(e))
        form_error(form, e, "keywords")
        return _paper_draft_page(workshop, form, e.status)
    # what was written is the participant's; the page says only that it is recorded
    flash(
        _("Der Entwurf von %(name)s ist erfasst und eingereicht.", name=draft.author.display_name),
        "success",
    )
    return redirect(url_for("workshops.paper_draft", workshop_id=workshop.id))


# --- paper contributions: a group's proposal from its sheet, "fertig" without a device -----


@bp.post("/<tenant_slug>/paare/<int:pair_id>/papier-vorschlag")
def record_paper_proposal(pair_id: int):  # type: ignore[no-untyped-def]
    the_pair = ws.get_pair(current_user, pair_id)
    require(current_user, paper.RECORD_GROUP, the_pair)
    form = PaperProposalForm(prefix="papier")
    if not form.validate_on_submit():
        return render_pair(the_pair, 422, paper_form=form)
    try:
        paper.record_paper_proposal(
            current_user, the_pair, text=form.text.data, keywords=form.keywords.data
        )
    except DomainError as e:
        page_error(e)
        if getattr(e, "field", None) is None:
            return render_pair(the_pair, e.status, paper_form=form, error=message_of(e))
        form_error(form, e, "text")
        return render_pair(the_pair, e.status, paper_form=form)
    flash(_("Der Vorschlag vom Blatt ist erfasst; die Gruppe ist damit fertig."), "success")
    return redirect(url_for("workshops.pair", pair_id=the_pair.id) + "#papier")


@bp.post("/<tenant_slug>/paare/<int:pair_id>/fertig-fuer")
def mark_ready_for(pair_id: int):  # type: ignore[no-untyped-def]
    the_pair = ws.get_pair(current_user, pair_id)
    require(current_user, paper.RECORD_GROUP, the_pair)
    try:
        member = paper.mark_ready_for(current_user, the_pair, request.form.get("user_id"))
    except DomainError as e:
        page_error(e)
        return render_pair(the_pair, e.status, error=message_of(e))
    flash(_("„Fertig“ für %(name)s ist erfasst.", name=member.user.display_name), "success")
    return redirect(url_for("workshops.pair", pair_id=the_pair.id) + "#papier")
