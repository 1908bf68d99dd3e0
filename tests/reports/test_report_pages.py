"""The "PDF erstellen / herunterladen" panel on the workshop, adopted-vision and region
pages: shown exactly to those the policy lets have the report, every link in it works for
its reader, the request comes back to the page (or answers JSON to the page's script),
and the download has a name a person recognises."""

from __future__ import annotations

import re
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any
from urllib.parse import unquote

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.conftest import form_post, login
from tests.factories import Factory
from tests.reports.helpers import adopt, plenary_with_feedback
from tests.workshops.factories import WorkshopSetup
from visionswerk import db as dbmod
from visionswerk.db import db
from visionswerk.tenants.models import Role
from visionswerk.tenants.scoping import tenant_scope
from visionswerk.worker import outbox, reports
from visionswerk.worker.models import OutgoingEmail, Report, ReportStatus

PANEL_RE = re.compile(r'<section id="berichte".*?</section>', re.S)


@pytest.fixture(autouse=True)
def queued(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, int]]:
    """Requests are recorded, not built; a test builds one with :func:`build`."""
    seen: list[tuple[int, int]] = []
    monkeypatch.setattr(reports, "enqueue", lambda t, r: seen.append((t, r)))
    monkeypatch.setattr(outbox, "enqueue", lambda _id: None)
    return seen


def panel_of(html: str) -> str:
    match = PANEL_RE.search(html)
    return match.group(0) if match else ""


def offered(html: str) -> set[str]:
    """The kinds the page's panel offers: to build (a form) or to download (a link)."""
    panel = panel_of(html)
    kinds = set(re.findall(r'name="kind" value="(\w+)"', panel))
    for kind, title in (("vision", "Visionsdokument"), ("process", "Prozessdokumentation")):
        if f'PDF herunterladen <span class="visually-hidden">({title})' in panel:
            kinds.add(kind)
    if "Statusbericht der Region" in panel:
        kinds.add("region")
    return kinds


def build(settings: Any, tenant_id: int, report_id: int) -> None:
    dbmod.commit()
    assert reports.generate(settings, tenant_id, report_id) == "done"
    dbmod.commit()


class People:
    """The readers of one workshop, by role, and what the tests need to know of it (read
    before any request: the pages end the test's session and detach its objects)."""

    def __init__(self, make: Factory, setup: WorkshopSetup) -> None:
        region = setup.tenant.parent
        other = make.workshop(phase="adopted", participants=2)
        users = {
            "facilitator": setup.facilitator,
            "participant": setup.participants[1],
            "coordinator": make.user(region, Role.COORDINATOR),
            "admin": make.user(admin=True),
            "member": make.user(setup.tenant, Role.PARTICIPANT),  # not in this workshop
            "stranger": other.participants[0],  # another municipality
        }
        self.by_role = {role: SimpleNamespace(email=u.email) for role, u in users.items()}
        self.slug, self.wid, self.tid = setup.tenant.slug, setup.id, setup.tenant.id
        self.region_slug = region.slug
        self.other_slug, self.other_wid = other.tenant.slug, other.id

    def client(self, app: Flask, role: str) -> FlaskClient:
        client = app.test_client()
        login(client, self.by_role[role])
        return client


#: (role, workshop page, adopted page): what the panel offers once the vision is adopted;
#: None: the page itself is not there for them (404).
ADOPTED = [
    ("facilitator", {"vision", "process"}, {"vision", "process"}),
    ("participant", {"vision", "process"}, {"vision", "process"}),
    ("coordinator", {"vision", "process"}, {"vision", "process"}),
    ("admin", {"vision", "process"}, {"vision", "process"}),
    ("member", None, set()),  # reads the adopted vision, may not have its documents
    ("stranger", None, None),
]


@pytest.fixture()
def adopted(make: Factory) -> Iterator[People]:
    setup = plenary_with_feedback(make)
    adopt(setup)
    yield People(make, setup)


@pytest.mark.parametrize(("role", "on_workshop", "on_adopted"), ADOPTED)
def test_after_adoption_the_panel_offers_what_the_reader_may_have(
    adopted: People,
    app: Flask,
    role: str,
    on_workshop: set[str] | None,
    on_adopted: set[str] | None,
) -> None:
    people = adopted
    client = people.client(app, role)
    base = f"/{people.slug}/workshops/{people.wid}/"
    for url, expected in ((base, on_workshop), (f"{base}beschlossen", on_adopted)):
        page = client.get(url)
        if expected is None:
            assert page.status_code == 404, url
            continue
        assert page.status_code == 200, url
        assert offered(page.get_data(as_text=True)) == expected, (role, url)


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("facilitator", {"process"}),  # the facilitator's own documentation, at any time
        ("participant", set()),
        ("coordinator", set()),  # never step-1 or pair content before adoption
        ("admin", set()),
    ],
)
def test_before_adoption_only_the_facilitator_is_offered_the_process_documentation(
    make: Factory, app: Flask, role: str, expected: set[str]
) -> None:
    setup = plenary_with_feedback(make)
    people = People(make, setup)
    html = people.client(app, role).get(f"/{people.slug}/workshops/{people.wid}/")
    assert html.status_code == 200
    text = html.get_data(as_text=True)
    assert offered(text) == expected
    if expected:
        assert "Bis die Vision beschlossen ist, sieht nur die Moderation" in panel_of(text)


