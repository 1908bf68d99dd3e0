"""Step 3 as a workbench: the clerical work of composing one vision from all proposals.

* :func:`insert_proposal` appends a pair's proposal (or one paragraph of it) to the vision
  text — a normal optimistic save of the vision, with the provenance recorded in the audit
  log (:func:`insertions` reads it back for the page).
* :func:`take_up_many` / :func:`set_aside_many` decide several aspects (and whole groups)
  with one passage or one reason, in one transaction: all or nothing.
* :func:`suggestions` offers similar aspects as groups and, for every open aspect, the
  sentences of the saved text that seem to carry it (``grouping.suggest_*``). They are only
  suggestions: nothing is grouped or decided without a person's action
  (:func:`accept_group` is ``group_aspects`` for a suggestion, perhaps edited).

The suggestion functions cost up to a few hundred milliseconds for hundreds of aspects, so
their results are cached per process, keyed by exactly what they read (the labels, the
text): a page view after a decision recomputes only what changed. Who computes them is
:data:`suggester`: this process by default (``grouping``, imported on first use — numpy, the
word lists, the model); the web process hands them to the worker
(``worker/suggestions.py``), so that it holds none of that.
"""

from __future__ import annotations

import collections
import dataclasses
import functools
import re
import threading
from collections.abc import Iterable
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from visionswerk.db import db
from visionswerk.errors import InvalidInput, NotFound
from visionswerk.i18n import N_
from visionswerk.tenants import audit
from visionswerk.tenants.accounts import InvalidField
from visionswerk.tenants.models import AuditEntry, User
from visionswerk.tenants.policy import require
from visionswerk.workshops import text as texts
from visionswerk.workshops._common import in_scope
from visionswerk.workshops.ledger import (
    ASPECT_NOT_FOUND,
    _check_decide,
    _clean_passage,
    _clean_reason,
    _decide,
    _drop_empty_groups,
    group_aspects,
)
from visionswerk.workshops.models import (
    Aspect,
    AspectStatus,
    DismissedSuggestion,
    Pair,
    PairProposal,
    VisionDraft,
    Workshop,
)
from visionswerk.workshops.plenary import save_vision, vision_draft

INSERT_ACTION = "vision.insert_proposal"
PROPOSAL_NOT_FOUND = N_("Diesen Vorschlag gibt es hier nicht.")
PARAGRAPH_NOT_FOUND = N_("Diesen Absatz gibt es in dem Vorschlag nicht.")
NOTHING_CHOSEN = N_("Bitte kreuzen Sie mindestens einen Aspekt oder eine Gruppe an.")


def paragraphs(text: str) -> list[str]:
    """A proposal's paragraphs (separated by blank lines), as the page offers them."""
    return [p.strip() for p in re.split(r"\n\s*\n", text or "") if p.strip()]


@dataclasses.dataclass(frozen=True)
class Insertion:
    pair_number: int | None
    paragraph: int | None  # 1-based; None = the whole proposal
    at: object


def insert_proposal(
    actor: User,
    workshop: Workshop,
    proposal: PairProposal | int,
    *,
    base_version: int,
    paragraph: int | None = None,
) -> VisionDraft:
    """Append the pair's proposal (``paragraph`` None) or its paragraph number
    ``paragraph`` (1-based) to the vision text, saved from ``base_version`` like any edit
    (stale → the same Conflict as ``save_vision``). The provenance is recorded.
    ``proposal``: the proposal or its id (loaded only after the permission check)."""
    in_scope(workshop)
    require(actor, "vision.compose", workshop)
    if isinstance(proposal, int):
        found = db.scalar(
            select(PairProposal).where(
                PairProposal.id == proposal, PairProposal.workshop_id == workshop.id
            )
        )
        proposal = found if found is not None else PairProposal()
    in_scope(proposal, PROPOSAL_NOT_FOUND)
    if proposal.workshop_id != workshop.id:
        raise NotFound(PROPOSAL_NOT_FOUND)
    parts = paragraphs(proposal.text)
    if paragraph is None:
        piece = "\n\n".join(parts)
    elif 1 <= paragraph <= len(parts):
        piece = parts[paragraph - 1]
    else:
        raise InvalidField("paragraph", PARAGRAPH_NOT_FOUND)
    if not piece:
        raise InvalidField("proposal_id", N_("Dieser Vorschlag hat keinen Text."))
    draft = vision_draft(actor, workshop)
    text = f"{draft.text.rstrip()}\n\n{piece}" if draft.text.strip() else piece
    saved = save_vision(actor, workshop, draft.title or workshop.title, text, base_version)
    pair_number = db.scalar(select(Pair.number).where(Pair.id == proposal.pair_id))
    audit.record(
        actor,
        workshop.tenant_id,
        INSERT_ACTION,
        saved,
        proposal_id=proposal.id,
        pair_id=proposal.pair_id,
        pair_number=pair_number,
        proposal_version=proposal.version,
        paragraph=paragraph,
    )
    return saved


