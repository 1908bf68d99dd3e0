"""The workshops' share of a person's data (DSGVO): export and erasure.

Export: the workshops someone takes part in, their drafts, feedback, strengths,
comments and signatures. Erasure: comments and strengths are deleted here; drafts,
feedback, participations and pair memberships go with the account (ON DELETE CASCADE);
aspects derived from their keywords stay in the ledger without the reference to them;
signatures stay as the signed record (name and function as signed), without the account.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select

from visionswerk.db import db
from visionswerk.tenants import personal_data
from visionswerk.tenants.models import User
from visionswerk.workshops.models import (
    Comment,
    Draft,
    DraftFeedback,
    Participation,
    Signature,
    Strength,
    Workshop,
)

ALL = {"all_tenants": True}


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


@personal_data.exporter("workshops")
def _export(user: User) -> dict[str, Any]:
    titles = dict(
        db.execute(
            select(Workshop.id, Workshop.title)
            .join(Participation, Participation.workshop_id == Workshop.id)
            .where(Participation.user_id == user.id)
            .execution_options(**ALL)
        ).all()
    )
    drafts = db.scalars(select(Draft).where(Draft.author_id == user.id).execution_options(**ALL))
    feedback = db.scalars(
        select(DraftFeedback).where(DraftFeedback.author_id == user.id).execution_options(**ALL)
    )
    strengths = db.scalars(
        select(Strength).where(Strength.user_id == user.id).execution_options(**ALL)
    )
    comments = db.scalars(
        select(Comment).where(Comment.author_id == user.id).execution_options(**ALL)
    )
    signatures = db.scalars(
        select(Signature).where(Signature.user_id == user.id).execution_options(**ALL)
    )
    return {
        "participations": [{"workshop_id": k, "title": v} for k, v in sorted(titles.items())],
        "drafts": [
            {
                "workshop_id": d.workshop_id,
                "keywords": list(d.keywords),
                "text": d.text,
                "submitted_at": _iso(d.submitted_at),
                "updated_at": _iso(d.updated_at),
            }
            for d in drafts
        ],
        "feedback": [
            {
                "draft_id": f.draft_id,
                "especially_good": f.especially_good,
                "to_sharpen": f.to_sharpen,
            }
            for f in feedback
        ],
        "strengths": [{"proposal_id": s.proposal_id, "note": s.note} for s in strengths],
        "comments": [
            {"proposal_id": c.proposal_id, "text": c.text, "created_at": _iso(c.created_at)}
            for c in comments
        ],
        "signatures": [
            {
                "version_id": s.version_id,
                "name": s.name,
                "function": s.function,
                "sha256": s.sha256,
                "signed_at": _iso(s.signed_at),
            }
            for s in signatures
        ],
    }


@personal_data.eraser
def _erase(user: User) -> None:
    for model, column in ((Comment, Comment.author_id), (Strength, Strength.user_id)):
        db.execute(
            delete(model)
            .where(column == user.id)
            .execution_options(all_tenants=True, synchronize_session=False)
        )
    db.flush()
