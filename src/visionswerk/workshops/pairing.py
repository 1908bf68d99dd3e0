"""Pairing for step 2: proposed when step 2 opens, adjusted, then confirmed.

The proposal is deterministic for a recorded seed: the participants' ids are sorted,
shuffled with ``random.Random(seed)``, and taken two by two; with an odd count the
last one joins the last pair (one trio) — never a pair of one. The facilitator can swap
or move people, decides whether participants without a submitted draft join, and
confirms. Confirming closes step 1.
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
from visionswerk.workshops._common import in_scope, load, require_phase, touch
from visionswerk.workshops.models import (
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
MAX_PAIR_SIZE = 3
NOT_IN_PAIRING = N_("Paare lassen sich nur vor ihrer Bestätigung in Schritt 2 ändern.")


def make_pairs(user_ids: list[int], seed: int) -> list[list[int]]:
    """Pure pairing: the sorted ids shuffled with ``random.Random(seed)``, grouped two
    by two, an odd one out joining the last pair. Needs at least two ids."""
    if len(user_ids) < 2:
        raise ValueError("pairing needs at least two people")
    ids = sorted(set(user_ids))
    random.Random(seed).shuffle(ids)
    groups = [ids[i : i + 2] for i in range(0, len(ids) - len(ids) % 2, 2)]
    if len(ids) % 2:
        groups[-1].append(ids[-1])
    return groups


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
    for number, group in enumerate(make_pairs(people, workshop.pairing_seed), start=1):
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


def pairs(actor: User, workshop: Workshop) -> list[Pair]:
    """The pairs with their members (no content). Facilitators, coordinators and admins
    (``workshop.status``) see the proposal before confirmation; participants see the
    pairs once they are confirmed."""
    in_scope(workshop)
    if not can(actor, "pairing.read", workshop):
        return []
    return list(
        db.scalars(select(Pair).where(Pair.workshop_id == workshop.id).order_by(Pair.number))
    )


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
            PairMember.workshop_id == workshop.id, PairMember.user_id == int(user_id)
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
    """Put a participant into pair ``pair_id`` (at most three members), or take them
    out of the pairs with ``pair_id=None``."""
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
        if size >= MAX_PAIR_SIZE:
            raise InvalidInput(N_("Ein Paar hat höchstens drei Mitglieder."))
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


def confirm_pairs(actor: User, workshop: Workshop) -> Workshop:
    """Confirm the pairs: step 1 closes (drafts are frozen and become readable to pair
    partners), each pair gets its (empty) proposal. Guards: every pair has two or three
    members, every participant with a submitted draft is in a pair."""
    _adjustable(actor, workshop)
    all_pairs = db.scalars(select(Pair).where(Pair.workshop_id == workshop.id)).all()
    if not all_pairs:
        raise Conflict(N_("Es gibt noch keine Paare. Bitte lassen Sie zuerst Paare vorschlagen."))
    if any(not (2 <= len(p.members) <= MAX_PAIR_SIZE) for p in all_pairs):
        raise Conflict(N_("Jedes Paar braucht zwei oder drei Mitglieder."))
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
    """The actor's own pair once pairs are confirmed (None before, or if in none)."""
    in_scope(workshop)
    if not workshop.step1_closed:
        return None
    pair_id = pair_of_user(actor.id, workshop.id)
    if pair_id is None:
        return None
    return db.scalar(select(Pair).where(Pair.id == pair_id))


def get_pair(actor: User, pair_id: int) -> Pair:
    """A pair the actor may read (``pair.read``) or see the status of; NotFound otherwise."""
    pair = load(Pair, pair_id, PAIR_NOT_FOUND)
    if can(actor, "pair.read", pair) or can(actor, "workshop.status", pair.workshop):
        return pair
    raise NotFound(PAIR_NOT_FOUND)
