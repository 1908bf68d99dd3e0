"""The sweeps at scale, in-process with a controlled clock: exactly once (also two sweeps
at the same moment), mails exactly as one rendering per person would make them, and a
notification scan whose statements do not grow with the audit history."""

from __future__ import annotations

import datetime as dt
import json
import threading

import pytest
from sqlalchemy import func, select

from tests.workshops.test_query_counts import counting
from visionswerk import db as dbmod
from visionswerk.db import db
from visionswerk.settings import Settings
from visionswerk.tenants.models import AuditEntry, Tenant, User
from visionswerk.worker import emails, notifications, outbox, preferences, reminders
from visionswerk.worker.models import OutgoingEmail, ScanCursor
from visionswerk.workshops import services as ws
from visionswerk.workshops.models import Workshop

DEADLINE = dt.datetime(2031, 3, 10, 12, 0, tzinfo=dt.UTC)
TRICKY = 'Anna <b>Bö</b> & "Co"'


@pytest.fixture(autouse=True)
def handed_over(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    ids: list[int] = []
    monkeypatch.setattr(outbox, "enqueue", ids.append)
    monkeypatch.setattr(outbox, "enqueue_batch", ids.extend)
    return ids


def rows(prefix: str) -> list[OutgoingEmail]:
    return list(
        db.scalars(
            select(OutgoingEmail)
            .where(OutgoingEmail.idempotency_key.startswith(prefix))
            .order_by(OutgoingEmail.idempotency_key)
        )
    )


def step1(make, participants: int = 4):  # type: ignore[no-untyped-def]
    setup = make.workshop(phase="individual", participants=participants, submitted=0)
    with setup.scope():
        w = db.get(Workshop, setup.id)
        ws.update_workshop(setup.facilitator, w, deadlines={"individual": DEADLINE})
        dbmod.commit()
    return setup


def reference(settings: Settings, user: User, tenant: Tenant, w: Workshop, name: str, **ctx):  # type: ignore[no-untyped-def]
    """What the mail looked like when every mail was rendered for its person."""
    token = preferences.token_for(settings, user.id)
    return emails.render(
        name,
        emails.locale_of(user),
        user=user,
        tenant_name=tenant.name,
        unsubscribe=f"{settings.base_url}/erinnerungen-abbestellen/{token}",
        time_zone=tenant.time_zone,
        workshop=w,
        **ctx,
    )


def assert_as_rendered(settings: Settings, row: OutgoingEmail, expected) -> None:  # type: ignore[no-untyped-def]
    subject, text, html = expected
    assert row.subject == subject
    assert outbox.unseal(settings.secret_key, row.text) == text
    assert row.html is not None and outbox.unseal(settings.secret_key, row.html) == html
    headers = json.loads(outbox.unseal(settings.secret_key, row.headers or ""))
    assert headers["List-Unsubscribe"].startswith("<http://localhost/erinnerungen-abbestellen/")


def test_two_sweeps_queue_one_reminder_each_rendered_as_for_one_person(
    make, settings: Settings
) -> None:  # type: ignore[no-untyped-def]
    setup = step1(make, participants=3)
    a, b, c = setup.participants
    with setup.scope():
        db.get(User, a.id).display_name = TRICKY  # escaped in HTML, as-is in text
        db.get(User, b.id).locale = "en"
        dbmod.commit()
    now = DEADLINE - dt.timedelta(hours=30)
    first = reminders.sweep(settings, now)
    assert reminders.sweep(settings, now + dt.timedelta(minutes=10)) == []  # nothing new
    assert sorted(first) == sorted(f"reminder:{setup.id}:{p.id}:individual:48" for p in (a, b, c))
    sent = rows(f"reminder:{setup.id}:")
    assert len(sent) == 3
    with setup.scope():
        w = db.get(Workshop, setup.id)
        tenant = db.get(Tenant, setup.tenant.id)
        for row in sent:
            user = db.get(User, int(row.idempotency_key.split(":")[2]))
            link = emails.task_link(settings, tenant.slug, w.id, "individual")
            expected = reference(
                settings, user, tenant, w, "reminder", link=link, step="individual",
                deadline=DEADLINE, hours=48,
            )  # fmt: skip
            assert_as_rendered(settings, row, expected)
    html = outbox.unseal(settings.secret_key, next(r for r in sent if r.to == a.email).html)
    assert "Anna &lt;b&gt;Bö&lt;/b&gt; &amp; &#34;Co&#34;" in html
    assert "Reminder" in next(r for r in sent if r.to == b.email).subject


@pytest.mark.committing  # two sessions on real connections, as two beat processes
def test_two_sweeps_at_the_same_moment_queue_each_reminder_once(
    make, settings: Settings, handed_over: list[int]
) -> None:  # type: ignore[no-untyped-def]
    setup = step1(make, participants=6)
    now = DEADLINE - dt.timedelta(hours=20)
    barrier = threading.Barrier(2)
    found: list[list[str]] = []
    errors: list[BaseException] = []

    def sweep() -> None:
        try:
            barrier.wait(5)
            found.append(reminders.sweep(settings, now))
            dbmod.commit()
        except BaseException as exc:  # reported below
            errors.append(exc)
            dbmod.rollback()
        finally:
            dbmod.db.remove()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    keys = [k for keys in found for k in keys]
    assert len(keys) == len(set(keys)) == 6  # each created by exactly one of them
    assert len(rows(f"reminder:{setup.id}:")) == 6
    assert len(handed_over) == 6


def test_a_step_mail_is_rendered_once_and_reads_as_for_one_person(
    make, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    setup = make.workshop(phase="preparation", participants=5)
    with setup.scope():
        db.get(User, setup.participants[0].id).display_name = TRICKY
        ws.open_individual(setup.facilitator, db.get(Workshop, setup.id))
        dbmod.commit()
    rendered: list[str] = []
    real = emails.render
    monkeypatch.setattr(
        emails, "render", lambda name, *a, **k: rendered.append(name) or real(name, *a, **k)
    )
    assert len(notifications.scan(settings, dbmod.utcnow())) == 5
    assert rendered == ["step_opened"]  # once for five people (all German)
    assert notifications.scan(settings, dbmod.utcnow()) == []
    monkeypatch.setattr(emails, "render", real)
    with setup.scope():
        w = db.get(Workshop, setup.id)
        tenant = db.get(Tenant, setup.tenant.id)
        for p in setup.participants:
            [row] = [r for r in rows("notify:") if r.to == p.email]
            expected = reference(
                settings, db.get(User, p.id), tenant, w, "step_opened",
                link=emails.task_link(settings, tenant.slug, w.id, "individual"),
                step="individual", deadline=w.deadline("individual"),
            )  # fmt: skip
            assert_as_rendered(settings, row, expected)


def _move(tenant_id: int, workshop_id: int, at: dt.datetime) -> None:
    db.add(
        AuditEntry(
            tenant_id=tenant_id, action="workshop.move", object_type="workshop",
            object_id=workshop_id, detail={"to": "individual"}, created_at=at,
        )
    )  # fmt: skip


def _scan_after_history(make, settings: Settings, history: int, now: dt.datetime) -> int:  # type: ignore[no-untyped-def]
    """Statements of a scan that finds one new entry on top of ``history`` scanned ones."""
    setup = make.workshop(phase="individual", participants=3)
    for i in range(history):
        at = now - dt.timedelta(days=3 + i % 300) if i % 10 else now - dt.timedelta(hours=1)
        if i % 10:
            db.add(
                AuditEntry(
                    tenant_id=setup.tenant.id, action="draft.save", object_type="draft",
                    object_id=i, detail={}, created_at=at,
                )
            )  # fmt: skip
        else:
            _move(setup.tenant.id, setup.id, at)
    dbmod.commit()
    notifications.scan(settings, now)  # the scans before: catch up with the history
    dbmod.commit()
    _move(setup.tenant.id, setup.id, now)
    dbmod.commit()
    with counting() as statements:
        created = notifications.scan(settings, now)
    dbmod.commit()
    assert len(created) == 3  # the new entry, to each participant
    return len(statements)


def test_the_scan_issues_the_same_statements_however_long_the_history(
    make, settings: Settings
) -> None:  # type: ignore[no-untyped-def]
    # clocks apart by more than GRACE, so neither run sees the other's new entries again
    soon = dbmod.utcnow() + dt.timedelta(minutes=10)
    small = _scan_after_history(make, settings, 5, soon)
    large = _scan_after_history(make, settings, 400, soon + dt.timedelta(hours=1))
    assert small == large, f"5 entries of history: {small} statements, 400: {large}"


def test_the_cursor_moves_on_and_a_late_committed_entry_is_still_mailed(
    make, settings: Settings
) -> None:  # type: ignore[no-untyped-def]
    setup = make.workshop(phase="individual", participants=2)
    now = dbmod.utcnow()
    notifications.scan(settings, now)
    dbmod.commit()
    top = db.scalar(select(func.max(AuditEntry.id)).execution_options(all_tenants=True))
    assert db.get(ScanCursor, notifications.CURSOR).position == top
    # an entry the cursor passed (its transaction committed after a later one was read)
    _move(setup.tenant.id, setup.id, now)
    dbmod.commit()
    late = db.scalar(select(func.max(AuditEntry.id)).execution_options(all_tenants=True))
    db.get(ScanCursor, notifications.CURSOR).position = late
    dbmod.commit()
    assert len(notifications.scan(settings, now + dt.timedelta(seconds=30))) == 2
    # once past GRACE, a scan no longer looks at it, and finds nothing to send anyway
    assert notifications.scan(settings, now + notifications.GRACE + dt.timedelta(seconds=1)) == []


def test_listing_reports_and_polling_their_status_never_read_the_blobs(make) -> None:  # type: ignore[no-untyped-def]
    from visionswerk.worker import reports
    from visionswerk.worker.models import Report, ReportStatus

    setup = make.workshop(phase="individual", participants=2)
    with setup.scope():
        w = db.get(Workshop, setup.id)
        report = reports.request(setup.facilitator, "process", w.tenant, w, nonce="blob")
        report.status, report.pdf, report.html = ReportStatus.DONE, b"%PDF" * 1000, "<p>x</p>"
        report_id = report.id
        dbmod.commit()
        db.expire_all()
        with counting() as statements:
            listed = reports.reports_for(setup.facilitator, w.tenant, w)
            polled = reports.get_report(setup.facilitator, report_id, blobs=False)
            assert [r.id for r in listed] == [report_id] and polled.status == ReportStatus.DONE
        assert statements and not any("reports.pdf" in s or "reports.html" in s for s in statements)
        assert db.get(Report, report_id).pdf.startswith(b"%PDF")  # the download still has it


def test_a_batch_hand_over_sends_each_mail_once(make, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    from visionswerk.worker.tasks import deliver_emails

    setup = step1(make, participants=3)
    reminders.sweep(settings, DEADLINE - dt.timedelta(hours=30))
    ids = [r.id for r in rows(f"reminder:{setup.id}:")]
    assert deliver_emails.apply(args=[ids]).get() == 3
    assert deliver_emails.apply(args=[ids]).get() == 0  # a redelivered batch: all skipped
    db.expire_all()
    sent = rows(f"reminder:{setup.id}:")
    assert {r.status.value for r in sent} == {"sent"} and {r.text for r in sent} == {""}
