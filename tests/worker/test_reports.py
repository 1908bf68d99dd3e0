"""Reports (in-process: generation without a worker; the worker test builds one in a real
worker) and the unsubscribe pages."""

from __future__ import annotations

import http.server
import io
import threading
from collections.abc import Iterator
from types import SimpleNamespace

import pypdf
import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.conftest import form_post, login
from visionswerk import db as dbmod
from visionswerk.db import db
from visionswerk.settings import Settings
from visionswerk.tenants.models import Role, User
from visionswerk.tenants.scoping import tenant_scope
from visionswerk.worker import outbox, preferences, reports
from visionswerk.worker.models import NotificationPreference, OutgoingEmail, Report, ReportStatus
from visionswerk.workshops import services as ws
from visionswerk.workshops.models import Pair, VisionVersion, Workshop


@pytest.fixture(autouse=True)
def no_broker(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, int]]:
    queued: list[tuple[int, int]] = []
    monkeypatch.setattr(reports, "enqueue", lambda t, r: queued.append((t, r)))
    monkeypatch.setattr(outbox, "enqueue", lambda _id: None)
    return queued


def pdf_text(data: bytes) -> tuple[int, str]:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return len(reader.pages), "".join(page.extract_text() for page in reader.pages)


def squash(text: str) -> str:
    return "".join(text.split())


def build(settings: Settings, setup, kind: str, actor=None) -> Report:  # type: ignore[no-untyped-def]
    with setup.scope():
        w = db.get(Workshop, setup.id)
        actor = actor or setup.facilitator
        report = reports.request(actor, kind, w.tenant, w, nonce=f"n-{kind}-{actor.id}")
        report_id = report.id
        dbmod.commit()
    result = reports.generate(settings, setup.tenant.id, report_id)
    if result != "done":
        with setup.scope():
            raise AssertionError(db.get(Report, report_id, populate_existing=True).error)
    dbmod.commit()
    with setup.scope():
        report = db.get(Report, report_id, populate_existing=True)
        assert report is not None
        return report


