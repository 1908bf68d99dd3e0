"""Step 3 — Alle zusammen: every pair's proposal, strengths, comments, and the final
vision text the facilitator composes (optimistic locking like proposals)."""

from __future__ import annotations

import dataclasses
import datetime as dt

from sqlalchemy import delete, select
from sqlalchemy.orm import selectinload

from visionswerk.db import db, utcnow
from visionswerk.errors import Conflict, InvalidInput, NotFound
from visionswerk.i18n import N_
from visionswerk.tenants import audit
from visionswerk.tenants.models import User
from visionswerk.tenants.policy import require
from visionswerk.workshops import live
from visionswerk.workshops import text as texts
from visionswerk.workshops._common import in_scope, save_if_unchanged
from visionswerk.workshops.drafts import DraftKeywords, keywords_overview
from visionswerk.workshops.models import (
    Comment,
    Pair,
    PairMember,
    PairProposal,
    Phase,
    Strength,
    VisionDraft,
    Workshop,
)

NOT_IN_PLENARY = N_("Das ist nur in Schritt 3 (Alle zusammen) möglich.")


@dataclasses.dataclass(frozen=True)
class ProposalView:
    proposal: PairProposal
    pair: Pair
    members: list[User]
    strengths: list[Strength]
    comments: list[Comment]
    marked_by_me: bool


@dataclasses.dataclass(frozen=True)
class Plenary:
    workshop: Workshop
    proposals: list[ProposalView]
    draft_keywords: list[DraftKeywords]


def plenary_overview(actor: User, workshop: Workshop) -> Plenary:
    """Everything step 3 shows, in a fixed number of queries however many take part:
    each pair's proposal with its members, strengths (with who) and comments, and the
    keywords (not the text) of every submitted draft. ``plenary.read``: participants
    and facilitators from step 3 on."""
    in_scope(workshop)
    require(actor, "plenary.read", workshop)
    proposals = db.scalars(
        select(PairProposal)
        .join(Pair, Pair.id == PairProposal.pair_id)
        .where(PairProposal.workshop_id == workshop.id, Pair.round == workshop.current_round)
        .order_by(Pair.number)
        .options(
            selectinload(PairProposal.pair).selectinload(Pair.members).joinedload(PairMember.user),
            selectinload(PairProposal.strengths).joinedload(Strength.user),
            selectinload(PairProposal.comments).joinedload(Comment.author),
        )
    ).all()
    views = [
        ProposalView(
            proposal=p,
            pair=p.pair,
            members=[m.user for m in p.pair.members],
            strengths=list(p.strengths),
            comments=list(p.comments),
            marked_by_me=any(s.user_id == actor.id for s in p.strengths),
        )
        for p in proposals
    ]
    return Plenary(workshop, views, keywords_overview(actor, workshop))


def _check_endorse(actor: User, proposal: PairProposal) -> Workshop:
    in_scope(proposal)
    workshop = proposal.workshop
    if workshop.phase != Phase.PLENARY:
        raise Conflict(NOT_IN_PLENARY)
    require(actor, "strength.mark", proposal)
    return workshop


def mark_strength(actor: User, proposal: PairProposal, note: str | None = "") -> Strength:
    """Mark a proposal's strength ("Stärke"), optionally with a note; marking again
    replaces the note (one per person and proposal)."""
    _check_endorse(actor, proposal)
    clean_note = texts.clean_text(note, field="note", limit=texts.STRENGTH_NOTE_MAX)
    strength = db.scalar(
        select(Strength).where(Strength.proposal_id == proposal.id, Strength.user_id == actor.id)
    )
    if strength is None:
        strength = Strength(tenant_id=proposal.tenant_id, proposal_id=proposal.id, user_id=actor.id)
        db.add(strength)
    strength.note = clean_note
    db.flush()
    db.expire(proposal, ["strengths"])
    live.changed(proposal.workshop)  # the projector shows it (after the commit)
    return strength


def unmark_strength(actor: User, proposal: PairProposal) -> None:
    _check_endorse(actor, proposal)
    db.execute(
        delete(Strength)
        .where(Strength.proposal_id == proposal.id, Strength.user_id == actor.id)
        .execution_options(synchronize_session="fetch")
    )
    db.flush()
    db.expire(proposal, ["strengths"])
    live.changed(proposal.workshop)


#: The same text by the same person on the same proposal within this time is the same
#: comment sent twice (a double click on "Kommentieren", a form sent again): kept once.
SAME_COMMENT = dt.timedelta(minutes=2)


