"""The step-opened mail carries the step's deadline as a calendar entry (.ics): sealed in
the outbox like the body, wiped once sent, delivered by a real worker to a real SMTP
server as a ``text/calendar`` attachment that a calendar parser reads back at the local
time — German for German readers, English for English ones."""

from __future__ import annotations

import datetime as dt
import email
from email import policy

import icalendar
import pytest
from cryptography.fernet import InvalidToken
from sqlalchemy import Engine, select

from tests.worker.conftest import SmtpSink, WorkerProcess, all_settled, outbox_rows, wait_for
from visionswerk import db as dbmod
from visionswerk.db import db
from visionswerk.settings import Settings
from visionswerk.tenants.models import User
from visionswerk.worker import mail, notifications, outbox
from visionswerk.worker.models import OutgoingEmail
from visionswerk.worker.tasks import send_notifications
from visionswerk.workshops import services as ws
from visionswerk.workshops.models import Workshop

WINTER = dt.datetime(2031, 3, 10, 17, 0, tzinfo=dt.UTC)  # 18:00 in Berlin
SUMMER = dt.datetime(2031, 6, 10, 16, 0, tzinfo=dt.UTC)  # 18:00 in Berlin


@pytest.fixture()
def handed_over(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    ids: list[int] = []
    monkeypatch.setattr(outbox, "enqueue", ids.append)
    monkeypatch.setattr(outbox, "enqueue_batch", ids.extend)
    return ids


def notify_rows(tenant_id: int) -> list[OutgoingEmail]:
    return list(
        db.scalars(
            select(OutgoingEmail)
            .where(OutgoingEmail.idempotency_key.startswith("notify:"),
                   OutgoingEmail.tenant_id == tenant_id)
            .order_by(OutgoingEmail.id)
        )
    )  # fmt: skip


def calendar_part(message: email.message.Message) -> email.message.EmailMessage:
    parts = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]  # type: ignore[attr-defined]
    assert len(parts) == 1, [p.get_content_type() for p in message.iter_attachments()]  # type: ignore[attr-defined]
    return parts[0]


def event_in(part: email.message.EmailMessage) -> icalendar.Event:
    (event,) = icalendar.Calendar.from_ical(part.get_payload(decode=True)).walk("VEVENT")
    return event


def test_the_step_opened_mail_carries_the_deadline_sealed_like_the_body(
    make, settings: Settings, handed_over: list[int]
) -> None:  # type: ignore[no-untyped-def]
    setup = make.workshop(phase="preparation", participants=2, title="Auental 2036")
    english = setup.participants[1]
    with setup.scope():
        db.get(User, english.id).locale = "en"
        w = db.get(Workshop, setup.id)
        ws.update_workshop(setup.facilitator, w, deadlines={"individual": WINTER})
        ws.open_individual(setup.facilitator, w)
        dbmod.commit()
    assert len(notifications.scan(settings, dbmod.utcnow())) == 2
    rows = notify_rows(setup.tenant.id)
    assert len(rows) == 2
    for row in rows:
        assert row.attachments and b"VCALENDAR" not in row.attachments.encode()  # sealed
        with pytest.raises(InvalidToken):  # and only SECRET_KEY opens it
            outbox.unseal_attachments("another key", row.attachments)
        message = mail.build_message(settings, row)
        assert message.get_content_type() == "multipart/mixed"
        assert message.get_body(("plain",)) is not None and message.get_body(("html",)) is not None
        part = calendar_part(message)
        assert part.get_param("method") == "PUBLISH"
        event = event_in(part)
        start = event.decoded("dtstart")
        assert (start.hour, str(start.tzinfo), start == WINTER) == (18, "Europe/Berlin", True)
        assert event["UID"] == f"workshop-{setup.id}-individual@localhost"
        text = message.get_body(("plain",)).get_content()
        if row.to == english.email:
            assert str(event["SUMMARY"]) == "Deadline: Individual work – Auental 2036"
            assert part.get_filename() == f"Deadline-Individual-work-Workshop-{setup.id}.ics"
            assert "calendar" in text
        else:
            assert str(event["SUMMARY"]) == "Frist: Einzelarbeit – Auental 2036"
            assert part.get_filename() == f"Frist-Einzelarbeit-Workshop-{setup.id}.ics"
            assert "10. März 2031, 18:00 Uhr" in text and "Kalendereintrag im Anhang" in text
            assert f"/workshops/{setup.id}/entwurf" in str(event["DESCRIPTION"])


