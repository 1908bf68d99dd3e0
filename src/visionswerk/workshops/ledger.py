"""The aspect ledger of step 3.

When step 3 opens (and idempotently whenever :func:`ensure_aspects` runs again), every
keyword of every submitted step-1 draft (provenance: its author) and of every pair's
proposal (provenance: the pair) becomes an :class:`Aspect`. The unit of decision is the
aspect: each is *taken up* (its ``passage`` must occur in the current vision text) or
*set aside* with a reason. Groups bundle similar aspects under a label; deciding a group
decides all of its aspects at once (they can still be changed one by one).

Coverage = aspects taken up / all aspects (set aside counts as not taken up): overall,
per pair (the aspects from the pair's proposal) and per participant (the aspects from
their own step-1 draft).
"""

from __future__ import annotations

import dataclasses

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from visionswerk.db import db, utcnow
from visionswerk.errors import Conflict, InvalidInput, NotFound
from visionswerk.i18n import N_
from visionswerk.tenants import audit
from visionswerk.tenants.accounts import InvalidField
from visionswerk.tenants.models import User
from visionswerk.tenants.policy import can, require
from visionswerk.workshops import text as texts
from visionswerk.workshops._common import in_scope, load
from visionswerk.workshops.drafts import Contributor, contributors
from visionswerk.workshops.models import (
    Aspect,
    AspectGroup,
    AspectSource,
    AspectStatus,
    Draft,
    Pair,
    PairMember,
    PairProposal,
    Phase,
    VisionDraft,
    Workshop,
)

ASPECT_NOT_FOUND = N_("Diesen Aspekt gibt es hier nicht.")
GROUP_NOT_FOUND = N_("Diese Gruppe gibt es hier nicht.")
NOT_DECIDABLE = N_("Aspekte lassen sich nur in Schritt 3 (Alle zusammen) entscheiden.")


@dataclasses.dataclass(frozen=True)
class Share:
    taken_up: int
    set_aside: int
    open: int

    @property
    def total(self) -> int:
        return self.taken_up + self.set_aside + self.open

    @property
    def ratio(self) -> float | None:
        """Share taken up (0.0–1.0), None when there are no aspects."""
        return self.taken_up / self.total if self.total else None

    @property
    def percent(self) -> int | None:
        return None if self.ratio is None else round(self.ratio * 100)


@dataclasses.dataclass(frozen=True)
class PairShare:
    pair_id: int
    number: int
    member_names: list[str]
    share: Share
    round: int = 1  # 2: a four of the round of four
    merged_into_id: int | None = None  # a pair: the four it merged into
    member_ids: tuple[int, ...] = ()


@dataclasses.dataclass(frozen=True)
class ParticipantShare:
    user_id: int
    author: Contributor  # a name only with the author's consent
    share: Share

    @property
    def display_name(self) -> str:
        return self.author.label


@dataclasses.dataclass(frozen=True)
class Coverage:
    overall: Share
    per_pair: list[PairShare]
    per_participant: list[ParticipantShare]


@dataclasses.dataclass(frozen=True, slots=True)
class AspectRecord:
    """An aspect as plain values, for pages that only read the ledger: loading 300 ORM
    objects (with their pairs) costs more than rendering them (issue 12, "Speed")."""

    id: int
    workshop_id: int
    label: str
    source: AspectSource
    participant_id: int | None
    pair_id: int | None
    pair_number: int | None
    group_id: int | None
    status: AspectStatus
    passage: str | None
    reason: str | None
    parent_version_id: int | None = None  # a statement of the parent vision


@dataclasses.dataclass(frozen=True)
class Ledger:
    aspects: list[Aspect]  # ordered: step-1 aspects by participant, then pairs' aspects
    groups: list[AspectGroup]
    coverage: Coverage
    contributors: dict[int, Contributor]  # participant id → how step-1 authors appear

    @property
    def open_count(self) -> int:
        return self.coverage.overall.open