def test_every_link_in_the_panel_works_for_its_reader(
    adopted: People, app: Flask, settings: Any
) -> None:
    """The facilitator builds both documents; a participant then sees both download links
    (and the build's status while one runs), and each of them answers 200."""
    people = adopted
    slug, wid, tid = people.slug, people.wid, people.tid
    facilitator = people.client(app, "facilitator")
    html = facilitator.get(f"/{slug}/workshops/{wid}/").get_data(as_text=True)
    nonces = re.findall(r'name="nonce" value="([^"]+)"', panel_of(html))
    assert len(set(nonces)) == 2  # one per form: two requests are two reports
    ids = []
    for kind, nonce in zip(("vision", "process"), nonces, strict=True):
        response = form_post(
            facilitator,
            f"/{slug}/workshops/{wid}/berichte",
            {"kind": kind, "nonce": nonce, "back": "workshop"},
        )
        assert response.status_code == 302
        assert response.headers["Location"].endswith(f"/{slug}/workshops/{wid}/#berichte")
        ids.append(newest_report(tid).id)
    participant = people.client(app, "participant")
    building = panel_of(participant.get(f"/{slug}/workshops/{wid}/").get_data(as_text=True))
    assert "Wartet auf den Start" in building and "<progress" in building
    assert f'data-status-url="/{slug}/berichte/{ids[0]}/status"' in building
    for report_id in ids:
        build(settings, tid, report_id)
    panel = panel_of(participant.get(f"/{slug}/workshops/{wid}/").get_data(as_text=True))
    links = re.findall(r'<a [^>]*href="([^"]+)"', panel)
    assert {f"/{slug}/berichte/{i}" for i in ids} <= set(links)
    for link in links:
        assert participant.get(link).status_code == 200, link


