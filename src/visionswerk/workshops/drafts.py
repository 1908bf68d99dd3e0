"""Step 1 — Einzelarbeit: each participant's private draft.

Privacy: until step 1 closes (pairs confirmed) a draft's keywords and text reach nobody
but its author — every read goes through the policy rule ``draft.read``; the facilitator
sees only who has submitted (:func:`submission_status`). Error messages never quote
anybody else's content.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from sqlalchemy import select

from visionswerk.db import db, utcnow
from visionswerk.errors import Conflict, InvalidInput, NotFound
from visionswerk.i18n import N_
from visionswerk.tenants import audit
from visionswerk.tenants.models import User
from visionswerk.tenants.policy import can, require
from visionswerk.workshops import live
from visionswerk.workshops import text as texts
from visionswerk.workshops._common import in_scope, save_if_unchanged
from visionswerk.workshops.models import Draft, Participation, Phase, Workshop
from visionswerk.workshops.policy import reads_all_keywords

DRAFT_NOT_FOUND = N_("Diesen Entwurf gibt es hier nicht.")


@dataclasses.dataclass(frozen=True)
class SubmissionStatus:
    """Who has submitted — never what."""

    user_id: int
    display_name: str
    submitted_at: dt.datetime | None

    @property
    def submitted(self) -> bool:
        return self.submitted_at is not None


@dataclasses.dataclass(frozen=True)
class Contributor:
    """How the author of a submitted draft appears wherever step-1 content is shown to
    others: by name only if they agreed (``Draft.name_in_documentation``, default no) or
    the reader is the author; otherwise by a letter ("Beitrag A")."""

    letter: str
    name: str | None

    @property
    def label(self) -> str:
        """Name or "Beitrag A" (German source text, for plain-data readers such as the
        API; pages translate the letter label themselves)."""
        return self.name or f"Beitrag {self.letter}"


def _letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def contributors(actor: User, workshop: Workshop) -> dict[int, Contributor]:
    """Author id → :class:`Contributor` for every submitted draft of ``workshop``.
    Letters follow the order the drafts were written, not names, so they reveal nobody.
    The facilitator sees the same as everybody else."""
    rows = db.execute(
        _submitted(Draft.author_id, Draft.name_in_documentation, workshop=workshop)
    ).all()
    return {
        author_id: _contributor(actor, i, author_id, named, name)
        for i, (author_id, named, name) in enumerate(rows)
    }


def _submitted(*columns: Any, workshop: Workshop) -> Any:
    """``columns`` and the author's display name of every submitted draft, in the order
    the drafts were written (the order the letters follow)."""
    return (
        select(*columns, User.display_name)
        .join(User, User.id == Draft.author_id)
        .where(Draft.workshop_id == workshop.id, Draft.submitted_at.is_not(None))
        .order_by(Draft.id)
    )


def _contributor(actor: User, index: int, author_id: int, named: bool, name: str) -> Contributor:
    return Contributor(_letter(index), name if named or author_id == actor.id else None)


@dataclasses.dataclass(frozen=True)
class DraftKeywords:
    """A submitted draft's keywords (not its text), shown to all in step 3, with its
    author as :class:`Contributor` (a name only with their consent)."""

    draft_id: int
    author_id: int
    author: Contributor
    keywords: list[str]

    @property
    def author_name(self) -> str:
        return self.author.label


def _check_writable(actor: User, workshop: Workshop) -> None:
    if workshop.phase == Phase.PREPARATION:
        raise Conflict(N_("Die Einzelarbeit hat noch nicht begonnen."))
    if workshop.step1_closed or workshop.phase not in (Phase.INDIVIDUAL, Phase.PAIRS):
        raise Conflict(
            N_("Die Einzelarbeit ist abgeschlossen; Entwürfe können nicht mehr geändert werden.")
        )
    require(actor, "draft.write", workshop)


def draft_for(actor: User, workshop: Workshop) -> Draft | None:
    """The actor's own draft in ``workshop`` (None if they have not written one)."""
    in_scope(workshop)
    return db.scalar(
        select(Draft).where(Draft.workshop_id == workshop.id, Draft.author_id == actor.id)
    )


