"""Creating workshops, their participants, and the state machine.

``preparation → individual → pairs → plenary → signing → adopted``. Every move is one
call of :func:`move` by someone who may manage the workshop; it is atomic (services
flush, the caller commits once; every step checks all its guards before it changes
anything), decided once under the workshop's row lock (of concurrent moves one wins,
the others get Conflict), guarded by rules that raise ``Conflict`` with a plain
German message saying why not yet, changes nothing when refused, and is written to the
audit log (``workshop.move`` with ``from``/``to``). Allowed moves:

====================  ======================================================
preparation → individual   at least two participants
preparation → plenary      starts from the parent vision's statements (chosen in
                           preparation, a parent set); steps 1 and 2 are left out
individual → pairs         at least two submitted drafts; proposes pairs
individual → plenary       leaves out step 2 (chosen in preparation): one to three
                           submitted drafts; closes step 1, creates the ledger
pairs → individual         only before the pairs are confirmed (drops the proposal)
pairs → fours              the round of four (chosen in preparation): pairs
                           confirmed, at least two pairs and one proposal saved;
                           merges two pairs at a time (pairing.form_fours)
pairs → plenary            pairs confirmed and at least one proposal saved (not
                           where a round of four was chosen); creates the aspect
                           ledger and the vision draft
fours → plenary            at least one four's proposal saved or marked ready;
                           the ledger holds drafts', pairs' and fours' keywords
plenary → signing          title and text, no open aspect, every passage still in
                           the text; freezes the next VisionVersion
signing → plenary          reopen for changes (nothing signed carries over)
signing → adopted          at least one signature on the current version
====================  ======================================================
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import func, select

from visionswerk.db import db, utcnow
from visionswerk.errors import Conflict, InvalidInput
from visionswerk.i18n import N_
from visionswerk.tenants import audit
from visionswerk.tenants.accounts import InvalidField, normalize_email, validate_email
from visionswerk.tenants.models import Invitation, Membership, Role, Tenant, User
from visionswerk.tenants.policy import can, require, roles_in
from visionswerk.tenants.scoping import current_tenant_id
from visionswerk.workshops import ledger, live, pairing, plenary, signing
from visionswerk.workshops import text as texts
from visionswerk.workshops._common import in_scope, load, load_with, lock_workshop, touch
from visionswerk.workshops.models import (
    GROUP_SIZES,
    Pair,
    PairProposal,
    Participation,
    Phase,
    Signature,
    VisionDraft,
    Workshop,
)
from visionswerk.workshops.policy import may_run_workshops_in, remember_participant

WORKSHOP_NOT_FOUND = N_("Diesen Workshop gibt es hier nicht.")
DEADLINE_PHASES = (Phase.INDIVIDUAL, Phase.PAIRS, Phase.FOURS, Phase.PLENARY, Phase.SIGNING)
EDITABLE_PHASES = (Phase.PREPARATION, Phase.INDIVIDUAL)

PHASE_ORDER = list(Phase)
TRANSITIONS: dict[tuple[Phase, Phase], str] = {
    (Phase.PREPARATION, Phase.INDIVIDUAL): "open_individual",
    (Phase.PREPARATION, Phase.PLENARY): "start_from_parent",
    (Phase.INDIVIDUAL, Phase.PAIRS): "open_pairs",
    (Phase.INDIVIDUAL, Phase.PLENARY): "skip_pairs",
    (Phase.PAIRS, Phase.INDIVIDUAL): "back_to_individual",
    (Phase.PAIRS, Phase.FOURS): "open_fours",
    (Phase.PAIRS, Phase.PLENARY): "open_plenary",
    (Phase.FOURS, Phase.PLENARY): "open_plenary",
    (Phase.PLENARY, Phase.SIGNING): "open_signing",
    (Phase.SIGNING, Phase.PLENARY): "reopen_for_changes",
    (Phase.SIGNING, Phase.ADOPTED): "close_signing",
}


# --- workshops ---------------------------------------------------------------------


def _clean_deadlines(deadlines: Mapping[str, dt.datetime | None] | None) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in (deadlines or {}).items():
        try:
            phase = Phase(key)
        except ValueError:
            raise InvalidField("deadlines", N_("Diesen Schritt gibt es nicht.")) from None
        if phase not in DEADLINE_PHASES:
            raise InvalidField("deadlines", N_("Für diesen Schritt gibt es keine Frist."))
        if value is not None and (not isinstance(value, dt.datetime) or value.tzinfo is None):
            raise InvalidField(
                f"deadline_{phase.value}", N_("Bitte geben Sie Datum und Uhrzeit an.")
            )
        result[f"deadline_{phase.value}"] = value
    return result


def _check_deadline_order(workshop: Workshop) -> None:
    previous: dt.datetime | None = None
    for phase in DEADLINE_PHASES:
        value = workshop.deadline(phase)
        if value is None:
            continue
        if previous is not None and value < previous:
            raise InvalidField(
                f"deadline_{phase.value}",
                N_("Die Fristen müssen in der Reihenfolge der Schritte liegen."),
            )
        previous = value


def _clean_offsets(offsets: Iterable[int] | None) -> list[int]:
    try:
        values = sorted({int(o) for o in (offsets or [])}, reverse=True)
    except (TypeError, ValueError):
        raise InvalidField(
            "reminder_offsets", N_("Bitte geben Sie Stunden als Zahlen an.")
        ) from None
    if len(values) > 5 or any(not 1 <= v <= 24 * 30 for v in values):
        raise InvalidField(
            "reminder_offsets",
            N_("Bis zu fünf Erinnerungen, jeweils 1 Stunde bis 30 Tage vor der Frist."),
        )
    return values


FOURS_NEED_PAIRS = N_(
    "Die Runde zu viert baut auf Paaren auf. Bitte wählen Sie für Schritt 2 „zu zweit“."
)
VARIANT_LOCKED = {
    "skip_pairs": N_(
        "Ob Schritt 2 ausgelassen werden darf, lässt sich nur bis zum Ende der Einzelarbeit ändern."
    ),
    "start_from_parent": N_(
        "Ob Schritt 3 mit den Aussagen der übergeordneten Vision beginnt, lässt "
        "sich nur bis zum Ende der Einzelarbeit ändern."
    ),
    "with_fours": N_(
        "Ob es eine Runde zu viert gibt, lässt sich nur bis zum Ende der Einzelarbeit ändern."
    ),
}
VARIANTS = ("group_size", "skip_pairs", "start_from_parent", "with_fours")


def _variant_changes(workshop: Workshop, flags: Mapping[str, bool | None]) -> dict[str, bool]:
    """The chosen variants that differ from the workshop's; changing one after step 1
    raises Conflict."""
    changes = {}
    for name, value in flags.items():
        if value is None or bool(value) == getattr(workshop, name):
            continue
        if workshop.phase not in EDITABLE_PHASES:
            raise Conflict(VARIANT_LOCKED[name])
        changes[name] = bool(value)
    return changes


def _check_variants(workshop: Workshop) -> None:
    if workshop.with_fours and workshop.group_size != 2:
        raise InvalidField("with_fours", FOURS_NEED_PAIRS)


def _clean_group_size(value: Any) -> int:
    try:
        size = int(value)
    except (TypeError, ValueError):
        size = 0
    if size not in GROUP_SIZES:
        raise InvalidField(
            "group_size",
            N_("Bitte wählen Sie, ob zu zweit, zu dritt oder zu viert gearbeitet wird."),
        )
    return size


def create_workshop(
    actor: User,
    tenant: Tenant,
    title: str,
    guiding_question: str = "",
    deadlines: Mapping[str, dt.datetime | None] | None = None,
    participant_ids: Iterable[int] = (),
    *,
    reminder_offsets: Iterable[int] | None = None,
    group_size: int = 2,
    skip_pairs: bool = False,
    start_from_parent: bool = False,
    with_fours: bool = False,
) -> Workshop:
    """Create a workshop in ``tenant`` (must be the current tenant) in phase
    preparation. ``deadlines`` maps "individual"/"pairs"/"plenary"/"signing" to
    UTC-aware datetimes (or None). ``participant_ids`` are users with a membership in
    the tenant. ``group_size``: step 2 in pairs (2), trios (3) or fours (4);
    ``skip_pairs``: a small group may leave out step 2 (fewer than four drafts);
    ``start_from_parent``: step 3 starts from the parent vision's statements;
    ``with_fours``: a round of four after the pairs (pairs only).
    ``workshop.create``: facilitators; coordinators only in their region."""
    if current_tenant_id() != tenant.id:
        raise InvalidInput(
            N_("Workshops entstehen nur in der gerade gewählten Kommune oder Region.")
        )
    require(actor, "workshop.create", tenant)
    clean_title = texts.clean_line(
        title,
        field="title",
        limit=texts.TITLE_MAX,
        required=True,
        required_message=N_("Bitte geben Sie einen Titel ein."),
    )
    question = texts.clean_text(
        guiding_question, field="guiding_question", limit=texts.GUIDING_QUESTION_MAX
    )
    offsets = _clean_offsets(reminder_offsets) if reminder_offsets is not None else None
    workshop = Workshop(
        tenant_id=tenant.id,
        tenant=tenant,
        title=clean_title,
        guiding_question=question,
        phase=Phase.PREPARATION,
        group_size=_clean_group_size(group_size),
        skip_pairs=bool(skip_pairs),
        start_from_parent=bool(start_from_parent),
        with_fours=bool(with_fours),
        created_by_id=actor.id,
        **_clean_deadlines(deadlines),
    )
    if offsets is not None:
        workshop.reminder_offsets = offsets
    _check_deadline_order(workshop)
    _check_variants(workshop)
    db.add(workshop)
    db.flush()
    audit.record(
        actor,
        tenant.id,
        "workshop.create",
        workshop,
        title=clean_title,
        group_size=workshop.group_size,
        skip_pairs=workshop.skip_pairs,
        start_from_parent=workshop.start_from_parent,
        with_fours=workshop.with_fours,
    )
    ids = list(participant_ids)
    if ids:
        add_participants(actor, workshop, ids)
    return workshop


def update_workshop(
    actor: User,
    workshop: Workshop,
    *,
    title: str | None = None,
    guiding_question: str | None = None,
    deadlines: Mapping[str, dt.datetime | None] | None = None,
    reminder_offsets: Iterable[int] | None = None,
    group_size: int | None = None,
    skip_pairs: bool | None = None,
    start_from_parent: bool | None = None,
    with_fours: bool | None = None,
) -> Workshop:
    """Change title, guiding question, the group size of step 2, whether a small
    group may leave it out and whether a round of four follows (until step 1 ends),
    deadlines and reminder offsets (until adopted). Arguments left None stay as they
    are."""
    in_scope(workshop)
    require(actor, "workshop.manage", workshop)
    if workshop.phase == Phase.ADOPTED:
        raise Conflict(N_("Der Workshop ist abgeschlossen."))
    if (
        group_size is not None
        and int(group_size) != workshop.group_size
        and workshop.phase not in EDITABLE_PHASES
    ):
        raise Conflict(
            N_(
                "Die Gruppengröße für Schritt 2 lässt sich nur bis zum Ende der Einzelarbeit "
                "ändern."
            )
        )
    if (
        title is not None or guiding_question is not None
    ) and workshop.phase not in EDITABLE_PHASES:
        raise Conflict(
            N_("Titel und Leitfrage lassen sich nur bis zum Ende der Einzelarbeit ändern.")
        )
    changes: dict[str, Any] = {}
    if title is not None:
        changes["title"] = texts.clean_line(
            title,
            field="title",
            limit=texts.TITLE_MAX,
            required=True,
            required_message=N_("Bitte geben Sie einen Titel ein."),
        )
    if guiding_question is not None:
        changes["guiding_question"] = texts.clean_text(
            guiding_question, field="guiding_question", limit=texts.GUIDING_QUESTION_MAX
        )
    if deadlines is not None:
        changes.update(_clean_deadlines(deadlines))
    if reminder_offsets is not None:
        changes["reminder_offsets"] = _clean_offsets(reminder_offsets)
    if group_size is not None and workshop.phase in EDITABLE_PHASES:
        changes["group_size"] = _clean_group_size(group_size)
    changes.update(
        _variant_changes(
            workshop,
            {
                "skip_pairs": skip_pairs,
                "start_from_parent": start_from_parent,
                "with_fours": with_fours,
            },
        )
    )
    before = {k: getattr(workshop, k) for k in changes}
    for key, value in changes.items():
        setattr(workshop, key, value)
    try:
        _check_deadline_order(workshop)
        _check_variants(workshop)
    except InvalidField:
        for key, value in before.items():
            setattr(workshop, key, value)
        raise
    from visionswerk.workshops.calendar import note_deadline_changes  # imports this module

    note_deadline_changes(workshop, before)
    touch(workshop)
    db.flush()
    audit.record(
        actor,
        workshop.tenant_id,
        "workshop.update",
        workshop,
        fields=sorted(changes),
        **{k: changes[k] for k in VARIANTS if k in changes},
    )
    return workshop


def get_workshop(actor: User, workshop_id: int) -> Workshop:
    """The workshop in the current tenant if the actor may see it (``workshop.view``);
    NotFound otherwise (also for other tenants' ids)."""
    if getattr(actor, "id", None) is None:
        workshop = load(Workshop, workshop_id, WORKSHOP_NOT_FOUND)
    else:  # whether the actor takes part, which the policy asks next, comes with it
        taking_part = (
            select(Participation.id)
            .where(Participation.workshop_id == Workshop.id, Participation.user_id == actor.id)
            .correlate(Workshop)
            .exists()
        )
        workshop, participant = load_with(
            Workshop, workshop_id, taking_part, message=WORKSHOP_NOT_FOUND
        )
        remember_participant(actor, workshop, participant)
    if not can(actor, "workshop.view", workshop):
        raise_not_found()
    return workshop


def raise_not_found() -> None:
    from visionswerk.errors import NotFound

    raise NotFound(WORKSHOP_NOT_FOUND)


def workshops_of(actor: User, tenant: Tenant) -> list[Workshop]:
    """The current tenant's workshops the actor may see, newest first: all of them for
    facilitators, coordinators and admins; otherwise those they take part in."""
    if current_tenant_id() != tenant.id:
        return []
    query = select(Workshop).where(Workshop.tenant_id == tenant.id)
    sees_all = (
        actor.is_platform_admin
        or may_run_workshops_in(actor, tenant)
        or Role.COORDINATOR in roles_in(actor, tenant)
    )
    if not sees_all:
        query = query.join(Participation, Participation.workshop_id == Workshop.id).where(
            Participation.user_id == actor.id
        )
    return list(db.scalars(query.order_by(Workshop.created_at.desc(), Workshop.id.desc())))


# --- participants ---------------------------------------------------------------------


def add_participants(
    actor: User, workshop: Workshop, user_ids: Iterable[int]
) -> list[Participation]:
    """Add members of the workshop's tenant as participants (before or during step 1;
    already participating is fine). Raises InvalidField("participant_ids") for anybody
    who is not a member of the tenant."""
    in_scope(workshop)
    require(actor, "workshop.invite", workshop)
    ids = {int(i) for i in user_ids}
    if not ids:
        return []
    members = set(
        db.scalars(
            select(Membership.user_id).where(
                Membership.tenant_id == workshop.tenant_id, Membership.user_id.in_(ids)
            )
        )
    )
    if ids - members:
        raise InvalidField(
            "participant_ids",
            N_("Teilnehmen kann nur, wer hier Mitglied ist. Laden Sie andere per E-Mail ein."),
        )
    existing = set(
        db.scalars(
            select(Participation.user_id).where(
                Participation.workshop_id == workshop.id, Participation.user_id.in_(ids)
            )
        )
    )
    added = []
    for uid in sorted(ids - existing):
        p = Participation(tenant_id=workshop.tenant_id, workshop_id=workshop.id, user_id=uid)
        db.add(p)
        added.append(p)
    db.flush()
    if added:
        audit.record(
            actor,
            workshop.tenant_id,
            "workshop.add_participants",
            workshop,
            user_ids=[p.user_id for p in added],
        )
    return added


def remove_participant(actor: User, workshop: Workshop, user_id: int) -> None:
    """Take someone off the workshop (before pairs are proposed). Their own draft
    stays theirs; it is not shown to anybody."""
    in_scope(workshop)
    require(actor, "workshop.manage", workshop)
    if workshop.phase not in EDITABLE_PHASES:
        raise Conflict(N_("Teilnehmende lassen sich nur bis zum Ende der Einzelarbeit entfernen."))
    p = db.scalar(
        select(Participation).where(
            Participation.workshop_id == workshop.id, Participation.user_id == int(user_id)
        )
    )
    if p is None:
        raise InvalidInput(N_("Diese Person nimmt an diesem Workshop nicht teil."))
    db.delete(p)
    db.flush()
    audit.record(
        actor, workshop.tenant_id, "workshop.remove_participant", workshop, user_id=int(user_id)
    )


def participants(actor: User, workshop: Workshop) -> list[User]:
    """The participants, sorted by name (``workshop.view``)."""
    in_scope(workshop)
    require(actor, "workshop.view", workshop)
    return list(
        db.scalars(
            select(User)
            .join(Participation, Participation.user_id == User.id)
            .where(Participation.workshop_id == workshop.id)
            .order_by(User.display_name, User.id)
        )
    )


@dataclasses.dataclass(frozen=True)
class InviteResult:
    """Either the person was a member already and now participates (``participation``),
    or an invitation to the tenant was created (``invitation`` + raw ``token`` for the
    link); they join the workshop when they accept (claim_invited_participation)."""

    participation: Participation | None
    invitation: Invitation | None
    token: str | None


def invite_participant(
    actor: User, workshop: Workshop, email: str, *, days: int = 14
) -> InviteResult:
    """Invite by email through ``tenants.services.invite`` (role participant); the
    workshop remembers only the address, to add them when they accept."""
    from visionswerk.tenants.services import invite

    in_scope(workshop)
    require(actor, "workshop.invite", workshop)
    clean = validate_email(email)
    member = db.scalar(
        select(User.id)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.tenant_id == workshop.tenant_id, func.lower(User.email) == clean)
    )
    if member is not None:
        added = add_participants(actor, workshop, [member])
        p = (
            added[0]
            if added
            else db.scalar(
                select(Participation).where(
                    Participation.workshop_id == workshop.id, Participation.user_id == member
                )
            )
        )
        return InviteResult(p, None, None)
    invitation, token = invite(actor, workshop.tenant, clean, Role.PARTICIPANT, days=days)
    if clean not in workshop.invited_emails:
        workshop.invited_emails = [*workshop.invited_emails, clean]
    db.flush()
    return InviteResult(None, invitation, token)


