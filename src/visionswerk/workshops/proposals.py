"""Step 2 — Arbeit zu zweit: feedback on the partners' drafts and the joint proposal.

The proposal uses optimistic locking: every save names the version it started from
(``base_version``); the stored version must still be that one, checked in the UPDATE
itself (``WHERE version = :base``), so two concurrent saves can't both win. The loser
gets a Conflict whose payload holds both texts; nothing is overwritten or lost.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from sqlalchemy import func, select, update

from visionswerk.db import db, utcnow
from visionswerk.errors import Conflict, InvalidInput, NotFound
from visionswerk.i18n import N_
from visionswerk.tenants import audit
from visionswerk.tenants.models import User
from visionswerk.tenants.policy import require
from visionswerk.workshops import live
from visionswerk.workshops import text as texts
from visionswerk.workshops._common import in_scope, load, save_if_unchanged
from visionswerk.workshops.models import (
    Draft,
    DraftFeedback,
    Pair,
    PairMember,
    PairProposal,
    ProposalFeedback,
    Workshop,
)
from visionswerk.workshops.policy import WORK_PHASE

PROPOSAL_NOT_FOUND = N_("Diesen Vorschlag gibt es hier nicht.")


@dataclasses.dataclass(frozen=True)
class MemberProgress:
    user_id: int
    display_name: str
    ready: bool


@dataclasses.dataclass(frozen=True)
class PairProgress:
    """A pair's progress in step 2, for the facilitator: never content."""

    pair_id: int
    number: int
    members: list[MemberProgress]
    proposal_version: int  # 0 = nothing saved yet
    has_text: bool
    feedback_given: int
    feedback_expected: int
    updated_at: dt.datetime | None

    @property
    def ready_count(self) -> int:
        return sum(m.ready for m in self.members)

    @property
    def all_ready(self) -> bool:
        return bool(self.members) and all(m.ready for m in self.members)


def check_pair_work(actor: User, pair: Pair, permission: str = "pair.work") -> Workshop:
    in_scope(pair)
    workshop = pair.workshop
    if workshop.phase != WORK_PHASE[pair.round] or not workshop.step1_closed:
        raise Conflict(
            N_("Die Runde zu viert läuft gerade nicht.")
            if pair.round == 2
            else N_("Die Arbeit zu zweit läuft gerade nicht.")
        )
    require(actor, permission, pair)
    return workshop


def _proposal(pair: Pair) -> PairProposal | None:
    return db.scalar(select(PairProposal).where(PairProposal.pair_id == pair.id))


def partner_drafts(actor: User, pair: Pair) -> list[Draft]:
    """The submitted drafts of the actor's pair partners (members of the pair only,
    after step 1 closed)."""
    in_scope(pair)
    require(actor, "feedback.read", pair)
    if pair.round != 1:  # a four works from its pairs' proposals (source_proposals)
        return []
    others = [m.user_id for m in pair.members if m.user_id != actor.id]
    return list(
        db.scalars(
            select(Draft)
            .where(
                Draft.workshop_id == pair.workshop_id,
                Draft.author_id.in_(others),
                Draft.submitted_at.is_not(None),
            )
            .order_by(Draft.id)
        )
    )


def feedback_for(actor: User, pair: Pair) -> list[DraftFeedback]:
    """All feedback given within the pair (members of the pair only)."""
    in_scope(pair)
    require(actor, "feedback.read", pair)
    return list(
        db.scalars(
            select(DraftFeedback).where(DraftFeedback.pair_id == pair.id).order_by(DraftFeedback.id)
        )
    )


def save_feedback(
    actor: User, pair: Pair, draft: Draft, *, especially_good: str | None, to_sharpen: str | None
) -> DraftFeedback:
    """Record (or replace) the actor's "besonders gut" / "noch schärfen" on a partner's
    draft. Raises InvalidField (limits), InvalidInput (own or foreign draft)."""
    workshop = check_pair_work(actor, pair)
    in_scope(draft)
    good = texts.clean_text(especially_good, field="especially_good", limit=texts.FEEDBACK_MAX)
    sharpen = texts.clean_text(to_sharpen, field="to_sharpen", limit=texts.FEEDBACK_MAX)
    if draft.author_id == actor.id:
        raise InvalidInput(N_("Rückmeldungen geben Sie zu den Entwürfen Ihrer Partner."))
    if (
        draft.workshop_id != workshop.id
        or draft.author_id not in pair.member_ids
        or not draft.submitted
    ):
        raise NotFound(N_("Diesen Entwurf gibt es hier nicht."))
    return _store_feedback(DraftFeedback, {"draft_id": draft.id}, pair, actor, good, sharpen)


def _store_feedback(
    model: Any, target: dict[str, int], pair: Pair, actor: User, good: str, sharpen: str
) -> Any:
    """The actor's feedback on one draft or proposal (``target``) within ``pair``: created
    or replaced. One of the two texts is needed."""
    if not (good or sharpen):
        raise InvalidInput(
            N_("Bitte schreiben Sie, was besonders gut ist oder was noch zu schärfen ist.")
        )
    feedback = db.scalar(select(model).filter_by(**target, author_id=actor.id))
    if feedback is None:
        feedback = model(tenant_id=pair.tenant_id, pair_id=pair.id, author_id=actor.id, **target)
        db.add(feedback)
    feedback.especially_good = good
    feedback.to_sharpen = sharpen
    feedback.updated_at = utcnow()
    db.flush()
    return feedback