def test_without_a_deadline_the_mail_has_no_attachment(
    make, settings: Settings, handed_over: list[int]
) -> None:  # type: ignore[no-untyped-def]
    setup = make.workshop(phase="preparation", participants=2)
    with setup.scope():
        ws.open_individual(setup.facilitator, db.get(Workshop, setup.id))
        dbmod.commit()
    notifications.scan(settings, dbmod.utcnow())
    for row in notify_rows(setup.tenant.id):
        assert row.attachments is None
        message = mail.build_message(settings, row)
        assert list(message.iter_attachments()) == []
        assert "Kalendereintrag" not in message.get_body(("plain",)).get_content()


def test_the_pairs_mail_carries_the_deadline_of_step_2(
    make, settings: Settings, handed_over: list[int]
) -> None:  # type: ignore[no-untyped-def]
    setup = make.workshop(phase="individual", participants=2)
    with setup.scope():
        w = db.get(Workshop, setup.id)
        ws.update_workshop(setup.facilitator, w, deadlines={"pairs": SUMMER})
        for p in setup.participants:
            ws.save_draft(p, w, keywords=["Glasfaser"], text="", submit=True)
        ws.open_pairs(setup.facilitator, w)
        ws.confirm_pairs(setup.facilitator, w)
        dbmod.commit()
    notifications.scan(settings, dbmod.utcnow())
    pair_mails = [
        r for r in notify_rows(setup.tenant.id) if "Paar" in r.subject or "zweit" in r.subject
    ]
    assert len(pair_mails) == 2
    for row in pair_mails:
        event = event_in(calendar_part(mail.build_message(settings, row)))
        assert event["UID"] == f"workshop-{setup.id}-pairs@localhost"
        assert event.decoded("dtstart").hour == 18


def test_the_attachment_is_wiped_once_sent(settings: Settings, handed_over: list[int]) -> None:
    attachment = outbox.Attachment("a.ics", b"BEGIN:VCALENDAR", "text/calendar")
    row = outbox.queue_email(
        "test:attach:1", "a@example.org", "Betreff", "Text", attachments=[attachment]
    )
    assert outbox.unseal_attachments(settings.secret_key, row.attachments) == [attachment]
    token = outbox.claim(row.id)
    assert token is not None and outbox.mark_sent(row.id, token)
    db.refresh(row)
    assert row.attachments is None and row.text == ""
    with pytest.raises(ValueError):
        outbox.seal_attachments(
            settings.secret_key, [outbox.Attachment("big", b"x" * 300_000, "text/plain")]
        )


@pytest.mark.committing
def test_a_real_worker_delivers_the_calendar_entry_to_the_smtp_server(
    worker: WorkerProcess, smtp: SmtpSink, engine: Engine, make, live_celery: Settings
) -> None:  # type: ignore[no-untyped-def]
    setup = make.workshop(phase="preparation", participants=2, title="Beispielbach 2036")
    with setup.scope():
        w = db.get(Workshop, setup.id)
        ws.update_workshop(setup.facilitator, w, deadlines={"individual": SUMMER})
        ws.open_individual(setup.facilitator, w)
        dbmod.commit()
    send_notifications.apply_async()
    rows = wait_for(all_settled(engine, 2), 60, "two step mails sent")
    wait_for(lambda: len(smtp.received) >= 2, 30, "two step mails received")
    assert {r.status.value for r in rows} == {"sent"}
    assert all(r.attachments is None for r in outbox_rows(engine)), "wiped once sent"
    for received in smtp.received:
        message = email.message_from_bytes(received.raw, policy=policy.default)
        event = event_in(calendar_part(message))
        start = event.decoded("dtstart")
        assert (start.hour, start.minute, str(start.tzinfo)) == (18, 0, "Europe/Berlin")
        assert start == SUMMER
        assert str(event["SUMMARY"]) == "Frist: Einzelarbeit – Beispielbach 2036"