def claim_invited_participation(user: User, tenant: Tenant) -> list[Workshop]:
    """After ``user`` accepted an invitation to ``tenant`` (current tenant): join every
    workshop there that invited their address and is still before the pairs. Call it
    right after ``tenants.services.accept_invitation``."""
    if current_tenant_id() != tenant.id:
        return []
    email = normalize_email(user.email)
    joined = []
    for workshop in db.scalars(select(Workshop).where(Workshop.tenant_id == tenant.id)):
        if email not in (workshop.invited_emails or []):
            continue
        workshop.invited_emails = [e for e in workshop.invited_emails if e != email]
        if workshop.phase in EDITABLE_PHASES and not db.scalar(
            select(Participation.id).where(
                Participation.workshop_id == workshop.id, Participation.user_id == user.id
            )
        ):
            db.add(Participation(tenant_id=tenant.id, workshop_id=workshop.id, user_id=user.id))
            audit.record(user, tenant.id, "workshop.join", workshop)
            joined.append(workshop)
    db.flush()
    return joined


def forget_invited_email(tenant: Tenant, email: str) -> None:
    """After an invitation to ``tenant`` was withdrawn: no workshop there waits for this
    address any longer (a later invitation for another reason must not add them)."""
    if current_tenant_id() != tenant.id:
        return
    email = normalize_email(email)
    for workshop in db.scalars(select(Workshop).where(Workshop.tenant_id == tenant.id)):
        if email in (workshop.invited_emails or []):
            workshop.invited_emails = [e for e in workshop.invited_emails if e != email]
    db.flush()


