"""Step 1 (the own draft), the pairing, and step 2 and the round of four (the group page)."""

from __future__ import annotations

import dataclasses
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
from visionswerk.platform.workshops.forms import (
    DraftForm,
    FeedbackForm,
    MoveForm,
    PaperProposalForm,
    ProposalForm,
)
from visionswerk.platform.workshops.views import page_error
from visionswerk.tenants.policy import can, require
from visionswerk.workshops import paper
from visionswerk.workshops import services as ws
from visionswerk.workshops.models import Pair, Phase, Workshop

ONLY_PARTICIPANTS = N_("Einen Entwurf schreiben nur die Teilnehmenden dieses Workshops.")


def int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# --- step 1: the own draft ------------------------------------------------------------------


def render_draft(
    workshop: Workshop,
    form: DraftForm | None = None,
    status: int = 200,
    error: str | None = None,
    conflict: helpers.ConflictView | None = None,
):  # type: ignore[no-untyped-def]
    draft = ws.draft_for(current_user, workshop)
    if form is None:
        form = DraftForm(formdata=None)
        form.keywords.data = "\n".join(draft.keywords) if draft else ""
        form.text.data = draft.text if draft else ""
        form.base_version.data = str(draft.version if draft else 0)
    return (
        render_template(
            "workshops/draft.html",
            tenant=current_tenant(),
            w=workshop,
            draft=draft,
            form=form,
            writable=can(current_user, "draft.write", workshop),
            may_withdraw=workshop.phase == Phase.INDIVIDUAL and bool(draft and draft.submitted),
            error=error,
            conflict=conflict,
        ),
        status,
    )


def _participant_workshop(workshop_id: int) -> Workshop:
    workshop = ws.get_workshop(current_user, workshop_id)
    if not can(current_user, "draft.open", workshop):
        raise NotAllowed(ONLY_PARTICIPANTS)
    return workshop


@bp.get("/<tenant_slug>/workshops/<int:workshop_id>/entwurf")
def draft(workshop_id: int):  # type: ignore[no-untyped-def]
    return render_draft(_participant_workshop(workshop_id))


@bp.post("/<tenant_slug>/workshops/<int:workshop_id>/entwurf")
def save_draft(workshop_id: int):  # type: ignore[no-untyped-def]
    workshop = _participant_workshop(workshop_id)
    form = DraftForm()
    action = request.form.get("action", "save")
    if not form.validate_on_submit():
        return render_draft(workshop, form, 422)
    try:
        if action == "withdraw":
            ws.withdraw_submission(current_user, workshop)
            flash(_("Die Einreichung ist zurückgenommen. Ihr Text bleibt gespeichert."), "success")
        else:
            saved = ws.save_draft(
                current_user,
                workshop,
                keywords=form.keywords.data,
                text=form.text.data,
                base_version=int_or_none(form.base_version.data),
                submit=action == "submit",
            )
            if action == "submit" or saved.submitted:
                flash(
                    _(
                        "Ihr Entwurf ist eingereicht. Bis die Einzelarbeit endet, können Sie "
                        "ihn noch ändern."
                    ),
                    "success",
                )
            else:
                flash(
                    _("Ihr Entwurf ist gespeichert. Noch sieht ihn niemand außer Ihnen."), "success"
                )
    except Conflict as e:
        if "stored" in e.payload:
            view = helpers.conflict_view(message_of(e), e.payload)
            form.base_version.data = str(view.stored_version)
            return render_draft(workshop, form, 409, conflict=view)
        return render_draft(workshop, form, 409, error=message_of(e))
    except DomainError as e:
        page_error(e)
        form_error(form, e, "keywords")
        return render_draft(workshop, form, e.status)
    return redirect(url_for("workshops.draft", workshop_id=workshop.id))


@bp.post("/<tenant_slug>/workshops/<int:workshop_id>/entwurf/namensnennung")
def name_consent(workshop_id: int):  # type: ignore[no-untyped-def]
    workshop = _participant_workshop(workshop_id)
    agreed = request.form.get("agreed") == "y"
    try:
        ws.set_name_consent(current_user, workshop, agreed)
    except DomainError as e:
        return render_draft(workshop, status=e.status, error=message_of(e))
    if agreed:
        flash(_("Ihr Name steht bei Ihren Stichpunkten (Schritt 3 und Dokumentation)."), "success")
    else:
        flash(
            _("Ihre Stichpunkte erscheinen ohne Ihren Namen (Schritt 3 und Dokumentation)."),
            "success",
        )
    return redirect(url_for("workshops.draft", workshop_id=workshop.id) + "#namensnennung")


# --- pairing ----------------------------------------------------------------------------------