def source_proposals(actor: User, four: Pair) -> list[tuple[Pair, PairProposal]]:
    """The round of four: the proposals of the pairs merged into ``four``, with their
    pairs (members of the four only)."""
    in_scope(four)
    require(actor, "feedback.read", four)
    return [
        (pair, proposal)
        for pair, proposal in db.execute(
            select(Pair, PairProposal)
            .join(PairProposal, PairProposal.pair_id == Pair.id)
            .where(Pair.merged_into_id == four.id)
            .order_by(Pair.number)
        ).all()
    ]


def proposal_feedback_for(actor: User, four: Pair) -> list[ProposalFeedback]:
    """All feedback given within the four on its pairs' proposals (its members only)."""
    in_scope(four)
    require(actor, "feedback.read", four)
    return list(
        db.scalars(
            select(ProposalFeedback)
            .where(ProposalFeedback.pair_id == four.id)
            .order_by(ProposalFeedback.id)
        )
    )


def save_proposal_feedback(
    actor: User,
    four: Pair,
    proposal: PairProposal,
    *,
    especially_good: str | None,
    to_sharpen: str | None,
) -> ProposalFeedback:
    """The round of four: record (or replace) the actor's "besonders gut" / "noch
    schärfen" on the other pair's proposal. Raises InvalidField (limits), InvalidInput
    (the own pair's proposal, nothing written), NotFound (a proposal of another four)."""
    check_pair_work(actor, four)
    in_scope(proposal)
    good = texts.clean_text(especially_good, field="especially_good", limit=texts.FEEDBACK_MAX)
    sharpen = texts.clean_text(to_sharpen, field="to_sharpen", limit=texts.FEEDBACK_MAX)
    pair = db.get(Pair, proposal.pair_id)
    if pair is None or pair.merged_into_id != four.id:
        raise NotFound(PROPOSAL_NOT_FOUND)
    if actor.id in pair.member_ids:
        raise InvalidInput(N_("Rückmeldungen geben Sie zum Vorschlag des anderen Paares."))
    target = {"proposal_id": proposal.id}
    return _store_feedback(ProposalFeedback, target, four, actor, good, sharpen)


def proposal_of(actor: User, pair: Pair) -> PairProposal:
    """The pair's proposal (``proposal.read``: its members once pairs are confirmed; all
    participants and the facilitator from step 3 on)."""
    in_scope(pair)
    require(actor, "pair.read", pair)
    proposal = _proposal(pair)
    if proposal is None:
        raise NotFound(PROPOSAL_NOT_FOUND)
    return proposal


def get_proposal(actor: User, proposal_id: int) -> PairProposal:
    proposal = load(PairProposal, proposal_id, PROPOSAL_NOT_FOUND)
    require(actor, "proposal.read", proposal)
    return proposal


def save_proposal(
    actor: User,
    pair: Pair,
    text: str | None,
    keywords: str | list[str] | None,
    base_version: int,
) -> PairProposal:
    """Save the joint proposal from ``base_version``. Stored version becomes
    ``base_version + 1`` and every member's readiness is reset. A stale
    ``base_version`` raises Conflict (409) with
    ``payload = {"stored": {"text", "keywords", "version", "updated_by"},
    "submitted": {"text", "keywords", "base_version"}}`` and changes nothing."""
    check_pair_work(actor, pair)
    return store_proposal(actor, pair, text, keywords, base_version)


def store_proposal(
    actor: User,
    pair: Pair,
    text: str | None,
    keywords: str | list[str] | None,
    base_version: Any,
    *,
    ready: bool = False,
) -> PairProposal:
    """The write of :func:`save_proposal` once the actor may write (a member, or the
    facilitator recording a proposal from paper): ``actor`` is who saved it. Every
    member's "fertig" is reset — or, with ``ready``, set (the sheet the group handed in)."""
    clean_text = texts.clean_text(text, field="text", limit=texts.PROPOSAL_TEXT_MAX)
    clean_keywords = texts.clean_keywords(keywords)
    proposal = _proposal(pair)
    if proposal is None:
        raise NotFound(PROPOSAL_NOT_FOUND)
    try:
        base = int(base_version)
    except (TypeError, ValueError):
        raise InvalidInput(N_("Die Fassung, von der aus Sie gespeichert haben, fehlt.")) from None
    save_if_unchanged(
        proposal,
        base,
        {
            "text": clean_text,
            "keywords": clean_keywords,
            "updated_at": utcnow(),
            "updated_by_id": actor.id,
        },
        lambda: _conflict(proposal, clean_text, clean_keywords, base),
    )
    db.execute(
        update(PairMember)
        .where(PairMember.pair_id == pair.id)
        .values(ready_at=utcnow() if ready else None)
        .execution_options(synchronize_session=False)
    )
    for member in pair.members:
        db.expire(member, ["ready_at"])
    live.changed(pair.workshop)  # the projector counts the groups that are ready
    return proposal