# --- the state machine -------------------------------------------------------------------


def move(actor: User, workshop: Workshop, to_phase: Phase | str, **options: Any) -> Workshop:
    """Move ``workshop`` to ``to_phase`` (see the table in the module doc). Options:
    ``include_without_draft`` and ``seed`` for the move to pairs. Raises NotAllowed
    (``workshop.manage``), Conflict with a German message (invalid move or guard) —
    then nothing has changed."""
    in_scope(workshop)
    require(actor, "workshop.manage", workshop)
    try:
        target = Phase(to_phase)
    except ValueError:
        raise Conflict(N_("Diesen Schritt gibt es nicht.")) from None
    # Decided once: a concurrent move waits here for the first to commit, then finds the
    # workshop moved on and gets the Conflict below — one move, one audit entry (so one
    # mail per recipient), one frozen version.
    lock_workshop(workshop)
    source = workshop.phase
    step = TRANSITIONS.get((source, target))
    if step is None:
        if source == target:
            raise Conflict(
                N_("Der Workshop ist schon in diesem Schritt."),
                payload={"from": source.value, "to": target.value},
            )
        raise Conflict(
            N_("Dieser Schritt ist von hier aus nicht möglich."),
            payload={"from": source.value, "to": target.value},
        )
    # Each step checks all its guards before it changes anything, so a refused move
    # leaves the session as it was. (No SAVEPOINT here: with pysqlite a SAVEPOINT opened
    # outside a transaction would commit on release — one commit, in the pipeline.)
    detail = _STEPS[step](actor, workshop, **options) or {}
    workshop.phase = target
    touch(workshop)
    db.flush()
    audit.record(
        actor,
        workshop.tenant_id,
        "workshop.move",
        workshop,
        **{"from": source.value, "to": target.value},
        **detail,
    )
    db.flush()
    live.changed(workshop)  # the projector shows the new step
    return workshop