def render_pairing(
    workshop: Workshop, status: int = 200, error: str | None = None, **selected: Any
):  # type: ignore[no-untyped-def]
    user = current_user
    sees_status = can(user, "workshop.status", workshop)
    manages = can(user, "workshop.manage", workshop)
    adjustable = manages and workshop.phase == Phase.PAIRS and not workshop.step1_closed
    pairs = ws.pairs(user, workshop)
    move_form = MoveForm(formdata=None)
    move_form.include_without_draft.data = workshop.pairs_include_without_draft
    return (
        render_template(
            "workshops/pairing.html",
            tenant=current_tenant(),
            w=workshop,
            pairs=pairs,
            sees_status=sees_status,
            adjustable=adjustable,
            unpaired=ws.unpaired(user, workshop) if sees_status and pairs else [],
            people=ws.participants(user, workshop) if adjustable else [],
            progress=ws.pair_progress(user, workshop)
            if sees_status and workshop.step1_closed
            else [],
            my_pair=ws.pair_of(user, workshop),
            move_form=move_form,
            error=error,
            selected=selected,
        ),
        status,
    )


@bp.get("/<tenant_slug>/workshops/<int:workshop_id>/paare")
def pairing(workshop_id: int):  # type: ignore[no-untyped-def]
    workshop = ws.get_workshop(current_user, workshop_id)
    mine = ws.pair_of(current_user, workshop)
    if mine is not None and not can(current_user, "workshop.status", workshop):
        return redirect(url_for("workshops.pair", pair_id=mine.id))  # mail links land here
    return render_pairing(workshop)


def _pairing_action(workshop_id: int, act: Any, done: str, **selected: Any):  # type: ignore[no-untyped-def]
    workshop = ws.get_workshop(current_user, workshop_id)
    require(current_user, "workshop.manage", workshop)
    try:
        act(workshop)
    except DomainError as e:
        page_error(e)
        return render_pairing(workshop, e.status, message_of(e), **selected)
    flash(_(done), "success")
    if workshop.step1_closed:
        return redirect(url_for("workshops.overview", workshop_id=workshop.id))
    return redirect(url_for("workshops.pairing", workshop_id=workshop.id))


def _required_id(name: str) -> int:
    value = int_or_none(request.form.get(name))
    if value is None:
        raise DomainError(N_("Bitte wählen Sie eine Person aus."))
    return value


@bp.post("/<tenant_slug>/workshops/<int:workshop_id>/paare/tauschen")
def swap(workshop_id: int):  # type: ignore[no-untyped-def]
    a, b = request.form.get("user_a"), request.form.get("user_b")
    return _pairing_action(
        workshop_id,
        lambda w: ws.swap_members(current_user, w, _required_id("user_a"), _required_id("user_b")),
        N_("Die beiden sind getauscht."),
        user_a=a,
        user_b=b,
    )


@bp.post("/<tenant_slug>/workshops/<int:workshop_id>/paare/zuordnen")
def assign(workshop_id: int):  # type: ignore[no-untyped-def]
    person, target = request.form.get("user_id"), request.form.get("pair_id")
    return _pairing_action(
        workshop_id,
        lambda w: ws.move_member(current_user, w, _required_id("user_id"), int_or_none(target)),
        N_("Die Zuordnung ist geändert."),
        user_id=person,
        pair_id=target,
    )


@bp.post("/<tenant_slug>/workshops/<int:workshop_id>/paare/neu")
def repropose(workshop_id: int):  # type: ignore[no-untyped-def]
    form = MoveForm()
    if not form.validate_on_submit():
        workshop = ws.get_workshop(current_user, workshop_id)
        messages = [m for errors in form.errors.values() for m in errors]
        return render_pairing(workshop, 422, " ".join(str(m) for m in messages))
    return _pairing_action(
        workshop_id,
        lambda w: ws.propose_pairs(
            current_user,
            w,
            include_without_draft=bool(form.include_without_draft.data),
            seed=form.seed.data,
        ),
        N_("Die Paare sind neu eingeteilt."),
    )


@bp.post("/<tenant_slug>/workshops/<int:workshop_id>/paare/bestaetigen")
def confirm_pairs(workshop_id: int):  # type: ignore[no-untyped-def]
    return _pairing_action(
        workshop_id,
        lambda w: ws.confirm_pairs(current_user, w),
        N_(
            "Die Paare sind bestätigt. Die Einzelarbeit ist abgeschlossen; jedes Paar liest "
            "jetzt die Entwürfe und schreibt seinen Vorschlag."
        ),
    )


# --- step 2: the pair page ----------------------------------------------------------------