_KEY_PREFIX = {AspectSource.DRAFT: "d", AspectSource.PROPOSAL: "p", AspectSource.PARENT: "v"}


def _key(source: AspectSource, ref: int, label: str) -> str:
    return f"{_KEY_PREFIX[source]}{ref}:{texts.casefold(label)}"[:400]


def _label_of(statement: str) -> str:
    """A parent statement as an aspect's label (at most 200 characters)."""
    return statement if len(statement) <= 200 else statement[:199].rstrip() + "…"


def parent_rows(workshop: Workshop) -> list[tuple[AspectSource, int, str, dict[str, int | None]]]:
    """Where the workshop chose to start step 3 from the parent vision: its statements,
    with the parent version as provenance (none otherwise)."""
    if not workshop.start_from_parent or workshop.parent_vision_version_id is None:
        return []
    from visionswerk.visions.documents import load_any, statements  # visions import us

    parent = load_any(workshop.parent_vision_version_id)
    if parent is None:
        return []
    return [
        (AspectSource.PARENT, parent.id, _label_of(s), {"parent_version_id": parent.id})
        for s in statements(parent.text)
    ]


def ensure_aspects(workshop: Workshop) -> int:
    """Create the missing aspects from the parent vision's statements (where the workshop
    starts from them), submitted drafts' and proposals' keywords; existing ones (and
    their decisions) are kept. Returns how many were created."""
    existing = set(db.scalars(select(Aspect.key).where(Aspect.workshop_id == workshop.id)))
    position = len(existing)
    created = 0
    drafts = db.scalars(
        select(Draft)
        .where(Draft.workshop_id == workshop.id, Draft.submitted_at.is_not(None))
        .order_by(Draft.id)
    ).all()
    proposals = db.execute(
        select(PairProposal, Pair.number)
        .join(Pair, Pair.id == PairProposal.pair_id)
        .where(PairProposal.workshop_id == workshop.id)
        .order_by(Pair.number)
    ).all()
    rows = parent_rows(workshop)
    for d in drafts:
        for kw in d.keywords:
            rows.append(
                (AspectSource.DRAFT, d.id, kw, {"draft_id": d.id, "participant_id": d.author_id})
            )
    for p, _number in proposals:
        for kw in p.keywords:
            rows.append((AspectSource.PROPOSAL, p.pair_id, kw, {"pair_id": p.pair_id}))
    for source, ref, label, provenance in rows:
        key = _key(source, ref, label)
        if key in existing:
            continue
        existing.add(key)
        position += 1
        created += 1
        db.add(
            Aspect(
                tenant_id=workshop.tenant_id,
                workshop_id=workshop.id,
                key=key,
                label=label,
                source=source,
                position=position,
                **provenance,
            )
        )
    db.flush()
    return created


def _aspects(workshop: Workshop) -> list[Aspect]:
    return list(
        db.scalars(
            select(Aspect)
            .where(Aspect.workshop_id == workshop.id)
            .order_by(Aspect.position, Aspect.id)
            .options(selectinload(Aspect.pair))  # the participant: via contributors()
        )
    )


def _records(workshop: Workshop) -> list[AspectRecord]:
    rows = db.execute(
        select(
            Aspect.id, Aspect.workshop_id, Aspect.label, Aspect.source, Aspect.participant_id,
            Aspect.pair_id, Pair.number, Aspect.group_id, Aspect.status, Aspect.passage,
            Aspect.reason, Aspect.parent_version_id,
        )
        .outerjoin(Pair, Pair.id == Aspect.pair_id)
        .where(Aspect.workshop_id == workshop.id)
        .order_by(Aspect.position, Aspect.id)
    )  # fmt: skip
    return [AspectRecord(*r) for r in rows]


