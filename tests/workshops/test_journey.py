"""The whole 1-2-all method on the service layer, with seven participants (one trio)."""

from __future__ import annotations

import hashlib
import json

import pytest
from sqlalchemy import select

from visionswerk.db import db
from visionswerk.errors import Conflict
from visionswerk.tenants.models import AuditEntry, Role
from visionswerk.tenants.scoping import tenant_scope
from visionswerk.workshops import services as ws
from visionswerk.workshops.models import AspectSource, Phase


def test_seven_participants_from_first_draft_to_adopted_vision(make) -> None:
    region = make.region()
    town = make.municipality(region, name="Musterhausen")
    fac = make.user(town, Role.FACILITATOR, display_name="Frieda Fazi")
    people = [make.user(town, Role.PARTICIPANT, display_name=f"Teilnehmerin {i}") for i in range(7)]
    mayor = make.user(town, Role.PARTICIPANT, display_name="Bürgermeisterin Maier")

    with tenant_scope(town.id):
        w = ws.create_workshop(
            fac,
            town,
            "Musterhausen 2035",
            "Wie sieht unsere Kommune im Jahr 2035 aus — und was hat die Digitalisierung "
            "dazu beigetragen?",
            participant_ids=[p.id for p in people],
        )
        assert w.phase == Phase.PREPARATION
        ws.open_individual(fac, w)

        # Schritt 1: everyone writes alone; one saves first and submits later
        for i, person in enumerate(people):
            ws.save_draft(
                person,
                w,
                keywords=[f"Stichpunkt {i}", "Glasfaser für alle", "glasfaser FÜR alle"],
                text=f"Ich wünsche mir ein digitales Rathaus ({i}) 🏡.",
                submit=i != 6,
            )
        assert [s.submitted for s in ws.submission_status(fac, w)].count(True) == 6
        ws.open_pairs(fac, w, seed=2035)
        assert sorted(len(p.members) for p in ws.pairs(fac, w)) == [2, 2, 2]
        # a late submission still counts until the pairs are confirmed
        ws.submit_draft(people[6], w)
        assert ws.unpaired(fac, w)[0][0].id == people[6].id
        ws.propose_pairs(fac, w, seed=2035)
        sizes = sorted(len(p.members) for p in ws.pairs(fac, w))
        assert sizes == [2, 2, 3]
        ws.confirm_pairs(fac, w)
        with pytest.raises(Conflict):
            ws.save_draft(people[0], w, keywords=["zu spät"], text="")

        # Schritt 2: read each other's drafts, feedback, a joint proposal, concurrent edits
        for pair in ws.pairs(fac, w):
            members = [next(p for p in people if p.id == uid) for uid in pair.member_ids]
            first, second = members[0], members[1]
            for draft in ws.partner_drafts(first, pair):
                ws.save_feedback(
                    first, pair, draft, especially_good="Klare Sprache", to_sharpen="Konkreter"
                )
            ws.save_proposal(first, pair, "Wir sind vernetzt.", [f"Paar {pair.number}"], 0)
            with pytest.raises(Conflict) as conflict:
                ws.save_proposal(second, pair, "Wir sind nah.", ["Nähe"], 0)
            both = conflict.value.payload
            merged = both["stored"]["text"] + " " + both["submitted"]["text"]
            ws.save_proposal(
                second,
                pair,
                merged,
                [*both["stored"]["keywords"], *both["submitted"]["keywords"]],
                both["stored"]["version"],
            )
            for member in members:
                ws.mark_ready(member, pair)
        assert all(p.all_ready for p in ws.pair_progress(fac, w))

        # Schritt 3: everyone sees proposals and keywords, marks strengths; the ledger
        ws.open_plenary(fac, w)
        overview = ws.plenary_overview(people[0], w)
        assert len(overview.proposals) == 3
        assert len(overview.draft_keywords) == 7
        for person in people:
            ws.mark_strength(person, overview.proposals[0].proposal, "Sehr konkret")
        ws.add_comment(people[1], overview.proposals[1].proposal, "Schön formuliert!")

        ledger = ws.ledger(fac, w)
        by_source = {s: [a for a in ledger.aspects if a.source == s] for s in AspectSource}
        assert len(by_source[AspectSource.DRAFT]) == 7 * 2  # duplicates dropped per draft
        assert len(by_source[AspectSource.PROPOSAL]) == 3 * 2
        text = (
            "Im Jahr 2035 ist Musterhausen vernetzt und nah. Glasfaser für alle, ein "
            "digitales Rathaus und ein Bürgerportal."
        )
        ws.save_vision(fac, w, "Vision Musterhausen 2035", text, 0)
        glasfaser = [a for a in ledger.aspects if a.label.lower() == "glasfaser für alle"]
        group = ws.group_aspects(fac, w, [a.id for a in glasfaser], "Glasfaser")
        ws.decide_group(fac, group, passage="Glasfaser für alle")
        for aspect in ws.ledger(fac, w).aspects:
            if aspect.status.value == "open":
                ws.set_aside(fac, aspect, "Im Plenum besprochen, später in der Strategie.")
        assert ws.ledger(fac, w).open_count == 0

        # Bestätigung: frozen text with its hash, signatories, signatures
        ws.open_signing(fac, w)
        version = ws.current_version(w)
        assert version is not None and version.number == 1
        canonical = json.dumps(
            {
                "embedded_parent": None,
                "format": "visionswerk-vision/1",
                "text": text,
                "title": "Vision Musterhausen 2035",
            },
            sort_keys=True,
            ensure_ascii=False,
            separators=(",", ":"),
        )
        assert version.sha256 == hashlib.sha256(canonical.encode()).hexdigest()
        signatory, _ = ws.add_signatory(fac, w, user_id=mayor.id, function="Bürgermeisterin")
        _, token = ws.add_signatory(fac, w, name="Georg Gemeinderat", function="Gemeinderat")
        assert token is not None
        ws.sign(mayor, signatory, version.sha256)
        ws.sign_with_token(token, version.sha256)
        ws.close_signing(fac, w)
        db.flush()

        assert w.phase == Phase.ADOPTED
        assert version.adopted_at is not None
        signatures = ws.signatures_of(version)
        assert [(s.name, s.function) for s in signatures] == [
            ("Bürgermeisterin Maier", "Bürgermeisterin"),
            ("Georg Gemeinderat", "Gemeinderat"),
        ]
        assert {s.sha256 for s in signatures} == {version.sha256}
        moves = db.scalars(
            select(AuditEntry)
            .where(AuditEntry.action == "workshop.move", AuditEntry.object_id == w.id)
            .order_by(AuditEntry.id)
        ).all()
        assert [(m.detail["from"], m.detail["to"]) for m in moves] == [
            ("preparation", "individual"),
            ("individual", "pairs"),
            ("pairs", "plenary"),
            ("plenary", "signing"),
            ("signing", "adopted"),
        ]
        assert all(m.actor_id == fac.id for m in moves)
