"""The round of four through a real worker process, a real broker and a real SMTP server
on loopback: the step-opened mail (names of the four, its page, the deadline in local
time and as a calendar entry) and the reminder before ``deadline_fours`` arrive once each."""

from __future__ import annotations

import datetime as dt
import email
from collections import Counter
from email import policy

import icalendar
import pytest
from sqlalchemy import Engine, select

from tests.worker.conftest import SmtpSink, WorkerProcess, all_settled, wait_for
from visionswerk import db as dbmod
from visionswerk.db import db
from visionswerk.settings import Settings
from visionswerk.worker.tasks import send_notifications, send_reminders
from visionswerk.workshops import services as ws
from visionswerk.workshops.models import Pair, Workshop

pytestmark = pytest.mark.committing

DEADLINE = dt.datetime(2031, 6, 10, 16, 0, tzinfo=dt.UTC)  # 18:00 in Berlin


def test_a_real_worker_delivers_the_fours_mails_once_each(
    worker: WorkerProcess, smtp: SmtpSink, engine: Engine, make, live_celery: Settings
) -> None:  # type: ignore[no-untyped-def]
    setup = make.workshop(phase="fours", participants=4, title="Lindenau 2036")
    with setup.scope():
        w = db.get(Workshop, setup.id)
        ws.update_workshop(setup.facilitator, w, deadlines={"fours": DEADLINE})
        (four,) = db.scalars(select(Pair).where(Pair.workshop_id == w.id, Pair.round == 2))
        names = {m.user.email: m.user.display_name for m in four.members}
        four_id, slug = four.id, setup.tenant.slug
        dbmod.commit()

    # step 1 opened, pair assigned and the round of four: 4 people each
    send_notifications.apply_async()
    wait_for(all_settled(engine, 12), 60, "twelve notifications sent")
    send_reminders.apply_async(args=[(DEADLINE - dt.timedelta(hours=47)).isoformat()])
    send_reminders.apply_async(args=[(DEADLINE - dt.timedelta(hours=46)).isoformat()])
    rows = wait_for(all_settled(engine, 16), 60, "four reminders sent")
    wait_for(lambda: len(smtp.received) >= 16, 30, "sixteen mails received")
    assert {r.status.value for r in rows} == {"sent"}
    assert len(smtp.received) == 16
    assert all(n == 1 for n in Counter(r.message_id for r in smtp.received).values())

    messages = [email.message_from_bytes(r.raw, policy=policy.default) for r in smtp.received]
    opened = [m for m in messages if "Runde zu viert" in m["Subject"] and "Neuer" in m["Subject"]]
    reminded = [m for m in messages if m["Subject"].startswith("Erinnerung")]
    assert len(opened) == 4 and len(reminded) == 4
    assert {m["To"] for m in opened} == {m["To"] for m in reminded} == set(names)
    for m in opened:
        text = m.get_body(("plain",)).get_content()
        others = [n for address, n in names.items() if address != m["To"]]
        assert "Ihre Vierergruppe" in text and all(n in text for n in others)
        assert f"/{slug}/paare/{four_id}" in text and "10. Juni 2031, 18:00 Uhr" in text
        (part,) = [p for p in m.iter_attachments() if p.get_content_type() == "text/calendar"]
        (event,) = icalendar.Calendar.from_ical(part.get_payload(decode=True)).walk("VEVENT")
        start = event.decoded("dtstart")
        assert (start.hour, str(start.tzinfo), start == DEADLINE) == (18, "Europe/Berlin", True)
    for m in reminded:
        text = m.get_body(("plain",)).get_content()
        assert "Ihre Vierergruppe ist noch nicht fertig" in text
        assert f"/{slug}/paare/{four_id}" in text
        assert not list(m.iter_attachments())  # reminders attach nothing
