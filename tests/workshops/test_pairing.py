"""Pairing: deterministic for a seed, one trio when odd, never a pair of one; swaps,
moves, late submissions until confirmation, and participants without a draft."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from visionswerk.db import db
from visionswerk.errors import Conflict, InvalidInput, NotAllowed
from visionswerk.tenants.models import AuditEntry
from visionswerk.workshops import services as ws
from visionswerk.workshops.models import Phase


@pytest.mark.parametrize("count", range(2, 16))
def test_every_count_gives_pairs_and_at_most_one_trio(count: int) -> None:
    groups = ws.make_pairs(list(range(100, 100 + count)), seed=count)
    sizes = sorted(len(g) for g in groups)
    assert sorted(uid for g in groups for uid in g) == list(range(100, 100 + count))
    assert min(sizes) >= 2  # never a pair of one
    assert sizes.count(3) == count % 2
    assert set(sizes) <= {2, 3}


def test_the_same_seed_gives_the_same_pairs_whatever_the_input_order() -> None:
    ids = [5, 3, 9, 1, 7, 2, 8]
    assert ws.make_pairs(ids, 42) == ws.make_pairs(list(reversed(ids)), 42)
    seeds = {tuple(map(tuple, ws.make_pairs(ids, s))) for s in range(20)}
    assert len(seeds) > 1  # the seed matters


def test_one_person_cannot_be_paired() -> None:
    with pytest.raises(ValueError):
        ws.make_pairs([1], 1)


def test_opening_step_2_records_the_seed_and_reproduces_the_pairs(make) -> None:
    s = make.workshop(phase="pairs", participants=7, confirmed=False, seed=99)
    with s.scope():
        assert s.workshop.pairing_seed == 99
        got = sorted(sorted(p.member_ids) for p in ws.pairs(s.facilitator, s.workshop))
        expected = sorted(sorted(g) for g in ws.make_pairs([p.id for p in s.participants], 99))
        assert got == expected
        entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "workshop.pairs_proposed"))
        assert entry is not None and entry.detail["seed"] == 99


def test_fewer_than_two_submitted_drafts_refuse_step_2_in_plain_german(make) -> None:
    s = make.workshop(phase="individual", participants=3)
    with s.scope():
        ws.save_draft(s.participants[0], s.workshop, keywords=["Eins"], text="", submit=True)
        with pytest.raises(Conflict) as err:
            ws.open_pairs(s.facilitator, s.workshop)
        assert err.value.message == (
            "Es braucht mindestens zwei eingereichte Entwürfe, um Paare zu bilden."
        )
        assert s.workshop.phase == Phase.INDIVIDUAL
        assert ws.pairs(s.facilitator, s.workshop) == []


def test_swap_exchanges_two_people_between_pairs(make) -> None:
    s = make.workshop(phase="pairs", participants=4, confirmed=False)
    with s.scope():
        p1, p2 = ws.pairs(s.facilitator, s.workshop)
        a, b = p1.member_ids[0], p2.member_ids[0]
        ws.swap_members(s.facilitator, s.workshop, a, b)
        p1, p2 = ws.pairs(s.facilitator, s.workshop)
        assert b in p1.member_ids and a in p2.member_ids
        assert sorted(len(p.members) for p in (p1, p2)) == [2, 2]


def test_swap_within_the_same_pair_is_refused(make) -> None:
    s = make.workshop(phase="pairs", participants=4, confirmed=False)
    with s.scope():
        pair = ws.pairs(s.facilitator, s.workshop)[0]
        with pytest.raises(InvalidInput):
            ws.swap_members(s.facilitator, s.workshop, *pair.member_ids)


def test_participants_cannot_adjust_pairs(make) -> None:
    s = make.workshop(phase="pairs", participants=4, confirmed=False)
    with s.scope():
        p1, p2 = ws.pairs(s.facilitator, s.workshop)
        with pytest.raises(NotAllowed):
            ws.swap_members(s.participants[0], s.workshop, p1.member_ids[0], p2.member_ids[0])


def test_late_submission_until_confirmation_then_refused(make) -> None:
    s = make.workshop(phase="pairs", participants=5, submitted=4, confirmed=False)
    late = s.participants[4]
    with s.scope():
        ws.save_draft(late, s.workshop, keywords=["Spät, aber da"], text="", submit=True)
        with pytest.raises(Conflict) as err:
            ws.confirm_pairs(s.facilitator, s.workshop)
        assert err.value.payload == {"unpaired_user_ids": [late.id]}
        assert s.workshop.pairs_confirmed_at is None
        first = ws.pairs(s.facilitator, s.workshop)[0]
        ws.move_member(s.facilitator, s.workshop, late.id, first.id)
        ws.confirm_pairs(s.facilitator, s.workshop)
        assert late.id in ws.pair_of(late, s.workshop).member_ids  # type: ignore[union-attr]
        with pytest.raises(Conflict) as closed:
            ws.save_draft(late, s.workshop, keywords=["Noch was"], text="")
        assert "abgeschlossen" in closed.value.message
        with pytest.raises(Conflict):
            ws.submit_draft(late, s.workshop)
        assert ws.draft_for(late, s.workshop).keywords == ["Spät, aber da"]  # type: ignore[union-attr]


def test_a_pair_has_at_most_three_members(make) -> None:
    s = make.workshop(phase="pairs", participants=5, submitted=3, confirmed=False)
    with s.scope():
        (trio,) = ws.pairs(s.facilitator, s.workshop)
        with pytest.raises(InvalidInput):
            ws.move_member(s.facilitator, s.workshop, s.participants[4].id, trio.id)


def test_facilitator_decides_whether_people_without_a_draft_join(make) -> None:
    s = make.workshop(phase="individual", participants=5)
    with s.scope():
        for p in s.participants[:2]:
            ws.save_draft(p, s.workshop, keywords=["X"], text="", submit=True)
        ws.open_pairs(s.facilitator, s.workshop, seed=3)
        assert sum(len(p.members) for p in ws.pairs(s.facilitator, s.workshop)) == 2
        ws.propose_pairs(s.facilitator, s.workshop, include_without_draft=True, seed=3)
        pairs = ws.pairs(s.facilitator, s.workshop)
        assert sorted(len(p.members) for p in pairs) == [2, 3]
        assert s.workshop.pairs_include_without_draft


def test_taking_someone_out_and_a_pair_of_one_cannot_be_confirmed(make) -> None:
    s = make.workshop(phase="individual", participants=5)
    with s.scope():
        for p in s.participants[:4]:
            ws.save_draft(p, s.workshop, keywords=["X"], text="", submit=True)
        ws.open_pairs(s.facilitator, s.workshop, include_without_draft=True, seed=1)
        pairs = ws.pairs(s.facilitator, s.workshop)
        pair = next(p for p in pairs if len(p.members) == 2)
        without = s.participants[4].id
        victim = next(uid for uid in pair.member_ids if uid != without)
        ws.move_member(s.facilitator, s.workshop, victim, None)
        assert victim in [u.id for u, _ in ws.unpaired(s.facilitator, s.workshop)]
        with pytest.raises(Conflict):
            ws.confirm_pairs(s.facilitator, s.workshop)
        assert s.workshop.pairs_confirmed_at is None


def test_going_back_to_step_1_before_confirmation_drops_the_proposed_pairs(make) -> None:
    s = make.workshop(phase="pairs", participants=4, confirmed=False)
    with s.scope():
        ws.move(s.facilitator, s.workshop, "individual")
        assert ws.pairs(s.facilitator, s.workshop) == []
        ws.open_pairs(s.facilitator, s.workshop)
        ws.confirm_pairs(s.facilitator, s.workshop)
        with pytest.raises(Conflict):
            ws.move(s.facilitator, s.workshop, "individual")
        assert s.workshop.phase == Phase.PAIRS
        assert len(ws.pairs(s.facilitator, s.workshop)) == 2
