"""Workshop pages: the list and creation, the overview with the phase steps and the
facilitator's moves, settings, participants, and "Meine Aufgaben".

Thin views: each loads through the workshop services (another tenant's id → 404,
forbidden → 403), acts through them, and re-renders the form with the typed text and a
German message on any refusal (409/422). The pipeline commits once.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from visionswerk.errors import Conflict, DomainError
from visionswerk.i18n import N_
from visionswerk.platform.errors import form_error
from visionswerk.platform.i18n import message_of
from visionswerk.platform.pipeline import current_tenant
from visionswerk.platform.tenancy import invitations
from visionswerk.platform.workshops import helpers
from visionswerk.platform.workshops.blueprint import bp
from visionswerk.platform.workshops.forms import (
    MoveForm,
    ParticipantsForm,
    SettingsForm,
    WorkshopForm,
)
from visionswerk.tenants import services as tenant_services
from visionswerk.tenants.accounts import InvalidField, validate_email
from visionswerk.tenants.models import Tenant
from visionswerk.tenants.policy import can, require
from visionswerk.workshops import services as ws
from visionswerk.workshops.models import Phase, Workshop
from visionswerk.workshops.policy import is_participant

EMAIL_SPLIT = re.compile(r"[\s,;]+")


def page_error(error: DomainError) -> None:
    """403 and 404 become the error page; anything else is shown on the form."""
    if error.status in (403, 404):
        raise error


def member_choices(tenant: Tenant, exclude: Collection[int] = ()) -> list[SelectChoice]:
    """The tenant's members (for choosing participants or signatories), by name."""
    if not can(current_user, "tenant.view_members", tenant):
        return []
    names: dict[int, str] = {}
    for m in tenant_services.members(current_user, tenant):
        if m.user_id not in exclude:
            names[m.user_id] = m.user.display_name
    ordered = sorted(names.items(), key=lambda item: (item[1].lower(), item[0]))
    return [SelectChoice(uid, name) for uid, name in ordered]  # type: ignore[arg-type]


def parse_emails(field: Any) -> list[str] | None:
    """The addresses of a textarea (one per line, commas work too); None and a field
    error if one is not valid."""
    raw = [e for e in EMAIL_SPLIT.split(field.data or "") if e]
    emails: list[str] = []
    for e in raw:
        try:
            clean = validate_email(e)
        except InvalidField:
            field.errors = [
                *field.errors,
                _("„%(email)s“ ist keine gültige E-Mail-Adresse.", email=e),
            ]
            return None
        if clean not in emails:
            emails.append(clean)
    return emails


def invite_all(workshop: Workshop, emails: list[str]) -> int:
    """Invite each address; existing members join at once. Returns how many mails go out."""
    results = invitations.invite_to_workshop(current_user, workshop, emails)
    return sum(1 for r in results if r.invitation is not None)


# --- Meine Aufgaben ------------------------------------------------------------------------


@bp.get("/aufgaben")
def my_tasks():  # type: ignore[no-untyped-def]
    return render_template("workshops/tasks.html", tasks=ws.my_tasks(current_user))


# --- list and create ------------------------------------------------------------------------


@bp.get("/<tenant_slug>/workshops/")
def index():  # type: ignore[no-untyped-def]
    # The tenant's page lists its workshops; this address (a natural one to type) leads there.
    current_tenant()
    return redirect(url_for("tenancy.tenant_page") + "#workshops-heading")


def _new_page(form: WorkshopForm, status: int = 200):  # type: ignore[no-untyped-def]
    return render_template("workshops/new.html", tenant=current_tenant(), form=form), status


@bp.get("/<tenant_slug>/workshops/neu")
def new():  # type: ignore[no-untyped-def]
    tenant = current_tenant()
    require(current_user, "workshop.create", tenant)
    form = WorkshopForm(formdata=None)
    form.participant_ids.choices = member_choices(tenant)
    return _new_page(form)