# --- guards: why a move is not possible yet -------------------------------------------


@dataclasses.dataclass(frozen=True)
class Readiness:
    """The facts the guards look at (counts only, never content). :func:`blocker` turns
    them into the reason a move is refused; the same function guards :func:`move` and
    tells the facilitator beforehand (overview, "Meine Aufgaben") why not yet."""

    participants: int = 0
    submitted: int = 0
    saved_proposals: int = 0
    pairs: int = 0
    vision_written: bool = False
    open_aspects: int = 0
    stale_passages: int = 0
    signatures: int = 0


NEED_PARTICIPANTS = N_(
    "Es braucht mindestens zwei Teilnehmende, um mit der Einzelarbeit zu beginnen."
)
NEED_DRAFTS = N_("Es braucht mindestens zwei eingereichte Entwürfe, um Paare zu bilden.")
START_NOT_CHOSEN = N_(
    "Mit den Aussagen der übergeordneten Vision zu beginnen ist für diesen Workshop nicht "
    "vorgesehen. Sie können es in den Einstellungen wählen."
)
NEED_PARENT = N_(
    "Wählen Sie zuerst die Vision, auf der der Workshop aufbaut. Ihre Aussagen werden in "
    "Schritt 3 zu Aspekten."
)
PARENT_WITHOUT_STATEMENTS = N_(
    "Die Vision, auf der der Workshop aufbaut, enthält keine Aussagen, mit denen Schritt 3 "
    "beginnen könnte."
)
SKIP_MAX_DRAFTS = 3  # "a small group": fewer than four submitted drafts
SKIP_NOT_CHOSEN = N_(
    "Schritt 2 auszulassen ist für diesen Workshop nicht vorgesehen. Sie können es bis zum "
    "Ende der Einzelarbeit in den Einstellungen wählen."
)
SKIP_NEED_DRAFT = N_(
    "Es braucht mindestens einen eingereichten Entwurf, um gleich mit allen zusammen "
    "weiterzuarbeiten."
)
SKIP_TOO_MANY = N_(
    "Schritt 2 lässt sich nur auslassen, wenn weniger als vier Entwürfe eingereicht sind. "
    "Eingereicht sind %(n)d – bitte bilden Sie Gruppen."
)
PAIRS_CONFIRMED = N_("Die Paare sind schon bestätigt; die Einzelarbeit ist abgeschlossen.")
CONFIRM_PAIRS_FIRST = N_("Bitte bestätigen Sie zuerst die Paare.")
FOURS_NOT_CHOSEN = N_(
    "Eine Runde zu viert ist für diesen Workshop nicht vorgesehen. Sie lässt sich bis zum "
    "Ende der Einzelarbeit in den Einstellungen wählen."
)
FOURS_FIRST = N_(
    "Für diesen Workshop ist eine Runde zu viert vorgesehen: Bitte beginnen Sie zuerst "
    "die Runde zu viert."
)
FOURS_NEED_TWO_PAIRS = N_(
    "Für die Runde zu viert braucht es mindestens zwei Paare. Gehen Sie stattdessen "
    "gleich zu Schritt 3, wenn es nur ein Paar gibt."
)
NEED_FOUR_PROPOSAL = N_("Noch keine Vierergruppe hat einen gemeinsamen Vorschlag gespeichert.")
NEED_PROPOSAL = N_("Noch kein Paar hat einen gemeinsamen Vorschlag gespeichert.")
NEED_VISION_TEXT = N_("Bitte schreiben und speichern Sie zuerst den Visionstext mit Titel.")
NEED_SIGNATURE = N_(
    "Es braucht mindestens eine Unterschrift, um die Vision zu beschließen. Tragen Sie ein, "
    "wer unterschreiben soll, und warten Sie auf die erste Unterschrift."
)


