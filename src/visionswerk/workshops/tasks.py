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
from typing import Any

from sqlalchemy import func, select

from visionswerk.db import db
from visionswerk.errors import Conflict
from visionswerk.tenants.models import Role, Tenant, TenantKind, User
from visionswerk.workshops.models import (
    Aspect,
    AspectStatus,
    Draft,
    DraftFeedback,
    PairMember,
    PairProposal,
    Participation,
    Phase,
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
        w.deadline(deadline_phase), **extra,
    )  # fmt: skip


def _per_workshop(query: Any) -> dict[int, int]:
    return {wid: int(n) for wid, n in db.execute(query.execution_options(**ALL)).all()}


# the facilitator's move in each phase: (task, the phase it moves to, whose deadline)
_MOVES = {
    Phase.PREPARATION: (TaskKind.START_INDIVIDUAL, Phase.INDIVIDUAL, Phase.INDIVIDUAL),
    Phase.INDIVIDUAL: (TaskKind.CLOSE_INDIVIDUAL, Phase.PAIRS, Phase.INDIVIDUAL),
    Phase.PAIRS: (TaskKind.OPEN_PLENARY, Phase.PLENARY, Phase.PAIRS),
    Phase.PLENARY: (TaskKind.COMPOSE_VISION, Phase.SIGNING, Phase.PLENARY),
    Phase.SIGNING: (TaskKind.COLLECT_SIGNATURES, Phase.ADOPTED, Phase.SIGNING),
}


def _facilitator_tasks(
    rows: list[Any], open_aspects: dict[int, int], signatures: dict[int, int]
) -> list[Task]:
    """One task per managed workshop: its next move, with the guard's reason if it is
    not possible yet (the same :func:`lifecycle.blocker` that guards the move). A fixed
    number of counting queries; the passage check of step 3 is left to the move."""
    from visionswerk.workshops.lifecycle import Readiness, blocker

    ids = [w.id for w, _ in rows]
    if not ids:
        return []
    people = _per_workshop(
        select(Participation.workshop_id, func.count())
        .where(Participation.workshop_id.in_(ids))
        .group_by(Participation.workshop_id)
    )
    submitted = _per_workshop(
        select(Draft.workshop_id, func.count())
        .join(
            Participation,
            (Participation.workshop_id == Draft.workshop_id)
            & (Participation.user_id == Draft.author_id),
        )
        .where(Draft.workshop_id.in_(ids), Draft.submitted_at.is_not(None))
        .group_by(Draft.workshop_id)
    )
    saved = _per_workshop(
        select(PairProposal.workshop_id, func.count())
        .where(PairProposal.workshop_id.in_(ids), PairProposal.version > 0)
        .group_by(PairProposal.workshop_id)
    )
    written = set(
        db.scalars(
            select(VisionDraft.workshop_id)
            .where(
                VisionDraft.workshop_id.in_(ids),
                func.length(func.trim(VisionDraft.text)) > 0,
                func.length(func.trim(VisionDraft.title)) > 0,
            )
            .execution_options(**ALL)
        )
    )
    tasks = []
    for w, tenant in rows:
        facts = Readiness(
            participants=people.get(w.id, 0),
            submitted=submitted.get(w.id, 0),
            saved_proposals=saved.get(w.id, 0),
            vision_written=w.id in written,
            open_aspects=open_aspects.get(w.id, 0),
            signatures=signatures.get(w.id, 0),
        )
        kind, to, deadline_phase = _MOVES[w.phase]
        if w.phase == Phase.PAIRS and not w.step1_closed:
            tasks.append(_task(TaskKind.CONFIRM_PAIRS, w, tenant, Phase.PAIRS))
            continue
        count = {
            TaskKind.START_INDIVIDUAL: facts.participants,
            TaskKind.CLOSE_INDIVIDUAL: facts.submitted,
            TaskKind.OPEN_PLENARY: facts.saved_proposals,
            TaskKind.COMPOSE_VISION: facts.open_aspects,
            TaskKind.COLLECT_SIGNATURES: facts.signatures,
        }[kind]
        tasks.append(
            _task(kind, w, tenant, deadline_phase, count=count, blocked_by=blocker(w, to, facts))
        )
    return tasks