@bp.post("/<tenant_slug>/workshops/neu")
def create():  # type: ignore[no-untyped-def]
    tenant = current_tenant()
    require(current_user, "workshop.create", tenant)
    form = WorkshopForm()
    form.participant_ids.choices = member_choices(tenant)
    if form.validate_on_submit():
        emails = parse_emails(form.invite_emails)
        if emails is not None:
            try:
                workshop = ws.create_workshop(
                    current_user,
                    tenant,
                    form.title.data or "",
                    form.guiding_question.data or "",
                    deadlines=form.deadlines(),
                    participant_ids=form.participant_ids.data or [],
                    group_size=form.group_size.data or 2,
                    skip_pairs=bool(form.skip_pairs.data),
                    start_from_parent=bool(form.start_from_parent.data),
                    with_fours=bool(form.with_fours.data),
                )
                invite_all(workshop, emails)
            except DomainError as e:
                page_error(e)
                form_error(form, e, "title", email="invite_emails")
            else:
                flash(_("Der Workshop „%(title)s“ ist angelegt.", title=workshop.title), "success")
                return redirect(url_for("workshops.overview", workshop_id=workshop.id))
    return _new_page(form, 422)


# --- the overview ------------------------------------------------------------------------


def overview_context(workshop: Workshop) -> dict[str, Any]:
    user = current_user
    manages = can(user, "workshop.manage", workshop)
    sees_status = can(user, "workshop.status", workshop)
    participant = is_participant(user, workshop)
    phase = workshop.phase
    ctx: dict[str, Any] = {
        "tenant": current_tenant(),
        "w": workshop,
        "steps": helpers.steps_of(workshop),
        "phase_index": [p for p, _label in helpers.STEPS].index(phase),
        "manages": manages,
        "sees_status": sees_status,
        "participant": participant,
        "tasks": [t for t in ws.my_tasks(user) if t.workshop_id == workshop.id],
        "participants": ws.participants(user, workshop),
        "my_pair": ws.pair_of(user, workshop) if participant else None,
        "my_draft": ws.draft_for(user, workshop) if participant else None,
        "late": phase in (Phase.PLENARY, Phase.SIGNING, Phase.ADOPTED),
        "deadline_phases": [
            (p, workshop.deadline(p))
            for p in ws.DEADLINE_PHASES
            if p != Phase.FOURS or workshop.with_fours
        ],
        "moves": [],
        "move_form": MoveForm(formdata=None),
        "move_error": None,
        "participants_form": None,
        "status": [],
        "progress": [],
        "log": [],
        "signing": None,
    }
    if sees_status:
        ctx["status"] = ws.submission_status(user, workshop)
        if phase in (Phase.PAIRS, Phase.FOURS) and workshop.step1_closed:
            ctx["progress"] = ws.pair_progress(user, workshop)
    if phase in (Phase.SIGNING, Phase.ADOPTED):
        ctx["signing"] = ws.signing_status(user, workshop)
    if manages:
        ctx["moves"] = [  # (to, button label, why not yet or "")
            (
                m.to,
                helpers.MOVE_LABELS[(phase, m.to)],
                message_of(m.blocked_by) if m.blocked_by else "",
            )
            for m in ws.next_moves(user, workshop)
        ]
        ctx["log"] = helpers.audit_log(workshop)
    if can(user, "workshop.invite", workshop):
        form = ParticipantsForm(formdata=None)
        form.participant_ids.choices = member_choices(
            workshop.tenant, {u.id for u in ctx["participants"]}
        )
        ctx["participants_form"] = form
    return ctx


def render_overview(workshop: Workshop, status: int = 200, **overrides: Any):  # type: ignore[no-untyped-def]
    ctx = overview_context(workshop)
    for key, value in overrides.items():
        if key == "participants_form" and value is not None:
            value.participant_ids.choices = ctx["participants_form"].participant_ids.choices
        ctx[key] = value
    return render_template("workshops/overview.html", **ctx), status


@bp.get("/<tenant_slug>/workshops/<int:workshop_id>/")
def overview(workshop_id: int):  # type: ignore[no-untyped-def]
    return render_overview(ws.get_workshop(current_user, workshop_id))