def ledger(actor: User, workshop: Workshop, *, records: bool = False) -> Ledger:
    """The aspects with provenance and decisions, the groups, and coverage
    (``ledger.read``: facilitators and participants from step 3 on). ``records``: the
    aspects as read-only :class:`AspectRecord` (a page), not ORM objects (to change)."""
    in_scope(workshop)
    require(actor, "ledger.read", workshop)
    aspects: list = _records(workshop) if records else _aspects(workshop)  # type: ignore[type-arg]
    groups = list(
        db.scalars(
            select(AspectGroup)
            .where(AspectGroup.workshop_id == workshop.id)
            .order_by(AspectGroup.id)
        )
    )
    people = contributors(actor, workshop)
    return Ledger(aspects, groups, _coverage(workshop, aspects, people), people)


def open_aspect_count(workshop: Workshop) -> int:
    return sum(a.status == AspectStatus.OPEN for a in _aspects(workshop))


def stale_passages(workshop: Workshop, text: str | None = None) -> list[Aspect]:
    """Aspects taken up whose passage no longer occurs in the vision text."""
    if text is None:
        text = db.scalar(select(VisionDraft.text).where(VisionDraft.workshop_id == workshop.id))
    return [
        a
        for a in _aspects(workshop)
        if a.status == AspectStatus.TAKEN_UP
        and not texts.contains_passage(text or "", a.passage or "")
    ]


def coverage(actor: User, workshop: Workshop) -> Coverage:
    """Coverage numbers only (``workshop.status`` or ``ledger.read``)."""
    in_scope(workshop)
    if not (can(actor, "workshop.status", workshop) or can(actor, "ledger.read", workshop)):
        require(actor, "workshop.status", workshop)
    return _coverage(workshop, _aspects(workshop), contributors(actor, workshop))


def _share(aspects: list[Aspect]) -> Share:
    return Share(
        taken_up=sum(a.status == AspectStatus.TAKEN_UP for a in aspects),
        set_aside=sum(a.status == AspectStatus.SET_ASIDE for a in aspects),
        open=sum(a.status == AspectStatus.OPEN for a in aspects),
    )


def _coverage(
    workshop: Workshop, aspects: list[Aspect], people: dict[int, Contributor]
) -> Coverage:
    # the groups of both rounds with their members in one query (columns, not ORM
    # objects): pairs first, then the fours
    names: dict[tuple[int, int, int, int | None], list[tuple[int, str]]] = {}
    for pid, number, round_, merged, uid, name in db.execute(
        select(
            Pair.id, Pair.number, Pair.round, Pair.merged_into_id, User.id, User.display_name
        )
        .outerjoin(PairMember, PairMember.pair_id == Pair.id)
        .outerjoin(User, User.id == PairMember.user_id)
        .where(Pair.workshop_id == workshop.id)
        .order_by(Pair.round, Pair.number, PairMember.id)
    ):  # fmt: skip
        members = names.setdefault((pid, number, round_, merged), [])
        if name is not None:
            members.append((uid, name))
    by_pair: dict[int | None, list[Aspect]] = {}
    by_person: dict[int | None, list[Aspect]] = {}
    for a in aspects:  # one pass, not one per pair and person (300 aspects × 60)
        by_pair.setdefault(a.pair_id, []).append(a)
        by_person.setdefault(a.participant_id, []).append(a)
    per_pair = [
        PairShare(
            pair_id=pid, number=number, member_names=[n for _, n in members],
            share=_share(by_pair.get(pid, [])), round=round_, merged_into_id=merged,
            member_ids=tuple(uid for uid, _ in members),
        )
        for (pid, number, round_, merged), members in names.items()
    ]  # fmt: skip
    authors = {
        a.participant_id
        for a in aspects
        if a.source == AspectSource.DRAFT and a.participant_id is not None
    }
    unknown = Contributor("?", None)  # a draft withdrawn after its aspects were made
    per_participant = [
        ParticipantShare(uid, people.get(uid, unknown), _share(by_person.get(uid, [])))
        for uid in sorted(
            authors,
            key=lambda uid: (
                len(people.get(uid, unknown).letter),
                people.get(uid, unknown).letter,
                uid,
            ),
        )
    ]
    return Coverage(_share(aspects), per_pair, per_participant)


