"""The aspect ledger: every keyword of step 1 and step 2 with its provenance; each must
be taken up (with a passage that occurs in the vision text) or set aside with a reason
before signing; coverage per pair and per participant."""

from __future__ import annotations

import pytest

from visionswerk.errors import Conflict, InvalidInput
from visionswerk.tenants.accounts import InvalidField
from visionswerk.workshops import services as ws
from visionswerk.workshops.models import AspectSource, AspectStatus, Phase

TEXT = "Unsere Gemeinde ist 2035 digital und nah. Glasfaser für alle macht das möglich."


def plenary(make, participants: int = 4):  # type: ignore[no-untyped-def]
    s = make.workshop(phase="plenary", participants=participants)
    with s.scope():
        ws.save_vision(s.facilitator, s.workshop, "Vision 2035", TEXT, 0)
    return s


def test_aspects_carry_their_provenance_and_are_created_once(make) -> None:
    s = plenary(make)
    with s.scope():
        ledger = ws.ledger(s.facilitator, s.workshop)
        drafts = [a for a in ledger.aspects if a.source == AspectSource.DRAFT]
        proposals = [a for a in ledger.aspects if a.source == AspectSource.PROPOSAL]
        assert {a.participant_id for a in drafts} == {p.id for p in s.participants}
        assert all(a.draft_id is not None and a.pair_id is None for a in drafts)
        pairs = ws.pairs(s.facilitator, s.workshop)
        assert {a.pair_id for a in proposals} == {p.id for p in pairs}
        assert len(ledger.aspects) == 4 * 2 + 2 * 2
        assert ws.ensure_aspects(s.workshop) == 0
        assert len(ws.ledger(s.facilitator, s.workshop).aspects) == len(ledger.aspects)


def test_the_guard_blocks_signing_until_every_aspect_is_decided(make) -> None:
    s = plenary(make)
    with s.scope():
        aspects = ws.ledger(s.facilitator, s.workshop).aspects
        for a in aspects[:-2]:
            ws.set_aside(s.facilitator, a, "Passt nicht in die Vision.")
        with pytest.raises(Conflict) as err:
            ws.open_signing(s.facilitator, s.workshop)
        assert err.value.params == {"n": 2}
        assert str(err.value).startswith("Noch 2 Aspekte sind offen.")
        assert s.workshop.phase == Phase.PLENARY
        assert ws.current_version(s.workshop) is None
        ws.take_up(s.facilitator, aspects[-2], "glasfaser  FÜR alle")
        with pytest.raises(Conflict) as err:
            ws.open_signing(s.facilitator, s.workshop)
        assert str(err.value).startswith("Noch ein Aspekt ist offen.")
        ws.set_aside(s.facilitator, aspects[-1], "Später.")
        ws.open_signing(s.facilitator, s.workshop)
        assert s.workshop.phase == Phase.SIGNING


def test_a_passage_must_occur_in_the_vision_text(make) -> None:
    s = plenary(make)
    with s.scope():
        aspect = ws.ledger(s.facilitator, s.workshop).aspects[0]
        with pytest.raises(InvalidField) as err:
            ws.take_up(s.facilitator, aspect, "Drohnen liefern Pakete")
        assert err.value.field == "passage"
        assert aspect.status == AspectStatus.OPEN
        with pytest.raises(InvalidField):
            ws.take_up(s.facilitator, aspect, "   ")
        ws.take_up(s.facilitator, aspect, "digital und nah")
        assert (aspect.status, aspect.passage) == (AspectStatus.TAKEN_UP, "digital und nah")


def test_setting_aside_needs_a_reason(make) -> None:
    s = plenary(make)
    with s.scope():
        aspect = ws.ledger(s.facilitator, s.workshop).aspects[0]
        for reason in ("", "  \n ", "x" * 501):
            with pytest.raises(InvalidField):
                ws.set_aside(s.facilitator, aspect, reason)
        assert aspect.status == AspectStatus.OPEN


def test_a_passage_removed_from_the_text_later_blocks_signing(make) -> None:
    s = plenary(make)
    with s.scope():
        for a in ws.ledger(s.facilitator, s.workshop).aspects:
            ws.take_up(s.facilitator, a, "Glasfaser für alle")
        ws.save_vision(s.facilitator, s.workshop, "Vision 2035", "Ganz neuer Text.", 1)
        with pytest.raises(Conflict) as err:
            ws.open_signing(s.facilitator, s.workshop)
        assert len(err.value.payload["stale_aspect_ids"]) == 12
        assert s.workshop.phase == Phase.PLENARY


def test_coverage_overall_per_pair_and_per_participant(make) -> None:
    s = plenary(make)
    with s.scope():
        ledger = ws.ledger(s.facilitator, s.workshop)
        pair1, pair2 = ws.pairs(s.facilitator, s.workshop)
        lucky = s.participants[0]
        for a in ledger.aspects:
            if a.pair_id == pair1.id or a.participant_id == lucky.id:
                ws.take_up(s.facilitator, a, "digital")
            elif a.pair_id == pair2.id:
                ws.set_aside(s.facilitator, a, "Doppelt.")
        cov = ws.coverage(s.facilitator, s.workshop)
        assert (cov.overall.taken_up, cov.overall.set_aside, cov.overall.open) == (4, 2, 6)
        assert cov.overall.ratio == pytest.approx(4 / 12)
        per_pair = {p.pair_id: p.share for p in cov.per_pair}
        assert (per_pair[pair1.id].taken_up, per_pair[pair1.id].total) == (2, 2)
        assert per_pair[pair1.id].percent == 100
        assert (per_pair[pair2.id].taken_up, per_pair[pair2.id].set_aside) == (0, 2)
        per_person = {p.user_id: p.share for p in cov.per_participant}
        assert per_person[lucky.id].ratio == 1.0
        assert all(per_person[p.id].taken_up == 0 for p in s.participants[1:])
        assert len(per_person) == 4


def test_groups_decide_their_aspects_together(make) -> None:
    s = plenary(make)
    with s.scope():
        aspects = ws.ledger(s.facilitator, s.workshop).aspects
        glasfaser = [a for a in aspects if a.label == "Glasfaser für alle"]
        assert len(glasfaser) == 4
        group = ws.group_aspects(s.facilitator, s.workshop, [a.id for a in glasfaser], "Netz")
        with pytest.raises(InvalidInput):
            ws.decide_group(s.facilitator, group)
        ws.decide_group(s.facilitator, group, passage="Glasfaser für alle")
        assert {a.status for a in glasfaser} == {AspectStatus.TAKEN_UP}
        ws.ungroup(s.facilitator, glasfaser[0])
        assert glasfaser[0].group_id is None
        assert ws.ledger(s.facilitator, s.workshop).groups[0].label == "Netz"
        with pytest.raises(InvalidInput):
            ws.group_aspects(s.facilitator, s.workshop, [glasfaser[0].id], "Allein")


def test_participants_read_the_ledger_but_only_the_facilitator_decides(make) -> None:
    from visionswerk.errors import NotAllowed

    s = plenary(make)
    with s.scope():
        me = s.participants[0]
        aspect = ws.ledger(me, s.workshop).aspects[0]
        with pytest.raises(NotAllowed):
            ws.take_up(me, aspect, "digital")
        with pytest.raises(NotAllowed):
            ws.save_vision(me, s.workshop, "Meins", "Mein Text", 1)