def _open_aspects_conflict(n: int) -> Conflict:
    return Conflict(
        N_(
            "Noch ein Aspekt ist offen. Jeder Aspekt muss aufgenommen oder mit "
            "Begründung zurückgestellt sein, bevor unterschrieben werden kann."
        )
        if n == 1
        else N_(
            "Noch %(n)d Aspekte sind offen. Jeder Aspekt muss aufgenommen oder mit "
            "Begründung zurückgestellt sein, bevor unterschrieben werden kann."
        ),
        n=n,
        payload={"open_aspects": n},
    )


def _stale_conflict(n: int, ids: list[int] | None = None) -> Conflict:
    return Conflict(
        N_(
            "Bei einem aufgenommenen Aspekt steht die angegebene Stelle nicht mehr im "
            "Visionstext. Bitte passen Sie die Stelle an."
        )
        if n == 1
        else N_(
            "Bei %(n)d aufgenommenen Aspekten steht die angegebene Stelle nicht mehr im "
            "Visionstext. Bitte passen Sie die Stellen an."
        ),
        n=n,
        payload={"stale_aspect_ids": ids or []},
    )


def blocker(workshop: Workshop, to: Phase, facts: Readiness) -> Conflict | None:
    """The Conflict the move from the workshop's phase to ``to`` would raise with these
    facts, or None when its guard lets it through. No queries, no changes."""
    step = TRANSITIONS.get((workshop.phase, to))
    if step == "open_individual" and facts.participants < 2:
        return Conflict(NEED_PARTICIPANTS)
    if step == "open_pairs" and facts.submitted < 2:
        return Conflict(NEED_DRAFTS)
    if step == "start_from_parent":
        if not workshop.start_from_parent:
            return Conflict(START_NOT_CHOSEN)
        if workshop.parent_vision_version_id is None:
            return Conflict(NEED_PARENT)
    if step == "skip_pairs":
        if not workshop.skip_pairs:
            return Conflict(SKIP_NOT_CHOSEN)
        if facts.submitted < 1:
            return Conflict(SKIP_NEED_DRAFT)
        if facts.submitted > SKIP_MAX_DRAFTS:
            return Conflict(
                SKIP_TOO_MANY, n=facts.submitted, payload={"submitted": facts.submitted}
            )
    if step == "back_to_individual" and workshop.step1_closed:
        return Conflict(PAIRS_CONFIRMED)
    if step in ("open_fours", "open_plenary") and workshop.phase == Phase.PAIRS:
        return _pairs_blocker(workshop, step, facts)
    if step == "open_plenary" and not facts.saved_proposals:  # from the round of four
        return Conflict(NEED_FOUR_PROPOSAL)
    if step == "open_signing":
        if not facts.vision_written:
            return Conflict(NEED_VISION_TEXT)
        if facts.open_aspects:
            return _open_aspects_conflict(facts.open_aspects)
        if facts.stale_passages:
            return _stale_conflict(facts.stale_passages)
    if step == "close_signing" and not facts.signatures:
        return Conflict(NEED_SIGNATURE)
    return None