def insertions(
    actor: User, workshop: Workshop, draft: VisionDraft | None = None
) -> list[Insertion]:
    """What was inserted from which pair's proposal, oldest first (one query; two without
    the workshop's ``draft``)."""
    in_scope(workshop)
    require(actor, "plenary.read", workshop)
    if draft is not None and draft.workshop_id == workshop.id:
        draft_id = draft.id
    else:
        draft_id = db.scalar(select(VisionDraft.id).where(VisionDraft.workshop_id == workshop.id))
    rows = db.scalars(
        select(AuditEntry)
        .where(
            AuditEntry.tenant_id == workshop.tenant_id,
            AuditEntry.action == INSERT_ACTION,
            AuditEntry.object_id == draft_id,
        )
        .order_by(AuditEntry.id)
    )
    return [
        Insertion(e.detail.get("pair_number"), e.detail.get("paragraph"), e.created_at)
        for e in rows
    ]  # type: ignore[arg-type]


def _chosen(workshop: Workshop, aspect_ids: list[int], group_ids: list[int]) -> list[Aspect]:
    """The aspects named, plus every member of the groups named — all of this workshop
    (one unknown id: NotFound, nothing changes)."""
    ids = {int(i) for i in aspect_ids}
    gids = {int(i) for i in group_ids}
    if not ids and not gids:
        raise InvalidInput(NOTHING_CHOSEN)
    found = db.scalars(
        select(Aspect).where(
            Aspect.workshop_id == workshop.id,
            Aspect.tenant_id == workshop.tenant_id,
            Aspect.id.in_(ids) | Aspect.group_id.in_(gids),
        )
    ).all()
    if not ids <= {a.id for a in found} or not gids <= {a.group_id for a in found}:
        raise NotFound(ASPECT_NOT_FOUND)
    return sorted(found, key=lambda a: (a.position, a.id))


def _lock_text(workshop: Workshop) -> None:
    """Hold the vision text's row while the passage is checked and recorded, so a
    concurrent save cannot remove the passage in between (stale passages stay flagged)."""
    draft = db.scalar(select(VisionDraft).where(VisionDraft.workshop_id == workshop.id))
    if draft is not None:
        db.refresh(draft, with_for_update=True)


def take_up_many(
    actor: User,
    workshop: Workshop,
    aspect_ids: list[int],
    passage: str | None,
    *,
    group_ids: list[int] = (),  # type: ignore[assignment]
) -> list[Aspect]:
    """Take up every aspect named (and every member of the groups named) with one
    passage, which must occur in the saved vision text. All or nothing."""
    in_scope(workshop)
    _check_decide(actor, workshop)
    aspects = _chosen(workshop, aspect_ids, group_ids)
    _lock_text(workshop)
    clean = _clean_passage(workshop, passage)
    for a in aspects:
        _decide(actor, a, AspectStatus.TAKEN_UP, clean, None)
    db.flush()
    audit.record(
        actor, workshop.tenant_id, "aspect.take_up_many", workshop,
        aspects=[a.id for a in aspects],
    )  # fmt: skip
    return aspects


