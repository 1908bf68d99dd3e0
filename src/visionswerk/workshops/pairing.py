"""Pairing for step 2: proposed when step 2 opens, adjusted, then confirmed.

Step 2 works in groups of the workshop's ``group_size`` (2 pairs, 3 trios, 4 fours,
chosen in preparation). The proposal is deterministic for a recorded seed: the
participants' ids are sorted, shuffled with ``random.Random(seed)``, and taken
``group_size`` at a time. The remainder rule (:func:`make_pairs`, stated to everyone by
:func:`remainder_rule`): one person left over joins the last group (for pairs: one
trio, as always); two or more left over form one smaller group of their own — never a
group of one. The facilitator can swap or move people (up to ``group_size + 1`` in a
group), decides whether participants without a submitted draft join, and confirms.
Confirming closes step 1.
"""

from __future__ import annotations

import random
import secrets

from sqlalchemy import delete, func, select

from visionswerk.db import db, utcnow
from visionswerk.errors import Conflict, InvalidInput, NotFound
from visionswerk.i18n import N_
from visionswerk.tenants import audit
from visionswerk.tenants.models import User
from visionswerk.tenants.policy import can, require
from visionswerk.workshops import live
from visionswerk.workshops._common import in_scope, load, require_phase, touch
from visionswerk.workshops.models import (
    GROUP_SIZES,
    Draft,
    Pair,
    PairMember,
    PairProposal,
    Participation,
    Phase,
    Workshop,
)
from visionswerk.workshops.policy import pair_of_user

PAIR_NOT_FOUND = N_("Dieses Paar gibt es hier nicht.")
MAX_PAIR_SIZE = 3  # pairs: a trio at most (group size 2)
NOT_IN_PAIRING = N_("Paare lassen sich nur vor ihrer Bestätigung in Schritt 2 ändern.")

# the remainder rule as everybody reads it, in preparation and on the pairing page
REMAINDER_RULES = {
    2: N_(
        "Es wird zu zweit gearbeitet. Bei einer ungeraden Zahl gibt es eine Dreiergruppe. "
        "Niemand arbeitet allein."
    ),
    3: N_(
        "Es wird zu dritt gearbeitet. Bleibt eine Person übrig, wird eine Gruppe zur "
        "Vierergruppe; bleiben zwei übrig, bilden sie ein Paar. Niemand arbeitet allein."
    ),
    4: N_(
        "Es wird zu viert gearbeitet. Bleibt eine Person übrig, wird eine Gruppe zur "
        "Fünfergruppe; bleiben zwei oder drei übrig, bilden sie eine eigene, kleinere "
        "Gruppe. Niemand arbeitet allein."
    ),
}


def remainder_rule(size: int) -> str:
    """The remainder rule for ``size`` as a German msgid (translate where shown)."""
    return REMAINDER_RULES[size]


def max_group_size(size: int) -> int:
    """The most members a group may have when step 2 works in groups of ``size``: one
    more (the person left over joins a group)."""
    return size + 1


def make_pairs(user_ids: list[int], seed: int, size: int = 2) -> list[list[int]]:
    """Pure grouping: the sorted ids shuffled with ``random.Random(seed)``, taken
    ``size`` at a time; one left over joins the last group, two or more form one smaller
    group of their own (never a group of one). Fewer people than ``size`` make one
    group. Needs at least two ids; ``size`` is one of GROUP_SIZES."""
    if size not in GROUP_SIZES:
        raise ValueError(f"group size must be one of {GROUP_SIZES}")
    ids = sorted(set(user_ids))
    if len(ids) < 2:
        raise ValueError("pairing needs at least two people")
    random.Random(seed).shuffle(ids)
    full = len(ids) // size
    groups = [ids[i * size : (i + 1) * size] for i in range(full)]
    rest = ids[full * size :]
    if len(rest) == 1 and groups:
        groups[-1].append(rest[0])
    elif rest:
        groups.append(rest)
    return groups


def group_counts(n: int, size: int) -> dict[int, int]:
    """How many groups of which size ``n`` people give (the preview in preparation):
    ``{members: groups}``; empty for fewer than two people."""
    if n < 2:
        return {}
    counts: dict[int, int] = {}
    for group in make_pairs(list(range(n)), 0, size):
        counts[len(group)] = counts.get(len(group), 0) + 1
    return counts


def submitted_user_ids(workshop: Workshop) -> list[int]:
    """Participants with a submitted draft (ids only)."""
    return list(
        db.scalars(
            select(Draft.author_id)
            .join(
                Participation,
                (Participation.workshop_id == Draft.workshop_id)
                & (Participation.user_id == Draft.author_id),
            )
            .where(Draft.workshop_id == workshop.id, Draft.submitted_at.is_not(None))
            .order_by(Draft.author_id)
        )
    )


