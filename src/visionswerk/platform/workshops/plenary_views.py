"""Step 3 — Alle zusammen: the proposals with strengths and comments, the vision editor
beside the aspect ledger, and the ledger's decisions."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from visionswerk.errors import Conflict, DomainError, NotAllowed
from visionswerk.i18n import N_
from visionswerk.platform.errors import form_error
from visionswerk.platform.i18n import message_of
from visionswerk.platform.pipeline import current_tenant
from visionswerk.platform.workshops import helpers
from visionswerk.platform.workshops.blueprint import bp
from visionswerk.platform.workshops.forms import CommentForm, GroupForm, StrengthForm, VisionForm
from visionswerk.platform.workshops.step_views import int_or_none
from visionswerk.platform.workshops.views import page_error
from visionswerk.platform.workshops.workbench_views import render_workbench
from visionswerk.tenants.policy import can
from visionswerk.workshops import services as ws
from visionswerk.workshops.models import PairProposal, Phase, Workshop
from visionswerk.workshops.plenary_rows import plenary_page

NOT_YET = N_(
    "Schritt 3 hat noch nicht begonnen. Dann sehen hier alle Teilnehmenden alle Vorschläge."
)
ONLY_WORKSHOP = N_("Die Vorschläge und die Vision sehen die Teilnehmenden und die Moderation.")


def _plenary_workshop(workshop_id: int) -> Workshop | None:
    """The workshop if its step-3 pages may be read; None when they are not open yet
    (for people who will see them later); NotAllowed for anybody else."""
    workshop = ws.get_workshop(current_user, workshop_id)
    if can(current_user, "plenary.read", workshop):
        return workshop
    if workshop.phase in (Phase.PREPARATION, Phase.INDIVIDUAL, Phase.PAIRS):
        return None
    raise NotAllowed(ONLY_WORKSHOP)


def not_yet(workshop_id: int, message: str):  # type: ignore[no-untyped-def]
    workshop = ws.get_workshop(current_user, workshop_id)
    return render_template(
        "workshops/not_yet.html", tenant=current_tenant(), w=workshop, message=_(message)
    )


# --- the proposals ------------------------------------------------------------------------


def render_plenary(
    workshop: Workshop,
    status: int = 200,
    strength_forms: dict[int, StrengthForm] | None = None,
    comment_forms: dict[int, CommentForm] | None = None,
    errors: dict[int, str] | None = None,
):  # type: ignore[no-untyped-def]
    """The proposals' page. ``strength_forms`` / ``comment_forms``: forms sent back with
    their errors, by proposal id; every other card's two fields are written by the
    template from the empty forms' labels (two forms per page, not two per card: the
    forms and their rendering were a fifth of the page's CPU), with the same HTML."""
    overview = plenary_page(current_user, workshop)  # rows, not ORM objects: a third of the CPU
    my_notes = {
        view.proposal.id: s.note or ""
        for view in overview.proposals
        for s in view.strengths
        if s.user_id == current_user.id
    }
    return (
        render_template(
            "workshops/plenary.html",
            tenant=current_tenant(),
            w=workshop,
            overview=overview,
            endorses=workshop.phase == Phase.PLENARY,
            strength_forms=strength_forms or {},
            comment_forms=comment_forms or {},
            empty_strength=StrengthForm(formdata=None, prefix="s"),
            empty_comment=CommentForm(formdata=None, prefix="c"),
            my_notes=my_notes,
            errors=errors or {},
        ),
        status,
    )


@bp.get("/<tenant_slug>/workshops/<int:workshop_id>/alle")
def plenary(workshop_id: int):  # type: ignore[no-untyped-def]
    workshop = _plenary_workshop(workshop_id)
    if workshop is None:
        return not_yet(workshop_id, NOT_YET)
    return render_plenary(workshop)


def _proposal(proposal_id: int) -> PairProposal:
    return ws.get_proposal(current_user, proposal_id)