def save_draft(
    actor: User,
    workshop: Workshop,
    *,
    keywords: str | list[str] | None,
    text: str | None,
    base_version: int | None = None,
    submit: bool = False,
) -> Draft:
    """Save the actor's own draft (and submit it when ``submit``). ``base_version`` is
    the version the editor started from; a stale one raises Conflict with
    ``payload = {"stored": {...}, "submitted": {...}}`` and changes nothing. A submitted
    draft stays submitted (and may still be edited) until step 1 closes.

    Raises InvalidField (limits), Conflict (phase, stale version), NotAllowed (not a
    participant)."""
    in_scope(workshop)
    _check_writable(actor, workshop)
    clean_keywords = texts.clean_keywords(keywords)
    clean_text = texts.clean_text(text, field="text", limit=texts.DRAFT_TEXT_MAX)
    draft = draft_for(actor, workshop)
    if (submit or (draft is not None and draft.submitted)) and not (clean_keywords or clean_text):
        raise InvalidInput(
            N_("Bitte schreiben Sie Stichpunkte oder einen Entwurf, bevor Sie einreichen.")
        )
    if draft is None:
        draft = Draft(
            tenant_id=workshop.tenant_id,
            workshop_id=workshop.id,
            author_id=actor.id,
            keywords=[],
            text="",
            version=0,
        )
        db.add(draft)
        db.flush()
    stored_version = draft.version
    if base_version is not None and base_version != stored_version:
        raise _draft_conflict(draft, clean_keywords, clean_text, base_version)
    now = utcnow()
    values: dict[str, object] = {"keywords": clean_keywords, "text": clean_text, "updated_at": now}
    if submit and draft.submitted_at is None:
        values["submitted_at"] = now
    save_if_unchanged(
        draft,
        stored_version,
        values,
        lambda: _draft_conflict(draft, clean_keywords, clean_text, stored_version),
    )
    if "submitted_at" in values:
        audit.record(actor, workshop.tenant_id, "draft.submit", draft, workshop_id=workshop.id)
        live.changed(workshop)  # the projector counts it
    return draft


def _draft_conflict(draft: Draft, keywords: list[str], text: str, base: int) -> Conflict:
    return Conflict(
        N_(
            "Ihr Entwurf wurde inzwischen an anderer Stelle gespeichert. Bitte vergleichen "
            "Sie beide Fassungen; es ist nichts verloren."
        ),
        payload={
            "stored": {
                "keywords": list(draft.keywords),
                "text": draft.text,
                "version": draft.version,
            },
            "submitted": {"keywords": keywords, "text": text, "base_version": base},
        },
    )


def submit_draft(actor: User, workshop: Workshop) -> Draft:
    """Submit the saved draft as it is. Raises InvalidInput when it is empty."""
    in_scope(workshop)
    _check_writable(actor, workshop)
    draft = draft_for(actor, workshop)
    if draft is None or not (draft.keywords or draft.text):
        raise InvalidInput(
            N_("Bitte schreiben Sie Stichpunkte oder einen Entwurf, bevor Sie einreichen.")
        )
    if draft.submitted_at is None:
        draft.submitted_at = utcnow()
        db.flush()
        audit.record(actor, workshop.tenant_id, "draft.submit", draft, workshop_id=workshop.id)
        live.changed(workshop)  # the projector counts it
    return draft


def withdraw_submission(actor: User, workshop: Workshop) -> Draft:
    """Take the submission back (keeps the text) while step 1 runs and no pairs are
    proposed yet."""
    in_scope(workshop)
    _check_writable(actor, workshop)
    if workshop.phase != Phase.INDIVIDUAL:
        raise Conflict(N_("Die Paare werden schon gebildet; die Einreichung bleibt bestehen."))
    draft = draft_for(actor, workshop)
    if draft is None or draft.submitted_at is None:
        raise Conflict(N_("Sie haben noch nichts eingereicht."))
    draft.submitted_at = None
    db.flush()
    audit.record(actor, workshop.tenant_id, "draft.withdraw", draft, workshop_id=workshop.id)
    live.changed(workshop)
    return draft