def test_the_script_gets_json_and_follows_the_build(
    adopted: People, app: Flask, settings: Any
) -> None:
    people = adopted
    slug, wid = people.slug, people.wid
    client = people.client(app, "participant")
    response = form_post(
        client,
        f"/{slug}/workshops/{wid}/berichte",
        {"kind": "vision", "nonce": "js-1", "back": "adopted"},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 202
    data = response.json
    assert data["status"] == "queued" and data["download"] is None
    assert data["message"] == "Wartet auf den Start …"
    assert data["nonce"] != "js-1"  # the next click asks for a new report
    build(settings, people.tid, data["id"])
    status = client.get(data["status_url"]).json
    assert status["status"] == "done" and status["message"] == "Fertig."
    assert status["download"] == f"/{slug}/berichte/{data['id']}"
    assert re.fullmatch(r"Vision-[\w-]+-Musterhausen-2036-Fassung-1\.pdf", status["filename"])
    # without script the form comes back to the adopted page
    response = form_post(
        client,
        f"/{slug}/workshops/{wid}/berichte",
        {"kind": "vision", "nonce": "nojs-1", "back": "adopted"},
    )
    assert response.headers["Location"].endswith(f"/{slug}/workshops/{wid}/beschlossen#berichte")


def test_a_back_page_is_a_name_never_a_url(adopted: People, app) -> None:  # type: ignore[no-untyped-def]
    people = adopted
    client = people.client(app, "facilitator")
    response = form_post(
        client,
        f"/{people.slug}/workshops/{people.wid}/berichte",
        {"kind": "vision", "nonce": "evil", "back": "https://evil.example/"},
    )
    assert response.status_code == 302
    assert response.headers["Location"].startswith(f"/{people.slug}/")


def test_another_tenants_workshop_answers_404_and_records_nothing(
    adopted: People, app: Flask, queued: list[tuple[int, int]]
) -> None:
    people = adopted
    client = people.client(app, "stranger")
    own_slug = people.other_slug
    for slug in (people.slug, own_slug):  # the workshop's slug, and their own
        for accept in ("text/html", "application/json"):
            response = form_post(
                client,
                f"/{slug}/workshops/{people.wid}/berichte",
                {"kind": "vision", "nonce": f"x-{slug}-{accept}", "back": "workshop"},
                headers={"Accept": accept},
            )
            assert response.status_code == 404
    assert queued == []


@pytest.mark.parametrize(
    ("role", "expected"),
    [("coordinator", {"region"}), ("admin", {"region"}), ("facilitator", set())],
)
def test_the_region_page_offers_the_status_report_to_its_coordinators(
    make: Factory, app: Flask, role: str, expected: set[str]
) -> None:
    setup = make.workshop(phase="individual", participants=2)
    people = People(make, setup)
    client = people.client(app, role)
    region = client.get(f"/{people.region_slug}/")
    if region.status_code == 404:  # a facilitator of a municipality may not see the region
        assert not expected
    else:
        assert offered(region.get_data(as_text=True)) == expected
    municipality = client.get(f"/{people.slug}/").get_data(as_text=True)
    assert "region" not in offered(municipality)  # a municipality has no status report


def test_the_region_request_comes_back_to_the_region_page(make: Factory, app: Flask) -> None:
    setup = make.workshop(phase="individual", participants=2)
    people = People(make, setup)
    client = people.client(app, "coordinator")
    slug = people.region_slug
    response = form_post(client, f"/{slug}/berichte", {"kind": "region", "back": "tenant"})
    assert response.headers["Location"].endswith(f"/{slug}/#berichte")
    panel = panel_of(client.get(f"/{slug}/").get_data(as_text=True))
    assert "Wartet auf den Start" in panel


# --- file names ------------------------------------------------------------------------------


def _download(client: FlaskClient, url: str) -> tuple[str, str | None]:
    """The plain ``filename`` and the decoded RFC 5987 ``filename*`` of a download."""
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    header = response.headers["Content-Disposition"]
    assert header.startswith("attachment;")
    plain = re.search(r'filename="?([^";]+)"?(;|$)', header)
    assert plain is not None, header
    star = re.search(r"filename\*=UTF-8''([^;]+)", header)
    return plain.group(1), unquote(star.group(1)) if star else None


def test_the_downloads_have_names_a_person_recognises(
    make: Factory, app: Flask, settings: Any
) -> None:
    town = make.municipality(make.region("ILE Musterland"), "Gemeinde Musterhausen")
    setup = plenary_with_feedback(make, tenant=town, title="Zukunft 2036")
    adopt(setup)
    slug, wid, tid = town.slug, setup.id, town.id
    client = app.test_client()
    login(client, setup.facilitator)
    names = {}
    for kind in ("vision", "process"):
        form_post(client, f"/{slug}/workshops/{wid}/berichte", {"kind": kind, "nonce": kind})
        report = newest_report(tid)
        build(settings, tid, report.id)
        names[kind] = _download(client, f"/{slug}/berichte/{report.id}")
    assert names["vision"] == ("Vision-Musterhausen-2036-Fassung-1.pdf", None)
    process, star = names["process"]
    assert re.fullmatch(
        r"Prozessdokumentation-Musterhausen-Zukunft-2036-\d{4}-\d\d-\d\d\.pdf", process
    )
    assert star is None  # plain ASCII: one name is enough


def test_umlauts_in_a_name_survive_the_download(make: Factory, app: Flask, settings: Any) -> None:
    town = make.municipality(make.region("ILE Obermain"), "Markt Größenwörth")
    setup = plenary_with_feedback(make, tenant=town, title="Größenwörth übermorgen")
    slug, wid, tid = town.slug, setup.id, town.id
    client = app.test_client()
    login(client, setup.facilitator)
    form_post(client, f"/{slug}/workshops/{wid}/berichte", {"kind": "process"})
    report = newest_report(tid)
    build(settings, tid, report.id)
    ascii_name, utf8_name = _download(client, f"/{slug}/berichte/{report.id}")
    assert re.fullmatch(r"Prozessdokumentation-Groessenwoerth-uebermorgen-[\d-]+\.pdf", ascii_name)
    assert utf8_name is not None
    assert re.fullmatch(r"Prozessdokumentation-Größenwörth-übermorgen-[\d-]+\.pdf", utf8_name)


def test_the_report_ready_mail_links_to_the_download(
    adopted: People, app: Flask, settings: Any
) -> None:
    people = adopted
    tid = people.tid
    client = people.client(app, "participant")
    form_post(client, f"/{people.slug}/workshops/{people.wid}/berichte", {"kind": "vision"})
    report_id = newest_report(tid).id
    build(settings, tid, report_id)
    mail = db.scalars(
        select(OutgoingEmail).where(OutgoingEmail.idempotency_key == f"report-ready:{report_id}")
    ).one()
    text = outbox.unseal(settings.secret_key, mail.text)
    html = outbox.unseal(settings.secret_key, mail.html or "")
    link = f"{settings.base_url}/{people.slug}/berichte/{report_id}"
    assert link in text and f'href="{link}"' in html
    assert client.get(link.removeprefix(settings.base_url)).status_code == 200


def newest_report(tenant_id: int) -> Report:
    with tenant_scope(tenant_id):
        report = db.scalars(select(Report).order_by(Report.id.desc()).limit(1)).one()
        assert report.status in (ReportStatus.QUEUED, ReportStatus.DONE)
        return report


def test_a_public_adopted_vision_offers_no_report_to_a_visitor(make: Factory, app: Flask) -> None:
    """Visions can be public; their documents are for the people of the workshop."""
    setup = plenary_with_feedback(make)
    adopt(setup)
    with tenant_scope(setup.tenant.id):
        setup.tenant.visions_public = True
        dbmod.commit()
    url = f"/{setup.tenant.slug}/workshops/{setup.id}/beschlossen"
    page = app.test_client().get(url)
    assert page.status_code == 200 and "Vision Musterhausen 2036" in page.get_data(as_text=True)
    assert panel_of(page.get_data(as_text=True)) == ""
