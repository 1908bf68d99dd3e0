"""Leaving out step 2 on the pages and in the API (issue 14): chosen in the settings,
offered to the facilitator as a move with its reason, shown to everybody afterwards."""

from __future__ import annotations

from flask import Flask

from tests.api.conftest import Api, token_for
from tests.factories import Factory
from tests.pages.conftest import Visitor, text_of
from visionswerk.db import db
from visionswerk.tenants.models import User
from visionswerk.workshops import services as ws
from visionswerk.workshops.models import Workshop


def test_the_facilitator_leaves_out_step_2_on_the_pages(app: Flask, make: Factory) -> None:
    s = make.workshop(phase="individual", participants=4)
    slug, wid = s.tenant.slug, s.id
    with s.scope():
        for person in s.participants[:2]:
            ws.save_draft(person, s.workshop, keywords=["Dorfladen"], text="", submit=True)
        participant_email = s.participants[0].email
        db.commit()
    facilitator = Visitor(app, s.facilitator.email)
    base = f"/{slug}/workshops/{wid}"
    page = text_of(facilitator.html(f"{base}/"))
    assert "Schritt 2 auslassen" not in page  # not chosen: not offered
    facilitator.post(
        f"{base}/einstellungen", {"title": "Unsere Gemeinde 2035", "skip_pairs": "y"}, 302
    )
    page = text_of(facilitator.html(f"{base}/"))
    assert "Schritt 2 auslassen: Einzelarbeit beenden und gleich alle zusammen weiter" in page
    assert "kann die Moderation Schritt 2 auslassen" in page
    tasks = text_of(facilitator.html("/aufgaben"))
    assert "gleich alle zusammen weiterarbeiten – 2 Entwürfe eingereicht" in tasks
    facilitator.post(f"{base}/schritt", {"to": "plenary"}, 302)
    with s.scope():
        w = db.get(Workshop, wid)
        assert w is not None and w.pairs_skipped
    everyone = Visitor(app, participant_email)
    overview = text_of(everyone.html(f"{base}/"))
    assert "2 ausgelassen" in overview and "Schritt 2 wurde ausgelassen" in overview
    plenary = text_of(everyone.html(f"{base}/alle"))
    assert "Es gibt darum keine gemeinsamen Vorschläge" in plenary
    assert "Die Stärken der Vorschläge markieren" not in text_of(everyone.html("/aufgaben"))


def test_leaving_out_step_2_through_the_api(app: Flask, make: Factory) -> None:
    s = make.workshop(phase="individual", participants=5)
    with s.scope():
        for person in s.participants[:4]:
            ws.save_draft(person, s.workshop, keywords=["Dorfladen"], text="", submit=True)
        db.commit()
        last = db.get(User, s.participants[3].id)
        assert last is not None
        url = f"/{s.tenant.slug}/workshops/{s.id}"
        api = Api(app, token_for(s.facilitator))
        author = Api(app, token_for(last))
    assert api.patch(url, {"skip_pairs": True})["skip_pairs"] is True
    refused = api.post(f"{url}/phase", {"to": "plenary"}, status=409)
    assert "weniger als vier Entwürfe" in refused["detail"]
    author.post(f"{url}/draft/withdraw")
    done = api.post(f"{url}/phase", {"to": "plenary"})
    assert done["phase"] == "plenary" and done["pairs_skipped"] is True
    assert api.patch(url, {"skip_pairs": False}, status=409)["status"] == 409
