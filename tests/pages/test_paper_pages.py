"""Paper signatures through the pages: the facilitator prints the sheet (PDF with the
fingerprint and a QR code to the public verification page), records each signature from
it (with an optional scan), and everybody sees it as a paper signature beside the online
ones. Bad input is a 422 that keeps what was typed."""

from __future__ import annotations

import datetime as dt
import io
import os
import subprocess
import types
from pathlib import Path

import pytest
from flask import Flask

from tests.factories import Factory
from tests.pages.conftest import Visitor, text_of
from tests.workshops import paper_files
from visionswerk.workshops import paper
from visionswerk.workshops import services as ws


@pytest.fixture()
def signing(app: Flask, make: Factory):  # type: ignore[no-untyped-def]
    """A workshop in signing, as plain values (a request detaches the rows)."""
    setup = make.workshop(phase="signing", participants=2)
    with setup.scope():
        current = ws.current_version(setup.workshop)
        assert current is not None and setup.signatory is not None
        values = types.SimpleNamespace(
            slug=setup.tenant.slug,
            tenant_id=setup.tenant.id,
            region_id=setup.tenant.parent_id,
            workshop_id=setup.id,
            version_id=current.id,
            sha256=current.sha256,
            title=current.title,
            signatory_id=setup.signatory.id,
            signatory_name=setup.signatory.name,
            facilitator_id=setup.facilitator.id,
            facilitator_name=setup.facilitator.display_name,
            participant_email=setup.participants[1].email,
            today=paper.local_today(setup.workshop),
        )
        values.base = f"/{values.slug}/workshops/{values.workshop_id}"
        values.facilitator = Visitor(app, setup.facilitator.email, "facilitator")
    return values


def signatures(s) -> list:  # type: ignore[no-untyped-def]
    from visionswerk.db import db
    from visionswerk.tenants.models import User
    from visionswerk.tenants.scoping import tenant_scope

    with tenant_scope(s.tenant_id):
        version = ws.get_version(db.get(User, s.facilitator_id), s.version_id)
        return [types.SimpleNamespace(id=x.id, kind=x.kind) for x in ws.signatures_of(version)]


def record(visitor: Visitor, base: str, status: int, scan: bytes | None = None, **fields):  # type: ignore[no-untyped-def]
    data = {f"paper-{k}": v for k, v in fields.items()}
    if scan is not None:
        data["paper-scan"] = (io.BytesIO(scan), "blatt.png")
    response = visitor.post(base + "/papier-unterschriften", data, status=status)
    # the test client spools a large body to a temporary file and leaves it open
    response.request.environ["wsgi.input"].close()
    return response


def test_the_facilitator_prints_the_sheet_with_fingerprint_and_qr_code(signing, tmp_path) -> None:  # type: ignore[no-untyped-def]
    s = signing
    page = s.facilitator.html(s.base + "/bestaetigung")
    assert "Auf Papier unterschreiben" in page
    response = s.facilitator.get(s.base + "/unterschriftenblatt.pdf")
    assert response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    pdf = tmp_path / "blatt.pdf"
    pdf.write_bytes(response.data)
    if os.environ.get("VISIONSWERK_SHOTS"):  # to look at, with the journey's screenshots
        shots = Path(os.environ["VISIONSWERK_SHOTS"])
        shots.mkdir(parents=True, exist_ok=True)
        (shots / "unterschriftenblatt.pdf").write_bytes(response.data)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    fingerprint = " ".join(s.sha256[i : i + 4] for i in range(0, 12, 4))
    assert fingerprint in text
    assert f"/pruefen/{s.sha256}" in text.replace("\n", "")
    assert "Unterschriftenblatt" in text and s.title in text
    assert s.signatory_name in text  # the listed person who has not signed has a row


def test_the_qr_codes_page_verifies_the_text_without_login(app: Flask, signing) -> None:  # type: ignore[no-untyped-def]
    s = signing
    anonymous = Visitor(app)
    page = text_of(anonymous.html(f"/{s.slug}/pruefen/{s.sha256}"))
    assert "Dieser Text ist unverändert." in page
    assert "Wird gerade unterschrieben." in page
    assert s.title in page
    anonymous.get(f"/{s.slug}/pruefen/{'0' * 64}", status=404)
    anonymous.get(f"/{s.slug}/pruefen/{s.sha256[:12]}", status=404)


