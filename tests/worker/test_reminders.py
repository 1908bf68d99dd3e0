"""Deadline reminders, notifications and the digest, in-process with a controlled clock
(no worker, no sleeps): who gets what, once."""

from __future__ import annotations

import datetime as dt
import email
import json

import pytest
from sqlalchemy import select

from visionswerk import db as dbmod
from visionswerk import timefmt
from visionswerk.db import db
from visionswerk.settings import Settings
from visionswerk.tenants.models import Role
from visionswerk.tenants.scoping import tenant_scope
from visionswerk.worker import digest, mail, notifications, outbox, preferences, reminders
from visionswerk.worker.models import OutgoingEmail
from visionswerk.workshops import services as ws
from visionswerk.workshops.models import PairMember, Workshop

DEADLINE = dt.datetime(2031, 3, 10, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def handed_over(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    ids: list[int] = []
    monkeypatch.setattr(outbox, "enqueue", ids.append)
    monkeypatch.setattr(outbox, "enqueue_batch", ids.extend)  # the sweeps hand over in batches
    return ids


def rows(prefix: str) -> list[OutgoingEmail]:
    return list(
        db.scalars(
            select(OutgoingEmail)
            .where(OutgoingEmail.idempotency_key.startswith(prefix))
            .order_by(OutgoingEmail.idempotency_key)
        )
    )


def body(settings: Settings, row: OutgoingEmail) -> str:
    return outbox.unseal(settings.secret_key, row.text)


def set_deadline(setup, step: str, when: dt.datetime, offsets=None) -> None:  # type: ignore[no-untyped-def]
    with setup.scope():
        w = db.get(Workshop, setup.id)
        ws.update_workshop(setup.facilitator, w, deadlines={step: when}, reminder_offsets=offsets)
        dbmod.commit()


# --- the clock -------------------------------------------------------------------------------


def test_the_due_slot_follows_the_clock() -> None:
    w = Workshop(phase="individual", deadline_individual=DEADLINE, reminder_offsets=[48, 24])
    hours = dt.timedelta(hours=1)
    assert reminders.due_slot(w, DEADLINE - 49 * hours) is None
    assert reminders.due_slot(w, DEADLINE - 48 * hours) == 48
    assert reminders.due_slot(w, DEADLINE - 25 * hours) == 48
    assert reminders.due_slot(w, DEADLINE - 24 * hours) == 24
    assert reminders.due_slot(w, DEADLINE - hours) == 24
    assert reminders.due_slot(w, DEADLINE) is None  # past the deadline: no reminder
    w.reminder_offsets = [72]
    assert reminders.due_slot(w, DEADLINE - 30 * hours) == 72
    w.phase = "plenary"  # no participant deadline work in step 3
    assert reminders.due_slot(w, DEADLINE - 30 * hours) is None


# --- step 1 ----------------------------------------------------------------------------------


def test_step1_reminders_go_once_to_those_without_a_submitted_draft(
    make, settings: Settings
) -> None:  # type: ignore[no-untyped-def]
    setup = make.workshop(phase="individual", participants=4)
    a, b, c, d = setup.participants
    ids = {p.id: p.email for p in setup.participants}
    set_deadline(setup, "individual", DEADLINE)
    with setup.scope():
        w = db.get(Workshop, setup.id)
        ws.save_draft(db.get(type(a), a.id), w, keywords=["Glasfaser"], text="x", submit=True)
        preferences.set_preferences(settings, d.id, reminders=False)
        dbmod.commit()

    assert reminders.sweep(settings, DEADLINE - dt.timedelta(hours=50)) == []
    now = DEADLINE - dt.timedelta(hours=47)
    first = reminders.sweep(settings, now)
    second = reminders.sweep(settings, now + dt.timedelta(minutes=10))
    dbmod.commit()
    assert len(first) == 2 and second == []  # a second sweep creates nothing …
    sent = rows(f"reminder:{setup.id}:")
    assert sorted(r.to for r in sent) == sorted([ids[b.id], ids[c.id]])  # … one mail each
    assert {r.idempotency_key for r in sent} == {
        f"reminder:{setup.id}:{b.id}:individual:48",
        f"reminder:{setup.id}:{c.id}:individual:48",
    }
    text = body(settings, sent[0])
    assert "Einzelarbeit" in text and setup.tenant.name in text
    assert f"http://localhost/{setup.tenant.slug}/workshops/{setup.id}/entwurf" in text
    assert "http://localhost/erinnerungen-abbestellen/" in text

    # the 24-hour slot: one more each
    reminders.sweep(settings, DEADLINE - dt.timedelta(hours=23))
    reminders.sweep(settings, DEADLINE - dt.timedelta(hours=2))
    assert len(rows(f"reminder:{setup.id}:")) == 4
    assert reminders.sweep(settings, DEADLINE + dt.timedelta(minutes=1)) == []


def test_pair_reminders_skip_members_who_marked_ready(make, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    setup = make.workshop(phase="pairs", participants=4)
    set_deadline(setup, "pairs", DEADLINE)
    with setup.scope():
        members = db.scalars(select(PairMember).order_by(PairMember.id)).all()
        ready = members[0]
        ready.ready_at = DEADLINE - dt.timedelta(days=3)
        ready_id = ready.user_id
        expected = {m.user_id for m in members} - {ready_id}
        dbmod.commit()
    reminders.sweep(settings, DEADLINE - dt.timedelta(hours=10))
    reminders.sweep(settings, DEADLINE - dt.timedelta(hours=10))
    keys = {r.idempotency_key for r in rows(f"reminder:{setup.id}:")}
    assert keys == {f"reminder:{setup.id}:{uid}:pairs:24" for uid in expected}


def test_signing_reminders_only_for_signatories_who_have_not_signed(
    make, settings: Settings
) -> None:  # type: ignore[no-untyped-def]
    setup = make.workshop(phase="signing", participants=2)
    signer_id = setup.participants[0].id
    set_deadline(setup, "signing", DEADLINE)
    reminders.sweep(settings, DEADLINE - dt.timedelta(hours=30))
    assert [r.idempotency_key for r in rows(f"reminder:{setup.id}:")] == [
        f"reminder:{setup.id}:{signer_id}:signing:48"
    ]
    with setup.scope():
        w = db.get(Workshop, setup.id)
        version = ws.current_version(w)
        signer = db.get(type(setup.facilitator), signer_id)
        ws.sign(signer, ws.my_signatory(signer, w), version.sha256)
        dbmod.commit()
    reminders.sweep(settings, DEADLINE - dt.timedelta(hours=3))
    assert len(rows(f"reminder:{setup.id}:")) == 1


def test_reminders_in_english_with_unsubscribe_headers(make, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    setup = make.workshop(phase="individual", participants=2)
    english = setup.participants[0]
    english.locale = "en"
    db.add(english)
    dbmod.commit()
    set_deadline(setup, "individual", DEADLINE)
    reminders.sweep(settings, DEADLINE - dt.timedelta(hours=5))
    row = db.scalar(
        select(OutgoingEmail).where(
            OutgoingEmail.idempotency_key == f"reminder:{setup.id}:{english.id}:individual:24"
        )
    )
    assert row is not None
    message = email.message_from_bytes(bytes(mail.build_message(settings, row)))
    header = "".join(message["List-Unsubscribe"].split())  # a long header is folded
    assert header.startswith("<http://localhost/erinnerungen-abbestellen/")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    parts = {
        p.get_content_type(): p.get_payload(decode=True).decode()
        for p in message.walk()
        if not p.is_multipart()
    }
    assert "text/plain" in parts and "text/html" in parts
    assert "Reminder" in row.subject or "reminder" in parts["text/plain"].lower()
    assert "Hallo" not in parts["text/plain"]
    headers = json.loads(outbox.unseal(settings.secret_key, row.headers))
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_reminders_from_another_tenant_stay_apart(make, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    one = make.workshop(phase="individual", participants=2)
    two = make.workshop(phase="individual", participants=2)
    set_deadline(one, "individual", DEADLINE)
    reminders.sweep(settings, DEADLINE - dt.timedelta(hours=5))
    assert len(rows(f"reminder:{one.id}:")) == 2
    assert rows(f"reminder:{two.id}:") == []
    assert {r.tenant_id for r in rows(f"reminder:{one.id}:")} == {one.tenant.id}


# --- notifications -----------------------------------------------------------------------------


def test_a_phase_move_notifies_each_participant_once(make, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    setup = make.workshop(phase="preparation", participants=3)
    emails_ = {p.email for p in setup.participants}
    with setup.scope():
        ws.open_individual(setup.facilitator, db.get(Workshop, setup.id))
        dbmod.commit()
    now = dt.datetime.now(dt.UTC)
    first = notifications.scan(settings, now)
    notifications.scan(settings, now)
    dbmod.commit()
    sent = [r for r in rows("notify:") if r.tenant_id == setup.tenant.id]
    assert len(first) == 3
    assert {r.to for r in sent} == emails_ and len(sent) == 3
    text = body(settings, sent[0])
    assert "Einzelarbeit" in text and "Stichpunkte" in text


def test_pair_assigned_names_the_partner(make, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    setup = make.workshop(phase="pairs", participants=2)
    a, b = setup.participants
    names = {a.email: b.display_name, b.email: a.display_name}
    notifications.scan(settings, dt.datetime.now(dt.UTC))
    mails = [r for r in rows("notify:") if r.tenant_id == setup.tenant.id and "Paar" in r.subject]
    assert len(mails) == 2
    for row in mails:
        assert names[row.to] in body(settings, row)


def test_digest_users_get_one_mail_a_day_instead(make, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    setup = make.workshop(phase="preparation", participants=2)
    facilitator_id = setup.facilitator.id
    participant = setup.participants[0]
    preferences.set_preferences(settings, facilitator_id, digest=True)
    preferences.set_preferences(settings, participant.id, digest=True)
    with setup.scope():
        ws.open_individual(setup.facilitator, db.get(Workshop, setup.id))
        dbmod.commit()
    now = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1)
    notifications.scan(settings, now)
    assert participant.email not in {r.to for r in rows("notify:")}  # digest, not single
    digest.send(settings, now)
    # an hour later, but on the same local day (the digest is one mail per local day)
    end_of_day = timefmt.to_local(now).replace(hour=23, minute=59, second=59)
    digest.send(settings, min(now + dt.timedelta(hours=1), end_of_day.astimezone(dt.UTC)))
    mine = rows(f"digest:{facilitator_id}:")
    assert len(mine) == 1
    assert "Workshop in einen neuen Schritt gegangen: 1" in body(settings, mine[0])
    assert rows(f"digest:{participant.id}:") == []  # a participant manages no tenant


def test_preferences_token_finds_the_user_and_is_not_stored(make, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    user = make.user(make.municipality(), Role.PARTICIPANT)
    token = preferences.token_for(settings, user.id)
    assert preferences.token_for(settings, user.id) == token  # stable across mails
    pref = preferences.by_token(token)
    assert pref is not None and pref.user_id == user.id
    assert token not in (pref.token_hash, pref.token_salt)
    assert preferences.by_token(token + "x") is None
    with tenant_scope(None):
        assert preferences.wants_reminders(user.id)


def test_a_signature_request_is_mailed_once_per_version_and_person(
    make, settings: Settings
) -> None:  # type: ignore[no-untyped-def]
    setup = make.workshop(phase="signing", participants=2)
    signer = setup.participants[0]
    with setup.scope():
        version_id = ws.current_version(db.get(Workshop, setup.id)).id
    notifications.scan(settings, dt.datetime.now(dt.UTC))
    notifications.scan(settings, dt.datetime.now(dt.UTC))
    requests = rows("notify:sign:")
    assert [(r.idempotency_key, r.to) for r in requests] == [
        (f"notify:sign:{version_id}:{signer.id}", signer.email)
    ]
    text = body(settings, requests[0])
    assert f"/workshops/{setup.id}/bestaetigung" in text