def render_pair(
    pair: Pair,
    status: int = 200,
    proposal_form: ProposalForm | None = None,
    feedback_forms: dict[int, FeedbackForm] | None = None,
    error: str | None = None,
    conflict: helpers.ConflictView | None = None,
    paper_form: PaperProposalForm | None = None,
):  # type: ignore[no-untyped-def]
    user = current_user
    workshop = pair.workshop
    member = workshop.step1_closed and user.id in pair.member_ids
    reads = can(user, "pair.read", pair)
    works = can(user, "pair.work", pair)
    ctx: dict[str, Any] = {
        "tenant": current_tenant(),
        "w": workshop,
        "pair": pair,
        "member": member,
        "works": works,
        "reads": reads,
        "member_names": [m.user.display_name for m in pair.members],
        "partner_drafts": [],
        "my_draft": None,
        "received": [],
        "feedback_forms": {},
        "feedback_versions": {},
        "proposal": None,
        "proposal_form": proposal_form,
        "me": None,
        "progress": None,
        "error": error,
        "conflict": conflict,
        "paper_form": None,
    }
    if not member and can(user, paper.RECORD_GROUP, pair):  # in the room: from paper
        ctx["paper_form"] = paper_form or PaperProposalForm(formdata=None, prefix="papier")
    if member and pair.round == 2:
        ctx.update(_four_context(user, pair, feedback_forms or {}))
    elif member:
        ctx["partner_drafts"] = ws.partner_drafts(user, pair)
        ctx["my_draft"] = ws.draft_for(user, workshop)
        feedback = ws.feedback_for(user, pair)
        mine = {f.draft_id: f for f in feedback if f.author_id == user.id}
        ctx["received"] = [
            f for f in feedback if ctx["my_draft"] is not None and f.draft_id == ctx["my_draft"].id
        ]
        forms = dict(feedback_forms or {})
        for d in ctx["partner_drafts"]:
            if d.id not in forms:
                f = FeedbackForm(formdata=None, prefix=f"d{d.id}")
                given = mine.get(d.id)
                f.especially_good.data = given.especially_good if given else ""
                f.to_sharpen.data = given.to_sharpen if given else ""
                forms[d.id] = f
        ctx["feedback_forms"] = forms
        ctx["feedback_versions"] = {i: f.updated_at.isoformat() for i, f in mine.items()}
    if member:
        ctx["me"] = next(m for m in pair.members if m.user_id == user.id)
    if reads:
        proposal = ws.proposal_of(user, pair)
        ctx["proposal"] = proposal
        if proposal_form is None:
            proposal_form = ProposalForm(formdata=None)
            proposal_form.text.data = proposal.text
            proposal_form.keywords.data = "\n".join(proposal.keywords)
            proposal_form.base_version.data = str(proposal.version)
            ctx["proposal_form"] = proposal_form
    if can(user, "workshop.status", workshop) and workshop.step1_closed:
        ctx["progress"] = next(
            (p for p in ws.pair_progress(user, workshop) if p.pair_id == pair.id), None
        )
    return render_template("workshops/pair.html", **ctx), status


@dataclasses.dataclass(frozen=True)
class FourSource:
    pair: Pair
    proposal: Any
    received: list[Any]  # feedback on it from the other pair (shown to its own members)


def _four_context(user: Any, four: Pair, forms_in: dict[int, FeedbackForm]) -> dict[str, Any]:
    """The round of four: its pairs' proposals, a feedback form per other pair's
    proposal (prefilled with what the user gave), the feedback their own pair received."""
    feedback = ws.proposal_feedback_for(user, four)
    mine = {f.proposal_id: f for f in feedback if f.author_id == user.id}
    sources, forms = [], dict(forms_in)
    for pair, proposal in ws.source_proposals(user, four):
        received = [f for f in feedback if f.proposal_id == proposal.id]
        sources.append(FourSource(pair, proposal, received))
        if proposal.id not in forms:
            f = FeedbackForm(formdata=None, prefix=f"p{proposal.id}")
            given = mine.get(proposal.id)
            f.especially_good.data = given.especially_good if given else ""
            f.to_sharpen.data = given.to_sharpen if given else ""
            forms[proposal.id] = f
    return {
        "sources": sources,
        "feedback_forms": forms,
        "feedback_versions": {i: f.updated_at.isoformat() for i, f in mine.items()},
    }


@bp.get("/<tenant_slug>/paare/<int:pair_id>")
def pair(pair_id: int):  # type: ignore[no-untyped-def]
    return render_pair(ws.get_pair(current_user, pair_id))