def _conflict(proposal: PairProposal, text: str, keywords: list[str], base: int) -> Conflict:
    updated_by = db.scalar(select(User.display_name).where(User.id == proposal.updated_by_id))
    return Conflict(
        N_(
            "Der Vorschlag wurde inzwischen von %(name)s geändert. Bitte vergleichen Sie "
            "beide Fassungen und speichern Sie dann erneut; es ist nichts verloren."
        ),
        name=updated_by or "",
        payload={
            "stored": {
                "text": proposal.text,
                "keywords": list(proposal.keywords),
                "version": proposal.version,
                "updated_by": updated_by,
            },
            "submitted": {"text": text, "keywords": keywords, "base_version": base},
        },
    )


def written_proposal(pair: Pair) -> PairProposal | None:
    """The group's proposal if it has text or keywords: what "fertig" can be said of."""
    proposal = _proposal(pair)
    return proposal if proposal is not None and (proposal.text or proposal.keywords) else None


def mark_ready(actor: User, pair: Pair, ready: bool = True) -> PairMember:
    """The actor marks the proposal ready (or not). Needs a saved, non-empty proposal."""
    check_pair_work(actor, pair)
    proposal = written_proposal(pair) if ready else _proposal(pair)
    if ready and proposal is None:
        raise InvalidInput(N_("Bitte speichern Sie zuerst einen gemeinsamen Vorschlag."))
    member = next(m for m in pair.members if m.user_id == actor.id)
    member.ready_at = utcnow() if ready else None
    db.flush()
    audit.record(
        actor,
        pair.tenant_id,
        "proposal.ready" if ready else "proposal.not_ready",
        proposal,
        pair_id=pair.id,
    )
    live.changed(pair.workshop)  # the projector counts the groups that are ready
    return member


def pair_progress(actor: User, workshop: Workshop) -> list[PairProgress]:
    """Per group of the current round (the pairs, or the fours once their round began):
    members with readiness, proposal version, whether it has text, how much feedback was
    given of how much is expected. For ``workshop.status``."""
    in_scope(workshop)
    require(actor, "workshop.status", workshop)
    this_round = workshop.current_round
    pairs = db.scalars(
        select(Pair)
        .where(Pair.workshop_id == workshop.id, Pair.round == this_round)
        .order_by(Pair.number)
    ).all()
    members = db.execute(
        select(PairMember, User.display_name)
        .join(User, User.id == PairMember.user_id)
        .where(PairMember.workshop_id == workshop.id, PairMember.round == this_round)
        .order_by(PairMember.id)
    ).all()
    proposals = {
        p.pair_id: p
        for p in db.scalars(select(PairProposal).where(PairProposal.workshop_id == workshop.id))
    }
    given = _feedback_given(workshop, this_round)
    expected = _feedback_expected(workshop, this_round)
    result = []
    for pair in pairs:
        mine = [(m, name) for m, name in members if m.pair_id == pair.id]
        proposal = proposals.get(pair.id)
        result.append(
            PairProgress(
                pair_id=pair.id,
                number=pair.number,
                members=[MemberProgress(m.user_id, name, m.ready) for m, name in mine],
                proposal_version=proposal.version if proposal else 0,
                has_text=bool(proposal and (proposal.text or proposal.keywords)),
                feedback_given=int(given.get(pair.id, 0)),
                feedback_expected=expected(pair.id, [m.user_id for m, _ in mine]),
                updated_at=proposal.updated_at if proposal and proposal.version else None,
            )
        )
    return result


def _feedback_given(workshop: Workshop, round_: int) -> dict[int, int]:
    """Feedback given per group: on drafts in step 2, on proposals in the round of four."""
    model = ProposalFeedback if round_ == 2 else DraftFeedback
    return dict(
        db.execute(  # type: ignore[arg-type]
            select(model.pair_id, func.count())
            .join(Pair, Pair.id == model.pair_id)
            .where(Pair.workshop_id == workshop.id)
            .group_by(model.pair_id)
        ).all()
    )


def _feedback_expected(workshop: Workshop, round_: int):  # type: ignore[no-untyped-def]
    """How much feedback a group owes: in step 2 every member on every partner's
    submitted draft; in the round of four every member on each other pair's proposal."""
    if round_ == 2:
        merged = dict(
            db.execute(
                select(Pair.merged_into_id, func.count())
                .where(Pair.workshop_id == workshop.id, Pair.merged_into_id.is_not(None))
                .group_by(Pair.merged_into_id)
            ).all()
        )
        return lambda pair_id, ids: len(ids) * (int(merged.get(pair_id, 1)) - 1)
    submitted = set(
        db.scalars(
            select(Draft.author_id).where(
                Draft.workshop_id == workshop.id, Draft.submitted_at.is_not(None)
            )
        )
    )
    return lambda pair_id, ids: sum(len(ids) - 1 for uid in ids if uid in submitted)
