"""The round of four in the worker's mails (in-process, controlled clock): reminders before
``deadline_fours`` go to the members of a four who have not marked it ready, once per slot,
with the four's page; the step-opened mail names the other members of the four, links to
the four, shows the deadline in local time and carries it as a calendar entry; the
pair-assigned mail stays with the pairs of step 2."""

from __future__ import annotations

import datetime as dt

import icalendar
import pytest
from sqlalchemy import select

from tests.workshops.factories import save_proposals
from visionswerk import db as dbmod
from visionswerk.db import db
from visionswerk.settings import Settings
from visionswerk.worker import mail, notifications, outbox, reminders
from visionswerk.worker.models import OutgoingEmail
from visionswerk.workshops import services as ws
from visionswerk.workshops.models import Pair, PairMember, Workshop

DEADLINE = dt.datetime(2031, 3, 10, 17, 0, tzinfo=dt.UTC)  # 18:00 in Berlin
HOURS = dt.timedelta(hours=1)


@pytest.fixture(autouse=True)
def handed_over(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    ids: list[int] = []
    monkeypatch.setattr(outbox, "enqueue", ids.append)
    monkeypatch.setattr(outbox, "enqueue_batch", ids.extend)
    return ids


def rows(prefix: str, tenant_id: int | None = None) -> list[OutgoingEmail]:
    stmt = select(OutgoingEmail).where(OutgoingEmail.idempotency_key.startswith(prefix))
    if tenant_id is not None:
        stmt = stmt.where(OutgoingEmail.tenant_id == tenant_id)
    return list(db.scalars(stmt.order_by(OutgoingEmail.idempotency_key)))


def body(settings: Settings, row: OutgoingEmail) -> str:
    return outbox.unseal(settings.secret_key, row.text)


def groups(workshop_id: int, round_: int) -> list[Pair]:
    return list(
        db.scalars(
            select(Pair)
            .where(Pair.workshop_id == workshop_id, Pair.round == round_)
            .order_by(Pair.number)
        )
    )


def in_fours(make, participants: int = 8, deadlines=None):  # type: ignore[no-untyped-def]
    """A workshop in the round of four with ``deadlines`` (step → UTC)."""
    setup = make.workshop(phase="fours", participants=participants)
    with setup.scope():
        w = db.get(Workshop, setup.id)
        ws.update_workshop(setup.facilitator, w, deadlines=deadlines or {"fours": DEADLINE})
        dbmod.commit()
    return setup


# --- reminders --------------------------------------------------------------------------


def test_a_four_that_is_not_ready_is_reminded_once_with_its_page(make, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    setup = in_fours(make, participants=8)
    with setup.scope():
        first, second = groups(setup.id, 2)
        # the second four is ready: all its members marked the proposal ready
        for m in second.members:
            m.ready_at = DEADLINE - 30 * HOURS
        # one member of the first four is ready too; the others still have to act
        first.members[0].ready_at = DEADLINE - 30 * HOURS
        waiting = {m.user_id: first.id for m in first.members[1:]}
        dbmod.commit()

    assert reminders.sweep(settings, DEADLINE - 49 * HOURS) == []
    now = DEADLINE - 47 * HOURS
    keys = reminders.sweep(settings, now)
    assert reminders.sweep(settings, now + dt.timedelta(minutes=10)) == []  # exactly once
    dbmod.commit()
    assert sorted(keys) == sorted(f"reminder:{setup.id}:{uid}:fours:48" for uid in waiting)
    sent = rows(f"reminder:{setup.id}:")
    assert len(sent) == len(waiting)
    for row in sent:
        text = body(settings, row)
        assert "Runde zu viert" in text and "Ihre Vierergruppe ist noch nicht fertig" in text
        assert "10. März 2031, 18:00 Uhr" in text  # local time
        assert f"http://localhost/{setup.tenant.slug}/paare/{first.id}" in text
        assert "Vierergruppe" in row.subject or "Runde zu viert" in row.subject

    # the 24-hour slot: once more each, and nothing after the deadline
    reminders.sweep(settings, DEADLINE - 23 * HOURS)
    reminders.sweep(settings, DEADLINE - 2 * HOURS)
    assert len(rows(f"reminder:{setup.id}:")) == 2 * len(waiting)
    assert reminders.sweep(settings, DEADLINE + dt.timedelta(minutes=1)) == []


def test_a_ready_four_gets_no_reminder_and_the_pairs_deadline_counts_no_more(
    make, settings: Settings
) -> None:  # type: ignore[no-untyped-def]
    # both deadlines ahead: in the round of four only the four's counts, and a member
    # whose pair (round 1) was never marked ready is not reminded of step 2 again
    setup = in_fours(
        make, participants=4, deadlines={"pairs": DEADLINE, "fours": DEADLINE + 24 * HOURS}
    )
    with setup.scope():
        (four,) = groups(setup.id, 2)
        for m in four.members:
            m.ready_at = DEADLINE - 30 * HOURS
        round1 = db.scalars(select(PairMember).where(PairMember.round == 1)).all()
        assert round1 and all(m.ready_at is None for m in round1)
        dbmod.commit()
    for now in (DEADLINE - 47 * HOURS, DEADLINE - 23 * HOURS, DEADLINE + 23 * HOURS):
        with setup.scope():
            assert reminders.due_reminders(now) == []
        assert reminders.sweep(settings, now) == []
    assert rows(f"reminder:{setup.id}:") == []


def test_step2_reminds_the_pairs_once_each_and_the_round_of_four_keys_its_own(
    make, settings: Settings
) -> None:  # type: ignore[no-untyped-def]
    setup = make.workshop(phase="pairs", participants=4, with_fours=True)
    with setup.scope():
        w = db.get(Workshop, setup.id)
        ws.update_workshop(
            setup.facilitator, w, deadlines={"pairs": DEADLINE, "fours": DEADLINE + 48 * HOURS}
        )
        people = {m.user_id for m in db.scalars(select(PairMember))}
        dbmod.commit()
    step2 = reminders.sweep(settings, DEADLINE - 10 * HOURS)
    assert sorted(step2) == sorted(f"reminder:{setup.id}:{uid}:pairs:24" for uid in people)
    with setup.scope():
        w = db.get(Workshop, setup.id)
        save_proposals(w, 1)
        ws.open_fours(setup.facilitator, w)
        dbmod.commit()
    # in the round of four everybody has a pair and a four: still one mail each
    later = DEADLINE + 30 * HOURS  # the fours' 24-hour slot
    fours = reminders.sweep(settings, later)
    assert reminders.sweep(settings, later) == []
    assert sorted(fours) == sorted(f"reminder:{setup.id}:{uid}:fours:24" for uid in people)
    sent = rows(f"reminder:{setup.id}:")
    assert len(sent) == 2 * len(people)
    assert len({r.to for r in sent if r.idempotency_key.endswith(":pairs:24")}) == len(people)
    pair_text = body(settings, next(r for r in sent if r.idempotency_key.endswith("pairs:24")))
    assert "Vierergruppe" not in pair_text and f"/workshops/{setup.id}/paare" in pair_text


# --- notifications ----------------------------------------------------------------------


def calendar_event(message) -> icalendar.Event:  # type: ignore[no-untyped-def]
    (part,) = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    (event,) = icalendar.Calendar.from_ical(part.get_payload(decode=True)).walk("VEVENT")
    return event


def test_the_round_of_four_opens_with_a_mail_naming_the_four(make, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    setup = make.workshop(phase="pairs", participants=8, with_fours=True)
    with setup.scope():
        w = db.get(Workshop, setup.id)
        ws.update_workshop(setup.facilitator, w, deadlines={"fours": DEADLINE})
        dbmod.commit()
    notifications.scan(settings, dbmod.utcnow())  # the pairs' mails, before the round of four
    before = {r.idempotency_key for r in rows("notify:", setup.tenant.id)}
    assert len(before) == 16  # step 1 opened, pair assigned: 8 people each
    with setup.scope():
        w = db.get(Workshop, setup.id)
        save_proposals(w, 1)
        ws.open_fours(setup.facilitator, w)
        fours = groups(setup.id, 2)
        members = {
            m.user.email: (four.id, {o.user.display_name for o in four.members if o is not m})
            for four in fours
            for m in four.members
        }
        own = {m.user.email: m.user.display_name for four in fours for m in four.members}
        dbmod.commit()
    assert len(fours) == 2 and len(members) == 8

    keys = notifications.scan(settings, dbmod.utcnow())
    assert notifications.scan(settings, dbmod.utcnow()) == []  # once
    assert len(keys) == 8
    new = [r for r in rows("notify:", setup.tenant.id) if r.idempotency_key not in before]
    assert {r.to for r in new} == set(members)
    for row in new:
        four_id, others = members[row.to]
        assert "Runde zu viert" in row.subject
        message = mail.build_message(settings, row)
        text = message.get_body(("plain",)).get_content()
        assert "Ihre Vierergruppe" in text
        assert all(name in text for name in others) and len(others) == 3
        assert f"Hallo {own[row.to]}," in text
        assert f"http://localhost/{setup.tenant.slug}/paare/{four_id}" in text
        assert "10. März 2031, 18:00 Uhr" in text and "Kalendereintrag im Anhang" in text
        event = calendar_event(message)
        start = event.decoded("dtstart")
        assert (start.hour, str(start.tzinfo), start == DEADLINE) == (18, "Europe/Berlin", True)
        assert event["UID"] == f"workshop-{setup.id}-fours@localhost"
        html = message.get_body(("html",)).get_content()
        assert "Ihre Vierergruppe" in html and f"/paare/{four_id}" in html


def test_pair_assigned_goes_to_the_pairs_only_even_when_the_scan_comes_late(
    make, settings: Settings
) -> None:  # type: ignore[no-untyped-def]
    # the pairs are confirmed and the round of four begins before the scan runs
    setup = make.workshop(phase="fours", participants=4)
    with setup.scope():
        pairs = groups(setup.id, 1)
        partner_of = {
            m.user.email: [o.user.display_name for o in p.members if o is not m]
            for p in pairs
            for m in p.members
        }
    notifications.scan(settings, dbmod.utcnow())
    sent = rows("notify:", setup.tenant.id)
    assigned = [r for r in sent if "Paar steht fest" in r.subject]
    opened = [r for r in sent if "Runde zu viert" in r.subject]
    assert len(assigned) == 4 and len(opened) == 4  # one of each per person, not two
    assert len(sent) == 12  # with step 1's: nothing for the fours but the step-opened mail
    assert not any("Gruppe steht fest" in r.subject for r in sent)
    for row in assigned:
        text = body(settings, row)
        assert "zu zweit mit" in text and partner_of[row.to][0] in text