def set_aside_many(
    actor: User,
    workshop: Workshop,
    aspect_ids: list[int],
    reason: str | None,
    *,
    group_ids: list[int] = (),  # type: ignore[assignment]
) -> list[Aspect]:
    """Set aside every aspect named (and the groups' members) with one reason."""
    in_scope(workshop)
    _check_decide(actor, workshop)
    aspects = _chosen(workshop, aspect_ids, group_ids)
    clean = _clean_reason(reason)
    for a in aspects:
        _decide(actor, a, AspectStatus.SET_ASIDE, None, clean)
    db.flush()
    audit.record(
        actor, workshop.tenant_id, "aspect.set_aside_many", workshop,
        aspects=[a.id for a in aspects],
    )  # fmt: skip
    return aspects


def reopen_many(
    actor: User,
    workshop: Workshop,
    aspect_ids: list[int],
    *,
    group_ids: list[int] = (),  # type: ignore[assignment]
    ungroup: bool = False,
) -> list[Aspect]:
    """Open the aspects named again (``ungroup``: take them out of their groups instead;
    a group left with fewer than two dissolves)."""
    in_scope(workshop)
    _check_decide(actor, workshop)
    aspects = _chosen(workshop, aspect_ids, group_ids)
    for a in aspects:
        if ungroup:
            a.group_id = None
        else:
            _decide(actor, a, AspectStatus.OPEN, None, None)
    db.flush()
    if ungroup:
        _drop_empty_groups(workshop)
    audit.record(
        actor, workshop.tenant_id, "aspect.ungroup_many" if ungroup else "aspect.reopen_many",
        workshop, aspects=[a.id for a in aspects],
    )  # fmt: skip
    return aspects


def stale_ids(aspects: list[Aspect], text: str) -> set[int]:
    """Ids of the aspects taken up whose passage the text no longer contains — the same
    comparison as ``text.contains_passage``, with the text folded once, not per aspect."""
    folded = " ".join(texts.casefold(text or "").split())
    stale = set()
    for a in aspects:
        if a.status == AspectStatus.TAKEN_UP:
            needle = " ".join(texts.casefold(a.passage or "").split())
            if not needle or needle not in folded:
                stale.add(a.id)
    return stale


def take_up_at(actor: User, aspect: Aspect, start: int, end: int) -> Aspect:
    """Take up ``aspect`` with the passage ``text[start:end]`` of the saved vision text
    (a suggested passage, one click). Offsets outside the text: InvalidField."""
    in_scope(aspect)
    workshop = db.scalar(select(Workshop).where(Workshop.id == aspect.workshop_id))
    assert workshop is not None
    text = db.scalar(select(VisionDraft.text).where(VisionDraft.workshop_id == workshop.id)) or ""
    passage = text[start:end] if 0 <= start < end <= len(text) else ""
    return take_up_many(actor, workshop, [aspect.id], passage)[0]


# --- suggestions --------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class SuggestedGroup:
    aspect_ids: list[int]  # the members still open and in no group
    label: str
    key: str  # stable name (to dismiss it): the ids of all the similar aspects found


@dataclasses.dataclass(frozen=True)
class SuggestedPassage:
    start: int
    end: int
    text: str


@dataclasses.dataclass(frozen=True)
class Suggestions:
    groups: list[SuggestedGroup]
    passages: dict[int, list[SuggestedPassage]]  # open aspect id → best first
    # open aspects whose passages were not looked for yet (over the ``budget``)
    pending: list[int] = dataclasses.field(default_factory=list)


class Suggester(Protocol):
    """Computes the suggestions: ``grouping.suggest_groups`` and
    ``grouping.suggest_passages_many``, here or elsewhere."""

    def groups(self, labels: list[str]) -> list[list[int]]: ...

    def passages(self, labels: list[str], text: str, limit: int) -> list[list[tuple[int, int]]]: ...