def add_comment(actor: User, proposal: PairProposal, text: str | None) -> Comment:
    """Comment on a proposal in step 3 (participants and facilitators). The same comment
    sent twice (``SAME_COMMENT``) is kept once: the first one is returned."""
    _check_endorse(actor, proposal)
    clean = texts.clean_text(
        text,
        field="text",
        limit=texts.COMMENT_MAX,
        required=True,
        required_message=N_("Bitte schreiben Sie einen Kommentar."),
    )
    # the proposal's row lock makes two copies sent at once wait for each other (NO KEY
    # UPDATE, as signing.py takes it: strengths marked meanwhile, which only reference the
    # row, do not wait)
    db.execute(
        select(PairProposal.id)
        .where(PairProposal.id == proposal.id)
        .with_for_update(key_share=True)
    )
    latest = db.scalar(
        select(Comment)
        .where(Comment.proposal_id == proposal.id, Comment.author_id == actor.id)
        .order_by(Comment.id.desc())
        .limit(1)
    )
    if latest is not None and latest.text == clean and utcnow() - latest.created_at < SAME_COMMENT:
        return latest
    comment = Comment(
        tenant_id=proposal.tenant_id, proposal_id=proposal.id, author_id=actor.id, text=clean
    )
    db.add(comment)
    db.flush()
    db.expire(proposal, ["comments"])
    live.changed(proposal.workshop)
    return comment


def ensure_vision_draft(workshop: Workshop) -> VisionDraft:
    """The workshop's vision draft, created (title = workshop title) if missing."""
    draft = db.scalar(select(VisionDraft).where(VisionDraft.workshop_id == workshop.id))
    if draft is None:
        draft = VisionDraft(
            tenant_id=workshop.tenant_id,
            workshop_id=workshop.id,
            title=workshop.title,
            text="",
            version=0,
        )
        db.add(draft)
        db.flush()
    return draft


def vision_draft(actor: User, workshop: Workshop) -> VisionDraft:
    """The vision text being composed (``plenary.read``: participants and facilitators
    from step 3 on; the frozen text of signing is the VisionVersion)."""
    in_scope(workshop)
    require(actor, "plenary.read", workshop)
    draft = db.scalar(select(VisionDraft).where(VisionDraft.workshop_id == workshop.id))
    if draft is None:
        raise NotFound(N_("Der Visionstext wird erst in Schritt 3 angelegt."))
    return draft


def save_vision(
    actor: User, workshop: Workshop, title: str | None, text: str | None, base_version: int
) -> VisionDraft:
    """Save the composed vision from ``base_version`` (``vision.compose``: facilitators,
    step 3 only). Stale version → Conflict with ``payload = {"stored": {"title", "text",
    "version"}, "submitted": {"title", "text", "base_version"}}``. During signing the text
    cannot change (Conflict): reopen for changes first (a new version follows)."""
    in_scope(workshop)
    if workshop.phase == Phase.SIGNING:
        raise Conflict(
            N_(
                "Der Text wird gerade unterschrieben und kann nicht mehr geändert werden. "
                "Für Änderungen öffnen Sie die Überarbeitung; daraus wird eine neue Fassung."
            )
        )
    if workshop.phase != Phase.PLENARY:
        raise Conflict(NOT_IN_PLENARY)
    require(actor, "vision.compose", workshop)
    clean_title = texts.clean_line(
        title,
        field="title",
        limit=texts.TITLE_MAX,
        required=True,
        required_message=N_("Bitte geben Sie der Vision einen Titel."),
    )
    clean_text = texts.clean_text(text, field="text", limit=texts.VISION_TEXT_MAX)
    draft = ensure_vision_draft(workshop)
    try:
        base = int(base_version)
    except (TypeError, ValueError):
        raise InvalidInput(N_("Die Fassung, von der aus Sie gespeichert haben, fehlt.")) from None
    save_if_unchanged(
        draft,
        base,
        {
            "title": clean_title,
            "text": clean_text,
            "updated_at": utcnow(),
            "updated_by_id": actor.id,
        },
        lambda: Conflict(
            N_(
                "Der Visionstext wurde inzwischen anders gespeichert. Bitte vergleichen Sie "
                "beide Fassungen; es ist nichts verloren."
            ),
            payload={
                "submitted": {"title": clean_title, "text": clean_text, "base_version": base},
                "stored": {"title": draft.title, "text": draft.text, "version": draft.version},
            },
        ),
    )
    audit.record(actor, workshop.tenant_id, "vision.save", draft, version=draft.version)
    return draft
