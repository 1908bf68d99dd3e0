"""What the facilitator and the groups read on the pages: the next move and why not yet,
a confirmation before the vision is adopted, a trio addressed as three, no jargon."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from tests.factories import Factory
from tests.pages.conftest import Visitor, text_of
from tests.test_security import snapshot
from visionswerk.db import db
from visionswerk.workshops import services as ws
from visionswerk.workshops.models import Pair, Phase, Workshop


def test_the_facilitator_sees_the_next_move_and_why_not_yet(app: Flask, make: Factory) -> None:
    s = make.workshop(phase="individual", participants=3)
    with s.scope():
        ws.save_draft(s.participants[0], s.workshop, keywords=["Glasfaser"], text="", submit=True)
        db.commit()
    facilitator = Visitor(app, s.facilitator.email)
    overview = text_of(facilitator.html(f"/{s.tenant.slug}/workshops/{s.id}/"))
    assert "Gerade liegt hier nichts bei Ihnen" not in overview
    assert "Die Einzelarbeit beenden und Paare vorschlagen – 1 Entwurf eingereicht" in overview
    assert (
        "noch nicht möglich: Es braucht mindestens zwei eingereichte Entwürfe, um Paare zu bilden."
        in overview
    )
    tasks = text_of(facilitator.html("/aufgaben"))
    assert "Die Einzelarbeit beenden und Paare vorschlagen" in tasks
    assert "Noch nicht möglich: Es braucht mindestens zwei eingereichte Entwürfe" in tasks


def test_adopting_asks_for_a_tick_and_a_signature(app: Flask, make: Factory) -> None:
    s = make.workshop(phase="adopted", participants=2)  # signed by the first participant
    s2 = make.workshop(s.tenant, phase="signing", participants=2)
    facilitator = Visitor(app, s.facilitator.email)
    other = Visitor(app, s2.facilitator.email)
    # no signature yet: no button, the reason instead
    page = text_of(other.html(f"/{s.tenant.slug}/workshops/{s2.id}/bestaetigung"))
    assert "Beschließen können Sie, sobald mindestens eine Person unterschrieben hat." in page
    assert "Vision beschließen" not in page.replace("Unterschriften abschließen: Vision", "")
    before = snapshot()
    refused = other.post(f"/{s.tenant.slug}/workshops/{s2.id}/schritt", {"to": "adopted"}, 422)
    assert "Bitte bestätigen Sie mit dem Häkchen" in refused.get_data(as_text=True)
    refused = other.post(
        f"/{s.tenant.slug}/workshops/{s2.id}/schritt", {"to": "adopted", "confirm_adopt": "y"}, 409
    )
    assert "mindestens eine Unterschrift" in refused.get_data(as_text=True)
    assert snapshot() == before
    with s2.scope():
        assert db.get(Workshop, s2.id).phase == Phase.SIGNING
    # the adopted page: one breadcrumb, a short fingerprint, the full hash to verify
    adopted = facilitator.html(f"/{s.tenant.slug}/workshops/{s.id}/beschlossen")
    assert adopted.count('class="breadcrumbs"') == 1
    assert "Fingerabdruck des Textes" in adopted and "Vollständige Prüfsumme" in adopted


def test_a_trio_reads_its_page_in_three(app: Flask, make: Factory) -> None:
    s = make.workshop(phase="pairs", participants=5)
    with s.scope():
        pairs = db.scalars(select(Pair).where(Pair.workshop_id == s.id)).all()
        trio = next(p.id for p in pairs if len(p.members) == 3)
        pair = next(p.id for p in pairs if len(p.members) == 2)
        emails = {p.id: db.get(type(s.facilitator), p.members[0].user_id).email for p in pairs}
    slug = s.tenant.slug
    trio_page = text_of(Visitor(app, emails[trio]).html(f"/{slug}/paare/{trio}"))
    assert "unsere Dreiergruppe" in trio_page and "alle drei gleichzeitig" in trio_page
    for word in ("Sie können beide", "Gegenüber", "zu zweit", "unser Paar"):
        assert word not in trio_page, word
    pair_page = text_of(Visitor(app, emails[pair]).html(f"/{slug}/paare/{pair}"))
    assert "unser Paar" in pair_page and "Der Entwurf Ihres Gegenübers" in pair_page
    tasks = text_of(Visitor(app, emails[trio]).html("/aufgaben"))
    assert "Zu dritt den gemeinsamen Vorschlag schreiben" in tasks


def test_the_pairing_page_speaks_plainly(app: Flask, make: Factory) -> None:
    s = make.workshop(phase="pairs", participants=4, confirmed=False)
    page = Visitor(app, s.facilitator.email).html(f"/{s.tenant.slug}/workshops/{s.id}/paare")
    assert "Startwert" not in page and "Zufallseinteilung" not in page
    assert "Für das Protokoll" in page and "Nummer dieser Einteilung: 7" in page