@bp.post("/<tenant_slug>/vorschlaege/<int:proposal_id>/staerke")
def strength(proposal_id: int):  # type: ignore[no-untyped-def]
    proposal = _proposal(proposal_id)
    workshop = proposal.workshop
    form = StrengthForm(prefix=f"s{proposal.id}")
    unmark = request.form.get("action") == "unmark"
    if form.validate_on_submit():
        try:
            if unmark:
                ws.unmark_strength(current_user, proposal)
            else:
                ws.mark_strength(current_user, proposal, form.note.data)
        except DomainError as e:
            page_error(e)
            form_error(form, e, "note")
            return render_plenary(
                workshop, e.status, strength_forms={proposal.id: form},
                errors={proposal.id: message_of(e)},
            )  # fmt: skip
        if unmark:
            flash(_("Ihre Markierung ist zurückgenommen."), "success")
        else:
            flash(_("Sie haben eine Stärke dieses Vorschlags markiert."), "success")
        return redirect(
            url_for("workshops.plenary", workshop_id=workshop.id) + f"#vorschlag-{proposal.id}"
        )
    return render_plenary(workshop, 422, strength_forms={proposal.id: form})


@bp.post("/<tenant_slug>/vorschlaege/<int:proposal_id>/kommentar")
def comment(proposal_id: int):  # type: ignore[no-untyped-def]
    proposal = _proposal(proposal_id)
    workshop = proposal.workshop
    form = CommentForm(prefix=f"c{proposal.id}")
    if form.validate_on_submit():
        try:
            ws.add_comment(current_user, proposal, form.text.data)
        except DomainError as e:
            page_error(e)
            form_error(form, e, "text")
            return render_plenary(
                workshop, e.status, comment_forms={proposal.id: form},
                errors={proposal.id: message_of(e)},
            )  # fmt: skip
        flash(_("Ihr Kommentar ist gespeichert."), "success")
        return redirect(
            url_for("workshops.plenary", workshop_id=workshop.id) + f"#vorschlag-{proposal.id}"
        )
    return render_plenary(workshop, 422, comment_forms={proposal.id: form})


# --- the vision editor and the aspect ledger ----------------------------------------------


def render_vision(
    workshop: Workshop,
    status: int = 200,
    form: VisionForm | None = None,
    conflict: helpers.ConflictView | None = None,
    error: str | None = None,
    aspect_errors: dict[int, dict[str, str]] | None = None,
    group_errors: dict[int, dict[str, str]] | None = None,
    **_ignored: Any,
):  # type: ignore[no-untyped-def]
    """The workbench (``workbench_views``); an aspect's or group's error is shown above
    the ledger with what was typed kept in the action bar."""
    for sign, errors in ((1, aspect_errors), (-1, group_errors)):
        for ident, e in (errors or {}).items():
            bar = {"passage": e.get("passage", ""), "reason": e.get("reason", "")}
            bar["checked"] = {sign * ident}
            return render_workbench(workshop, status, form, conflict, e["message"], bar)
    return render_workbench(workshop, status, form, conflict, error)


@bp.get("/<tenant_slug>/workshops/<int:workshop_id>/vision")
def vision(workshop_id: int):  # type: ignore[no-untyped-def]
    workshop = _plenary_workshop(workshop_id)
    if workshop is None:
        return not_yet(workshop_id, NOT_YET)
    return render_vision(workshop)


@bp.post("/<tenant_slug>/workshops/<int:workshop_id>/vision")
def save_vision(workshop_id: int):  # type: ignore[no-untyped-def]
    workshop = ws.get_workshop(current_user, workshop_id)
    form = VisionForm()
    if not form.validate_on_submit():
        return render_vision(workshop, 422, form)
    try:
        saved = ws.save_vision(
            current_user,
            workshop,
            form.title.data,
            form.text.data,
            int_or_none(form.base_version.data),  # type: ignore[arg-type]
        )
    except Conflict as e:
        if "stored" not in e.payload:
            return render_vision(workshop, 409, form, error=message_of(e))
        view = helpers.conflict_view(message_of(e), e.payload)
        form.base_version.data = str(view.stored_version)
        return render_vision(workshop, 409, form, conflict=view)
    except DomainError as e:
        page_error(e)
        form_error(form, e, "text")
        return render_vision(workshop, e.status, form)
    flash(_("Der Visionstext ist gespeichert (Fassung %(n)d).", n=saved.version), "success")
    return redirect(url_for("workshops.vision", workshop_id=workshop.id) + "#editor")


