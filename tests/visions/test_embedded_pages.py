"""Defects 2 and 3 of issue 9, through real requests (each with a fresh session scoped
to the municipality, where the region's parent version is not loaded): what the
facilitator chose to embed is part of what is signed, shown and printed, and every
place that checks the hash says the same."""

from __future__ import annotations

import re
from types import SimpleNamespace

from sqlalchemy import select

from tests.conftest import form_post, login
from tests.visions.helpers import make_region
from visionswerk.db import db
from visionswerk.tenants.scoping import tenant_scope
from visionswerk.workshops import services as ws
from visionswerk.workshops.models import Aspect, VisionVersion, Workshop

CHOSEN = "Bus im Stundentakt"
NOT_CHOSEN = "Glasfaser in jedes Haus"
ALARM = "Die Prüfsumme passt nicht"


def _adopted_through_the_pages(client, make):  # type: ignore[no-untyped-def]
    r = make_region(make)
    town = make.municipality(r.region)
    setup = make.workshop(town, phase="plenary")
    slug, wid, tid = town.slug, setup.id, town.id
    facilitator = SimpleNamespace(email=setup.facilitator.email)
    signer = SimpleNamespace(email=setup.participants[0].email)
    signer_id = setup.participants[0].id
    login(client, facilitator)
    saved = form_post(
        client,
        f"/{slug}/visionen/werkstatt/{wid}/grundlage",
        {"version_id": str(r.v1.id), "statements": [CHOSEN]},
    )
    assert saved.status_code == 302
    with tenant_scope(tid):
        w = db.get(Workshop, wid)
        aspects = db.scalars(select(Aspect).where(Aspect.workshop_id == wid)).all()
        text = "Vision\n\n" + "\n".join(f"- {a.label}" for a in aspects)
        ws.save_vision(setup.facilitator, w, "Vision 2035", text, 0)
        for a in aspects:
            ws.take_up(setup.facilitator, a, a.label)
        db.commit()
    db.remove()  # what follows runs in requests only
    moved = form_post(client, f"/{slug}/workshops/{wid}/schritt", {"to": "signing"})
    assert moved.status_code == 302, moved.get_data(as_text=True)[:300]
    signing_page = client.get(f"/{slug}/workshops/{wid}/bestaetigung").get_data(as_text=True)
    added = form_post(
        client,
        f"/{slug}/workshops/{wid}/unterzeichnende",
        {"kind": "account", "user_id": str(signer_id), "function": "Gemeinderat"},
    )
    assert added.status_code == 302, added.get_data(as_text=True)[:300]
    other = client.application.test_client()
    login(other, signer)
    sha = re.search(
        r'name="sha256"[^>]*value="([0-9a-f]{64})"',
        other.get(f"/{slug}/workshops/{wid}/bestaetigung").get_data(as_text=True),
    )
    assert sha, "no hash in the signing form"
    signed = form_post(
        other, f"/{slug}/workshops/{wid}/unterschreiben", {"sha256": sha.group(1), "confirm": "y"}
    )
    assert signed.status_code == 302, signed.get_data(as_text=True)[:300]
    adopted = form_post(
        client, f"/{slug}/workshops/{wid}/schritt", {"to": "adopted", "confirm_adopt": "y"}
    )
    assert adopted.status_code == 302, adopted.get_data(as_text=True)[:300]
    with tenant_scope(tid):
        version = db.scalar(select(VisionVersion).where(VisionVersion.workshop_id == wid))
        vid = version.id
    return SimpleNamespace(slug=slug, wid=wid, vid=vid, r=r, signing_page=signing_page)


def _embedded_section(html: str) -> str:
    match = re.search(r'<section class="embedded-parent".*?</section>', html, re.S)
    assert match, "no embedded parent on the page"
    return match.group(0)


def test_chosen_statements_are_signed_shown_and_verified_everywhere(client, make) -> None:  # type: ignore[no-untyped-def]
    story = _adopted_through_the_pages(client, make)
    slug, wid, vid = story.slug, story.wid, story.vid
    for html in (
        story.signing_page,
        client.get(f"/{slug}/workshops/{wid}/bestaetigung").get_data(as_text=True),
        client.get(f"/{slug}/workshops/{wid}/beschlossen").get_data(as_text=True),
        client.get(f"/{slug}/visionen/{vid}").get_data(as_text=True),
    ):
        section = _embedded_section(html)
        assert "Wir bauen auf der Vision von ILE Musterland, Fassung 1 vom" in section
        assert CHOSEN in section and NOT_CHOSEN not in section
        assert ALARM not in html
    assert "Die Prüfsumme passt zum Text" in client.get(
        f"/{slug}/workshops/{wid}/beschlossen"
    ).get_data(as_text=True)

    data = client.get(f"/api/v1/{slug}/visions/{vid}").get_json()
    assert data["embedded_parent"]["id"] == story.r.v1.id
    assert data["embedded_parent"]["statements"] == [CHOSEN]
    assert data["verified"] is True
    signing = client.get(f"/api/v1/{slug}/workshops/{wid}/signing").get_json()
    assert signing["version"]["embedded_parent"]["statements"] == [CHOSEN]
    assert signing["version"]["verified"] is True
    assert f'"statements":["{CHOSEN}"]' in signing["version"]["canonical"]


def test_the_vision_report_data_carries_the_embedded_statements(client, make) -> None:  # type: ignore[no-untyped-def]
    from visionswerk.worker.reports import vision_context

    story = _adopted_through_the_pages(client, make)
    db.remove()
    town_id = db.scalar(
        select(VisionVersion.tenant_id)
        .where(VisionVersion.id == story.vid)
        .execution_options(all_tenants=True)
    )
    with tenant_scope(town_id):
        context = vision_context(db.get(Workshop, story.wid))
    assert context["verified"] is True
    assert context["parent"].id == story.r.v1.id
    assert context["parent_tenant"].name == "ILE Musterland"
    assert context["parent_statements"] == [CHOSEN] and context["parent_chosen"]
    assert CHOSEN in context["parent_html"] and NOT_CHOSEN not in context["parent_html"]
