"""Naming in the process documentation: each participant decides for themselves,
through the API and the draft page, at any time; nobody else can decide it for them."""

from __future__ import annotations

import pytest
from flask import Flask

from tests.api.conftest import Api, token_for
from tests.factories import Factory
from tests.pages.conftest import Visitor
from visionswerk.db import db
from visionswerk.errors import Conflict, NotAllowed
from visionswerk.tenants.models import Role, User
from visionswerk.tenants.scoping import tenant_scope
from visionswerk.workshops import services as ws
from visionswerk.workshops.models import Draft, Workshop


def flag(draft_id: int) -> bool:
    draft = db.get(Draft, draft_id, populate_existing=True)
    assert draft is not None
    return draft.name_in_documentation


def test_the_author_agrees_and_withdraws_through_the_api(app: Flask, make: Factory) -> None:
    setup = make.workshop(phase="plenary", participants=2)  # after step 1: still possible
    author = setup.participants[0]
    with setup.scope():
        draft_id = ws.draft_for(author, setup.workshop).id
    tenant_id = setup.tenant.id
    path = f"/{setup.tenant.slug}/workshops/{setup.id}/draft"
    api = Api(app, token_for(author))
    assert api.get(path)["name_in_documentation"] is False
    assert api.put(path + "/name-consent", {"agreed": True})["name_in_documentation"] is True
    with tenant_scope(tenant_id):
        assert flag(draft_id)
    assert api.put(path + "/name-consent", {"agreed": False})["name_in_documentation"] is False
    with tenant_scope(tenant_id):
        assert not flag(draft_id)
    # bad input changes nothing
    api.put(path + "/name-consent", {"agreed": True})
    for body in ({}, {"agreed": "ja"}):
        api.request("PUT", path + "/name-consent", body, status=422)
    with tenant_scope(tenant_id):
        assert flag(draft_id)


def test_nobody_decides_it_for_another(app: Flask, make: Factory) -> None:
    setup = make.workshop(phase="individual", participants=2, submitted=0)
    tenant_id, wid = setup.tenant.id, setup.id
    ids = [setup.facilitator.id, setup.participants[0].id, setup.participants[1].id]
    path = f"/{setup.tenant.slug}/workshops/{wid}/draft/name-consent"
    coordinator = make.user(setup.tenant.parent, Role.COORDINATOR)
    outsiders = [Api(app, token_for(setup.facilitator)), Api(app, token_for(coordinator))]
    participant = Api(app, token_for(setup.participants[0]))
    # the facilitator and the region's coordinator do not take part: refused
    for outsider in outsiders:
        response = outsider.request("PUT", path, {"agreed": True}, status=None)
        assert response.status_code in (403, 404), response.status_code
    # a participant without a draft: a plain 409, nothing created
    response = participant.request("PUT", path, {"agreed": True}, status=409)
    assert "noch keinen Entwurf" in response.get_json()["detail"]
    with tenant_scope(tenant_id):
        w = db.get(Workshop, wid)
        facilitator, first, second = (db.get(User, i) for i in ids)
        assert ws.draft_for(first, w) is None
        with pytest.raises(NotAllowed):
            ws.set_name_consent(facilitator, w, True)
        with pytest.raises(Conflict):
            ws.set_name_consent(second, w, True)


def test_the_draft_page_offers_the_choice_and_keeps_it(app: Flask, make: Factory) -> None:
    setup = make.workshop(phase="individual", participants=2, submitted=0)
    author = setup.participants[0]
    slug, wid = setup.tenant.slug, setup.id
    with setup.scope():
        draft = ws.save_draft(author, setup.workshop, keywords=["Dorfladen"], text="")
        draft_id = draft.id
        db.commit()
    visitor = Visitor(app, author.email, "author")
    page = visitor.html(f"/{slug}/workshops/{wid}/entwurf")
    assert "Ihr Name in der Prozessdokumentation" in page
    assert 'name="agreed" value="y" id="agreed">' in page  # not ticked by default
    response = visitor.post(f"/{slug}/workshops/{wid}/entwurf/namensnennung", {"agreed": "y"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/entwurf#namensnennung")
    page = visitor.html(f"/{slug}/workshops/{wid}/entwurf")
    assert "bei Ihren Stichpunkten" in page  # the confirmation
    assert 'id="agreed" checked>' in page
    with setup.scope():
        assert flag(draft_id)
    visitor.post(f"/{slug}/workshops/{wid}/entwurf/namensnennung", {}, status=302)
    with setup.scope():
        assert not flag(draft_id)
    # another participant's POST concerns only their own (absent) draft
    other = Visitor(app, setup.participants[1].email, "other")
    response = other.post(f"/{slug}/workshops/{wid}/entwurf/namensnennung", {"agreed": "y"})
    assert response.status_code == 409
    assert "noch keinen Entwurf" in response.get_data(as_text=True)
    with setup.scope():
        assert not flag(draft_id)


def test_step_3_in_the_api_names_only_who_agreed(app: Flask, make: Factory) -> None:
    setup = make.workshop(phase="plenary", participants=3)
    named, unnamed, reader = setup.participants
    base = f"/{setup.tenant.slug}/workshops/{setup.id}"
    Api(app, token_for(named)).put(base + "/draft/name-consent", {"agreed": True})
    for viewer in (Api(app, token_for(reader)), Api(app, token_for(setup.facilitator))):
        authors = [k["author"] for k in viewer.get(base + "/plenary")["draft_keywords"]]
        by_id = {a["user_id"]: a["display_name"] for a in authors}
        assert by_id.get(named.id) == named.display_name, authors
        assert unnamed.id not in by_id and unnamed.display_name not in by_id.values(), authors
    ledger = Api(app, token_for(setup.facilitator)).get(base + "/ledger")["aspects"]
    drafted = [a["provenance"] for a in ledger if a["source"] == "draft"]
    assert named.id in {p["participant_id"] for p in drafted}, drafted
    assert unnamed.id not in {p["participant_id"] for p in drafted}, drafted
    assert unnamed.display_name not in {p["participant_name"] for p in drafted}, drafted