def set_name_consent(actor: User, workshop: Workshop, agreed: bool) -> Draft:
    """The author agrees (or no longer agrees) that their display name stands beside
    their keywords in the process documentation. Possible at any time, also after
    step 1; it applies to documentation built afterwards."""
    in_scope(workshop)
    require(actor, "draft.name_consent", workshop)
    draft = draft_for(actor, workshop)
    if draft is None:
        raise Conflict(N_("Sie haben noch keinen Entwurf gespeichert."))
    draft.name_in_documentation = bool(agreed)
    db.flush()
    audit.record(
        actor,
        workshop.tenant_id,
        "draft.name_consent",
        draft,
        workshop_id=workshop.id,
        agreed=draft.name_in_documentation,
    )
    return draft


def get_draft(actor: User, workshop: Workshop, draft_id: int) -> Draft:
    """A draft whose content the actor may read (``draft.read``); NotFound otherwise —
    the same answer whether it exists or not."""
    in_scope(workshop)
    draft = db.scalar(
        select(Draft).where(Draft.id == _int(draft_id), Draft.workshop_id == workshop.id)
    )
    if draft is None or not can(actor, "draft.read", draft):
        raise NotFound(DRAFT_NOT_FOUND)
    return draft


def visible_drafts(actor: User, workshop: Workshop) -> list[Draft]:
    """Every draft of ``workshop`` whose content (text and keywords) the actor may
    read: their own; after step 1 closes also the submitted drafts of their pair
    partners. For anybody else — facilitator, coordinator, admin — only their own."""
    in_scope(workshop)
    drafts = db.scalars(
        select(Draft).where(Draft.workshop_id == workshop.id).order_by(Draft.id)
    ).all()
    return [d for d in drafts if can(actor, "draft.read", d)]


def submission_status(actor: User, workshop: Workshop) -> list[SubmissionStatus]:
    """Who has submitted (``workshop.status``: facilitator, coordinator, admin): one row
    per participant, sorted by name, with the submission time — no content, no length."""
    in_scope(workshop)
    require(actor, "workshop.status", workshop)
    rows = db.execute(
        select(User.id, User.display_name, Draft.submitted_at)
        .select_from(Participation)
        .join(User, User.id == Participation.user_id)
        .outerjoin(
            Draft, (Draft.workshop_id == workshop.id) & (Draft.author_id == Participation.user_id)
        )
        .where(Participation.workshop_id == workshop.id)
        .order_by(User.display_name, User.id)
    ).all()
    return [SubmissionStatus(uid, name, submitted_at) for uid, name, submitted_at in rows]


def keywords_overview(actor: User, workshop: Workshop) -> list[DraftKeywords]:
    """The keywords of every submitted draft, with the author (``draft.read_keywords``:
    participants and facilitator from step 3 on). Empty before that for anybody but
    the author of a draft."""
    in_scope(workshop)
    columns = (Draft.id, Draft.author_id, Draft.keywords, Draft.name_in_documentation)
    # one statement of columns (not the drafts with their texts, and their authors apart)
    rows = db.execute(_submitted(*columns, workshop=workshop)).all()
    allowed_all = reads_all_keywords(actor, workshop)
    return [
        DraftKeywords(
            draft_id, author_id, _contributor(actor, i, author_id, named, name), list(keywords)
        )
        for i, (draft_id, author_id, keywords, named, name) in enumerate(rows)
        if (allowed_all or author_id == actor.id) and keywords
    ]


def _int(value: object) -> int:
    try:
        return int(value)  # type: ignore[call-overload, no-any-return]
    except (TypeError, ValueError):
        raise NotFound(DRAFT_NOT_FOUND) from None