def _check_decide(actor: User, workshop: Workshop) -> None:
    if workshop.phase != Phase.PLENARY:
        raise Conflict(NOT_DECIDABLE)
    require(actor, "ledger.decide", workshop)


def get_aspect(actor: User, aspect_id: int) -> Aspect:
    aspect = load(Aspect, aspect_id, ASPECT_NOT_FOUND)
    workshop = db.scalar(select(Workshop).where(Workshop.id == aspect.workshop_id))
    if workshop is None or not can(actor, "ledger.read", workshop):
        raise NotFound(ASPECT_NOT_FOUND)
    return aspect


def get_group(actor: User, group_id: int) -> AspectGroup:
    group = load(AspectGroup, group_id, GROUP_NOT_FOUND)
    workshop = db.scalar(select(Workshop).where(Workshop.id == group.workshop_id))
    if workshop is None or not can(actor, "ledger.read", workshop):
        raise NotFound(GROUP_NOT_FOUND)
    return group


def _workshop(obj: Aspect | AspectGroup) -> Workshop:
    in_scope(obj)
    workshop = db.scalar(select(Workshop).where(Workshop.id == obj.workshop_id))
    assert workshop is not None
    return workshop


def _clean_passage(workshop: Workshop, passage: str | None) -> str:
    clean = texts.clean_text(
        passage,
        field="passage",
        limit=texts.PASSAGE_MAX,
        required=True,
        required_message=N_(
            "Bitte geben Sie die Stelle im Visionstext an, die den Aspekt aufnimmt."
        ),
    )
    text = db.scalar(select(VisionDraft.text).where(VisionDraft.workshop_id == workshop.id))
    if not texts.contains_passage(text or "", clean):
        raise InvalidField(
            "passage",
            N_(
                "Diese Stelle steht (noch) nicht im Visionstext. Bitte kopieren Sie eine "
                "Stelle aus dem gespeicherten Text."
            ),
        )
    return clean


def _clean_reason(reason: str | None) -> str:
    return texts.clean_text(
        reason,
        field="reason",
        limit=texts.REASON_MAX,
        required=True,
        required_message=N_("Bitte begründen Sie kurz, warum der Aspekt zurückgestellt wird."),
    )


def _decide(
    actor: User, aspect: Aspect, status: AspectStatus, passage: str | None, reason: str | None
) -> None:
    aspect.status = status
    aspect.passage = passage
    aspect.reason = reason
    aspect.decided_by_id = actor.id if status != AspectStatus.OPEN else None
    aspect.decided_at = utcnow() if status != AspectStatus.OPEN else None


def take_up(actor: User, aspect: Aspect, passage: str | None) -> Aspect:
    """Mark the aspect as taken up by ``passage`` — an excerpt that must occur in the
    saved vision text (compared ignoring case and whitespace). InvalidField otherwise."""
    workshop = _workshop(aspect)
    _check_decide(actor, workshop)
    clean = _clean_passage(workshop, passage)
    _decide(actor, aspect, AspectStatus.TAKEN_UP, clean, None)
    db.flush()
    audit.record(actor, workshop.tenant_id, "aspect.take_up", aspect)
    return aspect


def set_aside(actor: User, aspect: Aspect, reason: str | None) -> Aspect:
    """Set the aspect aside with a short, non-empty reason (≤ 500 characters)."""
    workshop = _workshop(aspect)
    _check_decide(actor, workshop)
    clean = _clean_reason(reason)
    _decide(actor, aspect, AspectStatus.SET_ASIDE, None, clean)
    db.flush()
    audit.record(actor, workshop.tenant_id, "aspect.set_aside", aspect)
    return aspect


