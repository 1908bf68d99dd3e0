"""Reminders, notifications and reports through a real worker process, a real broker
(Redis when REDIS_URL is set) and a real SMTP server on loopback."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections import Counter

import pypdf
import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from tests.worker.conftest import (
    Enqueued,
    SmtpSink,
    WorkerProcess,
    all_settled,
    outbox_rows,
    wait_for,
)
from visionswerk import db as dbmod
from visionswerk.db import db
from visionswerk.settings import Settings
from visionswerk.tenants.scoping import tenant_scope
from visionswerk.worker import notifications, preferences, reminders, reports
from visionswerk.worker.models import Report, ReportStatus
from visionswerk.worker.tasks import send_notifications, send_reminders
from visionswerk.workshops import services as ws
from visionswerk.workshops.models import Workshop

pytestmark = pytest.mark.committing

DEADLINE = dt.datetime(2031, 3, 10, 12, 0, tzinfo=dt.UTC)


def test_the_reminder_sweep_run_twice_sends_each_due_reminder_once(
    worker: WorkerProcess,
    smtp: SmtpSink,
    enqueued: Enqueued,
    engine: Engine,
    make,  # type: ignore[no-untyped-def]
    live_celery: Settings,
    capsys: pytest.CaptureFixture[str],
) -> None:
    setup = make.workshop(phase="individual", participants=5)
    people = setup.participants
    with tenant_scope(setup.tenant.id):
        w = db.get(Workshop, setup.id)
        ws.update_workshop(setup.facilitator, w, deadlines={"individual": DEADLINE})
        ws.save_draft(people[0], w, keywords=["Glasfaser"], text="Fertig", submit=True)
        preferences.set_preferences(live_celery, people[1].id, reminders=False)
        dbmod.commit()
    due = {p.email for p in people[2:]}  # not the one who submitted, not the unsubscribed

    now = (DEADLINE - dt.timedelta(hours=47)).isoformat()
    send_reminders.apply_async(args=[now])
    send_reminders.apply_async(args=[now])  # a second beat / a redelivery
    reminders.sweep(live_celery, dt.datetime.fromisoformat(now))  # and one here, meanwhile
    dbmod.commit()
    rows = wait_for(all_settled(engine, 3), 60, "three reminders sent")
    wait_for(lambda: len(smtp.received) >= 3, 30, "three reminders received")
    # run once more after everything settled: nothing new
    send_reminders.apply_async(args=[now])
    # three sweeps in the worker (the mails go out in one ``deliver_emails`` batch)
    sweeps_done = re.compile(r"visionswerk\.send_reminders\[[^\]]+\] succeeded")
    wait_for(lambda: len(sweeps_done.findall(worker.output())) >= 3, 30, "sweeps done")
    rows = outbox_rows(engine)
    received = Counter(r.to for r in smtp.received)
    assert {r.status.value for r in rows} == {"sent"} and len(rows) == 3
    assert set(received) == due
    assert all(n == 1 for n in received.values())
    duplicates = sum(n - 1 for n in Counter(r.message_id for r in smtp.received).values())
    with capsys.disabled():
        print(
            f"\n[reminders] sweeps: 4, reminders due: {len(due)}, enqueued: {len(enqueued)}, "
            f"received: {len(smtp.received)}, duplicates: {duplicates}"
        )
    assert duplicates == 0
    raw = smtp.received[0].raw
    assert b"List-Unsubscribe-Post: List-Unsubscribe=One-Click" in raw


def test_a_phase_move_is_notified_once_even_if_scanned_concurrently(
    worker: WorkerProcess,
    smtp: SmtpSink,
    enqueued: Enqueued,
    engine: Engine,
    make,  # type: ignore[no-untyped-def]
    live_celery: Settings,
    capsys: pytest.CaptureFixture[str],
) -> None:
    setup = make.workshop(phase="preparation", participants=4)
    expected = {p.email for p in setup.participants}
    with tenant_scope(setup.tenant.id):
        ws.open_individual(setup.facilitator, db.get(Workshop, setup.id))
        dbmod.commit()
    send_notifications.apply_async()
    send_notifications.apply_async()
    notifications.scan(live_celery, dbmod.utcnow())  # concurrently with the worker's scans
    dbmod.commit()
    wait_for(all_settled(engine, 4), 60, "four notifications sent")
    wait_for(lambda: len(smtp.received) >= 4, 30, "four notifications received")
    received = Counter(r.to for r in smtp.received)
    with capsys.disabled():
        print(
            f"\n[notifications] scans: 3, recipients: {len(expected)}, enqueued: "
            f"{len(enqueued)}, received: {len(smtp.received)}, "
            f"duplicates: {sum(received.values()) - len(received)}"
        )
    assert set(received) == expected and set(received.values()) == {1}
    assert all("Einzelarbeit" in r.subject for r in smtp.received)


def test_the_worker_builds_the_vision_pdf(
    worker: WorkerProcess,
    smtp: SmtpSink,
    engine: Engine,
    make,  # type: ignore[no-untyped-def]
    live_celery: Settings,
) -> None:
    setup = make.workshop(phase="adopted", participants=2)
    requester_email = setup.facilitator.email
    with tenant_scope(setup.tenant.id):
        w = db.get(Workshop, setup.id)
        version = ws.current_version(w)
        sha, title = version.sha256, version.title
        report_id = reports.request(setup.facilitator, "vision", w.tenant, w, "live-1").id
        dbmod.commit()

    def done() -> Report | None:
        with Session(engine) as session:
            session.info["tenant_id"] = setup.tenant.id
            report = session.scalar(select(Report).where(Report.id == report_id))
            if report is not None and report.status in (ReportStatus.DONE, ReportStatus.FAILED):
                session.expunge(report)
                return report
        return None

    report = wait_for(done, 90, "the report built by the worker")
    assert report.status is ReportStatus.DONE, report.error
    pdf = pypdf.PdfReader(io.BytesIO(report.pdf))
    text = "".join(page.extract_text() for page in pdf.pages)
    assert len(pdf.pages) >= 1 and title in text
    assert sha in "".join(text.split())
    wait_for(lambda: smtp.received, 30, "report-ready mail")
    assert [r.to for r in smtp.received] == [requester_email]