def participant_ids(workshop: Workshop) -> list[int]:
    return list(
        db.scalars(
            select(Participation.user_id)
            .where(Participation.workshop_id == workshop.id)
            .order_by(Participation.user_id)
        )
    )


def propose_pairs(
    actor: User,
    workshop: Workshop,
    *,
    include_without_draft: bool | None = None,
    seed: int | None = None,
) -> list[Pair]:
    """(Re)propose the pairs: replaces any unconfirmed proposal. ``seed`` defaults to a
    fresh random one and is recorded in ``workshop.pairing_seed``;
    ``include_without_draft`` (default: as before, initially False) also pairs
    participants who have not submitted. Called by ``move(..., "pairs")``."""
    in_scope(workshop)
    require(actor, "workshop.manage", workshop)
    require_phase(workshop, Phase.PAIRS, message=NOT_IN_PAIRING)
    if workshop.step1_closed:
        raise Conflict(NOT_IN_PAIRING)
    return _propose(actor, workshop, include_without_draft, seed)


def _propose(
    actor: User, workshop: Workshop, include_without_draft: bool | None, seed: int | None
) -> list[Pair]:
    submitted = submitted_user_ids(workshop)
    if len(submitted) < 2:
        raise Conflict(N_("Es braucht mindestens zwei eingereichte Entwürfe, um Paare zu bilden."))
    if include_without_draft is not None:
        workshop.pairs_include_without_draft = bool(include_without_draft)
    people = participant_ids(workshop) if workshop.pairs_include_without_draft else submitted
    workshop.pairing_seed = secrets.randbelow(2**31) if seed is None else int(seed)
    _delete_pairs(workshop)
    pairs = []
    groups = make_pairs(people, workshop.pairing_seed, workshop.group_size)
    for number, group in enumerate(groups, start=1):
        pair = Pair(tenant_id=workshop.tenant_id, workshop_id=workshop.id, number=number)
        pair.members = [
            PairMember(tenant_id=workshop.tenant_id, workshop_id=workshop.id, user_id=uid)
            for uid in group
        ]
        db.add(pair)
        pairs.append(pair)
    touch(workshop)
    db.flush()
    audit.record(
        actor,
        workshop.tenant_id,
        "workshop.pairs_proposed",
        workshop,
        seed=workshop.pairing_seed,
        group_size=workshop.group_size,
        include_without_draft=workshop.pairs_include_without_draft,
        pairs=[p.member_ids for p in pairs],
    )
    return pairs


def _delete_pairs(workshop: Workshop) -> None:
    db.execute(
        delete(PairMember)
        .where(PairMember.workshop_id == workshop.id)
        .execution_options(synchronize_session="fetch")
    )
    db.execute(
        delete(Pair)
        .where(Pair.workshop_id == workshop.id)
        .execution_options(synchronize_session="fetch")
    )
    db.flush()
    for obj in list(db.identity_map.values()):
        if isinstance(obj, Pair | PairMember) and obj.workshop_id == workshop.id:
            db.expunge(obj)


def _expire_members(workshop: Workshop) -> None:
    for obj in list(db.identity_map.values()):
        if isinstance(obj, Pair) and obj.workshop_id == workshop.id:
            db.expire(obj, ["members"])


def pairs(actor: User, workshop: Workshop, in_round: int = 1) -> list[Pair]:
    """The pairs (or with ``in_round=2`` the fours) with their members (no content).
    Facilitators, coordinators and admins (``workshop.status``) see the proposal before
    confirmation; participants see the pairs once they are confirmed."""
    in_scope(workshop)
    if not can(actor, "pairing.read", workshop):
        return []
    return list(
        db.scalars(
            select(Pair)
            .where(Pair.workshop_id == workshop.id, Pair.round == in_round)
            .order_by(Pair.number)
        )
    )


def fours(actor: User, workshop: Workshop) -> list[Pair]:
    """The groups of the round of four (empty before it began), as ``pairs``."""
    return pairs(actor, workshop, in_round=2)


def unpaired(actor: User, workshop: Workshop) -> list[tuple[User, bool]]:
    """Participants in no pair, with whether they have submitted (facilitator view
    while adjusting the pairs: late submitters, people without a draft)."""
    in_scope(workshop)
    require(actor, "workshop.status", workshop)
    paired = select(PairMember.user_id).where(PairMember.workshop_id == workshop.id)
    submitted = set(submitted_user_ids(workshop))
    users = db.scalars(
        select(User)
        .join(Participation, Participation.user_id == User.id)
        .where(Participation.workshop_id == workshop.id, User.id.not_in(paired))
        .order_by(User.display_name, User.id)
    ).all()
    return [(u, u.id in submitted) for u in users]


