"""The projector view ("Beamer-Ansicht"): what the room sees on the facilitator's second
screen — the step, the guiding question, the step's deadline, how many have submitted
(a number, never who), and in step 3 the pairs' proposals with their strengths and
comments.

The facilitator opens it (``projector.show``), but the room reads it: it shows nothing a
participant could not see at that moment. Counts are numbers only; content appears only
where the participants' own rule allows it (``policy.everyone_reads_proposals``), and of
that only what the plenary page shows every participant.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from sqlalchemy import func, select

from visionswerk.db import db
from visionswerk.tenants.models import User
from visionswerk.tenants.policy import require
from visionswerk.workshops import join_codes, live
from visionswerk.workshops._common import in_scope
from visionswerk.workshops.models import (
    Pair,
    PairMember,
    Participation,
    Phase,
    Workshop,
)
from visionswerk.workshops.pairing import submitted_user_ids
from visionswerk.workshops.plenary import plenary_overview
from visionswerk.workshops.policy import everyone_reads_proposals
from visionswerk.workshops.signing import signing_status


@dataclasses.dataclass(frozen=True)
class RoomComment:
    author: str | None  # None: the account was deleted
    text: str
    created_at: dt.datetime


@dataclasses.dataclass(frozen=True)
class RoomProposal:
    proposal_id: int
    number: int
    group_size: int
    members: list[str]
    text: str
    keywords: list[str]
    strengths: int
    notes: list[str]  # the strengths' notes, without who wrote them
    comments: list[RoomComment]


@dataclasses.dataclass(frozen=True)
class RoomView:
    workshop: Workshop
    phase: Phase
    deadline: dt.datetime | None
    join_code: str
    participants: int
    submitted: int | None = None  # step 1: drafts submitted
    groups: int | None = None  # step 2: groups, how many marked their proposal ready
    groups_ready: int | None = None
    proposals: list[RoomProposal] = dataclasses.field(default_factory=list)
    signed: int | None = None  # signing: signatures of the current version
    signatories: int | None = None

    @property
    def strengths(self) -> int:
        return sum(p.strengths for p in self.proposals)

    @property
    def comments(self) -> int:
        return sum(len(p.comments) for p in self.proposals)


def room_view(actor: User, workshop: Workshop) -> RoomView:
    """What the projector shows now (``projector.show``: those who run the workshop)."""
    in_scope(workshop)
    require(actor, "projector.show", workshop)
    phase = workshop.phase
    counts: dict[str, object] = {}
    if phase == Phase.INDIVIDUAL or (phase == Phase.PAIRS and not workshop.step1_closed):
        counts["submitted"] = len(submitted_user_ids(workshop))
    elif phase in (Phase.PAIRS, Phase.FOURS):
        counts["groups"], counts["groups_ready"] = _groups(workshop)
    elif phase == Phase.PLENARY and everyone_reads_proposals(workshop):
        counts["proposals"] = _proposals(actor, workshop)
    elif phase == Phase.SIGNING:
        status = signing_status(actor, workshop)
        if status is not None:
            counts["signed"], counts["signatories"] = status.signed_count, status.total
    participants = db.scalar(
        select(func.count(Participation.id)).where(Participation.workshop_id == workshop.id)
    )
    return RoomView(
        workshop=workshop,
        phase=phase,
        deadline=workshop.deadline(phase) if phase in _TIMED else None,
        join_code=join_codes.display(workshop.join_code),
        participants=int(participants or 0),
        **counts,  # type: ignore[arg-type]
    )


def live_channel(actor: User, workshop: Workshop) -> str:
    """The channel whose messages say "the projector's state changed" (``projector.show``;
    the messages carry no content: the state is read through :func:`room_view`)."""
    in_scope(workshop)
    require(actor, "projector.show", workshop)
    return live.channel(workshop.id)


_TIMED = (Phase.INDIVIDUAL, Phase.PAIRS, Phase.FOURS, Phase.PLENARY, Phase.SIGNING)


def _groups(workshop: Workshop) -> tuple[int, int]:
    """(groups, groups whose every member marked the proposal ready)."""
    rows = db.execute(
        select(Pair.id, func.count(PairMember.id), func.count(PairMember.ready_at))
        .join(PairMember, PairMember.pair_id == Pair.id)
        .where(Pair.workshop_id == workshop.id, Pair.round == workshop.current_round)
        .group_by(Pair.id)
    ).all()
    return len(rows), sum(1 for _pair, members, ready in rows if members == ready)


def _proposals(actor: User, workshop: Workshop) -> list[RoomProposal]:
    """Every pair's proposal as the plenary page shows it to every participant; the
    strengths as a number with their notes (the room does not need who marked them)."""
    plenary = plenary_overview(actor, workshop)
    return [
        RoomProposal(
            proposal_id=v.proposal.id,
            number=v.pair.number,
            group_size=len(v.members),
            members=[m.display_name for m in v.members],
            text=v.proposal.text if v.proposal.version > 0 else "",
            keywords=list(v.proposal.keywords or []),
            strengths=len(v.strengths),
            notes=[s.note for s in v.strengths if s.note],
            comments=[
                RoomComment(c.author.display_name if c.author else None, c.text, c.created_at)
                for c in v.comments
            ],
        )
        for v in plenary.proposals
    ]