class InProcess:
    """This process computes the suggestions (``grouping`` is imported on first use)."""

    def groups(self, labels: list[str]) -> list[list[int]]:
        from visionswerk.workshops import grouping

        return grouping.suggest_groups(labels)

    def passages(self, labels: list[str], text: str, limit: int) -> list[list[tuple[int, int]]]:
        from visionswerk.workshops import grouping

        return grouping.suggest_passages_many(labels, text, limit=limit)


#: Who computes the suggestions (see the module's docstring): ``compute_suggestions_with``.
suggester: Suggester = InProcess()


def compute_suggestions_with(other: Suggester | None) -> None:
    """Let ``other`` compute the suggestions from now on (None: this process); forgets the
    suggestions computed so far."""
    global suggester
    suggester = other or InProcess()
    _groups_of.cache_clear()
    with _passages_lock:
        _passages.clear()


@functools.lru_cache(maxsize=64)
def _groups_of(labels: tuple[str, ...]) -> tuple[tuple[int, ...], ...]:
    return tuple(tuple(g) for g in suggester.groups(list(labels)))


_passages_lock = threading.Lock()
_passages: collections.OrderedDict[tuple[str, int], dict[str, list[tuple[int, int]]]] = (
    collections.OrderedDict()
)


def _passages_of(
    labels: list[str], text: str, limit: int, budget: int | None = None
) -> dict[str, list[tuple[int, int]]]:
    """Suggested spans per label for this text: what is not known yet for the text is
    computed in one batch (its sentences embedded once) — at most ``budget`` labels, the
    first ones; the last 32 texts are kept."""
    with _passages_lock:
        known = _passages.setdefault((text, limit), {})
        _passages.move_to_end((text, limit))
        while len(_passages) > 32:
            _passages.popitem(last=False)
        missing = list(dict.fromkeys(label for label in labels if label not in known))
    if budget is not None:
        missing = missing[:budget]
    if missing:
        found = suggester.passages(missing, text, limit)
        with _passages_lock:
            known.update(zip(missing, found, strict=True))
    return known


def _label_for(labels: list[str]) -> str:
    """The group's proposed name: the shortest member label (usually the plainest)."""
    best = min(labels, key=lambda s: (len(s), s))
    return best[: texts.GROUP_LABEL_MAX]


def suggestions(
    actor: User,
    workshop: Workshop,
    aspects: list[Aspect] | None = None,
    *,
    limit: int = 3,
    budget: int | None = None,
    first: Iterable[int] = (),
    text: str | None = None,
) -> Suggestions:
    """Suggested groups among the open aspects that are in no group (without those a
    person dismissed: :func:`dismiss_group`), and suggested passages for every open aspect
    (``ledger.read``). ``aspects``: the ledger's aspects if the caller has them (saves a
    query). ``budget``: look for the passages of at most this many aspects not known yet
    (those in ``first`` first, then in ledger order); the others are ``pending``.
    ``text``: the saved vision text if the caller has it (saves a query)."""
    in_scope(workshop)
    require(actor, "ledger.read", workshop)
    if aspects is None:
        aspects = list(
            db.scalars(
                select(Aspect)
                .where(Aspect.workshop_id == workshop.id)
                .order_by(Aspect.position, Aspect.id)
            )
        )
    open_ = [a for a in aspects if a.status == AspectStatus.OPEN]
    # grouped over *all* labels (they never change, so the cached result holds for the
    # whole of step 3), then shown only with the members still open and in no group
    free = {a.id for a in open_ if a.group_id is None}
    dismissed = dismissed_sets(workshop)
    groups = []
    for members in _groups_of(tuple(a.label for a in aspects)):
        chosen = [aspects[i] for i in members if aspects[i].id in free]
        key = "-".join(str(aspects[i].id) for i in members)
        shown = {a.id for a in chosen}
        if len(chosen) >= 2 and not any(shown <= d for d in dismissed):
            labels = [a.label for a in chosen]
            groups.append(SuggestedGroup([a.id for a in chosen], _label_for(labels), key))
    if text is None:
        text = db.scalar(select(VisionDraft.text).where(VisionDraft.workshop_id == workshop.id))
    text = text or ""
    passages: dict[int, list[SuggestedPassage]] = {}
    pending: list[int] = []
    if text.strip() and open_:
        ahead = set(first)
        order = sorted(open_, key=lambda a: a.id not in ahead)  # stable: ledger order
        known = _passages_of([a.label for a in order], text, limit, budget)
        for a in open_:
            if a.label not in known:
                pending.append(a.id)
            elif spans := known[a.label]:
                passages[a.id] = [SuggestedPassage(s, e, text[s:e]) for s, e in spans]
    return Suggestions(groups, passages, pending)


