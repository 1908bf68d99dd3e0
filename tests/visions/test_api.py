"""The overview and vision documents in /api/v1: same privacy and tenant rules."""

from __future__ import annotations

import csv
import io

from tests.conftest import login
from tests.visions.helpers import based_workshop, finish, make_region
from tests.visions.test_pages import SECRET_DRAFT, SECRET_PROPOSAL, story


def test_api_overview_json_and_csv_without_private_content(client, make) -> None:  # type: ignore[no-untyped-def]
    r, *_ = story(make)
    slug = r.region.slug
    login(client, r.coordinator)
    response = client.get(f"/api/v1/{slug}/overview")
    assert response.status_code == 200
    data = response.get_json()
    rows = {row["municipality"]["name"]: row for row in data["municipalities"]}
    assert rows["Gemeinde Altdorf"]["parent"]["outdated"] is True
    assert rows["Gemeinde Neudorf"]["parent"]["number"] == 2
    assert rows["Markt Mitteldorf"]["workshop"]["phase"] == "pairs"
    body = response.get_data(as_text=True)
    assert SECRET_DRAFT not in body and SECRET_PROPOSAL not in body
    assert client.get("/api/v1/overview").get_json()["municipalities"]
    csv_body = client.get(f"/api/v1/{slug}/overview.csv").get_data()
    assert csv_body.startswith(b"\xef\xbb\xbf")
    parsed = list(csv.DictReader(io.StringIO(csv_body.decode("utf-8-sig")), delimiter=";"))
    assert {row["Kommune"] for row in parsed} >= {"Gemeinde Altdorf", "Gemeinde Spät"}
    assert SECRET_DRAFT.encode() not in csv_body


def test_api_other_region_is_404(client, make) -> None:  # type: ignore[no-untyped-def]
    a = make_region(make, "ILE Alpha")
    b = make_region(make, "ILE Beta")
    b_slug, b_v1 = b.region.slug, b.v1.id
    login(client, a.coordinator)
    assert client.get(f"/api/v1/{b_slug}/overview").status_code == 404
    assert client.get(f"/api/v1/{b_slug}/overview.csv").status_code == 404
    assert client.get(f"/api/v1/{b_slug}/visions/{b_v1}").status_code == 404


def test_api_vision_with_embedded_parent_and_changes(client, make) -> None:  # type: ignore[no-untyped-def]
    r = make_region(make)
    town = make.municipality(r.region)
    setup = based_workshop(make, town, r.v1)
    version = finish(setup)
    r.import_version()
    slug, vid = town.slug, version.id
    login(client, setup.facilitator)
    data = client.get(f"/api/v1/{slug}/visions/{vid}").get_json()
    assert data["embedded_parent"]["number"] == 1 and data["embedded_parent"]["outdated"]
    assert data["verified"] is True
    assert [v["id"] for v in client.get(f"/api/v1/{slug}/visions").get_json()["versions"]] == [vid]
    changes = client.get(f"/api/v1/{slug}/parent-changes").get_json()["changes"]
    assert changes[0]["new_number"] == 2
    assert {"op": "insert", "text": "Rufbus rund um die Uhr"} in changes[0]["diff"]
    assert client.get("/api/v1/me/notices").get_json()["notices"][0]["new_number"] == 2


def test_openapi_lists_the_visions_paths(client) -> None:  # type: ignore[no-untyped-def]
    doc = client.get("/api/v1/openapi.json").get_json()
    for path in ("/{tenant_slug}/overview", "/{tenant_slug}/overview.csv", "/overview",
                 "/{tenant_slug}/visions/{version_id}", "/me/notices"):  # fmt: skip
        assert path in doc["paths"]
    assert "OverviewRow" in doc["components"]["schemas"]
