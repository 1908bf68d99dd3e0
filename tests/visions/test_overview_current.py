"""One municipality with two workshops: the overview page, its CSV, the API and the
region report all show the same current workshop (the one started last) beside the
municipality's newest adopted vision."""

from __future__ import annotations

import csv
import io
import re

import pytest

from tests.conftest import login
from tests.visions.helpers import based_workshop, finish, make_region
from visionswerk.db import db
from visionswerk.tenants.models import Tenant
from visionswerk.tenants.scoping import tenant_scope
from visionswerk.visions import overview
from visionswerk.worker.reports import region_context

OLD, NEW = "Runde 2030", "Runde 2040"


def _two_rounds(make, newer: str):  # type: ignore[no-untyped-def]
    """A region with one municipality that ran an older workshop and started a newer one.

    ``newer``: "adopted" (older adopted, newer adopted), "running" (older adopted, newer
    in step 3) or "overtaken" (older left in step 1, newer adopted)."""
    r = make_region(make)
    town = make.municipality(r.region, "Gemeinde Zweirunden")
    old = make.workshop(town, phase="individual" if newer == "overtaken" else "plenary",
                        participants=2, title=OLD)  # fmt: skip
    old_version = None if newer == "overtaken" else finish(old)
    new = make.workshop(town, phase="plenary", participants=2, title=NEW)
    new_version = None if newer == "running" else finish(new)
    adopted = new_version or old_version
    assert adopted is not None
    return r, town, new, adopted


CASES = {
    "adopted": ("adopted", "Beschlossen"),
    "running": ("plenary", "Alle zusammen"),
    "overtaken": ("adopted", "Beschlossen"),
}


def _page_row(html: str, name: str) -> str:
    rows = [row for row in re.findall(r"<tr.*?</tr>", html, re.S) if name in row]
    assert len(rows) == 1, rows
    return rows[0]


@pytest.mark.parametrize("newer", list(CASES))
def test_page_csv_api_and_report_show_the_same_current_workshop(client, make, newer) -> None:  # type: ignore[no-untyped-def]
    r, town, new, adopted = _two_rounds(make, newer)
    phase, label = CASES[newer]
    slug, name, number = r.region.slug, town.name, adopted.number
    login(client, r.coordinator)

    row = _page_row(client.get(f"/{slug}/uebersicht").get_data(as_text=True), name)
    assert NEW in row and OLD not in row
    assert label in row
    assert f"Fassung {number} vom" in row

    body = client.get(f"/{slug}/uebersicht.csv").get_data().decode("utf-8-sig")
    [line] = [x for x in csv.DictReader(io.StringIO(body), delimiter=";") if x["Kommune"] == name]
    assert line["Workshop"] == NEW
    assert line["Schritt"] == label
    assert line["Beschlossene Vision"].startswith(f"Fassung {number}:")

    api = client.get(f"/api/v1/{slug}/overview").get_json()
    [item] = [x for x in api["municipalities"] if x["municipality"]["name"] == name]
    assert item["workshop"] == {"id": new.id, "title": NEW, "phase": phase}
    assert item["adopted_vision"]["number"] == number
    api_csv = client.get(f"/api/v1/{slug}/overview.csv").get_data().decode("utf-8-sig")
    [api_line] = [x for x in csv.DictReader(io.StringIO(api_csv), delimiter=";")
                  if x["Kommune"] == name]  # fmt: skip
    assert api_line == line

    with tenant_scope(r.region.id):
        report = region_context(db.get(Tenant, r.region.id), r.coordinator)["rows"]
    [entry] = [x for x in report if x["name"] == name]
    assert (entry["workshop"], entry["phase"]) == (NEW, phase)


def test_current_workshop_is_the_one_started_last(make) -> None:  # type: ignore[no-untyped-def]
    _r, town, new, _adopted = _two_rounds(make, "overtaken")
    other = make.municipality(name="Gemeinde Ohne")
    current = overview.current_workshops([town.id, other.id])
    assert current[town.id].id == new.id
    assert other.id not in current
    assert overview.current_workshops([]) == {}


def test_outdated_is_said_of_the_basis_the_row_shows(make) -> None:  # type: ignore[no-untyped-def]
    """A second round on the ILE's new version is not flagged because the first round's
    adopted vision embedded the old one; a town that only has the old one is."""
    r = make_region(make)
    again = make.municipality(r.region, "Gemeinde Nochmal")
    finish(based_workshop(make, again, r.v1, participants=2))
    only_old = make.municipality(r.region, "Gemeinde Altstand")
    finish(based_workshop(make, only_old, r.v1, participants=2))
    v2 = r.import_version()
    based_workshop(make, again, v2, phase="individual", participants=2)
    with tenant_scope(r.region.id):
        rows = {
            x.name: x
            for x in overview.region_overview(r.coordinator, [db.get(Tenant, r.region.id)])
        }
    assert (rows["Gemeinde Nochmal"].parent_number, rows["Gemeinde Nochmal"].parent_outdated) == (
        v2.number,
        False,
    )
    assert rows["Gemeinde Altstand"].parent_outdated is True
    assert rows["Gemeinde Altstand"].newest_parent_number == v2.number
