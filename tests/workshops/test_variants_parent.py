"""Starting from the parent vision (issue 14): a municipality building on the ILE's
vision may start step 3 from its statements — they become aspects with the parent
version as provenance, beside the participants' and the pairs' own. With the choice made
in preparation the workshop may go from preparation straight to step 3, through the same
state machine (guards in plain German, audit, the facilitator's task), pages and API."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from tests.api.conftest import Api, token_for
from tests.pages.conftest import Visitor, text_of
from tests.visions.helpers import based_workshop, finish, make_region
from visionswerk.db import db
from visionswerk.errors import Conflict
from visionswerk.tenants.models import AuditEntry
from visionswerk.workshops import services as ws
from visionswerk.workshops.models import Aspect, AspectSource, Phase
from visionswerk.workshops.tasks import TaskKind

ILE_STATEMENTS = [
    "Wir stärken die Dörfer gemeinsam.",
    "Glasfaser in jedes Haus",
    "Bus im Stundentakt",
]


def _aspects(workshop_id: int) -> list[Aspect]:
    return list(db.scalars(select(Aspect).where(Aspect.workshop_id == workshop_id)))


def test_a_municipality_starts_step_3_from_the_ile_statements(make) -> None:  # type: ignore[no-untyped-def]
    region = make_region(make)
    town = make.municipality(region.region)
    s = based_workshop(make, town, region.v1, phase="preparation", participants=3)
    with s.scope():
        w = s.workshop
        assert [m.to for m in ws.next_moves(s.facilitator, w)] == [Phase.INDIVIDUAL]
        ws.update_workshop(s.facilitator, w, start_from_parent=True)
        moves = ws.next_moves(s.facilitator, w)
        assert [m.to for m in moves] == [Phase.INDIVIDUAL, Phase.PLENARY] and moves[1].ready
        task = next(t for t in ws.my_tasks(s.facilitator) if t.workshop_id == w.id)
        assert task.kind == TaskKind.START_FROM_PARENT and task.blocked_by is None
        ws.start_from_parent(s.facilitator, w)
        assert w.phase == Phase.PLENARY and w.individual_skipped and w.pairs_skipped
        aspects = _aspects(w.id)
        assert [a.label for a in sorted(aspects, key=lambda a: a.position)] == ILE_STATEMENTS
        assert {(a.source, a.parent_version_id) for a in aspects} == {
            (AspectSource.PARENT, region.v1.id)
        }
        entry = db.scalar(
            select(AuditEntry)
            .where(AuditEntry.action == "workshop.move")
            .order_by(AuditEntry.id.desc())
        )
        assert entry is not None and entry.detail["skipped"] == ["individual", "pairs"]
        assert entry.detail["from"] == "preparation" and entry.detail["to"] == "plenary"
    version = finish(s)
    assert version.embedded_parent_version_id == region.v1.id


def test_without_the_choice_or_a_parent_the_start_is_refused(make) -> None:  # type: ignore[no-untyped-def]
    region = make_region(make)
    town = make.municipality(region.region)
    s = based_workshop(make, town, region.v1, phase="preparation", participants=2)
    with s.scope():
        with pytest.raises(Conflict) as err:
            ws.start_from_parent(s.facilitator, s.workshop)
        assert "nicht vorgesehen" in str(err.value)
    plain = make.workshop(town, phase="preparation", participants=2)
    with plain.scope():
        ws.update_workshop(plain.facilitator, plain.workshop, start_from_parent=True)
        move = ws.next_moves(plain.facilitator, plain.workshop)[1]
        assert move.blocked_by is not None
        assert move.blocked_by.message.startswith("Wählen Sie zuerst die Vision")
        with pytest.raises(Conflict):
            ws.start_from_parent(plain.facilitator, plain.workshop)
        assert plain.workshop.phase == Phase.PREPARATION and _aspects(plain.id) == []


def test_provenance_through_three_levels_in_the_ledger(make) -> None:  # type: ignore[no-untyped-def]
    """participant (step 1) → pair (step 2) → the parent vision, all in one ledger."""
    region = make_region(make)
    town = make.municipality(region.region)
    s = based_workshop(make, town, region.v1, phase="preparation", participants=4)
    with s.scope():
        w = s.workshop
        ws.update_workshop(s.facilitator, w, start_from_parent=True)
        ws.open_individual(s.facilitator, w)
        for p in s.participants:
            ws.save_draft(p, w, keywords=[f"Idee {p.id}"], text="", submit=True)
        ws.open_pairs(s.facilitator, w, seed=1)
        ws.confirm_pairs(s.facilitator, w)
        for pair in ws.pairs(s.facilitator, w):
            member = next(p for p in s.participants if p.id == pair.member_ids[0])
            ws.save_proposal(member, pair, f"Vorschlag {pair.number}", [f"Paar {pair.number}"], 0)
        ws.open_plenary(s.facilitator, w)
        ledger = ws.ledger(s.facilitator, w)
        by_source = {src: [a for a in ledger.aspects if a.source == src] for src in AspectSource}
        assert {a.participant_id for a in by_source[AspectSource.DRAFT]} == {
            p.id for p in s.participants
        }
        assert {a.pair_id for a in by_source[AspectSource.PROPOSAL]} == {
            p.id for p in ws.pairs(s.facilitator, w)
        }
        assert [a.label for a in by_source[AspectSource.PARENT]] == ILE_STATEMENTS
        assert ledger.open_count == 4 + 2 + 3
        ws.ensure_aspects(w)  # idempotent
        assert len(_aspects(w.id)) == 9


def test_the_parent_statements_on_the_pages_and_in_the_api(app: Flask, make) -> None:  # type: ignore[no-untyped-def]
    region = make_region(make)
    town = make.municipality(region.region)
    s = based_workshop(make, town, region.v1, phase="preparation", participants=2)
    with s.scope():
        slug, wid, email = s.tenant.slug, s.id, s.facilitator.email
        participant = s.participants[0].email
        token = token_for(s.facilitator)
    base = f"/{slug}/workshops/{wid}"
    facilitator = Visitor(app, email)
    facilitator.post(
        f"{base}/einstellungen", {"title": "Vision 2035", "start_from_parent": "y"}, 302
    )
    page = text_of(facilitator.html(f"{base}/"))
    assert "Gleich mit Schritt 3 beginnen: mit den Aussagen der Vision" in page
    assert "Schritt 3 beginnt mit den Aussagen der Vision" in page
    facilitator.post(f"{base}/schritt", {"to": "plenary"}, 302)
    workbench = text_of(facilitator.html(f"{base}/vision"))
    assert "aus der Vision, auf der der Workshop aufbaut (Fassung 1)" in workbench
    overview = text_of(Visitor(app, participant).html(f"{base}/"))
    assert "1 ausgelassen" in overview and "2 ausgelassen" in overview
    api = Api(app, token)
    answer = api.get(base)
    assert answer["start_from_parent"] and answer["individual_skipped"]
    aspects = api.get(f"{base}/ledger")["aspects"]
    assert {a["source"] for a in aspects} == {"parent"}
    assert {a["provenance"]["parent_version_id"] for a in aspects} == {region.v1.id}