def test_a_recorded_paper_signature_shows_beside_the_online_ones(app: Flask, signing) -> None:  # type: ignore[no-untyped-def]
    s = signing
    response = record(s.facilitator, s.base, 302, scan=paper_files.png(), signatory_id="",
                      name="Erika Muster", function="Bürgermeisterin",
                      signed_on=s.today.isoformat())  # fmt: skip
    page = text_of(s.facilitator.follow(response))
    assert "Die Unterschrift von Erika Muster auf Papier ist erfasst." in page
    assert f"erfasst von {s.facilitator_name}" in page
    assert "auf Papier unterschrieben am" in page and "Scan ansehen" in page
    assert "1 von 2 haben unterschrieben" in page
    [signature] = signatures(s)
    scan = s.facilitator.get(f"/{s.slug}/unterschriften/{signature.id}/scan")
    assert scan.mimetype == "image/png" and scan.data == paper_files.png()
    assert "sandbox" in scan.headers["Content-Security-Policy"]
    # a participant sees the paper signature, not the scan, and no form to record one
    participant = Visitor(app, s.participant_email, "participant")
    seen = text_of(participant.html(s.base + "/bestaetigung"))
    assert "auf Papier unterschrieben am" in seen and "Scan ansehen" not in seen
    assert "Unterschrift vom Blatt erfassen" not in seen
    participant.get(f"/{s.slug}/unterschriften/{signature.id}/scan", status=403)
    # the verification page counts it
    page = text_of(Visitor(app).html(f"/{s.slug}/pruefen/{s.sha256}"))
    assert "1 Unterschrift, davon 1 auf Papier" in page


def test_a_listed_person_is_chosen_from_the_list(signing) -> None:  # type: ignore[no-untyped-def]
    s = signing
    page = s.facilitator.html(s.base + "/bestaetigung")
    assert f'<option value="{s.signatory_id}">{s.signatory_name}' in page
    response = record(s.facilitator, s.base, 302, signatory_id=str(s.signatory_id), name="",
                      function="", signed_on=s.today.isoformat())  # fmt: skip
    page = text_of(s.facilitator.follow(response))
    assert f"Die Unterschrift von {s.signatory_name} auf Papier ist erfasst." in page
    assert "1 von 1 haben unterschrieben" in page


@pytest.mark.parametrize(
    "case, message",
    [
        ("blank_name", "Bitte geben Sie den Namen an."),
        ("future", "Das Datum liegt in der Zukunft."),
        ("too_big", "Der Scan ist zu groß"),
        ("wrong_type", "Der Scan muss eine PDF-, PNG- oder JPEG-Datei sein."),
        ("no_date", "Bitte geben Sie an, wann unterschrieben wurde."),
    ],
)
def test_bad_input_is_a_422_that_keeps_what_was_typed(signing, case: str, message: str) -> None:  # type: ignore[no-untyped-def]
    s = signing
    fields = {"signatory_id": "", "name": "Erika Muster", "function": "Bürgermeisterin",
              "signed_on": s.today.isoformat()}  # fmt: skip
    scan = None
    if case == "blank_name":
        fields["name"] = "   "
    elif case == "future":
        fields["signed_on"] = (s.today + dt.timedelta(days=2)).isoformat()
    elif case == "no_date":
        fields["signed_on"] = ""
    elif case == "too_big":
        scan = paper_files.too_big()
    else:
        scan = paper_files.NOT_A_SCAN["text"]
    html = record(s.facilitator, s.base, 422, scan=scan, **fields).get_data(as_text=True)
    assert message in text_of(html)
    assert 'value="Bürgermeisterin"' in html  # what was typed is still there
    if case != "blank_name":
        assert 'value="Erika Muster"' in html
    if scan is not None:
        assert "Bitte wählen Sie den Scan noch einmal." in text_of(html)
    assert "0 von 1 haben unterschrieben" in text_of(html)
    assert signatures(s) == []


def test_participants_and_coordinators_cannot_record_or_print(
    app: Flask, make: Factory, signing
) -> None:  # type: ignore[no-untyped-def]
    s = signing
    from visionswerk.db import db
    from visionswerk.tenants.models import Tenant

    coordinator = make.user(db.get(Tenant, s.region_id), "coordinator").email
    for visitor in (
        Visitor(app, s.participant_email, "participant"),
        Visitor(app, coordinator, "coordinator"),
    ):
        record(visitor, s.base, 403, signatory_id="", name="X", signed_on=s.today.isoformat())
        visitor.get(s.base + "/unterschriftenblatt.pdf", status=403)
    assert signatures(s) == []


def test_the_sheet_before_signing_says_so(app: Flask, make: Factory) -> None:
    setup = make.workshop(phase="plenary", participants=2)
    base = f"/{setup.tenant.slug}/workshops/{setup.id}"
    facilitator = Visitor(app, setup.facilitator.email)
    assert "Gerade wird nicht unterschrieben." in facilitator.html(
        base + "/unterschriftenblatt.pdf", 409
    )