def reopen_aspect(actor: User, aspect: Aspect) -> Aspect:
    workshop = _workshop(aspect)
    _check_decide(actor, workshop)
    _decide(actor, aspect, AspectStatus.OPEN, None, None)
    db.flush()
    audit.record(actor, workshop.tenant_id, "aspect.reopen", aspect)
    return aspect


def group_aspects(
    actor: User, workshop: Workshop, aspect_ids: list[int], label: str | None
) -> AspectGroup:
    """Group similar aspects under ``label`` (at least two aspects of this workshop;
    aspects already in another group move to the new one)."""
    in_scope(workshop)
    _check_decide(actor, workshop)
    clean_label = texts.clean_line(
        label,
        field="label",
        limit=texts.GROUP_LABEL_MAX,
        required=True,
        required_message=N_("Bitte geben Sie der Gruppe eine Bezeichnung."),
    )
    ids = {int(i) for i in aspect_ids}
    aspects = db.scalars(
        select(Aspect).where(Aspect.workshop_id == workshop.id, Aspect.id.in_(ids))
    ).all()
    if len(aspects) != len(ids):
        raise NotFound(ASPECT_NOT_FOUND)
    if len(aspects) < 2:
        raise InvalidInput(N_("Eine Gruppe braucht mindestens zwei Aspekte."))
    group = AspectGroup(tenant_id=workshop.tenant_id, workshop_id=workshop.id, label=clean_label)
    db.add(group)
    db.flush()
    for a in aspects:
        a.group_id = group.id
    db.flush()
    _drop_empty_groups(workshop)
    db.expire(group, ["aspects"])
    audit.record(actor, workshop.tenant_id, "aspect.group", group, aspects=sorted(ids))
    return group


def ungroup(actor: User, aspect: Aspect) -> Aspect:
    """Take one aspect out of its group (a group left with fewer than two dissolves)."""
    workshop = _workshop(aspect)
    _check_decide(actor, workshop)
    aspect.group_id = None
    db.flush()
    _drop_empty_groups(workshop)
    return aspect


def dissolve_group(actor: User, group: AspectGroup) -> None:
    workshop = _workshop(group)
    _check_decide(actor, workshop)
    for a in list(group.aspects):
        a.group_id = None
    db.flush()
    db.delete(group)
    db.flush()


def _drop_empty_groups(workshop: Workshop) -> None:
    groups = db.scalars(
        select(AspectGroup)
        .where(AspectGroup.workshop_id == workshop.id)
        .options(selectinload(AspectGroup.aspects))
    ).all()
    for g in groups:
        db.refresh(g, ["aspects"])
        if len(g.aspects) < 2:
            for a in g.aspects:
                a.group_id = None
            db.flush()
            db.delete(g)
    db.flush()


def decide_group(
    actor: User, group: AspectGroup, *, passage: str | None = None, reason: str | None = None
) -> list[Aspect]:
    """Take up (with ``passage``) or set aside (with ``reason``) every aspect of the
    group at once. Exactly one of the two must be given."""
    workshop = _workshop(group)
    _check_decide(actor, workshop)
    if (passage is None) == (reason is None):
        raise InvalidInput(
            N_("Bitte wählen Sie: aufnehmen (mit Textstelle) oder zurückstellen (mit Begründung).")
        )
    if passage is not None:
        clean = _clean_passage(workshop, passage)
        for a in group.aspects:
            _decide(actor, a, AspectStatus.TAKEN_UP, clean, None)
    else:
        clean = _clean_reason(reason)
        for a in group.aspects:
            _decide(actor, a, AspectStatus.SET_ASIDE, None, clean)
    db.flush()
    audit.record(
        actor,
        workshop.tenant_id,
        "aspect.decide_group",
        group,
        status="taken_up" if passage is not None else "set_aside",
    )
    return list(group.aspects)
