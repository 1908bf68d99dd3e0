"""Leaving out step 2 (issue 14): a workshop that chose it in preparation may go from
step 1 straight to step 3 when one to three drafts are submitted — through the same
state machine, guarded in plain German, in the audit log and the facilitator's tasks;
the drafts are frozen and their keywords become the ledger (provenance: participant)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from visionswerk.db import db
from visionswerk.errors import Conflict
from visionswerk.tenants.models import AuditEntry
from visionswerk.workshops import services as ws
from visionswerk.workshops.models import Aspect, AspectSource, Pair, Phase
from visionswerk.workshops.tasks import TaskKind


def _submit(s, count: int) -> None:  # type: ignore[no-untyped-def]
    for person in s.participants[:count]:
        ws.save_draft(
            person, s.workshop, keywords=[f"Idee {person.id}", "Dorfladen"], text="", submit=True
        )


def _skippable(make, participants: int, submitted: int, *, chosen: bool = True):  # type: ignore[no-untyped-def]
    s = make.workshop(phase="individual", participants=participants)
    with s.scope():
        if chosen:
            ws.update_workshop(s.facilitator, s.workshop, skip_pairs=True)
        _submit(s, submitted)
    return s


@pytest.mark.parametrize(("participants", "submitted"), [(4, 1), (4, 2), (6, 3), (13, 3)])
def test_a_small_group_goes_from_step_1_straight_to_step_3(
    make, participants: int, submitted: int
) -> None:
    s = _skippable(make, participants, submitted)
    with s.scope():
        w = s.workshop
        moves = ws.next_moves(s.facilitator, w)
        assert [m.to for m in moves] == [Phase.PAIRS, Phase.PLENARY]
        assert moves[1].ready
        ws.skip_pairs(s.facilitator, w)
        assert w.phase == Phase.PLENARY and w.pairs_skipped and w.step1_closed
        assert db.scalars(select(Pair).where(Pair.workshop_id == w.id)).all() == []
        aspects = db.scalars(select(Aspect).where(Aspect.workshop_id == w.id)).all()
        assert {a.source for a in aspects} == {AspectSource.DRAFT}
        authors = {p.id for p in s.participants[:submitted]}
        assert {a.participant_id for a in aspects} == authors
        assert len(aspects) == 2 * submitted
        entry = db.scalar(
            select(AuditEntry)
            .where(AuditEntry.action == "workshop.move")
            .order_by(AuditEntry.id.desc())
        )
        assert entry is not None
        assert entry.detail["from"] == "individual" and entry.detail["to"] == "plenary"
        assert entry.detail["skipped"] == "pairs" and entry.detail["drafts"] == submitted
        # the drafts are frozen now
        with pytest.raises(Conflict):
            ws.save_draft(s.participants[0], w, keywords=["Neu"], text="", submit=True)
        # nobody is asked to mark strengths of proposals that do not exist
        assert not any(t.kind == TaskKind.MARK_STRENGTHS for t in ws.my_tasks(s.participants[0]))


def test_the_skipped_workshop_reaches_adoption(make) -> None:
    s = _skippable(make, 5, 3)
    with s.scope():
        w = s.workshop
        ws.skip_pairs(s.facilitator, w)
        aspects = db.scalars(select(Aspect).where(Aspect.workshop_id == w.id)).all()
        labels = sorted({a.label for a in aspects})
        ws.save_vision(s.facilitator, w, "Vision 2035", "\n".join(labels), 0)
        for a in aspects:
            ws.take_up(s.facilitator, a, a.label)
        ws.open_signing(s.facilitator, w)
        signatory, _ = ws.add_signatory(s.facilitator, w, user_id=s.participants[0].id)
        ws.sign(s.participants[0], signatory, ws.current_version(w).sha256)
        ws.close_signing(s.facilitator, w)
        assert w.phase == Phase.ADOPTED


@pytest.mark.parametrize("submitted", [4, 5, 9])
def test_four_or_more_drafts_go_through_step_2(make, submitted: int) -> None:
    s = _skippable(make, 9, submitted)
    with s.scope():
        skip = ws.next_moves(s.facilitator, s.workshop)[1]
        assert skip.blocked_by is not None
        assert skip.blocked_by.message.startswith("Schritt 2 lässt sich nur auslassen")
        with pytest.raises(Conflict) as err:
            ws.skip_pairs(s.facilitator, s.workshop)
        assert str(err.value) == (
            "Schritt 2 lässt sich nur auslassen, wenn weniger als vier Entwürfe eingereicht "
            f"sind. Eingereicht sind {submitted} – bitte bilden Sie Gruppen."
        )
        assert s.workshop.phase == Phase.INDIVIDUAL and not s.workshop.step1_closed
        facilitator_task = next(t for t in ws.my_tasks(s.facilitator) if t.workshop_id == s.id)
        assert facilitator_task.kind == TaskKind.CLOSE_INDIVIDUAL


def test_without_a_draft_or_without_the_choice_the_skip_is_refused(make) -> None:
    none = _skippable(make, 4, 0)
    with none.scope():
        with pytest.raises(Conflict) as err:
            ws.skip_pairs(none.facilitator, none.workshop)
        assert "mindestens einen eingereichten Entwurf" in str(err.value)
        task = next(t for t in ws.my_tasks(none.facilitator) if t.workshop_id == none.id)
        assert task.kind == TaskKind.SKIP_PAIRS and task.blocked_by is not None
    unchosen = _skippable(make, 4, 2, chosen=False)
    with unchosen.scope():
        assert [m.to for m in ws.next_moves(unchosen.facilitator, unchosen.workshop)] == [
            Phase.PAIRS
        ]
        with pytest.raises(Conflict) as err:
            ws.skip_pairs(unchosen.facilitator, unchosen.workshop)
        assert "nicht vorgesehen" in str(err.value)
        assert unchosen.workshop.phase == Phase.INDIVIDUAL


def test_the_choice_is_fixed_once_step_1_ends(make) -> None:
    s = make.workshop(phase="pairs", participants=4)
    with s.scope():
        with pytest.raises(Conflict):
            ws.update_workshop(s.facilitator, s.workshop, skip_pairs=True)
        ws.update_workshop(s.facilitator, s.workshop, skip_pairs=False)  # unchanged: fine
