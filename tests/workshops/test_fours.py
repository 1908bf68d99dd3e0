"""The round of four (issue 14, 1-2-4-alle): after the pairs, two pairs at a time merge
their proposals in a group of four before everyone composes the vision. Chosen in
preparation (pairs only), through the same state machine, with guards in plain German;
the ledger keeps provenance through every round (participant → pair → four)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from visionswerk.db import db
from visionswerk.errors import Conflict, InvalidInput, NotFound
from visionswerk.tenants.accounts import InvalidField
from visionswerk.tenants.models import AuditEntry, User
from visionswerk.tenants.policy import can
from visionswerk.workshops import services as ws
from visionswerk.workshops.models import (
    Aspect,
    AspectSource,
    Draft,
    Pair,
    Phase,
    ProposalFeedback,
)
from visionswerk.workshops.pairing import merge_plan
from visionswerk.workshops.tasks import TaskKind


def rounds(w) -> tuple[list[Pair], list[Pair]]:  # type: ignore[no-untyped-def]
    groups = db.scalars(select(Pair).where(Pair.workshop_id == w.id).order_by(Pair.number))
    pairs = [p for p in groups if p.round == 1]
    fours = db.scalars(
        select(Pair).where(Pair.workshop_id == w.id, Pair.round == 2).order_by(Pair.number)
    ).all()
    return pairs, list(fours)


def user(u: User) -> User:
    found = db.get(User, u.id)
    assert found is not None
    return found


@pytest.mark.parametrize(
    ("numbers", "plan"),
    [
        ([1, 2], [[1, 2]]),
        ([1, 2, 3], [[1, 2, 3]]),
        ([4, 3, 2, 1], [[1, 2], [3, 4]]),
        ([1, 2, 3, 4, 5], [[1, 2], [3, 4, 5]]),
        ([1, 2, 3, 4, 5, 6], [[1, 2], [3, 4], [5, 6]]),
    ],
)
def test_two_pairs_at_a_time_and_an_odd_pair_joins_the_last_four(numbers, plan) -> None:  # type: ignore[no-untyped-def]
    assert merge_plan(numbers) == plan


def test_one_pair_cannot_form_a_four() -> None:
    with pytest.raises(ValueError):
        merge_plan([1])


@pytest.mark.parametrize("n", range(4, 14))
def test_every_count_runs_through_the_round_of_four_to_step_3(make, n: int) -> None:
    s = make.workshop(phase="plenary", participants=n, with_fours=True, seed=n)
    with s.scope():
        w = s.workshop
        assert w.phase == Phase.PLENARY and w.current_round == 2
        pairs, fours = rounds(w)
        assert len(fours) == len(pairs) // 2
        everyone = sorted(p.id for p in s.participants)
        assert sorted(uid for f in fours for uid in f.member_ids) == everyone
        for four in fours:
            merged = [p for p in pairs if p.merged_into_id == four.id]
            assert len(merged) in (2, 3)
            assert sorted(four.member_ids) == sorted(u for p in merged for u in p.member_ids)
        assert all(p.merged_into_id is not None for p in pairs)
        # the ledger holds the keywords of every round, each with its own group
        sources = {
            (a.source, a.pair_id)
            for a in db.scalars(select(Aspect).where(Aspect.workshop_id == w.id))
        }
        for group in pairs + fours:
            assert (AspectSource.PROPOSAL, group.id) in sources
        moves = [
            e.detail
            for e in db.scalars(
                select(AuditEntry).where(
                    AuditEntry.action == "workshop.move", AuditEntry.object_id == w.id
                )
            )
        ]
        assert {
            "from": "pairs",
            "to": "fours",
            "pairs": len(pairs),
            "fours": len(fours),
        }.items() <= (next(m for m in moves if m["to"] == "fours").items())
        assert any(m["from"] == "fours" and m["to"] == "plenary" for m in moves)


def test_the_round_of_four_reaches_adoption(make) -> None:
    s = make.workshop(phase="adopted", participants=8, with_fours=True)
    with s.scope():
        assert s.workshop.phase == Phase.ADOPTED


def test_the_four_starts_from_both_pairs_proposals(make) -> None:
    s = make.workshop(phase="fours", participants=4)
    with s.scope():
        pairs, (four,) = rounds(s.workshop)
        assert four.proposal is not None and four.proposal.version == 0
        for pair in pairs:
            assert pair.proposal is not None
            assert pair.proposal.text in four.proposal.text
        # keywords without repeats: "Bürgerportal" was in both pairs' proposals
        assert four.proposal.keywords.count("Bürgerportal") == 1
        assert {"Vorschlag 1", "Vorschlag 2"} <= set(four.proposal.keywords)


def test_a_round_of_four_needs_pairs_and_is_chosen_before_step_2(make) -> None:
    region = make.region()
    town = make.municipality(region)
    s = make.workshop(town, phase="preparation", participants=4)
    with s.scope():
        with pytest.raises(InvalidField) as err:
            ws.update_workshop(s.facilitator, s.workshop, group_size=3, with_fours=True)
        assert err.value.field == "with_fours"
        assert "baut auf Paaren auf" in err.value.message
        db.rollback()
        ws.update_workshop(s.facilitator, s.workshop, with_fours=True)
        assert s.workshop.with_fours
    started = make.workshop(town, phase="pairs", participants=4)
    with started.scope(), pytest.raises(Conflict) as late:
        ws.update_workshop(started.facilitator, started.workshop, with_fours=True)
    assert "nur bis zum Ende der Einzelarbeit" in late.value.message


def test_where_chosen_step_2_ends_in_the_round_of_four_not_in_step_3(make) -> None:
    s = make.workshop(phase="pairs", participants=4, with_fours=True)
    with s.scope():
        w = s.workshop
        assert ws.allowed_moves(s.facilitator, w) == [Phase.INDIVIDUAL, Phase.FOURS]
        with pytest.raises(Conflict) as err:
            ws.move(s.facilitator, w, Phase.PLENARY)
        assert "zuerst die Runde zu viert" in err.value.message
        (move,) = ws.next_moves(s.facilitator, w)
        assert move.to == Phase.FOURS
        assert move.blocked_by is not None  # nothing saved yet
        assert move.blocked_by.message.startswith("Noch kein Paar")
    plain = make.workshop(phase="pairs", participants=4)
    with plain.scope():
        assert Phase.FOURS not in ws.allowed_moves(plain.facilitator, plain.workshop)
        with pytest.raises(Conflict) as err:
            ws.move(plain.facilitator, plain.workshop, Phase.FOURS)
        assert "nicht vorgesehen" in err.value.message
        assert plain.workshop.phase == Phase.PAIRS


def test_one_pair_is_not_enough_and_nothing_changes(make) -> None:
    s = make.workshop(phase="pairs", participants=3, with_fours=True)  # one trio
    with s.scope():
        (trio,) = ws.pairs(s.facilitator, s.workshop)
        ws.save_proposal(user(s.participants[0]), trio, "Wir sind nah.", ["Nähe"], 0)
        with pytest.raises(Conflict) as err:
            ws.open_fours(s.facilitator, s.workshop)
        assert "mindestens zwei Paare" in err.value.message
        db.rollback()
        assert s.workshop.phase == Phase.PAIRS and s.workshop.fours_opened_at is None
        assert rounds(s.workshop)[1] == []


def test_step_3_needs_a_saved_proposal_of_a_four(make) -> None:
    s = make.workshop(phase="fours", participants=4)
    with s.scope():
        with pytest.raises(Conflict) as err:
            ws.open_plenary(s.facilitator, s.workshop)
        assert (
            err.value.message
            == "Noch keine Vierergruppe hat einen gemeinsamen Vorschlag gespeichert."
        )
        db.rollback()
        _, (four,) = rounds(s.workshop)
        ws.save_proposal(user(s.participants[0]), four, "Gemeinsam digital.", ["Nähe"], 0)
        ws.open_plenary(s.facilitator, s.workshop)
        assert s.workshop.phase == Phase.PLENARY


def test_four_members_give_feedback_on_the_other_pairs_proposal(make) -> None:
    s = make.workshop(phase="fours", participants=4)
    with s.scope():
        (one, two), (four,) = rounds(s.workshop)
        me = user(db.get(User, one.member_ids[0]))  # type: ignore[arg-type]
        assert [p.id for p, _ in ws.source_proposals(me, four)] == [one.id, two.id]
        given = ws.save_proposal_feedback(
            me, four, two.proposal, especially_good="Konkret", to_sharpen="Für wen?"
        )
        assert (given.pair_id, given.author_id) == (four.id, me.id)
        db.commit()
        with pytest.raises(InvalidInput) as own:
            ws.save_proposal_feedback(me, four, one.proposal, especially_good="x", to_sharpen="")
        assert "des anderen Paares" in own.value.message
        with pytest.raises(InvalidInput):
            ws.save_proposal_feedback(me, four, two.proposal, especially_good=" ", to_sharpen="")
        (progress,) = ws.pair_progress(s.facilitator, s.workshop)
        assert progress.pair_id == four.id and len(progress.members) == 4
        assert (progress.feedback_given, progress.feedback_expected) == (1, 4)
        # the pairs' own round is over: their proposals stay as they were
        with pytest.raises(Conflict) as closed:
            ws.save_proposal(me, one, "später", [], one.proposal.version)
        assert "Arbeit zu zweit läuft gerade nicht" in closed.value.message
        db.rollback()
        assert db.scalar(select(ProposalFeedback.to_sharpen)) == "Für wen?"


def test_a_four_is_private_to_its_members_until_step_3(make) -> None:
    s = make.workshop(phase="fours", participants=8)
    with s.scope():
        pairs, (first, second) = rounds(s.workshop)
        insider = user(db.get(User, first.member_ids[0]))  # type: ignore[arg-type]
        outsider = user(db.get(User, second.member_ids[0]))  # type: ignore[arg-type]
        assert ws.pair_of(insider, s.workshop).id == first.id  # type: ignore[union-attr]
        assert can(insider, "pair.work", first) and not can(outsider, "pair.work", first)
        assert not can(outsider, "pair.read", first)
        with pytest.raises(NotFound):
            ws.get_pair(outsider, first.id)
        other_pair = next(p for p in pairs if p.merged_into_id == second.id)
        with pytest.raises(NotFound):
            ws.save_proposal_feedback(
                insider, first, other_pair.proposal, especially_good="x", to_sharpen=""
            )
        # drafts stay with the pair: a four member does not read the other pair's drafts
        own_pair = next(p for p in pairs if insider.id in p.member_ids)
        partner_pair = next(p for p in pairs if p.merged_into_id == first.id and p is not own_pair)
        other_draft = db.scalar(select(Draft).where(Draft.author_id == partner_pair.member_ids[0]))
        assert other_draft is not None and other_draft.submitted
        assert not can(insider, "draft.read", other_draft)
        assert can(insider, "draft.read_keywords", other_draft) is False


def test_tasks_lead_through_the_round_of_four(make) -> None:
    s = make.workshop(phase="pairs", participants=4, with_fours=True)
    with s.scope():
        (task,) = [t for t in ws.my_tasks(s.facilitator) if t.workshop_id == s.id]
        assert task.kind == TaskKind.OPEN_FOURS and task.blocked_by is not None
        for pair in ws.pairs(s.facilitator, s.workshop):
            ws.save_proposal(user(db.get(User, pair.member_ids[0])), pair, "Text", ["A"], 0)  # type: ignore[arg-type]
        (task,) = [t for t in ws.my_tasks(s.facilitator) if t.workshop_id == s.id]
        assert task.kind == TaskKind.OPEN_FOURS and task.blocked_by is None
        ws.open_fours(s.facilitator, s.workshop)
        db.commit()
        me = user(s.participants[0])
        mine = [t for t in ws.my_tasks(me) if t.workshop_id == s.id]
        four = ws.pair_of(me, s.workshop)
        assert four is not None and four.round == 2
        assert [(t.kind, t.phase, t.pair_id, t.count) for t in mine] == [
            (TaskKind.GIVE_FEEDBACK, Phase.FOURS, four.id, 1),
            (TaskKind.WRITE_PROPOSAL, Phase.FOURS, four.id, None),
        ]
        (task,) = [t for t in ws.my_tasks(s.facilitator) if t.workshop_id == s.id]
        assert task.kind == TaskKind.OPEN_PLENARY and task.deadline_step == Phase.FOURS
        assert task.blocked_by is not None
