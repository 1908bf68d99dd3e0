"""The parent panel on the workshop pages, notices in "Meine Aufgaben", parent
provenance in the aspect ledger."""

from __future__ import annotations

from types import SimpleNamespace

from tests.conftest import login
from tests.visions.helpers import based_workshop, finish, make_region
from visionswerk.db import db
from visionswerk.visions import services as vs
from visionswerk.workshops.models import Workshop


def test_parent_panel_on_the_draft_page(client, make) -> None:  # type: ignore[no-untyped-def]
    r = make_region(make)
    town = make.municipality(r.region)
    setup = based_workshop(make, town, r.v1, phase="individual")
    slug, wid, email = town.slug, setup.id, setup.participants[0].email
    login(client, SimpleNamespace(email=email))
    html = client.get(f"/{slug}/workshops/{wid}/entwurf").get_data(as_text=True)
    assert "Wir bauen auf der Vision von ILE Musterland auf" in html
    # own thoughts first: no statements to take before the own draft has content
    assert "In meinen Entwurf übernehmen" not in html
    assert "Schreiben Sie zuerst Ihre eigenen Gedanken auf" in html


def test_notice_in_my_tasks(client, make) -> None:  # type: ignore[no-untyped-def]
    r = make_region(make)
    town = make.municipality(r.region)
    setup = based_workshop(make, town, r.v1)
    finish(setup)
    r.import_version()
    login(client, SimpleNamespace(email=setup.facilitator.email))
    html = client.get("/aufgaben").get_data(as_text=True)
    assert "Neue Grundlage:" in html and "(Fassung 2; bisher Fassung 1)" in html


def test_ledger_shows_parent_provenance(client, make) -> None:  # type: ignore[no-untyped-def]
    r = make_region(make)
    town = make.municipality(r.region)
    setup = based_workshop(make, town, r.v1, phase="individual", participants=2)
    with setup.scope():
        w = db.get(Workshop, setup.id)
        from visionswerk.workshops import services as ws

        for p in setup.participants:
            ws.save_draft(p, w, keywords=["Eigener Gedanke"], text="")
            vs.take_statement(p, w, "Bus im Stundentakt")

        for p in setup.participants:
            ws.submit_draft(p, w)
        ws.open_pairs(setup.facilitator, w, seed=1)
        ws.confirm_pairs(setup.facilitator, w)
        pair = ws.pairs(setup.facilitator, w)[0]
        ws.save_proposal(setup.participants[0], pair, "Vorschlag", ["Rufbus"], 0)
        ws.open_plenary(setup.facilitator, w)
        db.commit()
    slug, wid = town.slug, setup.id
    login(client, SimpleNamespace(email=setup.facilitator.email))
    html = client.get(f"/{slug}/workshops/{wid}/vision").get_data(as_text=True)
    assert "übernommen aus der Vision, Fassung 1" in html
