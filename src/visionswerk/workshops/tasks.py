""" "My tasks": what is the user's to do now, across all their workshops and tenants.

This is the one place in the workshops package that reads across tenants: every query
says so with ``execution_options(all_tenants=True)`` and filters explicitly by the one
user (their participations, their memberships, their pairs, their signatories). It
returns only what the user may know anyway — never anybody else's content.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import functools
from typing import Any

from sqlalchemy import bindparam, case, func, literal, select

from visionswerk.db import db, generic_plans
from visionswerk.errors import Conflict
from visionswerk.tenants.models import Role, Tenant, TenantKind, User
from visionswerk.workshops.models import (
    Aspect,
    AspectStatus,
    Draft,
    DraftFeedback,
    Pair,
    PairMember,
    PairProposal,
    Participation,
    Phase,
    ProposalFeedback,
    Signatory,
    Signature,
    Strength,
    VisionDraft,
    VisionVersion,
    Workshop,
)

ALL = {"all_tenants": True}


class TaskKind(enum.StrEnum):
    WRITE_DRAFT = "write_draft"  # step 1: write and submit your draft
    GIVE_FEEDBACK = "give_feedback"  # step 2: "besonders gut" / "noch schärfen"
    WRITE_PROPOSAL = "write_proposal"  # step 2: co-write the joint proposal
    MARK_READY = "mark_ready"  # step 2: confirm the proposal is ready
    MARK_STRENGTHS = "mark_strengths"  # step 3: mark strengths of proposals
    START_INDIVIDUAL = "start_individual"  # facilitator: invite, then start step 1
    CLOSE_INDIVIDUAL = "close_individual"  # facilitator: end step 1, propose pairs
    CONFIRM_PAIRS = "confirm_pairs"  # facilitator: check and confirm the pairs
    START_FROM_PARENT = "start_from_parent"  # facilitator: step 3 from the parent's statements
    SKIP_PAIRS = "skip_pairs"  # facilitator: a small group goes from step 1 to step 3
    OPEN_FOURS = "open_fours"  # facilitator: begin the round of four (where chosen)
    OPEN_PLENARY = "open_plenary"  # facilitator: open step 3 once proposals exist
    COMPOSE_VISION = "compose_vision"  # facilitator: compose, decide the ledger
    COLLECT_SIGNATURES = "collect_signatures"  # facilitator: list signatories, close
    SIGN = "sign"  # signatory: sign the vision


@dataclasses.dataclass(frozen=True)
class Task:
    kind: TaskKind
    workshop_id: int
    workshop_title: str
    tenant_id: int
    tenant_slug: str
    tenant_name: str
    phase: Phase
    deadline: dt.datetime | None
    pair_id: int | None = None
    signatory_id: int | None = None
    count: int | None = None  # e.g. open aspects, missing feedback, signatures so far
    group_size: int | None = None  # step 2: 2 (a pair) or 3 (a trio) — the wording differs
    # facilitator's moves: why the move is not possible yet (the guard's own Conflict)
    blocked_by: Conflict | None = None
    # the step whose deadline ``deadline`` is (its calendar entry: workshops/calendar.py)
    deadline_step: Phase | None = None


def _managed_tenant_ids(user: User) -> set[int]:
    ids = set()
    for m in user.memberships:
        if m.role == Role.FACILITATOR or (
            m.role == Role.COORDINATOR and m.tenant.kind == TenantKind.REGION
        ):
            ids.add(m.tenant_id)
    return ids


def _task(kind: TaskKind, w: Workshop, tenant: Tenant, deadline_phase: Phase, **extra: Any) -> Task:
    return Task(
        kind, w.id, w.title, tenant.id, tenant.slug, tenant.name, w.phase,
        w.deadline(deadline_phase), deadline_step=deadline_phase, **extra,
    )  # fmt: skip


# the facilitator's move in each phase: (task, the phase it moves to, whose deadline)
_MOVES = {
    Phase.PREPARATION: (TaskKind.START_INDIVIDUAL, Phase.INDIVIDUAL, Phase.INDIVIDUAL),
    Phase.INDIVIDUAL: (TaskKind.CLOSE_INDIVIDUAL, Phase.PAIRS, Phase.INDIVIDUAL),
    Phase.PAIRS: (TaskKind.OPEN_PLENARY, Phase.PLENARY, Phase.PAIRS),
    Phase.FOURS: (TaskKind.OPEN_PLENARY, Phase.PLENARY, Phase.FOURS),
    Phase.PLENARY: (TaskKind.COMPOSE_VISION, Phase.SIGNING, Phase.PLENARY),
    Phase.SIGNING: (TaskKind.COLLECT_SIGNATURES, Phase.ADOPTED, Phase.SIGNING),
}


@functools.cache
def _statement() -> Any:
    """The user's workshops with every fact their tasks need, as one SELECT (built once
    per process; ``:uid`` and ``:managed`` bound per call). Each fact is a correlated
    subquery on one workshop and this one user, so the cost stays flat in the number of
    workshops and participants: 1 statement where there were 13."""
    uid, managed = bindparam("uid"), bindparam("managed", expanding=True)
    w = Workshop

    def one(column: Any, *where: Any, order: Any = None) -> Any:
        query = select(column).where(*where)
        if order is not None:
            query = query.order_by(order)
        return query.limit(1).correlate(w).scalar_subquery()

    def count(*where: Any, join: Any = None) -> Any:
        query = select(func.count())
        if join is not None:
            query = query.select_from(Draft).join(*join)
        return query.where(*where).correlate(w).scalar_subquery()

    def exists(*where: Any) -> Any:
        return select(literal(1)).where(*where).correlate(w).exists()

    this_round = case((w.fours_opened_at.is_not(None), 2), else_=1)  # Workshop.current_round
    mine = (
        PairMember.workshop_id == w.id,
        PairMember.user_id == uid,
        PairMember.round == this_round,
    )
    pair = one(PairMember.pair_id, *mine)
    version = one(VisionVersion.id, VisionVersion.workshop_id == w.id,
                  order=VisionVersion.number.desc())  # fmt: skip
    signatory = one(Signatory.id, Signatory.version_id == version, Signatory.user_id == uid)
    partner = PairMember.__table__.alias("partner")
    authored_by = (partner.c.workshop_id == Draft.workshop_id) & (
        partner.c.user_id == Draft.author_id
    )
    taking_part = (Participation.workshop_id == Draft.workshop_id) & (
        Participation.user_id == Draft.author_id
    )
    submitted = Draft.submitted_at.is_not(None)
    participant = exists(Participation.workshop_id == w.id, Participation.user_id == uid)
    facts = {
        "participant": participant,
        "submitted_mine": exists(Draft.workshop_id == w.id, Draft.author_id == uid, submitted),
        "pair_id": pair,
        "ready_at": one(PairMember.ready_at, *mine),
        "pair_size": count(PairMember.pair_id == pair),
        "proposal_version": one(PairProposal.version, PairProposal.pair_id == pair),
        "partner_drafts": count(
            partner.c.pair_id == pair,
            partner.c.user_id != uid,
            submitted,
            join=(partner, authored_by),
        ),
        "feedback": count(DraftFeedback.author_id == uid, DraftFeedback.pair_id == pair),
        # the round of four: the pairs merged into my four, my feedback on their proposals
        "four_pairs": count(Pair.merged_into_id == pair),
        "proposal_feedback": count(
            ProposalFeedback.author_id == uid, ProposalFeedback.pair_id == pair
        ),
        "strengths_marked": exists(
            Strength.user_id == uid,
            Strength.proposal_id == PairProposal.id,
            PairProposal.workshop_id == w.id,
        ),
        "open": count(Aspect.workshop_id == w.id, Aspect.status == AspectStatus.OPEN),
        "signatory_id": signatory,
        "signed_by_me": exists(Signature.signatory_id == signatory),
        "signatures": count(Signature.version_id == version),
        # the facilitator's facts (lifecycle.Readiness)
        "people": count(Participation.workshop_id == w.id),
        "submitted": count(Draft.workshop_id == w.id, submitted, join=(Participation, taking_part)),
        "saved": select(func.count())
        .select_from(PairProposal)
        .join(Pair, Pair.id == PairProposal.pair_id)
        .where(PairProposal.workshop_id == w.id, PairProposal.version > 0, Pair.round == this_round)
        .correlate(w)
        .scalar_subquery(),
        "groups": count(Pair.workshop_id == w.id, Pair.round == this_round),
        "written": exists(
            VisionDraft.workshop_id == w.id,
            func.length(func.trim(VisionDraft.text)) > 0,
            func.length(func.trim(VisionDraft.title)) > 0,
        ),
    }
    active = [Phase.INDIVIDUAL, Phase.PAIRS, Phase.FOURS, Phase.PLENARY, Phase.SIGNING]
    signing = (
        select(VisionVersion.workshop_id)
        .join(Signatory, Signatory.version_id == VisionVersion.id)
        .where(Signatory.user_id == uid)
    )
    return (
        select(w, Tenant.slug, Tenant.name, *(fact.label(name) for name, fact in facts.items()))
        .join(Tenant, Tenant.id == w.tenant_id)
        .where(
            (participant & w.phase.in_(active))
            | (w.tenant_id.in_(managed) & (w.phase != Phase.ADOPTED))
            | (w.id.in_(signing) & w.phase.in_(active))
        )
        .execution_options(**ALL)
    )


def _facilitator_task(row: Any, tenant: Tenant) -> Task:
    """The next move in a managed workshop, with the guard's reason if it is not possible
    yet (the same :func:`lifecycle.blocker` that guards the move); the passage check of
    step 3 is left to the move."""
    from visionswerk.workshops.lifecycle import Readiness, blocker

    w = row.Workshop
    if w.phase == Phase.PAIRS and not w.step1_closed:
        return _task(TaskKind.CONFIRM_PAIRS, w, tenant, Phase.PAIRS)
    facts = Readiness(
        participants=row.people, submitted=row.submitted, saved_proposals=row.saved,
        pairs=row.groups, vision_written=bool(row.written), open_aspects=row.open,
        signatures=row.signatures,
    )  # fmt: skip
    kind, to, deadline_phase = _MOVES[w.phase]
    if w.phase == Phase.PREPARATION and w.start_from_parent:
        kind, to, deadline_phase = TaskKind.START_FROM_PARENT, Phase.PLENARY, Phase.PLENARY
    if w.phase == Phase.INDIVIDUAL and w.skip_pairs and facts.submitted < 4:
        kind, to = TaskKind.SKIP_PAIRS, Phase.PLENARY  # a small group: straight to step 3
    if w.phase == Phase.PAIRS and w.with_fours:
        kind, to = TaskKind.OPEN_FOURS, Phase.FOURS
    count = {
        TaskKind.START_INDIVIDUAL: facts.participants,
        TaskKind.START_FROM_PARENT: facts.participants,
        TaskKind.CLOSE_INDIVIDUAL: facts.submitted,
        TaskKind.SKIP_PAIRS: facts.submitted,
        TaskKind.OPEN_FOURS: facts.saved_proposals,
        TaskKind.OPEN_PLENARY: facts.saved_proposals,
        TaskKind.COMPOSE_VISION: facts.open_aspects,
        TaskKind.COLLECT_SIGNATURES: facts.signatures,
    }[kind]
    return _task(kind, w, tenant, deadline_phase, count=count, blocked_by=blocker(w, to, facts))


def _participant_tasks(row: Any, tenant: Tenant) -> list[Task]:
    w, tasks = row.Workshop, []
    step1 = w.phase in (Phase.INDIVIDUAL, Phase.PAIRS) and not w.step1_closed
    if row.participant and step1 and not row.submitted_mine:
        tasks.append(_task(TaskKind.WRITE_DRAFT, w, tenant, Phase.INDIVIDUAL))
    if w.phase in (Phase.PAIRS, Phase.FOURS) and w.step1_closed and row.pair_id is not None:
        tasks.extend(_group_tasks(row, tenant))
    # step 2 left out: no proposals whose strengths could be marked
    if (
        w.phase == Phase.PLENARY
        and row.participant
        and not w.pairs_skipped
        and not row.strengths_marked
    ):
        tasks.append(_task(TaskKind.MARK_STRENGTHS, w, tenant, Phase.PLENARY))
    if w.phase == Phase.SIGNING and row.signatory_id is not None and not row.signed_by_me:
        tasks.append(_task(TaskKind.SIGN, w, tenant, Phase.SIGNING, signatory_id=row.signatory_id))
    return tasks


def _group_tasks(row: Any, tenant: Tenant) -> list[Task]:
    """Step 2 and the round of four: feedback, the joint proposal, readiness (in the
    round of four the feedback is on the other pair's proposal)."""
    w, tasks = row.Workshop, []
    group = {"pair_id": row.pair_id, "group_size": row.pair_size or 2}
    if w.phase == Phase.FOURS:
        missing = max((row.four_pairs or 1) - 1, 0) - (row.proposal_feedback or 0)
    else:
        missing = (row.partner_drafts or 0) - (row.feedback or 0)
    if missing > 0:
        tasks.append(_task(TaskKind.GIVE_FEEDBACK, w, tenant, w.phase, count=missing, **group))
    if not row.proposal_version:  # no proposal row, or nothing saved yet
        tasks.append(_task(TaskKind.WRITE_PROPOSAL, w, tenant, w.phase, **group))
    elif row.ready_at is None:
        tasks.append(_task(TaskKind.MARK_READY, w, tenant, w.phase, **group))
    return tasks


def my_tasks(user: User) -> list[Task]:
    """Everything that is ``user``'s to do now, soonest deadline first (no deadline
    last). One statement, whatever the number of workshops."""
    managed = _managed_tenant_ids(user)
    tasks: list[Task] = []
    with generic_plans():
        rows = db.execute(_statement(), {"uid": user.id, "managed": sorted(managed)}).all()
    for row in rows:
        tenant = _TenantRef(row.Workshop.tenant_id, row.slug, row.name)
        tasks.extend(_participant_tasks(row, tenant))  # type: ignore[arg-type]
        if row.Workshop.tenant_id in managed:
            tasks.append(_facilitator_task(row, tenant))  # type: ignore[arg-type]
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    tasks.sort(
        key=lambda t: (
            t.deadline or far,
            t.tenant_name.lower(),
            t.workshop_title.lower(),
            t.workshop_id,
        )
    )
    return tasks


@dataclasses.dataclass(frozen=True)
class _TenantRef:
    """What a task names of its tenant (the row carries it; no Tenant object loaded)."""

    id: int
    slug: str
    name: str