def accept_group(actor: User, workshop: Workshop, aspect_ids: list[int], label: str | None = None):  # type: ignore[no-untyped-def]
    """Accept a suggested group, perhaps edited (fewer members, another label): the same
    as grouping by hand — a person decides. Without a label the suggestion's is used."""
    if not (label or "").strip():
        labels = db.scalars(
            select(Aspect.label).where(
                Aspect.workshop_id == workshop.id, Aspect.id.in_([int(i) for i in aspect_ids])
            )
        ).all()
        if len(labels) != len(set(aspect_ids)):  # not this workshop's: 404, as by hand
            raise NotFound(ASPECT_NOT_FOUND)
        label = _label_for(list(labels)) if labels else label
    group = group_aspects(actor, workshop, aspect_ids, label)
    audit.record(actor, workshop.tenant_id, "aspect.accept_suggestion", group)
    return group


def _dismissal_key(aspect_ids: list[int]) -> str:
    return "-".join(str(i) for i in sorted({int(i) for i in aspect_ids}))


def dismissed_sets(workshop: Workshop) -> list[frozenset[int]]:
    """The aspect-id sets of the suggestions dismissed in this workshop (one query)."""
    keys = db.scalars(
        select(DismissedSuggestion.key).where(DismissedSuggestion.workshop_id == workshop.id)
    )
    return [frozenset(int(i) for i in k.split("-") if i.isdigit()) for k in keys]


def dismiss_group(actor: User, workshop: Workshop, aspect_ids: list[int]) -> DismissedSuggestion:
    """Dismiss a suggested group (its member aspect ids, as offered): it, and any later
    suggestion whose members all lie within it, is not offered again in this workshop.
    The same set twice: the first dismissal stands (no error). Ids that are not this
    workshop's aspects: NotFound, nothing stored. Recorded in the audit log."""
    in_scope(workshop)
    require(actor, "ledger.decide", workshop)  # whoever may accept it may dismiss it
    ids = {int(i) for i in aspect_ids}
    if len(ids) < 2:
        raise InvalidField("aspect_ids", N_("Ein Vorschlag hat mindestens zwei Aspekte."))
    found = set(
        db.scalars(
            select(Aspect.id).where(
                Aspect.workshop_id == workshop.id,
                Aspect.tenant_id == workshop.tenant_id,
                Aspect.id.in_(ids),
            )
        )
    )
    if found != ids:
        raise NotFound(ASPECT_NOT_FOUND)
    key = _dismissal_key(list(ids))
    known = select(DismissedSuggestion).where(
        DismissedSuggestion.workshop_id == workshop.id, DismissedSuggestion.key == key
    )
    if (row := db.scalar(known)) is not None:
        return row
    row = DismissedSuggestion(
        tenant_id=workshop.tenant_id, workshop_id=workshop.id, key=key, dismissed_by_id=actor.id
    )
    try:
        with db.begin_nested():  # a concurrent dismissal of the same set: keep that one
            db.add(row)
    except IntegrityError:
        row = db.scalar(known)  # type: ignore[assignment]
        assert row is not None
        return row
    audit.record(
        actor, workshop.tenant_id, "aspect.dismiss_suggestion", workshop, aspects=sorted(ids)
    )
    return row
