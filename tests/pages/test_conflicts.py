"""Two saves from the same version: the second gets a page with BOTH texts (theirs and
mine), keeps mine in the editor and starts the next save from the stored version — so a
save from that page merges instead of overwriting. Nothing is lost."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from tests.factories import Factory
from tests.pages.conftest import Visitor, tags_of
from tests.test_security import snapshot
from visionswerk.db import db
from visionswerk.tenants.scoping import tenant_scope
from visionswerk.workshops import services as ws
from visionswerk.workshops.models import Draft, Pair, PairProposal, VisionDraft


def field_value(html: str, name: str) -> str | None:
    for tag, attrs in tags_of(html):
        if tag == "input" and attrs.get("name") == name:
            return attrs.get("value")
    return None


def test_a_stale_proposal_save_shows_both_texts_and_merges(app: Flask, make: Factory) -> None:
    setup = make.workshop(phase="pairs", participants=2)
    slug, tenant_id = setup.tenant.slug, setup.tenant.id
    with setup.scope():
        pair_id = db.scalar(select(Pair.id).where(Pair.workshop_id == setup.id))
    emails = [p.email for p in setup.participants]  # requests detach the factory's rows
    first, second = (Visitor(app, e) for e in emails)
    url = f"/{slug}/paare/{pair_id}/vorschlag"
    first.post(
        url,
        {"text": "Theirs: Glasfaser bis 2030", "keywords": "Glasfaser", "base_version": "0"},
        status=302,
    )
    before = snapshot()
    page = second.post(
        url,
        {"text": "Mine: Bürgerbüro im Netz", "keywords": "Bürgerbüro", "base_version": "0"},
        status=409,
    ).get_data(as_text=True)
    assert snapshot() == before  # the refused save changed nothing
    assert "Zwei Fassungen – bitte zusammenführen" in page
    assert "Theirs: Glasfaser bis 2030" in page and "Mine: Bürgerbüro im Netz" in page
    assert field_value(page, "base_version") == "1"  # the next save starts from theirs
    editor = page.split('name="text"', 1)[1]
    assert editor.split("</textarea>", 1)[0].endswith("Mine: Bürgerbüro im Netz")
    assert "Bürgerbüro\nGlasfaser" in page  # keywords of both, merged
    second.post(
        url,
        {
            "text": "Theirs: Glasfaser bis 2030. Mine: Bürgerbüro im Netz",
            "keywords": "Bürgerbüro\nGlasfaser",
            "base_version": "1",
        },
        status=302,
    )
    with tenant_scope(tenant_id):
        proposal = db.scalar(select(PairProposal).where(PairProposal.pair_id == pair_id))
        assert proposal is not None
        assert proposal.version == 2
        assert proposal.text == "Theirs: Glasfaser bis 2030. Mine: Bürgerbüro im Netz"
        assert proposal.keywords == ["Bürgerbüro", "Glasfaser"]


def test_a_stale_vision_save_shows_both_texts(app: Flask, make: Factory) -> None:
    setup = make.workshop(phase="plenary", participants=2)
    slug, wid, tenant_id = setup.tenant.slug, setup.id, setup.tenant.id
    co_email = make.user(setup.tenant, "facilitator").email
    one = Visitor(app, setup.facilitator.email, "one")
    two = Visitor(app, co_email, "two")
    url = f"/{slug}/workshops/{wid}/vision"
    one.post(url, {"title": "Vision A", "text": "Text von Eins", "base_version": "0"}, status=302)
    page = two.post(
        url, {"title": "Vision B", "text": "Text von Zwei", "base_version": "0"}, status=409
    ).get_data(as_text=True)
    assert "Text von Eins" in page and "Text von Zwei" in page
    assert "Vision A" in page and "Vision B" in page
    assert field_value(page, "base_version") == "1"
    with tenant_scope(tenant_id):
        vision = db.scalar(select(VisionDraft).where(VisionDraft.workshop_id == wid))
        assert vision is not None and (vision.title, vision.text) == ("Vision A", "Text von Eins")


def test_a_draft_saved_on_two_devices_shows_both_versions(app: Flask, make: Factory) -> None:
    setup = make.workshop(phase="individual", participants=2)
    slug, wid, tenant_id = setup.tenant.slug, setup.id, setup.tenant.id
    email = setup.participants[0].email
    phone, laptop = Visitor(app, email, "phone"), Visitor(app, email, "laptop")
    url = f"/{slug}/workshops/{wid}/entwurf"
    data = {"keywords": "Dorfplatz", "text": "Vom Telefon", "base_version": "0", "action": "save"}
    phone.post(url, data, status=302)
    page = laptop.post(
        url, {**data, "keywords": "Mobilität", "text": "Vom Laptop"}, status=409
    ).get_data(as_text=True)
    assert "Vom Telefon" in page and "Vom Laptop" in page
    assert field_value(page, "base_version") == "1"
    with tenant_scope(tenant_id):
        draft = db.scalar(select(Draft).where(Draft.workshop_id == wid))
        assert draft is not None and draft.text == "Vom Telefon"


def test_an_invalid_save_keeps_every_typed_character(app: Flask, make: Factory) -> None:
    setup = make.workshop(phase="individual", participants=2)
    slug, wid = setup.tenant.slug, setup.id
    visitor = Visitor(app, setup.participants[0].email)
    text = "Grüße aus Müßighausen 🌻 " + "x" * 10_001
    page = visitor.post(
        f"/{slug}/workshops/{wid}/entwurf",
        {"keywords": "Schöne Straße", "text": text, "base_version": "0", "action": "submit"},
        status=422,
    ).get_data(as_text=True)
    assert text in page and "Schöne Straße" in page
    assert "höchstens 10000 Zeichen" in page
    with setup.scope():
        assert ws.draft_for(setup.participants[0], setup.workshop) is None