def test_the_vision_pdf_opens_with_text_signatures_and_hash(make, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    setup = make.workshop(phase="adopted", participants=2)
    report = build(settings, setup, "vision")
    with setup.scope():
        version = db.scalar(select(VisionVersion).where(VisionVersion.workshop_id == setup.id))
        sha, title = version.sha256, version.title
    assert report.status is ReportStatus.DONE and report.progress == 100
    pages, text = pdf_text(report.pdf)
    assert pages >= 1
    assert title in text and "digital und nah" in text
    assert sha in squash(text)  # the version hash and each signature's hash
    assert "Gemeinderat" in text  # the signatory's function
    assert sha in report.html and "Gemeinderat" in report.html
    # a "report ready" mail to the requester, once
    ready = db.scalars(
        select(OutgoingEmail).where(OutgoingEmail.idempotency_key == f"report-ready:{report.id}")
    ).all()
    assert len(ready) == 1
    # a redelivered task does nothing
    assert reports.generate(settings, setup.tenant.id, report.id) == "done"


def test_the_vision_html_is_sanitised(make, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    setup = make.workshop(phase="adopted", participants=2)
    with setup.scope():
        version = db.scalar(select(VisionVersion).where(VisionVersion.workshop_id == setup.id))
        version.text += (
            '\n\n<script>alert(1)</script> <img src=x onerror="alert(2)"> [a](javascript:alert(3))'
        )
        dbmod.commit()
    report = build(settings, setup, "vision")
    assert "<script" not in report.html
    assert "<img" not in report.html  # raw HTML stays text (escaped)
    assert "&lt;script&gt;" in report.html
    assert 'href="javascript' not in report.html


def test_the_process_documentation_shows_keywords_without_authors(make, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    setup = make.workshop(phase="adopted", participants=3)
    names = [p.display_name for p in setup.participants]
    report = build(settings, setup, "process")
    pages, text = pdf_text(report.pdf)
    assert pages >= 1
    assert "Wie sieht unsere Kommune im Jahr 2035 aus?" in text
    assert "Glasfaser für alle" in text  # a step-1 keyword in the ledger
    assert "Gemeinsamer Vorschlag 1" in text  # a pair's proposal
    assert "Teilnehmende: 3" in text and "Gruppen in Schritt 2: 1" in text
    assert "Dreiergruppe 1" in text and "Paar 1" not in text  # three people are no pair
    for name in names:  # draft texts and author names never appear
        assert f"Entwurf von {name}" not in report.html
        assert f"Idee von {name}" in report.html  # (the factory's keyword names the author)


def test_the_fetcher_refuses_everything_but_static_files() -> None:
    requests: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            requests.append(self.path)
            self.send_response(404)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        port = server.server_address[1]
        html = (
            f'<p>Bild</p><img src="http://127.0.0.1:{port}/spy.png">'
            f'<link rel="stylesheet" href="http://127.0.0.1:{port}/spy.css">'
            '<img src="file:///etc/passwd">'
        )
        data = reports.render_pdf(html)
        assert pdf_text(data)[0] == 1
    finally:
        server.shutdown()
        server.server_close()
    assert requests == []
    for url in ("http://example.org/x.png", "file:///etc/passwd", "data:image/png;base64,AA=="):
        with pytest.raises(reports.RefusedFetch):
            reports.url_fetcher(url)
    assert reports.check_url((reports.STATIC / "visionswerk.css").as_uri()).is_file()


def test_the_region_report_lists_the_municipalities(make, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    region = make.region()
    town = make.municipality(region, name="Gemeinde Sonnental")
    coordinator = make.user(region, Role.COORDINATOR)
    make.workshop(town, phase="individual", participants=2, title="Sonnental 2035")
    with tenant_scope(region.id):
        report = reports.request(coordinator, "region", region, None, nonce="r1")
        report_id = report.id
        dbmod.commit()
    assert reports.generate(settings, region.id, report_id) == "done"
    with tenant_scope(region.id):
        report = db.get(Report, report_id, populate_existing=True)
        _, text = pdf_text(report.pdf)
    assert "GemeindeSonnental" in squash(text) and "Sonnental2035" in squash(text)


# --- pages -------------------------------------------------------------------------------------


def test_request_list_and_download_through_the_pages(
    make, client: FlaskClient, settings: Settings, no_broker: list[tuple[int, int]]
) -> None:  # type: ignore[no-untyped-def]
    setup = make.workshop(phase="adopted", participants=2)
    slug, wid, tid = setup.tenant.slug, setup.id, setup.tenant.id
    login(client, setup.facilitator)
    page = client.get(f"/{slug}/workshops/{wid}/berichte")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Visionsdokument" in html and "Prozessdokumentation" in html
    nonce = html.split('name="nonce" value="')[1].split('"')[0]
    for _ in range(2):  # a double submit builds one report
        response = form_post(
            client, f"/{slug}/workshops/{wid}/berichte", {"kind": "vision", "nonce": nonce}
        )
        assert response.status_code == 302
    assert len(no_broker) == 1
    report_id = no_broker[0][1]
    building = client.get(f"/{slug}/workshops/{wid}/berichte").get_data(as_text=True)
    # followed by script (no timed refresh: axe-core's meta-refresh rule), a link without
    assert 'http-equiv="refresh"' not in building and "<progress" in building
    assert f'data-status-url="/{slug}/berichte/{report_id}/status"' in building
    assert "Stand aktualisieren" in building
    assert client.get(f"/{slug}/berichte/{report_id}/status").json["status"] == "queued"
    assert client.get(f"/{slug}/berichte/{report_id}").status_code == 404  # not built yet
    reports.generate(settings, tid, report_id)
    dbmod.commit()
    status = client.get(f"/{slug}/berichte/{report_id}/status").json
    assert status["status"] == "done" and status["progress"] == 100
    pdf = client.get(f"/{slug}/berichte/{report_id}")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf_text(pdf.data)[0] >= 1
    doc = client.get(f"/{slug}/berichte/{report_id}/html")
    assert doc.status_code == 200 and "default-src 'none'" in doc.headers["Content-Security-Policy"]


def test_a_participant_of_another_tenant_gets_404(make, app, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    setup = make.workshop(phase="adopted", participants=2)
    report = build(settings, setup, "vision")
    slug, wid, rid = setup.tenant.slug, setup.id, report.id
    other = make.workshop(phase="adopted", participants=2)
    stranger = other.participants[0]
    other_slug = other.tenant.slug
    client = app.test_client()
    login(client, stranger)
    for url in (
        f"/{slug}/berichte/{rid}",
        f"/{slug}/berichte/{rid}/status",
        f"/{slug}/workshops/{wid}/berichte",
        f"/{other_slug}/berichte/{rid}",  # their own slug, our id
        f"/{other_slug}/berichte/{rid}/html",
    ):
        assert client.get(url).status_code == 404, url


def test_participants_read_the_process_documentation_only_after_adoption(
    make, app, settings: Settings
) -> None:  # type: ignore[no-untyped-def]
    setup = make.workshop(phase="signing", participants=2)
    slug, wid, tid = setup.tenant.slug, setup.id, setup.tenant.id
    facilitator_id, signer_id = setup.facilitator.id, setup.participants[0].id
    report_id = build(settings, setup, "process").id  # the facilitator may, at any time
    participant = setup.participants[1]
    client = app.test_client()
    login(client, participant)
    assert client.get(f"/{slug}/berichte/{report_id}").status_code == 404
    response = form_post(client, f"/{slug}/workshops/{wid}/berichte", {"kind": "process"})
    assert response.status_code == 404
    with tenant_scope(tid):
        w = db.get(Workshop, wid)
        from visionswerk.workshops import services as ws

        facilitator = db.get(User, facilitator_id)
        signer = db.get(User, signer_id)
        ws.sign(signer, ws.my_signatory(signer, w), ws.current_version(w).sha256)
        ws.close_signing(facilitator, w)
        dbmod.commit()
    assert client.get(f"/{slug}/berichte/{report_id}").status_code == 200


def test_the_process_documentation_names_only_who_agreed(make, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    setup = make.workshop(phase="plenary", participants=3)
    named, unnamed = setup.participants[0], setup.participants[1]
    with setup.scope():
        ws.set_name_consent(named, setup.workshop, True)
        dbmod.commit()
    html = build(settings, setup, "process").html
    assert f"Einzelarbeit ({named.display_name})" in html
    assert f"Einzelarbeit ({unnamed.display_name})" not in html
    with setup.scope():  # consent withdrawn: the next documentation has no name
        ws.set_name_consent(named, db.get(Workshop, setup.id), False)
        dbmod.commit()
    with setup.scope():
        w = db.get(Workshop, setup.id)
        again = reports.request(setup.facilitator, "process", w.tenant, w, nonce="again")
        again_id = again.id
        dbmod.commit()
    assert reports.generate(settings, setup.tenant.id, again_id) == "done"
    dbmod.commit()
    with setup.scope():
        html = db.get(Report, again_id, populate_existing=True).html
    assert f"Einzelarbeit ({named.display_name})" not in html


def test_before_step_3_the_process_documentation_holds_no_pair_content(
    make, app, settings: Settings
) -> None:  # type: ignore[no-untyped-def]
    """Step 2: the facilitator's process documentation has counts and dates but no
    proposal; the region's coordinator may not request or read it before adoption."""
    setup = make.workshop(phase="pairs", participants=4)
    outsiders = [  # the region's coordinator, a platform admin
        SimpleNamespace(email=make.user(setup.tenant.parent, Role.COORDINATOR).email),
        SimpleNamespace(email=make.user(admin=True).email),
    ]
    with setup.scope():
        pair = db.scalars(select(Pair).where(Pair.workshop_id == setup.id)).first()
        member = db.get(User, pair.members[0].user_id)
        ws.save_proposal(member, pair, "PAARGEHEIMNIS Dorfladen mit App", ["PAARWORT"], 0)
        dbmod.commit()
    report = build(settings, setup, "process")
    report_id, html = report.id, report.html
    assert "Gruppen in Schritt 2: 2" in html
    assert "PAARGEHEIMNIS" not in html and "PAARWORT" not in html
    assert "sobald Schritt 3 sie für alle öffnet" in html
    _pages, text = pdf_text(report.pdf)
    assert "PAARGEHEIMNIS" not in text
    slug, wid = setup.tenant.slug, setup.id
    for outsider in outsiders:
        client = app.test_client()
        login(client, outsider)
        assert client.get(f"/{slug}/berichte/{report_id}").status_code == 404
        response = form_post(client, f"/{slug}/workshops/{wid}/berichte", {"kind": "process"})
        assert response.status_code == 404
        page = client.get(f"/{slug}/workshops/{wid}/berichte").get_data(as_text=True)
        assert "PAARGEHEIMNIS" not in page


def test_from_step_3_the_facilitator_reads_the_proposals_in_the_process_documentation(
    make, settings: Settings
) -> None:  # type: ignore[no-untyped-def]
    setup = make.workshop(phase="plenary", participants=4)
    report = build(settings, setup, "process")
    assert "Gemeinsamer Vorschlag 1" in report.html and "Gemeinsamer Vorschlag 2" in report.html


# --- unsubscribe -----------------------------------------------------------------------------


@pytest.fixture()
def token_of(make, settings: Settings) -> Iterator[tuple[int, str]]:  # type: ignore[no-untyped-def]
    user = make.user(make.municipality(), Role.PARTICIPANT)
    token = preferences.token_for(settings, user.id)
    dbmod.commit()
    yield user.id, token


def reminders_on(user_id: int) -> bool:
    pref = db.get(NotificationPreference, user_id, populate_existing=True)
    return pref is None or pref.reminders


def test_unsubscribe_get_only_asks(client: FlaskClient, token_of: tuple[int, str]) -> None:
    user_id, token = token_of
    page = client.get(f"/erinnerungen-abbestellen/{token}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'method="post"' in html and "keine Erinnerungen mehr" in html
    assert f'action="/erinnerungen-abbestellen/{token}"' in html
    assert reminders_on(user_id)
    assert client.get("/erinnerungen-abbestellen/falsch").status_code == 404


def test_the_old_unsubscribe_links_of_sent_mails_keep_working(
    client: FlaskClient, token_of: tuple[int, str]
) -> None:
    """Mails sent before the move link to /abmelden/<token> ("abmelden" means logging out)."""
    user_id, token = token_of
    page = client.get(f"/abmelden/{token}")
    assert page.status_code == 301
    assert page.headers["Location"] == f"/erinnerungen-abbestellen/{token}"
    assert reminders_on(user_id)
    # one-click POST from an old List-Unsubscribe header: providers do not follow redirects
    response = client.post(
        f"/abmelden/{token}",
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert not reminders_on(user_id)


def test_unsubscribe_post_works_without_login(
    client: FlaskClient, token_of: tuple[int, str]
) -> None:
    user_id, token = token_of
    response = client.post(
        f"/erinnerungen-abbestellen/{token}"
    )  # the page's button: no login, no CSRF token
    assert response.status_code == 200
    assert "Sie erhalten keine Erinnerungen mehr" in response.get_data(as_text=True)
    assert not reminders_on(user_id)


def test_rfc8058_one_click_post(client: FlaskClient, token_of: tuple[int, str]) -> None:
    user_id, token = token_of
    response = client.post(
        f"/erinnerungen-abbestellen/{token}",
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert not reminders_on(user_id)
    assert client.post("/erinnerungen-abbestellen/nichts").status_code == 404


def test_the_settings_page_switches_reminders_and_digest(make, client: FlaskClient) -> None:  # type: ignore[no-untyped-def]
    user = make.user(make.municipality(), Role.FACILITATOR)
    user_id = user.id
    login(client, user)
    page = client.get("/benachrichtigungen").get_data(as_text=True)
    assert 'name="reminders"' in page and "checked" in page
    response = form_post(client, "/benachrichtigungen", {"digest": "1"})
    assert response.status_code == 302
    pref = db.get(NotificationPreference, user_id, populate_existing=True)
    assert pref is not None and pref.digest and not pref.reminders


def test_personal_data_export_and_erasure(make, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    from visionswerk.tenants import personal_data

    user = make.user(make.municipality(), Role.FACILITATOR)
    preferences.set_preferences(settings, user.id, digest=True)
    dbmod.commit()
    exported = personal_data.export(user)["notifications"]
    assert exported["digest"] is True and exported["reminders"] is True
    personal_data.erase(user)
    assert db.get(NotificationPreference, user.id, populate_existing=True) is None


def test_a_report_whose_task_was_lost_is_handed_over_again(
    make, no_broker: list[tuple[int, int]]
) -> None:  # type: ignore[no-untyped-def]
    import datetime as dt

    setup = make.workshop(phase="adopted", participants=2)
    with setup.scope():
        w = db.get(Workshop, setup.id)
        report = reports.request(setup.facilitator, "vision", w.tenant, w, nonce="lost")
        report_id, created = report.id, report.created_at
        dbmod.commit()
    assert no_broker == [(setup.tenant.id, report_id)]
    with tenant_scope(None):
        assert reports.sweep_stale(created + dt.timedelta(seconds=30)) == []
        assert reports.sweep_stale(created + dt.timedelta(minutes=2)) == [report_id]
    dbmod.commit()
    assert no_broker[-1] == (setup.tenant.id, report_id)
