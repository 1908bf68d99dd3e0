"""Step 3's page of proposals, read as rows: the same content as
:func:`visionswerk.workshops.plenary.plenary_overview` (which the API and the services use),
in four statements of plain columns instead of some 200 ORM objects with their
relationships — building those was most of the page's CPU for 40 participants."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from typing import Any

from sqlalchemy import select

from visionswerk.db import db
from visionswerk.tenants.models import User
from visionswerk.tenants.policy import require
from visionswerk.workshops._common import in_scope
from visionswerk.workshops.drafts import DraftKeywords, keywords_overview
from visionswerk.workshops.models import Comment, Pair, PairMember, PairProposal, Strength, Workshop


@dataclasses.dataclass(frozen=True)
class Person:
    id: int
    display_name: str


@dataclasses.dataclass(frozen=True)
class ProposalRow:
    id: int
    text: str
    keywords: list[str]


@dataclasses.dataclass(frozen=True)
class PairRow:
    id: int
    number: int


@dataclasses.dataclass(frozen=True)
class StrengthRow:
    user_id: int
    user: Person
    note: str


@dataclasses.dataclass(frozen=True)
class CommentRow:
    author_id: int | None
    author: Person | None  # None: the account was deleted
    text: str
    created_at: dt.datetime


@dataclasses.dataclass(frozen=True)
class ProposalView:
    proposal: ProposalRow
    pair: PairRow
    members: list[Person]
    strengths: list[StrengthRow]
    comments: list[CommentRow]
    marked_by_me: bool


@dataclasses.dataclass(frozen=True)
class PlenaryPage:
    workshop: Workshop
    proposals: list[ProposalView]
    draft_keywords: list[DraftKeywords]


def plenary_page(actor: User, workshop: Workshop) -> PlenaryPage:
    """Every pair's proposal (by pair number) with its members, strengths (with who) and
    comments, and the keywords of every submitted draft; ``plenary.read`` as for
    :func:`plenary_overview`. A fixed number of statements however many take part."""
    in_scope(workshop)
    require(actor, "plenary.read", workshop)
    rows = db.execute(
        select(PairProposal.id, PairProposal.text, PairProposal.keywords, Pair.id, Pair.number)
        .join(Pair, Pair.id == PairProposal.pair_id)
        .where(PairProposal.workshop_id == workshop.id, Pair.round == workshop.current_round)
        .order_by(Pair.number)
    ).all()
    members = _grouped(
        select(PairMember.pair_id, User.id, User.display_name)
        .join(User, User.id == PairMember.user_id)
        .where(PairMember.workshop_id == workshop.id)
        .order_by(PairMember.id),
        lambda r: Person(r[1], r[2]),
    )
    of_workshop = PairProposal.workshop_id == workshop.id
    strengths = _grouped(
        select(Strength.proposal_id, Strength.user_id, User.display_name, Strength.note)
        .join(PairProposal, PairProposal.id == Strength.proposal_id)
        .join(User, User.id == Strength.user_id)
        .where(of_workshop)
        .order_by(Strength.id),
        lambda r: StrengthRow(r[1], Person(r[1], r[2]), r[3]),
    )
    comments = _grouped(
        select(
            Comment.proposal_id,
            Comment.author_id,
            User.display_name,
            Comment.text,
            Comment.created_at,
        )
        .join(PairProposal, PairProposal.id == Comment.proposal_id)
        .outerjoin(User, User.id == Comment.author_id)
        .where(of_workshop)
        .order_by(Comment.id),
        lambda r: CommentRow(r[1], Person(r[1], r[2]) if r[1] is not None else None, r[3], r[4]),
    )
    views = []
    for pid, text, keywords, pair_id, number in rows:
        marks = strengths.get(pid, [])
        views.append(
            ProposalView(
                proposal=ProposalRow(pid, text, list(keywords or [])),
                pair=PairRow(pair_id, number),
                members=members.get(pair_id, []),
                strengths=marks,
                comments=comments.get(pid, []),
                marked_by_me=any(s.user_id == actor.id for s in marks),
            )
        )
    return PlenaryPage(workshop, views, keywords_overview(actor, workshop))


def _grouped(query: Any, make: Any) -> dict[int, list[Any]]:
    """Rows of ``query`` grouped by their first column, each made into ``make(row)``."""
    groups: dict[int, list[Any]] = defaultdict(list)
    for row in db.execute(query):
        groups[row[0]].append(make(row))
    return groups