def _pairs_blocker(workshop: Workshop, step: str, facts: Readiness) -> Conflict | None:
    """Why step 2 cannot end yet: towards the round of four where it was chosen (and only
    there), towards step 3 otherwise."""
    if step == "open_fours" and not workshop.with_fours:
        return Conflict(FOURS_NOT_CHOSEN)
    if step == "open_plenary" and workshop.with_fours:
        return Conflict(FOURS_FIRST)
    if not workshop.step1_closed:
        return Conflict(CONFIRM_PAIRS_FIRST)
    if step == "open_fours" and facts.pairs < 2:
        return Conflict(FOURS_NEED_TWO_PAIRS)
    if not facts.saved_proposals:
        return Conflict(NEED_PROPOSAL)
    return None


def _count(model: Any, *where: Any) -> int:
    return db.scalar(select(func.count()).select_from(model).where(*where)) or 0


def readiness(workshop: Workshop) -> Readiness:
    """The guards' facts for one workshop of the current tenant (only those of its
    phase are counted)."""
    phase, wid = workshop.phase, workshop.id
    facts: dict[str, Any] = {}
    if phase == Phase.PREPARATION:
        facts["participants"] = _count(Participation, Participation.workshop_id == wid)
    if phase == Phase.INDIVIDUAL:
        facts["submitted"] = len(pairing.submitted_user_ids(workshop))
    if phase in (Phase.PAIRS, Phase.FOURS):
        this_round = Pair.round == workshop.current_round
        facts["saved_proposals"] = _count(
            select(PairProposal)
            .join(Pair, Pair.id == PairProposal.pair_id)
            .where(PairProposal.workshop_id == wid, PairProposal.version > 0, this_round)
            .subquery()
        )
        facts["pairs"] = _count(Pair, Pair.workshop_id == wid, this_round)
    if phase == Phase.PLENARY:
        draft = db.scalar(select(VisionDraft).where(VisionDraft.workshop_id == wid))
        facts["vision_written"] = bool(draft and draft.text.strip() and draft.title.strip())
        facts["open_aspects"] = ledger.open_aspect_count(workshop)
        if draft is not None and facts["vision_written"]:
            facts["stale_passages"] = len(ledger.stale_passages(workshop, draft.text))
    if phase == Phase.SIGNING:
        version = signing.current_version(workshop)
        if version is not None:
            facts["signatures"] = _count(Signature, Signature.version_id == version.id)
    return Readiness(**facts)


