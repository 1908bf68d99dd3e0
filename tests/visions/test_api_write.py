"""Writing issue 4 through /api/v1: importing a vision, building a workshop on it,
taking a statement into one's draft, re-basing — the same rules as the pages."""

from __future__ import annotations

import datetime as dt

from flask import Flask

from tests.api.conftest import Api, token_for
from tests.factories import Factory
from tests.visions.helpers import ILE_TEXT_2, make_region
from visionswerk.db import db
from visionswerk.tenants.models import Role
from visionswerk.tenants.scoping import tenant_scope
from visionswerk.workshops.models import VisionVersion, Workshop


def count_versions(tenant_id: int) -> int:
    with tenant_scope(tenant_id):
        return len(db.query(VisionVersion.id).all())


def test_import_through_the_api(app: Flask, make: Factory) -> None:
    r = make_region(make)
    slug, region_id = r.region.slug, r.region.id
    api = Api(app, token_for(r.coordinator))
    town = make.municipality(r.region)
    facilitator = Api(app, token_for(make.user(town, Role.FACILITATOR)))
    tomorrow = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    bad = [
        ({"title": "", "text": ILE_TEXT_2, "adopted_on": "2024-03-01"}, "title"),
        ({"title": "Leitbild", "text": "  ", "adopted_on": "2024-03-01"}, "text"),
        ({"title": "Leitbild", "text": ILE_TEXT_2, "adopted_on": "1. März"}, "adopted_on"),
        ({"title": "Leitbild", "text": ILE_TEXT_2}, "adopted_on"),
        # well-formed, but only today's date decides: 409 `konflikt` naming the field
        ({"title": "Leitbild", "text": ILE_TEXT_2, "adopted_on": tomorrow}, "adopted_on"),
    ]
    for body, field in bad:
        status = 409 if body.get("adopted_on") == tomorrow else 422
        problem = api.request("POST", f"/{slug}/visions", body, status=status).get_json()
        assert [e["field"] for e in problem["errors"]] == [field], problem
        assert problem["detail"]  # a German sentence
    assert count_versions(region_id) == 1  # bad input changed nothing
    response = api.request(
        "POST",
        f"/{slug}/visions",
        {
            "title": "Leitbild ILE – Fortschreibung",
            "text": ILE_TEXT_2,
            "adopted_on": "2024-03-01",
            "source_note": "Beschluss der Lenkungsgruppe 🌳",
        },
        status=201,
    )
    data = response.get_json()
    assert (data["number"], data["source"]) == (2, "imported")
    assert data["source_note"] == "Beschluss der Lenkungsgruppe 🌳"
    assert data["verified"] is True and "Rufbus rund um die Uhr" in data["text"]
    assert response.headers["Location"].endswith(f"/{slug}/visions/{data['id']}")
    assert api.get(f"/{slug}/visions/{data['id']}")["title"] == "Leitbild ILE – Fortschreibung"
    # a facilitator of a municipality may not import into the region
    body = {"title": "x", "text": "y", "adopted_on": "2024-01-01"}
    assert facilitator.request("POST", f"/{slug}/visions", body, status=None).status_code in (
        403,
        404,
    )
    assert count_versions(region_id) == 2


def test_parent_take_and_rebase_through_the_api(app: Flask, make: Factory) -> None:
    r = make_region(make)
    other = make_region(make, "ILE Anderswo")
    town = make.municipality(r.region)
    setup = make.workshop(town, phase="individual", participants=2, submitted=0)
    slug, wid, v1 = town.slug, setup.id, r.v1.id
    region_slug, town_id, foreign_version = r.region.slug, town.id, other.v1.id
    coordinator = Api(app, token_for(r.coordinator))
    facilitator = Api(app, token_for(setup.facilitator))
    participant = Api(app, token_for(setup.participants[0]))
    path = f"/{slug}/workshops/{wid}/parent"

    empty = facilitator.get(path)
    assert empty["parent"] is None and empty["may_set"] is True
    assert [c["id"] for c in empty["candidates"]] == [v1]
    # a version of another region, an unknown statement: well-formed, refused by what is
    # stored (409 `konflikt` naming the field); nothing changes
    facilitator.request("PUT", path, {"version_id": foreign_version}, status=409)
    facilitator.request(
        "PUT", path, {"version_id": v1, "statements": ["Steht nicht drin"]}, status=409
    )
    facilitator.request("PUT", path, {"version_id": v1, "statements": "Glasfaser"}, status=422)
    assert facilitator.get(path)["parent"] is None
    # a participant may read the parent but not set it
    assert participant.request("PUT", path, {"version_id": v1}, status=None).status_code in (
        403,
        404,
    )
    data = facilitator.put(path, {"version_id": v1, "statements": ["Glasfaser in jedes Haus"]})
    assert data["parent"]["version"]["id"] == v1
    assert data["parent"]["chosen"] == ["Glasfaser in jedes Haus"]
    assert "Bus im Stundentakt" in data["parent"]["statements"]

    # own thoughts first: before the own draft has content, the parent is context only
    seen = participant.get(path)
    assert seen["may_take"] is False and seen["may_set"] is False and seen["candidates"] == []
    participant.request("POST", path + "/take", {"statement": "Bus im Stundentakt"}, status=409)
    participant.patch(f"/{slug}/workshops/{wid}/draft", {"keywords": ["Eigener Gedanke"]})
    assert participant.get(path)["may_take"] is True
    draft = participant.post(path + "/take", {"statement": "Bus im Stundentakt"})
    assert draft["keywords"] == ["Eigener Gedanke", "Bus im Stundentakt"]
    assert "Bus im Stundentakt" in draft["text"]
    participant.request("POST", path + "/take", {"statement": "Erfunden"}, status=409)
    participant.request("POST", path + "/take", {}, status=422)

    # nothing newer yet: re-basing is refused; then the region adopts version 2
    facilitator.request("POST", f"/{slug}/workshops/{wid}/rebase", status=409)
    version_2 = {"title": "Leitbild ILE", "text": ILE_TEXT_2, "adopted_on": "2024-03-01"}
    coordinator.request("POST", f"/{region_slug}/visions", version_2, status=201)
    outdated = facilitator.get(path)["parent"]
    assert outdated["outdated"] is True and outdated["newest_number"] == 2
    assert participant.request(
        "POST", f"/{slug}/workshops/{wid}/rebase", status=None
    ).status_code in (
        403,
        404,
    )
    rebased = facilitator.post(f"/{slug}/workshops/{wid}/rebase")
    assert rebased["parent"]["version"]["number"] == 2
    assert rebased["parent"]["outdated"] is False
    assert rebased["parent"]["chosen"] == ["Glasfaser in jedes Haus"]  # still in version 2
    with tenant_scope(town_id):
        w = db.get(Workshop, wid)
        assert w is not None and w.parent_vision_version_id == rebased["parent"]["version"]["id"]
