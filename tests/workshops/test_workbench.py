"""Step 3 as a workbench: inserting a proposal keeps its provenance; several aspects (and
whole groups) are decided with one passage or one reason, all or nothing; a passage must
be in the saved text; suggestions only suggest."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from visionswerk.db import db
from visionswerk.errors import Conflict, InvalidInput, NotAllowed, NotFound
from visionswerk.tenants.accounts import InvalidField
from visionswerk.tenants.models import AuditEntry
from visionswerk.workshops import services as ws
from visionswerk.workshops.models import AspectStatus

TEXT = "Unsere Gemeinde ist 2035 digital und nah. Glasfaser für alle macht das möglich."


def plenary(make, participants: int = 4):  # type: ignore[no-untyped-def]
    s = make.workshop(phase="plenary", participants=participants)
    with s.scope():
        ws.save_vision(s.facilitator, s.workshop, "Vision 2035", TEXT, 0)
    return s


def test_inserting_a_proposal_appends_it_and_records_where_it_came_from(make) -> None:
    s = make.workshop(phase="plenary", participants=4)
    with s.scope():
        p1, p2 = (v.proposal for v in ws.plenary_overview(s.facilitator, s.workshop).proposals)
        p1.text = "Erster Absatz.\n\nZweiter Absatz."  # as the pair left it in step 2
        draft = ws.insert_proposal(s.facilitator, s.workshop, p1, base_version=0)
        assert draft.text == "Erster Absatz.\n\nZweiter Absatz." and draft.version == 1
        draft = ws.insert_proposal(s.facilitator, s.workshop, p2, base_version=1, paragraph=1)
        assert draft.text.startswith("Erster Absatz.\n\nZweiter Absatz.\n\n")
        assert draft.text.endswith(p2.text.split("\n\n")[0].strip())
        made = ws.insertions(s.facilitator, s.workshop)
        assert [(i.pair_number, i.paragraph) for i in made] == [(1, None), (2, 1)]
        entry = db.scalars(
            select(AuditEntry).where(AuditEntry.action == "vision.insert_proposal")
        ).first()
        assert entry.detail["proposal_id"] == p1.id and entry.detail["pair_id"] == p1.pair_id
        # stale base: the same Conflict as any save, nothing appended
        with pytest.raises(Conflict):
            ws.insert_proposal(s.facilitator, s.workshop, p1, base_version=1)
        with pytest.raises(InvalidInput):
            ws.insert_proposal(s.facilitator, s.workshop, p1, base_version=2, paragraph=9)
        assert ws.vision_draft(s.facilitator, s.workshop).version == 2
        with pytest.raises(NotAllowed):
            ws.insert_proposal(s.participants[0], s.workshop, p1, base_version=2)


def test_several_aspects_are_taken_up_with_one_passage(make) -> None:
    s = plenary(make)
    with s.scope():
        aspects = ws.ledger(s.facilitator, s.workshop).aspects
        three = [a.id for a in aspects[:3]]
        done = ws.take_up_many(s.facilitator, s.workshop, three, "digital und nah")
        assert [a.id for a in done] == three
        assert {(a.status, a.passage) for a in done} == {(AspectStatus.TAKEN_UP, "digital und nah")}
        assert all(a.decided_by_id == s.facilitator.id for a in done)
        assert ws.ledger(s.facilitator, s.workshop).coverage.overall.taken_up == 3


def test_a_passage_not_in_the_text_changes_nothing(make) -> None:
    s = plenary(make)
    with s.scope():
        aspects = ws.ledger(s.facilitator, s.workshop).aspects
        with pytest.raises(InvalidField) as err:
            ws.take_up_many(s.facilitator, s.workshop, [a.id for a in aspects[:3]], "Drohnen")
        assert err.value.field == "passage"
        with pytest.raises(InvalidInput):
            ws.take_up_many(s.facilitator, s.workshop, [], "digital")
        with pytest.raises(NotFound):  # one unknown id: nothing changes
            ws.take_up_many(s.facilitator, s.workshop, [aspects[0].id, 999999], "digital")
        with pytest.raises(InvalidField):  # offsets outside the text
            ws.take_up_at(s.facilitator, aspects[0], 5, 5000)
        assert {a.status for a in aspects} == {AspectStatus.OPEN}
        with pytest.raises(NotAllowed):
            ws.take_up_many(s.participants[0], s.workshop, [aspects[0].id], "digital")


def test_a_group_decision_applies_to_every_member(make) -> None:
    s = plenary(make)
    with s.scope():
        aspects = ws.ledger(s.facilitator, s.workshop).aspects
        glasfaser = [a for a in aspects if a.label == "Glasfaser für alle"]
        group = ws.group_aspects(s.facilitator, s.workshop, [a.id for a in glasfaser], "Netz")
        other = next(a for a in aspects if a.group_id is None)
        ws.take_up_many(
            s.facilitator, s.workshop, [other.id], "Glasfaser für alle", group_ids=[group.id]
        )
        assert {a.status for a in [*glasfaser, other]} == {AspectStatus.TAKEN_UP}
        ws.set_aside_many(s.facilitator, s.workshop, [], "Steht schon drin.", group_ids=[group.id])
        assert {a.status for a in glasfaser} == {AspectStatus.SET_ASIDE}
        assert {a.reason for a in glasfaser} == {"Steht schon drin."}
        assert other.status == AspectStatus.TAKEN_UP
        with pytest.raises(InvalidField):
            ws.set_aside_many(s.facilitator, s.workshop, [other.id], " ")


def test_suggestions_offer_passages_and_groups_but_decide_nothing(make) -> None:
    s = plenary(make)
    with s.scope():
        hints = ws.suggestions(s.facilitator, s.workshop)
        aspects = ws.ledger(s.facilitator, s.workshop).aspects
        glasfaser = {a.id for a in aspects if a.label == "Glasfaser für alle"}
        assert any(set(g.aspect_ids) >= glasfaser for g in hints.groups)
        text = ws.vision_draft(s.facilitator, s.workshop).text
        for aid in glasfaser:
            best = hints.passages[aid][0]
            assert text[best.start : best.end] == best.text
            assert "Glasfaser" in best.text
        assert {a.status for a in aspects} == {AspectStatus.OPEN}
        assert all(a.group_id is None for a in aspects)
        # one click on the suggested passage takes it up
        aid = sorted(glasfaser)[0]
        aspect = next(a for a in aspects if a.id == aid)
        best = hints.passages[aid][0]
        ws.take_up_at(s.facilitator, aspect, best.start, best.end)
        assert aspect.passage == best.text
        # accepting a (dismissable) suggestion is a person's decision: a group
        rest = sorted(glasfaser - {aid})
        group = ws.accept_group(s.facilitator, s.workshop, rest)
        assert group.label == "Glasfaser für alle" and {a.id for a in group.aspects} == set(rest)
        # grouped aspects are not suggested again
        again = ws.suggestions(s.facilitator, s.workshop)
        assert not any(set(g.aspect_ids) & set(rest) for g in again.groups)


def test_a_dismissed_suggestion_stays_dismissed_and_is_recorded(make) -> None:
    s = plenary(make)
    with s.scope():
        aspects = ws.ledger(s.facilitator, s.workshop).aspects
        glasfaser = {a.id for a in aspects if a.label == "Glasfaser für alle"}
        offered = next(
            g for g in ws.suggestions(s.facilitator, s.workshop).groups
            if set(g.aspect_ids) >= glasfaser
        )  # fmt: skip
        with pytest.raises(NotAllowed):
            ws.dismiss_group(s.participants[0], s.workshop, offered.aspect_ids)
        with pytest.raises(NotFound):  # not this workshop's aspects: nothing stored
            ws.dismiss_group(s.facilitator, s.workshop, [*offered.aspect_ids, 2**31 - 1])
        assert ws.dismissed_sets(s.workshop) == []
        row = ws.dismiss_group(s.facilitator, s.workshop, list(reversed(offered.aspect_ids)))
        assert row.key == "-".join(str(i) for i in sorted(offered.aspect_ids))
        assert row.dismissed_by_id == s.facilitator.id and row.dismissed_at is not None
        assert ws.dismiss_group(s.facilitator, s.workshop, offered.aspect_ids).id == row.id
        db.commit()  # a later request (another process) reads it from the database
        again = ws.suggestions(s.facilitator, s.workshop).groups
        assert not any(set(g.aspect_ids) & set(offered.aspect_ids) for g in again)
        # one member decided: the rest is still within the dismissed set, still not offered
        first = next(a for a in aspects if a.id == offered.aspect_ids[0])
        ws.set_aside_many(s.facilitator, s.workshop, [first.id], "Später.")
        again = ws.suggestions(s.facilitator, s.workshop).groups
        assert not any(set(g.aspect_ids) & set(offered.aspect_ids) for g in again)
        # the suggestion is gone, the aspects are not: they can still be grouped by hand
        ws.group_aspects(s.facilitator, s.workshop, offered.aspect_ids[1:3], "Von Hand")
        entries = db.scalars(
            select(AuditEntry).where(AuditEntry.action == "aspect.dismiss_suggestion")
        ).all()
        assert len(entries) == 1 and entries[0].detail["aspects"] == sorted(offered.aspect_ids)


def test_participants_read_suggestions_but_cannot_decide(make) -> None:
    s = plenary(make)
    with s.scope():
        assert ws.suggestions(s.participants[0], s.workshop).passages
        ids = [a.id for a in ws.ledger(s.facilitator, s.workshop).aspects[:2]]
        with pytest.raises(NotAllowed):
            ws.accept_group(s.participants[0], s.workshop, ids, "X")
        with pytest.raises(NotAllowed):
            ws.set_aside_many(s.participants[0], s.workshop, ids, "Nein.")