@bp.post("/<tenant_slug>/paare/<int:pair_id>/rueckmeldung")
def save_feedback(pair_id: int):  # type: ignore[no-untyped-def]
    the_pair = ws.get_pair(current_user, pair_id)
    require(current_user, "pair.work", the_pair)
    draft_id = int_or_none(request.form.get("draft_id"))
    the_draft = ws.get_draft(current_user, the_pair.workshop, draft_id or 0)
    form = FeedbackForm(prefix=f"d{the_draft.id}")
    if form.validate_on_submit():
        try:
            ws.save_feedback(
                current_user,
                the_pair,
                the_draft,
                especially_good=form.especially_good.data,
                to_sharpen=form.to_sharpen.data,
            )
        except DomainError as e:
            page_error(e)
            form_error(form, e, "especially_good")
            return render_pair(the_pair, e.status, feedback_forms={the_draft.id: form})
        flash(_("Ihre Rückmeldung ist gespeichert."), "success")
        return redirect(url_for("workshops.pair", pair_id=the_pair.id) + f"#entwurf-{the_draft.id}")
    return render_pair(the_pair, 422, feedback_forms={the_draft.id: form})


@bp.post("/<tenant_slug>/paare/<int:pair_id>/rueckmeldung-zum-vorschlag")
def save_four_feedback(pair_id: int):  # type: ignore[no-untyped-def]
    """The round of four: feedback on the other pair's proposal."""
    four = ws.get_pair(current_user, pair_id)
    require(current_user, "pair.work", four)
    proposal = ws.get_proposal(current_user, int_or_none(request.form.get("proposal_id")) or 0)
    form = FeedbackForm(prefix=f"p{proposal.id}")
    if form.validate_on_submit():
        try:
            ws.save_proposal_feedback(
                current_user, four, proposal,
                especially_good=form.especially_good.data, to_sharpen=form.to_sharpen.data,
            )  # fmt: skip
        except DomainError as e:
            page_error(e)
            form_error(form, e, "especially_good")
            return render_pair(four, e.status, feedback_forms={proposal.id: form})
        flash(_("Ihre Rückmeldung ist gespeichert."), "success")
        return redirect(
            url_for("workshops.pair", pair_id=four.id) + f"#paarvorschlag-{proposal.id}"
        )
    return render_pair(four, 422, feedback_forms={proposal.id: form})


@bp.post("/<tenant_slug>/paare/<int:pair_id>/vorschlag")
def save_proposal(pair_id: int):  # type: ignore[no-untyped-def]
    the_pair = ws.get_pair(current_user, pair_id)
    require(current_user, "pair.work", the_pair)
    form = ProposalForm()
    if not form.validate_on_submit():
        return render_pair(the_pair, 422, proposal_form=form)
    try:
        saved = ws.save_proposal(
            current_user,
            the_pair,
            form.text.data,
            form.keywords.data,
            int_or_none(form.base_version.data),  # type: ignore[arg-type]
        )
    except Conflict as e:
        if "stored" not in e.payload:
            return render_pair(the_pair, 409, proposal_form=form, error=message_of(e))
        view = helpers.conflict_view(message_of(e), e.payload)
        # the editor keeps my text; the keywords of both versions are offered merged; the
        # next save starts from the version that is stored now
        form.keywords.data = "\n".join(
            helpers.merged_keywords(view.mine_keywords, view.stored_keywords)
        )
        form.base_version.data = str(view.stored_version)
        return render_pair(the_pair, 409, proposal_form=form, conflict=view)
    except DomainError as e:
        page_error(e)
        form_error(form, e, "text")
        return render_pair(the_pair, e.status, proposal_form=form)
    flash(
        _(
            "Der Vorschlag ist gespeichert (Fassung %(n)d). Bitte markieren Sie ihn als fertig, "
            "wenn er steht.",
            n=saved.version,
        ),
        "success",
    )
    return redirect(url_for("workshops.pair", pair_id=the_pair.id) + "#vorschlag")


@bp.post("/<tenant_slug>/paare/<int:pair_id>/fertig")
def mark_ready(pair_id: int):  # type: ignore[no-untyped-def]
    the_pair = ws.get_pair(current_user, pair_id)
    require(current_user, "pair.work", the_pair)
    ready = request.form.get("ready", "1") == "1"
    try:
        ws.mark_ready(current_user, the_pair, ready)
    except DomainError as e:
        page_error(e)
        return render_pair(the_pair, e.status, error=message_of(e))
    if ready:
        flash(_("Sie haben den Vorschlag als fertig markiert."), "success")
    else:
        flash(_("Die Fertig-Markierung ist zurückgenommen."), "success")
    return redirect(url_for("workshops.pair", pair_id=the_pair.id) + "#fertig")