CONFIRM_ADOPT = N_(
    "Bitte bestätigen Sie mit dem Häkchen, dass die Vision jetzt beschlossen werden soll."
)

MOVE_DONE = {
    (Phase.PREPARATION, Phase.INDIVIDUAL): N_(
        "Die Einzelarbeit hat begonnen. Alle Teilnehmenden können jetzt ihren Entwurf schreiben."
    ),
    (Phase.INDIVIDUAL, Phase.PAIRS): N_(
        "Die Paare sind vorgeschlagen. Prüfen Sie die Einteilung und bestätigen Sie sie; "
        "erst dann endet die Einzelarbeit."
    ),
    (Phase.PAIRS, Phase.INDIVIDUAL): N_(
        "Zurück in der Einzelarbeit; der Paarvorschlag ist verworfen."
    ),
    (Phase.PAIRS, Phase.PLENARY): N_("Schritt 3 hat begonnen: Alle sehen jetzt alle Vorschläge."),
    (Phase.PAIRS, Phase.FOURS): N_(
        "Die Runde zu viert hat begonnen: Je zwei Paare führen jetzt ihre Vorschläge zusammen."
    ),
    (Phase.FOURS, Phase.PLENARY): N_(
        "Schritt 3 hat begonnen: Alle sehen jetzt die Vorschläge der Vierergruppen."
    ),
    (Phase.PLENARY, Phase.SIGNING): N_(
        "Der Text ist eingefroren. Tragen Sie jetzt ein, wer unterschreiben soll."
    ),
    (Phase.SIGNING, Phase.PLENARY): N_(
        "Der Text kann wieder bearbeitet werden. Die nächste Bestätigung gilt einer neuen Fassung."
    ),
    (Phase.SIGNING, Phase.ADOPTED): N_("Die Vision ist beschlossen."),
}


@bp.post("/<tenant_slug>/workshops/<int:workshop_id>/schritt")
def move(workshop_id: int):  # type: ignore[no-untyped-def]
    workshop = ws.get_workshop(current_user, workshop_id)
    require(current_user, "workshop.manage", workshop)
    form = MoveForm()
    if not form.validate_on_submit():
        return render_overview(workshop, 422, move_form=form)
    adopting = workshop.phase == Phase.SIGNING and form.to.data == Phase.ADOPTED.value
    if adopting and not form.confirm_adopt.data:
        form.confirm_adopt.errors = [_(CONFIRM_ADOPT)]
        return render_overview(workshop, 422, move_form=form)
    source = workshop.phase
    options: dict[str, Any] = {}
    if source == Phase.INDIVIDUAL and form.to.data == Phase.PAIRS.value:
        options = {"include_without_draft": form.include_without_draft.data, "seed": form.seed.data}
    try:
        ws.move(current_user, workshop, form.to.data or "", **options)
    except Conflict as e:
        return render_overview(workshop, 409, move_form=form, move_error=message_of(e))
    except DomainError as e:
        page_error(e)
        return render_overview(workshop, e.status, move_form=form, move_error=message_of(e))
    done = MOVE_DONE.get((source, workshop.phase))
    if done:
        flash(_(done), "success")
    if workshop.phase == Phase.PAIRS:
        return redirect(url_for("workshops.pairing", workshop_id=workshop.id))
    if workshop.phase == Phase.SIGNING:
        return redirect(url_for("workshops.signing", workshop_id=workshop.id))
    return redirect(url_for("workshops.overview", workshop_id=workshop.id))


# --- settings and participants --------------------------------------------------------------


def _settings_page(workshop: Workshop, form: SettingsForm, status: int = 200):  # type: ignore[no-untyped-def]
    return (
        render_template(
            "workshops/settings.html",
            tenant=current_tenant(),
            w=workshop,
            form=form,
            text_editable=workshop.phase in (Phase.PREPARATION, Phase.INDIVIDUAL),
        ),
        status,
    )


@bp.get("/<tenant_slug>/workshops/<int:workshop_id>/einstellungen")
def settings(workshop_id: int):  # type: ignore[no-untyped-def]
    workshop = ws.get_workshop(current_user, workshop_id)
    require(current_user, "workshop.manage", workshop)
    form = SettingsForm(formdata=None, obj=workshop)
    form.fill_deadlines(workshop)
    return _settings_page(workshop, form)