@dataclasses.dataclass(frozen=True)
class NextMove:
    to: Phase
    blocked_by: Conflict | None  # None: possible now

    @property
    def ready(self) -> bool:
        return self.blocked_by is None


def next_moves(actor: User, workshop: Workshop) -> list[NextMove]:
    """The moves from here, each with the reason it is not possible yet (if so): what
    the facilitator sees before pressing a button. Empty for anybody who may not move;
    a move that can never succeed again (back before confirmed pairs) is left out."""
    moves = allowed_moves(actor, workshop)
    if not moves:
        return []
    if workshop.step1_closed:  # confirmed pairs never go back: not a move to offer
        moves = [to for to in moves if TRANSITIONS[(workshop.phase, to)] != "back_to_individual"]
    facts = readiness(workshop)
    forward = sorted(
        moves, key=lambda to: PHASE_ORDER.index(to) < PHASE_ORDER.index(workshop.phase)
    )
    return [NextMove(to, blocker(workshop, to, facts)) for to in forward]


def _guard(workshop: Workshop, to: Phase) -> Readiness:
    facts = readiness(workshop)
    refused = blocker(workshop, to, facts)
    if refused is not None:
        raise refused
    return facts


def _open_individual(actor: User, workshop: Workshop) -> dict[str, Any]:
    facts = _guard(workshop, Phase.INDIVIDUAL)
    return {"participants": facts.participants}


def _open_pairs(
    actor: User,
    workshop: Workshop,
    *,
    include_without_draft: bool | None = None,
    seed: int | None = None,
) -> dict[str, Any]:
    _guard(workshop, Phase.PAIRS)
    pairs = pairing._propose(actor, workshop, include_without_draft, seed)
    return {"seed": workshop.pairing_seed, "pairs": len(pairs), "group_size": workshop.group_size}


def _start_from_parent(actor: User, workshop: Workshop) -> dict[str, Any]:
    """Preparation straight to step 3: the parent vision's statements become the ledger
    (provenance: the parent version); nobody drafts, nobody is grouped."""
    _guard(workshop, Phase.PLENARY)
    if not ledger.parent_rows(workshop):
        raise Conflict(PARENT_WITHOUT_STATEMENTS)
    workshop.pairs_confirmed_at = utcnow()
    workshop.individual_skipped = True
    workshop.pairs_skipped = True
    db.flush()
    created = ledger.ensure_aspects(workshop)
    plenary.ensure_vision_draft(workshop)
    return {
        "skipped": ["individual", "pairs"],
        "parent_version_id": workshop.parent_vision_version_id,
        "aspects_created": created,
    }


def _skip_pairs(actor: User, workshop: Workshop) -> dict[str, Any]:
    """Step 1 straight to step 3: the drafts are frozen as if pairs were confirmed, their
    keywords become the ledger (provenance: participant); nobody is grouped."""
    facts = _guard(workshop, Phase.PLENARY)
    workshop.pairs_confirmed_at = utcnow()
    workshop.pairs_skipped = True
    db.flush()
    created = ledger.ensure_aspects(workshop)
    plenary.ensure_vision_draft(workshop)
    return {"skipped": "pairs", "drafts": facts.submitted, "aspects_created": created}


