"""Privacy, the heart of step 1: until the pairs are confirmed nobody but its author can
read a draft's keywords or text — not another participant, not the facilitator, not the
region's coordinator, not a platform admin — through any read function or any error.
Afterwards: pair partners read the drafts; in step 3 everyone taking part reads the
keywords (never the text of drafts outside their pair); coordinators never read content."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select

from tests.workshops.conftest import outcome
from visionswerk.db import db
from visionswerk.errors import NotAllowed, NotFound
from visionswerk.tenants.models import Role, User
from visionswerk.workshops import projector
from visionswerk.workshops import services as ws
from visionswerk.workshops.models import Draft, Pair, PairProposal

SECRET_KEYWORD = "GEHEIMWORT-Kürbisfeld"
SECRET_TEXT = "GEHEIMTEXT-Schloßallee 🦔"


@dataclasses.dataclass
class Scene:
    s: Any
    author: User
    draft: Draft
    roles: dict[str, User]


def scene(make, phase: str, confirmed: bool = False) -> Scene:
    region = make.region()
    town = make.municipality(region)
    s = make.workshop(town, phase=phase, participants=4, confirmed=confirmed)
    author = s.participants[0]
    coordinator = make.user(region, Role.COORDINATOR)
    admin = make.user(admin=True)
    other_town_facilitator = make.user(make.municipality(region), Role.FACILITATOR)
    member_not_participating = make.user(town, Role.PARTICIPANT)
    with s.scope():
        draft = ws.save_draft(
            author,
            s.workshop,
            keywords=[SECRET_KEYWORD],
            text=SECRET_TEXT,
            submit=phase == "individual",
        )
        db.commit()
    roles = {
        "other participant": s.participants[1],
        "facilitator": s.facilitator,
        "coordinator of the region": coordinator,
        "platform admin": admin,
        "member not taking part": member_not_participating,
        "facilitator of another town": other_town_facilitator,
    }
    return Scene(s, author, draft, roles)


def readers(sc: Scene) -> dict[str, Callable[[User], Any]]:
    w = sc.s.workshop
    pairs = db.scalars(select(Pair).where(Pair.workshop_id == w.id)).all()
    pair = pairs[0] if pairs else None
    proposal = db.scalar(select(PairProposal).where(PairProposal.workshop_id == w.id))
    fns: dict[str, Callable[[User], Any]] = {
        "draft_for": lambda a: ws.draft_for(a, w),
        "visible_drafts": lambda a: ws.visible_drafts(a, w),
        "get_draft": lambda a: ws.get_draft(a, w, sc.draft.id),
        "submission_status": lambda a: ws.submission_status(a, w),
        "keywords_overview": lambda a: ws.keywords_overview(a, w),
        "get_workshop": lambda a: ws.get_workshop(a, w.id),
        "workshops_of": lambda a: ws.workshops_of(a, sc.s.tenant),
        "participants": lambda a: ws.participants(a, w),
        "pairs": lambda a: ws.pairs(a, w),
        "unpaired": lambda a: ws.unpaired(a, w),
        "pair_of": lambda a: ws.pair_of(a, w),
        "pair_progress": lambda a: ws.pair_progress(a, w),
        "plenary_overview": lambda a: ws.plenary_overview(a, w),
        "ledger": lambda a: ws.ledger(a, w),
        "coverage": lambda a: ws.coverage(a, w),
        "vision_draft": lambda a: ws.vision_draft(a, w),
        "signing_status": lambda a: ws.signing_status(a, w),
        "room_view (projector)": lambda a: projector.room_view(a, w),
        "my_tasks": lambda a: ws.my_tasks(a),
        "save_draft as someone else": lambda a: ws.save_draft(
            a, w, keywords=["x"], text="y", base_version=0
        ),
    }
    if pair is not None:
        fns |= {
            "get_pair": lambda a: ws.get_pair(a, pair.id),
            "partner_drafts": lambda a: ws.partner_drafts(a, pair),
            "feedback_for": lambda a: ws.feedback_for(a, pair),
            "proposal_of": lambda a: ws.proposal_of(a, pair),
            "save_feedback": lambda a: ws.save_feedback(
                a, pair, sc.draft, especially_good="gut", to_sharpen=""
            ),
        }
    if proposal is not None:
        fns["get_proposal"] = lambda a: ws.get_proposal(a, proposal.id)
    return fns


def leaks(text: str) -> bool:
    return SECRET_KEYWORD in text or SECRET_TEXT in text or "GEHEIM" in text


@pytest.mark.parametrize("phase", ["individual", "pairs"])
def test_before_step_1_closes_only_the_author_reads_the_draft(make, phase: str) -> None:
    sc = scene(make, phase, confirmed=False)
    with sc.s.scope():
        fns = readers(sc)
        assert leaks(outcome(lambda: fns["visible_drafts"](sc.author)))  # the test can fail
        assert leaks(outcome(lambda: fns["get_draft"](sc.author)))
        found = [
            f"{role}: {name}"
            for role, actor in sc.roles.items()
            for name, fn in fns.items()
            if leaks(outcome(lambda fn=fn, actor=actor: fn(actor)))
        ]
    assert found == []


def test_the_facilitator_sees_who_submitted_and_nothing_else(make) -> None:
    sc = scene(make, "individual")
    with sc.s.scope():
        status = ws.submission_status(sc.s.facilitator, sc.s.workshop)
        mine = next(x for x in status if x.user_id == sc.author.id)
        assert mine.submitted
        assert {f.name for f in dataclasses.fields(mine)} == {
            "user_id",
            "display_name",
            "submitted_at",
        }
        assert ws.visible_drafts(sc.s.facilitator, sc.s.workshop) == []
        with pytest.raises(NotFound):
            ws.get_draft(sc.s.facilitator, sc.s.workshop, sc.draft.id)
        with pytest.raises(NotAllowed):
            ws.submission_status(sc.roles["other participant"], sc.s.workshop)


def test_after_confirmation_the_pair_partners_read_the_draft_and_nobody_else(make) -> None:
    s = make.workshop(phase="pairs", participants=4)
    with s.scope():
        pair = ws.pairs(s.facilitator, s.workshop)[0]
        author_id, partner_id = pair.member_ids
        author = next(p for p in s.participants if p.id == author_id)
        partner = next(p for p in s.participants if p.id == partner_id)
        outsider = next(p for p in s.participants if p.id not in pair.member_ids)
        draft = ws.draft_for(author, s.workshop)
        assert draft is not None
        assert [d.id for d in ws.partner_drafts(partner, pair)] == [draft.id]
        assert ws.get_draft(partner, s.workshop, draft.id).text == draft.text
        for reader in (outsider, s.facilitator):
            with pytest.raises(NotFound):
                ws.get_draft(reader, s.workshop, draft.id)
            assert draft.id not in [d.id for d in ws.visible_drafts(reader, s.workshop)]
            with pytest.raises(NotAllowed):
                ws.partner_drafts(reader, pair)
            with pytest.raises(NotAllowed):
                ws.proposal_of(reader, pair)


def test_in_step_3_all_participants_read_keywords_but_not_other_pairs_draft_texts(make) -> None:
    region = make.region()
    town = make.municipality(region)
    coordinator = make.user(region, Role.COORDINATOR)
    s = make.workshop(town, phase="plenary", participants=4)
    with s.scope():
        pair = ws.pairs(s.facilitator, s.workshop)[0]
        outsider = next(p for p in s.participants if p.id not in pair.member_ids)
        author = next(p for p in s.participants if p.id == pair.member_ids[0])
        draft = ws.draft_for(author, s.workshop)
        assert draft is not None
        overview = ws.plenary_overview(outsider, s.workshop)
        assert any(k.draft_id == draft.id for k in overview.draft_keywords)
        assert draft.text not in outcome(lambda: overview)
        with pytest.raises(NotFound):
            ws.get_draft(outsider, s.workshop, draft.id)
        assert ws.keywords_overview(s.facilitator, s.workshop)
        # coordinators read statuses and numbers, never content
        assert ws.keywords_overview(coordinator, s.workshop) == []
        assert ws.coverage(coordinator, s.workshop).overall.total > 0
        for fn in (ws.plenary_overview, ws.ledger, ws.vision_draft):
            with pytest.raises(NotAllowed):
                fn(coordinator, s.workshop)
        with pytest.raises(NotAllowed):
            ws.proposal_of(coordinator, pair)


@pytest.mark.parametrize("phase", ["individual", "pairs", "plenary", "signing"])
def test_the_projector_shows_the_room_only_what_every_participant_reads(make, phase) -> None:
    """The projector view is the facilitator's, but the room reads it: numbers before
    step 3, and in step 3 nothing beyond a participant's own plenary view."""
    sc = scene(make, "individual" if phase == "individual" else "pairs", confirmed=False)
    w = sc.s.workshop
    with sc.s.scope():
        if phase != "individual":
            ws.confirm_pairs(sc.s.facilitator, w)
            for pair in ws.pairs(sc.s.facilitator, w):
                member = next(p for p in sc.s.participants if p.id == pair.member_ids[0])
                ws.save_proposal(member, pair, f"GEHEIMVORSCHLAG {pair.number}", ["x"], 0)
        if phase in ("plenary", "signing"):
            ws.open_plenary(sc.s.facilitator, w)
        if phase == "signing":
            for a in ws.ledger(sc.s.facilitator, w).aspects:
                ws.set_aside(sc.s.facilitator, a, "später")
            ws.save_vision(sc.s.facilitator, w, "Vision", "Text", 0)
            ws.open_signing(sc.s.facilitator, w)
        room = outcome(lambda: projector.room_view(sc.s.facilitator, w))
        assert not leaks(room.replace("GEHEIMVORSCHLAG", "")), phase  # no draft, ever
        shown = "GEHEIMVORSCHLAG" in room
        assert shown == (phase == "plenary"), phase
        if shown:  # exactly what a participant reads on the plenary page
            seen = outcome(lambda: ws.plenary_overview(sc.s.participants[1], w))
            for proposal in projector.room_view(sc.s.facilitator, w).proposals:
                assert proposal.text in seen
        for reader in [sc.author, *sc.roles.values()]:
            if reader is not sc.s.facilitator:
                with pytest.raises((NotAllowed, NotFound)):
                    projector.room_view(reader, w)