def my_tasks(user: User) -> list[Task]:
    """Everything that is ``user``'s to do now, soonest deadline first (no deadline
    last). A fixed number of queries, whatever the number of workshops."""
    participating = set(
        db.scalars(
            select(Participation.workshop_id)
            .where(Participation.user_id == user.id)
            .execution_options(**ALL)
        )
    )
    managed_tenants = _managed_tenant_ids(user)
    active = [Phase.INDIVIDUAL, Phase.PAIRS, Phase.PLENARY, Phase.SIGNING]
    cond = Workshop.id.in_(participating) & Workshop.phase.in_(active)
    if managed_tenants:  # the facilitator's next move is a task from preparation on
        cond = cond | (Workshop.tenant_id.in_(managed_tenants) & (Workshop.phase != Phase.ADOPTED))
    signing_versions = (
        select(VisionVersion.workshop_id)
        .join(Signatory, Signatory.version_id == VisionVersion.id)
        .where(Signatory.user_id == user.id)
    )
    rows = db.execute(
        select(Workshop, Tenant)
        .join(Tenant, Tenant.id == Workshop.tenant_id)
        .where(cond | (Workshop.id.in_(signing_versions) & Workshop.phase.in_(active)))
        .execution_options(**ALL)
    ).all()
    if not rows:
        return []
    ids = [w.id for w, _ in rows]

    drafts = {
        d.workshop_id: d
        for d in db.scalars(
            select(Draft)
            .where(Draft.author_id == user.id, Draft.workshop_id.in_(ids))
            .execution_options(**ALL)
        )
    }
    my_members = {
        m.workshop_id: m
        for m in db.scalars(
            select(PairMember)
            .where(PairMember.user_id == user.id, PairMember.workshop_id.in_(ids))
            .execution_options(**ALL)
        )
    }
    pair_ids = [m.pair_id for m in my_members.values()]
    proposals = {
        p.pair_id: p
        for p in db.scalars(
            select(PairProposal).where(PairProposal.pair_id.in_(pair_ids)).execution_options(**ALL)
        )
    }
    sizes = _per_workshop(
        select(PairMember.pair_id, func.count())
        .where(PairMember.pair_id.in_(pair_ids))
        .group_by(PairMember.pair_id)
    )
    # submitted drafts of my partners, per pair, and the feedback I gave
    partner_drafts: dict[int, int] = dict(
        db.execute(
            select(PairMember.pair_id, func.count(Draft.id))
            .join(
                Draft,
                (Draft.workshop_id == PairMember.workshop_id)
                & (Draft.author_id == PairMember.user_id),
            )
            .where(
                PairMember.pair_id.in_(pair_ids),
                PairMember.user_id != user.id,
                Draft.submitted_at.is_not(None),
            )
            .group_by(PairMember.pair_id)
            .execution_options(**ALL)
        ).all()
    )
    feedback_given: dict[int, int] = dict(
        db.execute(
            select(DraftFeedback.pair_id, func.count())
            .where(DraftFeedback.author_id == user.id, DraftFeedback.pair_id.in_(pair_ids))
            .group_by(DraftFeedback.pair_id)
            .execution_options(**ALL)
        ).all()
    )
    strengths_marked = set(
        db.scalars(
            select(PairProposal.workshop_id)
            .join(Strength, Strength.proposal_id == PairProposal.id)
            .where(Strength.user_id == user.id, PairProposal.workshop_id.in_(ids))
            .execution_options(**ALL)
        )
    )
    open_aspects: dict[int, int] = dict(
        db.execute(
            select(Aspect.workshop_id, func.count())
            .where(Aspect.workshop_id.in_(ids), Aspect.status == AspectStatus.OPEN)
            .group_by(Aspect.workshop_id)
            .execution_options(**ALL)
        ).all()
    )
    latest = (
        select(VisionVersion.workshop_id, func.max(VisionVersion.number).label("n"))
        .where(VisionVersion.workshop_id.in_(ids))
        .group_by(VisionVersion.workshop_id)
        .subquery()
    )
    current_versions = {
        v.workshop_id: v
        for v in db.scalars(
            select(VisionVersion)
            .join(
                latest,
                (latest.c.workshop_id == VisionVersion.workshop_id)
                & (latest.c.n == VisionVersion.number),
            )
            .execution_options(**ALL)
        )
    }
    version_ids = [v.id for v in current_versions.values()]
    my_signatories = {
        s.version_id: s
        for s in db.scalars(
            select(Signatory)
            .where(Signatory.user_id == user.id, Signatory.version_id.in_(version_ids))
            .execution_options(**ALL)
        )
    }
    signed = dict(
        db.execute(
            select(Signature.version_id, func.count())
            .where(Signature.version_id.in_(version_ids))
            .group_by(Signature.version_id)
            .execution_options(**ALL)
        ).all()
    )
    signed_by_me = set(
        db.scalars(
            select(Signature.signatory_id)
            .where(Signature.signatory_id.in_([s.id for s in my_signatories.values()]))
            .execution_options(**ALL)
        )
    )

    tasks: list[Task] = []
    for w, tenant in rows:

        def add(
            kind: TaskKind,
            deadline_phase: Phase,
            w: Workshop = w,
            tenant: Tenant = tenant,
            **extra: int | None,
        ) -> None:
            tasks.append(
                Task(
                    kind,
                    w.id,
                    w.title,
                    tenant.id,
                    tenant.slug,
                    tenant.name,
                    w.phase,
                    w.deadline(deadline_phase),
                    **extra,
                )
            )

        participant = w.id in participating
        if participant and w.phase in (Phase.INDIVIDUAL, Phase.PAIRS) and not w.step1_closed:
            draft = drafts.get(w.id)
            if draft is None or draft.submitted_at is None:
                add(TaskKind.WRITE_DRAFT, Phase.INDIVIDUAL)
        if w.phase == Phase.PAIRS and w.step1_closed and w.id in my_members:
            member = my_members[w.id]
            group = {"pair_id": member.pair_id, "group_size": sizes.get(member.pair_id, 2)}
            missing = partner_drafts.get(member.pair_id, 0) - feedback_given.get(member.pair_id, 0)
            if missing > 0:
                add(TaskKind.GIVE_FEEDBACK, Phase.PAIRS, count=missing, **group)
            proposal = proposals.get(member.pair_id)
            if proposal is None or proposal.version == 0:
                add(TaskKind.WRITE_PROPOSAL, Phase.PAIRS, **group)
            elif member.ready_at is None:
                add(TaskKind.MARK_READY, Phase.PAIRS, **group)
        if w.phase == Phase.PLENARY and participant and w.id not in strengths_marked:
            add(TaskKind.MARK_STRENGTHS, Phase.PLENARY)
        if w.phase == Phase.SIGNING:
            version = current_versions.get(w.id)
            mine = my_signatories.get(version.id) if version is not None else None
            if mine is not None and mine.id not in signed_by_me:
                add(TaskKind.SIGN, Phase.SIGNING, signatory_id=mine.id)
    if managed_tenants:
        managed = [(w, t) for w, t in rows if w.tenant_id in managed_tenants]
        signatures = {wid: int(signed.get(v.id, 0)) for wid, v in current_versions.items()}
        tasks.extend(_facilitator_tasks(managed, open_aspects, signatures))
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