def _adjustable(actor: User, workshop: Workshop) -> None:
    in_scope(workshop)
    require(actor, "workshop.manage", workshop)
    if workshop.phase != Phase.PAIRS or workshop.step1_closed:
        raise Conflict(NOT_IN_PAIRING)


def _member(workshop: Workshop, user_id: int) -> PairMember | None:
    return db.scalar(
        select(PairMember).where(
            PairMember.workshop_id == workshop.id,
            PairMember.round == 1,
            PairMember.user_id == int(user_id),
        )
    )


def _require_participant_id(workshop: Workshop, user_id: int) -> None:
    if int(user_id) not in participant_ids(workshop):
        raise InvalidInput(N_("Diese Person nimmt an diesem Workshop nicht teil."))


def swap_members(actor: User, workshop: Workshop, user_a_id: int, user_b_id: int) -> None:
    """Swap two people between pairs before confirmation. If one of them is in no pair
    (a late submitter, someone without a draft), they take the other's place and the
    other leaves the pairs."""
    _adjustable(actor, workshop)
    _require_participant_id(workshop, user_a_id)
    _require_participant_id(workshop, user_b_id)
    a, b = _member(workshop, user_a_id), _member(workshop, user_b_id)
    if a is None and b is None:
        raise InvalidInput(N_("Keine der beiden Personen ist einem Paar zugeordnet."))
    if a is not None and b is not None:
        if a.pair_id == b.pair_id:
            raise InvalidInput(N_("Die beiden sind schon im selben Paar."))
        a.pair_id, b.pair_id = b.pair_id, a.pair_id
    elif a is not None:
        a.user_id = int(user_b_id)
    else:
        assert b is not None
        b.user_id = int(user_a_id)
    touch(workshop)
    db.flush()
    _expire_members(workshop)
    audit.record(
        actor,
        workshop.tenant_id,
        "workshop.pairs_swap",
        workshop,
        users=[int(user_a_id), int(user_b_id)],
    )


def move_member(actor: User, workshop: Workshop, user_id: int, pair_id: int | None) -> None:
    """Put a participant into pair ``pair_id`` (at most ``group_size + 1`` members: three
    for pairs), or take them out of the pairs with ``pair_id=None``."""
    _adjustable(actor, workshop)
    _require_participant_id(workshop, user_id)
    member = _member(workshop, user_id)
    if pair_id is None:
        if member is not None:
            db.delete(member)
    else:
        pair = load(Pair, pair_id, PAIR_NOT_FOUND)
        if pair.workshop_id != workshop.id:
            raise NotFound(PAIR_NOT_FOUND)
        size = db.scalar(select(func.count()).where(PairMember.pair_id == pair.id)) or 0
        if member is not None and member.pair_id == pair.id:
            return
        if size >= max_group_size(workshop.group_size):
            raise _too_many(workshop.group_size)
        if member is None:
            db.add(
                PairMember(
                    tenant_id=workshop.tenant_id,
                    workshop_id=workshop.id,
                    pair_id=pair.id,
                    user_id=int(user_id),
                )
            )
        else:
            member.pair_id = pair.id
    touch(workshop)
    db.flush()
    _expire_members(workshop)
    audit.record(
        actor,
        workshop.tenant_id,
        "workshop.pairs_move",
        workshop,
        user_id=int(user_id),
        pair_id=pair_id,
    )


def _too_many(group_size: int) -> InvalidInput:
    if group_size == 2:
        return InvalidInput(N_("Ein Paar hat höchstens drei Mitglieder."))
    return InvalidInput(
        N_("Eine Gruppe hat hier höchstens %(n)d Mitglieder."), n=max_group_size(group_size)
    )


def confirm_pairs(actor: User, workshop: Workshop) -> Workshop:
    """Confirm the pairs: step 1 closes (drafts are frozen and become readable to pair
    partners), each pair gets its (empty) proposal. Guards: every group has two to
    ``group_size + 1`` members, every participant with a submitted draft is in a group."""
    _adjustable(actor, workshop)
    all_pairs = db.scalars(select(Pair).where(Pair.workshop_id == workshop.id)).all()
    if not all_pairs:
        raise Conflict(N_("Es gibt noch keine Paare. Bitte lassen Sie zuerst Paare vorschlagen."))
    most = max_group_size(workshop.group_size)
    if any(not (2 <= len(p.members) <= most) for p in all_pairs):
        raise Conflict(
            N_("Jedes Paar braucht zwei oder drei Mitglieder.")
            if workshop.group_size == 2
            else N_("Jede Gruppe braucht zwei bis %(n)d Mitglieder. Niemand arbeitet allein."),
            n=most,
        )
    paired = {m.user_id for p in all_pairs for m in p.members}
    missing = [uid for uid in submitted_user_ids(workshop) if uid not in paired]
    if missing:
        raise Conflict(
            N_(
                "Eine Person mit eingereichtem Entwurf ist noch keinem Paar zugeordnet. "
                "Bitte ordnen Sie sie zu oder lassen Sie neu einteilen."
            )
            if len(missing) == 1
            else N_(
                "%(n)d Teilnehmende mit eingereichtem Entwurf sind noch keinem Paar "
                "zugeordnet. Bitte ordnen Sie sie zu oder lassen Sie neu einteilen."
            ),
            n=len(missing),
            payload={"unpaired_user_ids": missing},
        )
    workshop.pairs_confirmed_at = utcnow()
    for pair in all_pairs:
        if pair.proposal is None:
            pair.proposal = PairProposal(
                tenant_id=workshop.tenant_id,
                workshop_id=workshop.id,
                text="",
                keywords=[],
                version=0,
            )
    touch(workshop)
    live.changed(workshop)  # the projector counts the groups
    db.flush()
    audit.record(
        actor,
        workshop.tenant_id,
        "workshop.pairs_confirm",
        workshop,
        pairs=[p.member_ids for p in sorted(all_pairs, key=lambda p: p.number)],
    )
    return workshop