@bp.post("/<tenant_slug>/workshops/<int:workshop_id>/einstellungen")
def save_settings(workshop_id: int):  # type: ignore[no-untyped-def]
    workshop = ws.get_workshop(current_user, workshop_id)
    require(current_user, "workshop.manage", workshop)
    form = SettingsForm()
    text_editable = workshop.phase in (Phase.PREPARATION, Phase.INDIVIDUAL)
    if not text_editable:  # shown read-only, not sent
        del form.title
        del form.guiding_question
        del form.group_size
        del form.skip_pairs
        del form.start_from_parent
        del form.with_fours
    status = 422
    if form.validate_on_submit():
        try:
            ws.update_workshop(
                current_user,
                workshop,
                title=form.title.data if text_editable else None,
                guiding_question=form.guiding_question.data if text_editable else None,
                deadlines=form.deadlines(),
                group_size=(form.group_size.data or 2) if text_editable else None,
                skip_pairs=bool(form.skip_pairs.data) if text_editable else None,
                start_from_parent=bool(form.start_from_parent.data) if text_editable else None,
                with_fours=bool(form.with_fours.data) if text_editable else None,
            )
        except DomainError as e:
            page_error(e)
            form_error(form, e, "title" if text_editable else "deadline_individual")
            status = e.status
        else:
            flash(_("Die Einstellungen sind gespeichert."), "success")
            return redirect(url_for("workshops.overview", workshop_id=workshop.id))
    return _settings_page(workshop, form, status)


@bp.post("/<tenant_slug>/workshops/<int:workshop_id>/teilnehmende")
def add_participants(workshop_id: int):  # type: ignore[no-untyped-def]
    workshop = ws.get_workshop(current_user, workshop_id)
    require(current_user, "workshop.invite", workshop)
    form = ParticipantsForm()
    form.participant_ids.choices = member_choices(workshop.tenant)
    if form.validate_on_submit():
        emails = parse_emails(form.invite_emails)
        if emails is not None:
            ids = form.participant_ids.data or []
            if not ids and not emails:
                form.participant_ids.errors = [
                    _("Bitte wählen Sie Mitglieder aus oder geben Sie E-Mail-Adressen ein.")
                ]
            else:
                try:
                    added = ws.add_participants(current_user, workshop, ids)
                    mails = invite_all(workshop, emails)
                except DomainError as e:
                    page_error(e)
                    form_error(form, e, "participant_ids", email="invite_emails")
                else:
                    if added:
                        flash(_("%(n)d Teilnehmende hinzugefügt.", n=len(added)), "success")
                    if mails:
                        flash(_("%(n)d Einladungen verschickt.", n=mails), "success")
                    return redirect(url_for("workshops.overview", workshop_id=workshop.id))
    return render_overview(workshop, 422, participants_form=form)


@bp.post("/<tenant_slug>/workshops/<int:workshop_id>/teilnehmende/entfernen")
def remove_participant(workshop_id: int):  # type: ignore[no-untyped-def]
    workshop = ws.get_workshop(current_user, workshop_id)
    require(current_user, "workshop.manage", workshop)
    try:
        user_id = int(request.form.get("user_id", ""))
        ws.remove_participant(current_user, workshop, user_id)
    except ValueError:
        return render_overview(
            workshop, 422, move_error=_("Bitte wählen Sie aus, wer nicht mehr teilnehmen soll.")
        )
    except DomainError as e:
        page_error(e)
        return render_overview(workshop, e.status, move_error=message_of(e))
    flash(_("Die Person nimmt nicht mehr teil."), "success")
    return redirect(url_for("workshops.overview", workshop_id=workshop.id))


# the other pages register their routes on the same blueprint
from visionswerk.platform.workshops import (  # noqa: E402, F401
    calendar_views,
    join_views,
    plenary_views,
    projector_views,
    signing_views,
    step_views,
)
