"""Finding 11: a report asked for while the broker was down is handed over within about a
minute; a build that kills its worker is tried MAX_ATTEMPTS times, then failed and shown
as failed; a dead beat shows in /healthz."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.conftest import login
from visionswerk import db as dbmod
from visionswerk.db import db, utcnow
from visionswerk.tenants.scoping import tenant_scope
from visionswerk.worker import outbox, reports, tasks
from visionswerk.worker.models import Heartbeat, Report, ReportStatus
from visionswerk.workshops.models import Workshop


@pytest.fixture()
def no_broker(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, int]]:
    queued: list[tuple[int, int]] = []
    monkeypatch.setattr(reports, "enqueue", lambda t, r: queued.append((t, r)))
    monkeypatch.setattr(outbox, "enqueue", lambda _id: None)
    return queued


def _request(make, no_broker):  # type: ignore[no-untyped-def]
    setup = make.workshop(phase="adopted", participants=2)
    with setup.scope():
        w = db.get(Workshop, setup.id)
        report = reports.request(setup.facilitator, "vision", w.tenant, w, nonce="n1")
        report_id, created = report.id, report.created_at
        dbmod.commit()
    return setup, report_id, created


def test_a_report_whose_hand_over_failed_goes_out_within_two_minutes(  # type: ignore[no-untyped-def]
    make, no_broker
) -> None:
    setup, report_id, created = _request(make, no_broker)
    assert tasks.BEAT_SCHEDULE["sweep-reports"]["schedule"] <= 60
    with tenant_scope(None):
        assert reports.sweep_stale(created + dt.timedelta(seconds=30)) == []
        assert reports.sweep_stale(created + dt.timedelta(seconds=61)) == [report_id]
    dbmod.commit()
    assert no_broker[-1] == (setup.tenant.id, report_id)


def test_a_build_that_kills_its_worker_fails_after_three_attempts(  # type: ignore[no-untyped-def]
    make, no_broker, app
) -> None:
    setup, report_id, created = _request(make, no_broker)
    slug, tenant_id, facilitator = setup.tenant.slug, setup.tenant.id, setup.facilitator.email
    wid = setup.id
    now = created
    for attempt in range(1, reports.MAX_ATTEMPTS + 1):
        with tenant_scope(tenant_id):
            assert reports.claim(report_id, now)  # the worker takes it ... and dies
            assert not reports.claim(report_id, now + dt.timedelta(minutes=1))  # redelivery
            dbmod.commit()
        now += reports.STALE_AFTER + dt.timedelta(minutes=1)
        with tenant_scope(None):
            handed_over = reports.sweep_stale(now)
            dbmod.commit()
        assert handed_over == ([report_id] if attempt < reports.MAX_ATTEMPTS else [])
    with tenant_scope(tenant_id):
        report = db.get(Report, report_id, populate_existing=True)
        assert report.status == ReportStatus.FAILED and report.attempts == reports.MAX_ATTEMPTS
    with tenant_scope(None):
        assert reports.sweep_stale(now + dt.timedelta(hours=1)) == []  # never again

    client: FlaskClient = app.test_client()
    login(client, SimpleNamespace(email=facilitator))
    page = client.get(f"/{slug}/workshops/{wid}/berichte")
    assert page.status_code == 200
    assert "fehlgeschlagen" in page.get_data(as_text=True).lower()


def test_a_redelivered_task_does_not_build_a_report_twice(make, no_broker) -> None:  # type: ignore[no-untyped-def]
    setup, report_id, created = _request(make, no_broker)
    with tenant_scope(setup.tenant.id):
        assert reports.claim(report_id, created)
        assert not reports.claim(report_id, created + dt.timedelta(minutes=2))
        report = db.get(Report, report_id, populate_existing=True)
        assert report.attempts == 1


def test_healthz_shows_a_dead_beat(client: FlaskClient) -> None:
    assert client.get("/healthz").get_json()["checks"]["beat"] == "not seen"
    tasks.heartbeat.apply(kwargs={"now_iso": utcnow().isoformat()})
    assert db.scalars(select(Heartbeat)).one().name == "beat"
    fresh = client.get("/healthz")
    assert fresh.get_json()["checks"]["beat"] == "ok"
    old = (utcnow() - dt.timedelta(minutes=5)).isoformat()
    tasks.heartbeat.apply(kwargs={"now_iso": old})
    stale = client.get("/healthz")
    assert stale.status_code == 503
    assert stale.get_json()["checks"]["beat"] == "stale"


def test_the_demo_stops_when_its_embedded_beat_died(monkeypatch: pytest.MonkeyPatch) -> None:
    import signal
    import threading

    from visionswerk.platform import cli

    killed: list[int] = []
    monkeypatch.setattr(cli.os, "kill", lambda pid, sig: killed.append(sig))
    stopping = threading.Event()
    tasks.heartbeat.apply(kwargs={"now_iso": utcnow().isoformat()})
    watcher = threading.Thread(target=cli._watch_beat, args=(stopping, 0.05), daemon=True)
    watcher.start()
    watcher.join(0.3)
    assert watcher.is_alive() and killed == []  # a fresh heartbeat: the demo runs on
    stopping.set()
    watcher.join(5)

    tasks.heartbeat.apply(kwargs={"now_iso": (utcnow() - dt.timedelta(minutes=5)).isoformat()})
    watcher = threading.Thread(target=cli._watch_beat, args=(stopping := threading.Event(), 0.05))
    watcher.start()  # stale for /healthz, but the demo's one worker may just be busy
    watcher.join(0.3)
    assert watcher.is_alive() and killed == []
    stopping.set()
    watcher.join(5)

    tasks.heartbeat.apply(kwargs={"now_iso": (utcnow() - dt.timedelta(minutes=16)).isoformat()})
    cli._watch_beat(threading.Event(), 0.01)  # returns once it stopped the demo
    assert killed == [signal.SIGTERM]