def pair_of(actor: User, workshop: Workshop) -> Pair | None:
    """The actor's own group of the current round once pairs are confirmed (their four
    once the round of four began; None before, or if in none)."""
    in_scope(workshop)
    if not workshop.step1_closed:
        return None
    pair_id = pair_of_user(actor.id, workshop.id, workshop.current_round)
    if pair_id is None:
        return None
    return db.scalar(select(Pair).where(Pair.id == pair_id))


def get_pair(actor: User, pair_id: int) -> Pair:
    """A pair the actor may read (``pair.read``) or see the status of; NotFound otherwise."""
    pair = load(Pair, pair_id, PAIR_NOT_FOUND)
    if can(actor, "pair.read", pair) or can(actor, "workshop.status", pair.workshop):
        return pair
    raise NotFound(PAIR_NOT_FOUND)


# --- the round of four ------------------------------------------------------------------

FOURS_RULE = N_(
    "In der Runde zu viert schließen sich je zwei Paare zusammen (Paar 1 mit Paar 2, "
    "Paar 3 mit Paar 4 …). Bei einer ungeraden Zahl von Paaren arbeiten in der letzten "
    "Gruppe drei Paare zusammen."
)


def merge_plan(pair_numbers: list[int]) -> list[list[int]]:
    """Pure: the pairs (by number, ascending) taken two at a time; an odd one left over
    joins the last group. Needs at least two numbers."""
    numbers = sorted(pair_numbers)
    if len(numbers) < 2:
        raise ValueError("the round of four needs at least two pairs")
    groups = [numbers[i : i + 2] for i in range(0, len(numbers) - 1, 2)]
    if len(numbers) % 2:
        groups[-1].append(numbers[-1])
    return groups


def _merged_text(proposals: list[PairProposal]) -> tuple[str, list[str]]:
    """The four's starting text: its pairs' proposals one after the other, and their
    keywords without repeats (case-insensitive) — to condense, not to copy by hand."""
    text = "\n\n".join(p.text.strip() for p in proposals if p.text.strip())
    keywords: list[str] = []
    seen: set[str] = set()
    for p in proposals:
        for kw in p.keywords:
            if kw.casefold() not in seen:
                seen.add(kw.casefold())
                keywords.append(kw)
    return text, keywords


def form_fours(workshop: Workshop) -> list[Pair]:
    """Open the round of four (lifecycle's move to it): merge the confirmed pairs by
    :func:`merge_plan` into groups of round 2 with every member of their pairs, each
    with a proposal that starts from its pairs' proposals. Needs at least two pairs."""
    pairs_ = list(
        db.scalars(
            select(Pair)
            .where(Pair.workshop_id == workshop.id, Pair.round == 1)
            .order_by(Pair.number)
        )
    )
    by_number = {p.number: p for p in pairs_}
    fours_: list[Pair] = []
    for number, numbers in enumerate(merge_plan(list(by_number)), start=1):
        merged = [by_number[n] for n in numbers]
        text, keywords = _merged_text([p.proposal for p in merged if p.proposal is not None])
        four = Pair(tenant_id=workshop.tenant_id, workshop_id=workshop.id, number=number, round=2)
        four.members = [
            PairMember(tenant_id=workshop.tenant_id, workshop_id=workshop.id, user_id=m.user_id,
                       round=2)
            for p in merged
            for m in p.members
        ]  # fmt: skip
        four.proposal = PairProposal(
            tenant_id=workshop.tenant_id, workshop_id=workshop.id, text=text,
            keywords=keywords, version=0,
        )  # fmt: skip
        db.add(four)
        db.flush()
        for p in merged:
            p.merged_into_id = four.id
        fours_.append(four)
    workshop.fours_opened_at = utcnow()
    db.flush()
    return fours_