def _back_to(workshop: Workshop, anchor: str):  # type: ignore[no-untyped-def]
    return redirect(url_for("workshops.vision", workshop_id=workshop.id) + anchor)


@bp.post("/<tenant_slug>/aspekte/<int:aspect_id>")
def decide_aspect(aspect_id: int):  # type: ignore[no-untyped-def]
    aspect = ws.get_aspect(current_user, aspect_id)
    workshop = ws.get_workshop(current_user, aspect.workshop_id)
    action = request.form.get("action", "")
    passage = request.form.get("passage", "")
    reason = request.form.get("reason", "")
    try:
        if action == "take_up":
            ws.take_up(current_user, aspect, passage)
        elif action == "set_aside":
            ws.set_aside(current_user, aspect, reason)
        elif action == "reopen":
            ws.reopen_aspect(current_user, aspect)
        elif action == "ungroup":
            ws.ungroup(current_user, aspect)
        else:
            raise DomainError(N_("Bitte wählen Sie: aufnehmen oder zurückstellen."))
    except DomainError as e:
        page_error(e)
        field = getattr(e, "field", None) or ("reason" if action == "set_aside" else "passage")
        return render_vision(
            workshop,
            e.status,
            aspect_errors={
                aspect.id: {
                    "field": field,
                    "message": message_of(e),
                    "passage": passage,
                    "reason": reason,
                }
            },
        )
    return _back_to(workshop, f"#aspekt-{aspect.id}")


@bp.post("/<tenant_slug>/workshops/<int:workshop_id>/aspektgruppen")
def group(workshop_id: int):  # type: ignore[no-untyped-def]
    workshop = ws.get_workshop(current_user, workshop_id)
    form = GroupForm()
    ids = [i for i in (int_or_none(v) for v in request.form.getlist("aspect_ids")) if i]
    if form.validate_on_submit():
        try:
            made = ws.group_aspects(current_user, workshop, ids, form.label.data)
        except DomainError as e:
            page_error(e)
            form_error(form, e, "label")
            return render_vision(workshop, e.status, group_form=form, checked=set(ids))
        flash(_("Die Aspekte sind gruppiert."), "success")
        return _back_to(workshop, f"#gruppe-{made.id}")
    return render_vision(workshop, 422, group_form=form, checked=set(ids))


@bp.post("/<tenant_slug>/aspektgruppen/<int:group_id>")
def decide_group(group_id: int):  # type: ignore[no-untyped-def]
    the_group = ws.get_group(current_user, group_id)
    workshop = ws.get_workshop(current_user, the_group.workshop_id)
    action = request.form.get("action", "")
    passage = request.form.get("passage", "")
    reason = request.form.get("reason", "")
    try:
        if action == "take_up":
            ws.decide_group(current_user, the_group, passage=passage)
        elif action == "set_aside":
            ws.decide_group(current_user, the_group, reason=reason)
        elif action == "dissolve":
            ws.dissolve_group(current_user, the_group)
            flash(_("Die Gruppe ist aufgelöst."), "success")
            return _back_to(workshop, "#aspekte")
        else:
            raise DomainError(N_("Bitte wählen Sie: aufnehmen oder zurückstellen."))
    except DomainError as e:
        page_error(e)
        field = getattr(e, "field", None) or ("reason" if action == "set_aside" else "passage")
        return render_vision(
            workshop,
            e.status,
            group_errors={
                the_group.id: {
                    "field": field,
                    "message": message_of(e),
                    "passage": passage,
                    "reason": reason,
                }
            },
        )
    return _back_to(workshop, f"#gruppe-{the_group.id}")