def test_the_adopted_page_and_the_vision_document_mark_paper_signatures(
    make: Factory, signing
) -> None:  # type: ignore[no-untyped-def]
    s = signing
    record(s.facilitator, s.base, 302, signatory_id="", name="Erika Muster",
           function="Bürgermeisterin", signed_on=s.today.isoformat())  # fmt: skip
    from visionswerk.db import db
    from visionswerk.tenants.models import User
    from visionswerk.tenants.scoping import tenant_scope
    from visionswerk.worker import reports
    from visionswerk.worker.models import Report, ReportKind

    with tenant_scope(s.tenant_id):
        ws.move(
            db.get(User, s.facilitator_id),
            ws.get_workshop(db.get(User, s.facilitator_id), s.workshop_id),
            "adopted",
        )
        make.commit()
    page = text_of(s.facilitator.html(s.base + "/beschlossen"))
    assert "Erika Muster" in page and "auf Papier unterschrieben am" in page
    with tenant_scope(s.tenant_id):
        made = {
            kind: reports.build_html(
                Report(tenant_id=s.tenant_id, kind=kind, workshop_id=s.workshop_id)
            )
            for kind in (ReportKind.VISION, ReportKind.PROCESS)
        }
    assert "auf Papier, erfasst von" in text_of(made[ReportKind.VISION])
    assert "1 Unterschrift unter Fassung" in text_of(made[ReportKind.PROCESS])
    assert "davon 1 auf Papier" in text_of(made[ReportKind.PROCESS])


# --- paper contributions: a step-1 draft written on paper ----------------------------------


@pytest.fixture()
def individual(app: Flask, make: Factory):  # type: ignore[no-untyped-def]
    setup = make.workshop(phase="individual", participants=3, submitted=1)
    with setup.scope():
        values = types.SimpleNamespace(
            slug=setup.tenant.slug, tenant_id=setup.tenant.id, workshop_id=setup.id,
            person_id=setup.participants[2].id, person_name=setup.participants[2].display_name,
            person_email=setup.participants[2].email, other_email=setup.participants[1].email,
        )  # fmt: skip
        values.base = f"/{values.slug}/workshops/{values.workshop_id}"
        values.facilitator = Visitor(app, setup.facilitator.email, "facilitator")
    return values


def test_the_facilitator_records_a_paper_draft_and_then_sees_only_that_it_is_there(
    app: Flask, individual
) -> None:  # type: ignore[no-untyped-def]
    s = individual
    overview = s.facilitator.html(s.base + "/")
    assert "Entwurf vom Papier erfassen" in overview
    page = s.facilitator.html(s.base + "/papier-entwurf")
    assert f'<option value="{s.person_id}">{s.person_name}</option>' in page
    response = s.facilitator.post(s.base + "/papier-entwurf", {
        "participant_id": str(s.person_id), "keywords": "PAPIERWORT-Dorfbrunnen\nBank am Weiher",
        "text": "PAPIERTEXT vom Blatt"}, status=302)  # fmt: skip
    page = s.facilitator.follow(response)
    assert f"Der Entwurf von {s.person_name} ist erfasst und eingereicht." in text_of(page)
    assert "PAPIERWORT" not in page and "PAPIERTEXT" not in page
    assert f'<option value="{s.person_id}">' not in page
    # the participant reads it as their own draft, marked as recorded by the facilitator
    mine = text_of(Visitor(app, s.person_email).html(s.base + "/entwurf"))
    assert "PAPIERTEXT vom Blatt" in mine and "von der Moderation erfasst" in mine
    # nobody else sees it before step 1 closes
    for visitor in (s.facilitator, Visitor(app, s.other_email)):
        for url in (s.base + "/", s.base + "/entwurf", s.base + "/papier-entwurf"):
            got = visitor.get(url, status=None).get_data(as_text=True)
            assert "PAPIERWORT" not in got and "PAPIERTEXT" not in got


def test_bad_paper_draft_input_is_a_422_that_keeps_what_was_typed(individual) -> None:  # type: ignore[no-untyped-def]
    s = individual
    html = s.facilitator.post(s.base + "/papier-entwurf", {
        "participant_id": "", "keywords": "Getippt vom Blatt", "text": "Noch mehr"}, status=422
    ).get_data(as_text=True)  # fmt: skip
    assert "Bitte wählen Sie aus, für wen Sie den Entwurf erfassen." in text_of(html)
    assert "Getippt vom Blatt" in html and "Noch mehr" in html
    html = s.facilitator.post(s.base + "/papier-entwurf", {
        "participant_id": str(s.person_id), "keywords": " ", "text": ""}, status=422
    ).get_data(as_text=True)  # fmt: skip
    assert "Bitte tragen Sie die Stichpunkte oder den Entwurf vom Blatt ein." in text_of(html)


def test_a_participant_cannot_record_a_paper_draft(app: Flask, individual) -> None:  # type: ignore[no-untyped-def]
    s = individual
    other = Visitor(app, s.other_email)
    assert "Entwurf vom Papier erfassen" not in other.html(s.base + "/")
    other.get(s.base + "/papier-entwurf", status=403)
    other.post(s.base + "/papier-entwurf", {"participant_id": str(s.person_id),
               "keywords": "X", "text": ""}, status=403)  # fmt: skip
