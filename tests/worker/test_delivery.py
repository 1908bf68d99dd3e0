"""Real delivery: a real worker process, a real broker (Redis when REDIS_URL is set, the
embedded SQLite broker otherwise) and a real SMTP server on loopback."""

from __future__ import annotations

import datetime as dt
import statistics
import threading
from collections import Counter

import pytest
from sqlalchemy import Engine

from tests.worker.conftest import (
    Enqueued,
    Hold,
    SmtpSink,
    WorkerProcess,
    all_settled,
    future,
    outbox_rows,
    wait_for,
)
from visionswerk import db as dbmod
from visionswerk.worker import outbox
from visionswerk.worker.outbox import CLAIM_TIMEOUT, queue_email
from visionswerk.worker.tasks import deliver_email

pytestmark = pytest.mark.committing


def test_queued_mails_all_arrive_exactly_once(
    worker: WorkerProcess, smtp: SmtpSink, enqueued: Enqueued, engine: Engine
) -> None:
    emails = [
        queue_email(f"test:a:{n}", f"person{n}@example.org", f"Hallo {n}", f"Text {n}")
        for n in range(10)
    ]
    dbmod.commit()
    rows = wait_for(all_settled(engine, 10), 30, "ten mails sent")
    assert len(enqueued) == 10
    assert {r.status.value for r in rows} == {"sent"}
    assert [r.attempts for r in rows] == [1] * 10
    counts = Counter(r.message_id for r in smtp.received)
    assert counts == Counter({e.message_id: 1 for e in emails})
    got = {r.message_id: r for r in smtp.received}[emails[3].message_id]
    assert got.to == "person3@example.org"
    assert got.subject == "Hallo 3"
    assert b"Text 3" in got.raw
    assert all(r.text == "" for r in rows), "the body is wiped once sent"


@pytest.mark.parametrize(
    ("phase", "expected_duplicates"),
    [("rcpt", 0), ("data", 1)],
    ids=["killed-before-the-server-has-the-mail", "killed-after-the-server-has-the-mail"],
)
def test_worker_killed_while_sending_a_batch(
    phase: str,
    expected_duplicates: int,
    start_worker,  # type: ignore[no-untyped-def]
    smtp: SmtpSink,
    enqueued: Enqueued,
    engine: Engine,
    capsys: pytest.CaptureFixture[str],
    record_property,  # type: ignore[no-untyped-def]
) -> None:
    """SIGKILL the whole worker (main process and pool) while the SMTP server holds the
    11th of 30 mails — either before it has the message (RCPT) or after it has it but
    before it answered 250 (the at-least-once window). A fresh worker and the sweep then
    deliver everything; we count what the server received."""
    total = 30
    smtp.handler.delay = 0.02  # a slow server: the batch is in flight for a while
    smtp.handler.hold = hold = Hold(phase, index=10)
    first = start_worker()
    emails = [
        queue_email(f"test:kill:{phase}:{n}", f"p{n}@example.org", f"Mail {n}", f"Text {n}")
        for n in range(total)
    ]
    dbmod.commit()
    assert hold.reached.wait(30), "the worker never reached the 11th mail"
    first.kill()
    hold.released.set()

    rows = outbox_rows(engine)
    stuck = [r for r in rows if r.status.value == "sending"]
    assert len(stuck) == 1, "exactly the mail in flight is left claimed by the dead worker"
    sent_before_kill = sum(r.status.value == "sent" for r in rows)
    assert sent_before_kill == 10

    start_worker()  # a fresh worker takes the rest of the queue
    wait_for(
        lambda: sum(r.status.value == "sent" for r in outbox_rows(engine)) == total - 1,
        30,
        "the fresh worker to send the queued rest",
    )
    # The dead worker's claim: the sweep takes it over once it is CLAIM_TIMEOUT old
    # (controlled clock); a repeated sweep afterwards finds nothing to do.
    at = future(CLAIM_TIMEOUT + dt.timedelta(seconds=1))
    assert outbox.sweep(at=at) == [stuck[0].id]
    dbmod.commit()
    rows = wait_for(all_settled(engine, total), 30, "every mail sent")
    assert outbox.sweep(at=at) == []
    assert outbox.sweep(at=at + CLAIM_TIMEOUT) == []
    dbmod.commit()

    assert {r.status.value for r in rows} == {"sent"}
    received = smtp.received
    counts = Counter(r.message_id for r in received)
    assert set(counts) == {e.message_id for e in emails}, "every mail arrived"
    duplicates = len(received) - len(counts)
    assert duplicates == expected_duplicates
    if duplicates:
        assert counts[stuck[0].message_id] == 2, "only the mail in the window came twice"
    # How long is the window in normal operation? From the server having the message to
    # our timestamp of 'sent' (taken after its 250, just before the COMMIT).
    sent_at = {r.message_id: r.sent_at for r in rows}
    windows = [
        (sent_at[r.message_id].timestamp() - r.at) * 1000
        for r in received
        if r.message_id != stuck[0].message_id
    ]
    figures = {
        "phase": phase,
        "mails": total,
        "tasks_enqueued": len(enqueued),
        "mails_received": len(received),
        "distinct_received": len(counts),
        "duplicates": duplicates,
        "window_ms_median": round(statistics.median(windows), 1),
        "window_ms_max": round(max(windows), 1),
    }
    assert figures["tasks_enqueued"] == total + 1  # 30 after the commit, 1 by the sweep
    for key, value in figures.items():
        record_property(key, value)
    with capsys.disabled():
        print(f"\n[kill test] {figures}")