def _back_to_individual(actor: User, workshop: Workshop) -> dict[str, Any]:
    _guard(workshop, Phase.INDIVIDUAL)
    pairing._delete_pairs(workshop)
    return {}


def _open_fours(actor: User, workshop: Workshop) -> dict[str, Any]:
    facts = _guard(workshop, Phase.FOURS)
    fours = pairing.form_fours(workshop)
    return {"pairs": facts.pairs, "fours": len(fours)}


def _open_plenary(actor: User, workshop: Workshop) -> dict[str, Any]:
    _guard(workshop, Phase.PLENARY)
    created = ledger.ensure_aspects(workshop)
    plenary.ensure_vision_draft(workshop)
    return {"aspects_created": created}


def _open_signing(actor: User, workshop: Workshop) -> dict[str, Any]:
    draft = db.scalar(select(VisionDraft).where(VisionDraft.workshop_id == workshop.id))
    facts = readiness(workshop)
    refused = blocker(workshop, Phase.SIGNING, dataclasses.replace(facts, stale_passages=0))
    if refused is not None:
        raise refused
    assert draft is not None  # vision_written
    stale = ledger.stale_passages(workshop, draft.text)
    if stale:
        raise _stale_conflict(len(stale), [a.id for a in stale])
    version = signing.freeze_version(actor, workshop, draft.title, draft.text)
    return {"version": version.number, "sha256": version.sha256}


def _reopen_for_changes(actor: User, workshop: Workshop) -> dict[str, Any]:
    version = signing.current_version(workshop)
    return {"superseded_version": version.number if version else None}


def _close_signing(actor: User, workshop: Workshop) -> dict[str, Any]:
    facts = _guard(workshop, Phase.ADOPTED)
    version = signing.current_version(workshop)
    assert version is not None  # a signature exists
    version.adopted_at = utcnow()
    from visionswerk.visions import parents  # issue 4: a new parent version flags children

    parents.version_adopted(actor, version)
    return {"version": version.number, "signatures": facts.signatures}


_STEPS = {
    "open_individual": _open_individual,
    "open_pairs": _open_pairs,
    "skip_pairs": _skip_pairs,
    "start_from_parent": _start_from_parent,
    "back_to_individual": _back_to_individual,
    "open_fours": _open_fours,
    "open_plenary": _open_plenary,
    "open_signing": _open_signing,
    "reopen_for_changes": _reopen_for_changes,
    "close_signing": _close_signing,
}


def open_individual(actor: User, workshop: Workshop) -> Workshop:
    return move(actor, workshop, Phase.INDIVIDUAL)


def open_pairs(
    actor: User, workshop: Workshop, *, include_without_draft: bool = False, seed: int | None = None
) -> Workshop:
    return move(
        actor, workshop, Phase.PAIRS, include_without_draft=include_without_draft, seed=seed
    )


def open_fours(actor: User, workshop: Workshop) -> Workshop:
    """Begin the round of four (chosen in preparation): two pairs at a time merge."""
    return move(actor, workshop, Phase.FOURS)


def open_plenary(actor: User, workshop: Workshop) -> Workshop:
    return move(actor, workshop, Phase.PLENARY)


def start_from_parent(actor: User, workshop: Workshop) -> Workshop:
    """Go from preparation straight to step 3, starting from the parent's statements."""
    return move(actor, workshop, Phase.PLENARY)


def skip_pairs(actor: User, workshop: Workshop) -> Workshop:
    """Leave out step 2 (chosen in preparation; one to three submitted drafts)."""
    return move(actor, workshop, Phase.PLENARY)


def open_signing(actor: User, workshop: Workshop) -> Workshop:
    return move(actor, workshop, Phase.SIGNING)


def reopen_for_changes(actor: User, workshop: Workshop) -> Workshop:
    """Back from signing to step 3: the frozen version stays as it was (with any
    signatures), nothing new is signed; the next move to signing freezes version n+1."""
    return move(actor, workshop, Phase.PLENARY)


def close_signing(actor: User, workshop: Workshop) -> Workshop:
    return move(actor, workshop, Phase.ADOPTED)


def allowed_moves(actor: User, workshop: Workshop) -> list[Phase]:
    """Phases a move may go to from here (guards are checked only when moving). The
    variant moves (leave out step 2, start from the parent) only where the workshop chose
    them in preparation."""
    if not can(actor, "workshop.manage", workshop):
        return []
    chosen = {
        "skip_pairs": workshop.skip_pairs,
        "start_from_parent": workshop.start_from_parent,
        "open_fours": workshop.with_fours,
    }
    if workshop.phase == Phase.PAIRS:  # step 2 ends in the round of four where chosen
        chosen["open_plenary"] = not workshop.with_fours
    return [
        to
        for (frm, to), step in TRANSITIONS.items()
        if frm == workshop.phase and chosen.get(step, True)
    ]
