"""Times in mails and PDFs are the tenant's local time, never UTC (the .eml Date header,
a machine format, stays as mail wants it)."""

from __future__ import annotations

import datetime as dt
import email

import pytest
from sqlalchemy import select

from tests.worker.test_reminders import rows, set_deadline
from tests.worker.test_reports import build, pdf_text
from visionswerk import db as dbmod
from visionswerk.db import db
from visionswerk.settings import Settings
from visionswerk.tenants.models import AuditEntry, Tenant
from visionswerk.worker import digest, mail, outbox, preferences, reminders
from visionswerk.workshops import services as ws
from visionswerk.workshops.models import Signature, VisionVersion, Workshop

WINTER = dt.datetime(2031, 12, 8, 17, 0, tzinfo=dt.UTC)  # 18:00 in Bavaria (CET)
SUMMER = dt.datetime(2031, 7, 8, 16, 0, tzinfo=dt.UTC)  # 18:00 in Bavaria (CEST)


@pytest.fixture(autouse=True)
def no_broker(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(outbox, "enqueue", lambda _id: None)
    monkeypatch.setattr(outbox, "enqueue_batch", lambda _ids: None)


def parts_of(settings: Settings, row) -> tuple[str, str, str]:  # type: ignore[no-untyped-def]
    message = email.message_from_bytes(bytes(mail.build_message(settings, row)))
    texts = {
        p.get_content_type(): p.get_payload(decode=True).decode()
        for p in message.walk()
        if not p.is_multipart()
    }
    subject = str(email.header.make_header(email.header.decode_header(message["Subject"])))
    return subject, texts["text/plain"], texts["text/html"]


@pytest.mark.parametrize("deadline", [WINTER, SUMMER], ids=["winter", "summer"])
def test_a_reminder_in_the_outbox_names_the_local_deadline(
    make, settings: Settings, deadline: dt.datetime
) -> None:  # type: ignore[no-untyped-def]
    setup = make.workshop(phase="individual", participants=2)
    set_deadline(setup, "individual", deadline)
    reminders.sweep(settings, deadline - dt.timedelta(hours=5))
    dbmod.commit()
    row = rows(f"reminder:{setup.id}:{setup.participants[0].id}:")[0]
    subject, text, html = parts_of(settings, row)
    local = "8. Dezember 2031, 18:00 Uhr" if deadline is WINTER else "8. Juli 2031, 18:00 Uhr"
    assert local in subject and local in text and local in html
    for part in (subject, text, html):
        assert "UTC" not in part and "17:00" not in part and "16:00" not in part


def test_english_mail_and_the_tenants_own_zone(make, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    setup = make.workshop(phase="individual", participants=2)
    person = setup.participants[0]
    person.locale = "en"
    db.add(person)
    tenant = db.get(Tenant, setup.tenant.id)
    tenant.time_zone = "Europe/London"
    dbmod.commit()
    set_deadline(setup, "individual", WINTER)
    reminders.sweep(settings, WINTER - dt.timedelta(hours=5))
    dbmod.commit()
    row = rows(f"reminder:{setup.id}:{person.id}:")[0]
    subject, text, _ = parts_of(settings, row)
    assert "December 8, 2031, 5:00" in subject.replace("\u202f", " ")
    assert "UTC" not in subject + text


def test_the_vision_pdf_shows_local_signature_and_adoption_times(make, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    setup = make.workshop(phase="adopted", participants=2)
    with setup.scope():
        version = db.scalar(select(VisionVersion).where(VisionVersion.workshop_id == setup.id))
        version.adopted_at = WINTER
        for signature in db.scalars(select(Signature).where(Signature.version_id == version.id)):
            signature.signed_at = SUMMER
        dbmod.commit()
    report = build(settings, setup, "vision")
    _, text = pdf_text(report.pdf)
    flat = " ".join(text.split())
    assert "8. Dezember 2031, 18:00 Uhr" in flat  # adopted (winter)
    assert "8. Juli 2031, 18:00 Uhr" in flat  # signed (summer)
    assert "UTC" not in flat
    _, process = pdf_text(build(settings, setup, "process").pdf)
    assert "UTC" not in process and "Uhr" in process


def test_the_digest_is_named_after_the_local_day(make, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    setup = make.workshop(phase="preparation", participants=2)
    facilitator_id = setup.facilitator.id
    preferences.set_preferences(settings, facilitator_id, digest=True)
    with setup.scope():
        ws.open_individual(setup.facilitator, db.get(Workshop, setup.id))
        dbmod.commit()
    late = dt.datetime(2031, 3, 10, 23, 10, tzinfo=dt.UTC)  # 00:10 on 11 March in Bavaria
    with setup.scope():
        for entry in db.scalars(select(AuditEntry).where(AuditEntry.tenant_id == setup.tenant.id)):
            entry.created_at = late - dt.timedelta(minutes=5)
        dbmod.commit()
    digest.send(settings, late)
    (row,) = rows(f"digest:{facilitator_id}:")
    assert row.idempotency_key == f"digest:{facilitator_id}:2031-03-11"
    subject, _, _ = parts_of(settings, row)
    assert "11. März 2031" in subject