def test_smtp_refusing_connections_for_a_while(
    worker: WorkerProcess, smtp: SmtpSink, enqueued: Enqueued, engine: Engine
) -> None:
    smtp.stop()  # nothing listens: connection refused
    emails = [queue_email(f"test:down:{n}", f"d{n}@example.org", "Hallo", "Text") for n in range(3)]
    dbmod.commit()
    rows = wait_for(
        lambda: (r := outbox_rows(engine)) and all(x.attempts >= 3 for x in r) and r,
        30,
        "three failed attempts per mail",
    )
    assert all(r.status.value in ("pending", "sending") for r in rows)
    assert any("Connection refused" in (r.last_error or "") for r in rows)
    assert smtp.received == []

    smtp.start()
    rows = wait_for(all_settled(engine, 3), 30, "delivery once the server is back")
    assert {r.status.value for r in rows} == {"sent"}
    assert Counter(r.message_id for r in smtp.received) == Counter(
        {e.message_id: 1 for e in emails}
    )
    assert len(enqueued) == 3, "retries are the worker's, not new hand-overs"


def test_temporary_refusal_421_is_retried_with_backoff(
    worker: WorkerProcess, smtp: SmtpSink, engine: Engine
) -> None:
    smtp.handler.refusals = ["421 4.3.2 Service not available, try again later"] * 4
    email = queue_email("test:421", "x@example.org", "Hallo", "Text")
    dbmod.commit()
    [row] = wait_for(all_settled(engine, 1), 30, "delivery after four refusals")
    assert row.status.value == "sent"
    assert row.attempts == 5
    assert smtp.count(email.message_id) == 1


def test_permanent_refusal_550_fails_without_retry(
    worker: WorkerProcess, smtp: SmtpSink, engine: Engine
) -> None:
    smtp.handler.reject_rcpt["nobody@example.org"] = "550 5.1.1 No such user here"
    queue_email("test:550", "nobody@example.org", "Hallo", "Text")
    dbmod.commit()
    [row] = wait_for(all_settled(engine, 1), 30, "the permanent failure")
    assert row.status.value == "failed"
    assert row.attempts == 1
    assert "550" in (row.last_error or "")
    assert smtp.received == []


def test_same_key_twice_sends_one_mail_and_a_redelivered_task_does_nothing(
    worker: WorkerProcess, smtp: SmtpSink, enqueued: Enqueued, engine: Engine
) -> None:
    first = queue_email("test:same", "s@example.org", "Einmal", "Text")
    again = queue_email("test:same", "s@example.org", "Zweimal?", "Anderer Text")
    assert again.id == first.id
    assert again.subject == "Einmal"
    dbmod.commit()
    wait_for(all_settled(engine, 1), 30, "the mail sent")
    later = queue_email("test:same", "s@example.org", "Dreimal?", "Text")  # a later request
    dbmod.commit()
    assert later.id == first.id
    assert enqueued.ids == [first.id]

    deliver_email.delay(first.id)  # as if the broker delivered the task once more
    sentinel = queue_email("test:sentinel", "s@example.org", "Danach", "Text")
    dbmod.commit()
    rows = wait_for(all_settled(engine, 2), 30, "the sentinel sent")  # queued after it
    assert smtp.count(first.message_id) == 1
    assert smtp.count(sentinel.message_id) == 1
    assert [r.attempts for r in rows] == [1, 1]


def test_sweep_delivers_a_row_whose_enqueue_was_lost_once_even_when_run_twice(
    worker: WorkerProcess,
    smtp: SmtpSink,
    enqueued: Enqueued,
    engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    now = outbox.now()
    counting = outbox.enqueue
    monkeypatch.setattr(outbox, "enqueue", lambda email_id: None)  # crash before enqueue
    lost = queue_email(
        "test:lost", "l@example.org", "Verloren?", "Text", at=now - dt.timedelta(minutes=5)
    )
    dbmod.commit()
    monkeypatch.setattr(outbox, "enqueue", counting)
    assert outbox_rows(engine)[0].status.value == "pending"

    # two sweeps at the same moment, as from two beat processes
    barrier = threading.Barrier(2)
    found: list[list[int]] = []

    def sweep() -> None:
        try:
            barrier.wait(5)
            found.append(outbox.sweep(at=now))
            dbmod.commit()
        finally:
            dbmod.db.remove()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(found) == [[], [lost.id]]
    assert enqueued.ids == [lost.id]
    [row] = wait_for(all_settled(engine, 1), 30, "the swept mail sent")
    assert row.status.value == "sent"
    # later sweeps leave a sent row alone
    assert outbox.sweep(at=now + dt.timedelta(minutes=2)) == []
    assert outbox.sweep(at=now + dt.timedelta(minutes=20)) == []
    dbmod.commit()
    assert smtp.count(lost.message_id) == 1
