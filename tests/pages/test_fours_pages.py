"""The round of four on the pages (issue 14): the facilitator chooses it in the settings,
moves from step 2 to it; a four member reads both pairs' proposals on the four's page,
gives feedback on the other pair's proposal and writes the merged proposal; a person of
another four gets 404; step 3 shows the fours' proposals and the ledger's provenance
through every round."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from tests.factories import Factory
from tests.pages.conftest import Visitor, text_of
from visionswerk.db import db
from visionswerk.tenants.models import User
from visionswerk.workshops import services as ws
from visionswerk.workshops.models import Pair, Phase, Workshop


def test_a_four_works_on_its_page_and_step_3_keeps_the_provenance(
    app: Flask, make: Factory
) -> None:
    s = make.workshop(phase="individual", participants=8)
    settings = f"/{s.tenant.slug}/workshops/{s.id}/einstellungen"
    boss = Visitor(app, s.facilitator.email)
    assert "Nach den Paaren eine Runde zu viert" in text_of(boss.html(settings))
    boss.post(settings, {"title": s.workshop.title, "group_size": "2", "with_fours": "y"}, 302)
    with s.scope():
        w = db.get(Workshop, s.id)
        assert w is not None and w.with_fours
        for p in s.participants:
            ws.save_draft(db.get(User, p.id), w, keywords=["Dorfladen"], text="Nah.", submit=True)
        ws.open_pairs(s.facilitator, w, seed=3)
        ws.confirm_pairs(s.facilitator, w)
        for pair in ws.pairs(s.facilitator, w):
            member = db.get(User, pair.member_ids[0])
            ws.save_proposal(member, pair, f"Paar {pair.number} will Glasfaser.", ["Glasfaser"], 0)
        db.commit()
    overview = f"/{s.tenant.slug}/workshops/{s.id}/"
    page = text_of(boss.html(overview))
    assert "2b Runde zu viert" in page and "Die Runde zu viert beginnen" in page
    boss.post(f"/{s.tenant.slug}/workshops/{s.id}/schritt", {"to": "fours"}, 302)
    with s.scope():
        four = db.scalar(select(Pair).where(Pair.workshop_id == s.id, Pair.round == 2))
        assert four is not None
        member = db.get(User, four.member_ids[0])
        outsider = next(p for p in s.participants if p.id not in four.member_ids)
        sources = ws.source_proposals(member, four)
        other_pair, other = next((p, prop) for p, prop in sources if member.id not in p.member_ids)
        reader = db.get(User, other_pair.member_ids[0])  # of the pair the feedback is about
        four_id, member_email, other_id, outsider_email = (
            four.id, member.email, other.id, outsider.email
        )  # fmt: skip
        reader_email, member_name = reader.email, member.display_name
    me = Visitor(app, member_email)
    url = f"/{s.tenant.slug}/paare/{four_id}"
    page = text_of(me.html(url))
    assert "Schritt 2b: Runde zu viert – unsere Vierergruppe" in page
    assert "Die Vorschläge Ihrer Paare" in page and "(Ihr Paar)" in page
    assert "Paar 1 will Glasfaser." in page and "Paar 2 will Glasfaser." in page
    assert "Unsere Vierergruppe (Runde zu viert)" in text_of(me.html(overview))
    done = me.post(
        f"{url}/rueckmeldung-zum-vorschlag",
        {"proposal_id": str(other_id), f"p{other_id}-especially_good": "Klar und konkret"},
        302,
    )
    assert "Ihre Rückmeldung ist gespeichert." in text_of(me.follow(done))
    told = text_of(Visitor(app, reader_email).html(url))
    assert f"Rückmeldung von {member_name} Besonders gut Klar und konkret" in told
    empty = me.post(f"{url}/rueckmeldung-zum-vorschlag", {"proposal_id": str(other_id)}, 422)
    assert "was besonders gut ist" in text_of(empty.get_data(as_text=True))
    me.post(
        f"{url}/vorschlag",
        {"text": "Gemeinsam: Glasfaser für alle Ortsteile.", "keywords": "Glasfaser",
         "base_version": "0"},
        302,
    )  # fmt: skip
    Visitor(app, outsider_email).get(url, 404)
    progress = text_of(boss.html(url))  # the facilitator's view: progress, never content
    assert "Gruppe Mitglieder Rückmeldungen Vorschlag Fertig" in progress
    assert "Gemeinsam: Glasfaser" not in progress
    boss.post(f"/{s.tenant.slug}/workshops/{s.id}/schritt", {"to": "plenary"}, 302)
    with s.scope():
        assert db.get(Workshop, s.id).phase == Phase.PLENARY  # type: ignore[union-attr]
    plenary = text_of(me.html(f"/{s.tenant.slug}/workshops/{s.id}/alle"))
    assert "Gemeinsam: Glasfaser für alle Ortsteile." in plenary
    assert "Paar 1 will Glasfaser." not in plenary  # step 3 works with the fours' proposals
    ledger = text_of(boss.html(f"/{s.tenant.slug}/workshops/{s.id}/vision"))
    assert "Paar 1 → Vierergruppe 1" in ledger
    assert "Vierergruppe 1 (Paar 1 + Paar 2)" in ledger
