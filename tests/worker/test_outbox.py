"""The outbox's rules, with a controlled clock (``at=``) and without a worker: what is
recorded, when it is handed over, who may claim it, how failures are sorted."""

from __future__ import annotations

import dataclasses
import datetime as dt
import smtplib
import threading

import pytest
from flask import Flask
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from visionswerk import db as dbmod
from visionswerk.db import db
from visionswerk.settings import Settings
from visionswerk.worker import mail, outbox
from visionswerk.worker.models import EmailStatus, OutgoingEmail
from visionswerk.worker.outbox import CLAIM_TIMEOUT, SWEEP_AFTER, queue_email

T0 = dt.datetime(2030, 5, 4, 9, 0, tzinfo=dt.UTC)


@pytest.fixture()
def handed_over(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Records hand-overs to the broker instead of making them."""
    ids: list[int] = []
    monkeypatch.setattr(outbox, "enqueue", ids.append)
    return ids


def count_rows() -> int:
    return db.scalar(select(func.count()).select_from(OutgoingEmail)) or 0


def reload(email: OutgoingEmail) -> OutgoingEmail:
    fresh = db.get(OutgoingEmail, email.id, populate_existing=True)
    assert fresh is not None
    return fresh


# --- recording and handing over -----------------------------------------------------------


def test_a_queued_mail_is_handed_over_only_after_the_commit(handed_over: list[int]) -> None:
    email = queue_email("t:1", "a@example.org", "Betreff", "Text")
    assert handed_over == []
    dbmod.commit()
    assert handed_over == [email.id]
    assert reload(email).status is EmailStatus.PENDING


def test_a_rolled_back_transaction_leaves_no_row_and_hands_over_nothing(
    handed_over: list[int],
) -> None:
    queue_email("t:rollback", "a@example.org", "Betreff", "Text")
    dbmod.rollback()
    dbmod.commit()  # a later commit does not run the discarded callback either
    assert count_rows() == 0
    assert handed_over == []


def test_the_same_key_twice_is_one_row_and_one_hand_over(handed_over: list[int]) -> None:
    first = queue_email("t:same", "a@example.org", "Erster", "Text")
    second = queue_email("t:same", "b@example.org", "Zweiter", "Anders")
    assert second.id == first.id
    dbmod.commit()
    third = queue_email("t:same", "c@example.org", "Dritter", "Noch anders")
    dbmod.commit()
    assert third.id == first.id
    assert third.to == "a@example.org"
    assert count_rows() == 1
    assert handed_over == [first.id]


def test_the_body_is_stored_encrypted_and_wiped_once_sent(handed_over: list[int]) -> None:
    secret_link = "https://example.org/einladung/GEHEIM-token-123"
    email = queue_email("t:sealed", "a@example.org", "Einladung", f"Bitte: {secret_link}")
    dbmod.commit()
    raw = db.execute(text("SELECT * FROM outgoing_emails")).all()
    assert "GEHEIM" not in repr(raw)
    assert "Einladung" in repr(raw)  # subject and recipient stay readable
    settings = outbox._settings()
    assert outbox.unseal(settings.secret_key, reload(email).text) == f"Bitte: {secret_link}"
    token = outbox.claim(email.id)
    assert token is not None
    assert outbox.mark_sent(email.id, token)
    dbmod.commit()
    assert reload(email).text == ""


# --- claiming -----------------------------------------------------------------------------


def test_only_one_claim_wins_and_a_sent_row_cannot_be_claimed(handed_over: list[int]) -> None:
    email = queue_email("t:claim", "a@example.org", "Betreff", "Text", at=T0)
    token = outbox.claim(email.id, at=T0)
    assert token is not None
    assert outbox.claim(email.id, at=T0 + dt.timedelta(minutes=1)) is None
    assert outbox.mark_sent(email.id, token, at=T0)
    assert outbox.claim(email.id, at=T0 + dt.timedelta(days=1)) is None
    row = reload(email)
    assert (row.status, row.attempts, row.sent_at) == (EmailStatus.SENT, 1, T0)


def test_a_stale_claim_is_taken_over_after_the_timeout_and_the_old_one_cannot_finish(
    handed_over: list[int],
) -> None:
    email = queue_email("t:stale", "a@example.org", "Betreff", "Text", at=T0)
    old = outbox.claim(email.id, at=T0)
    assert old is not None
    assert outbox.claim(email.id, at=T0 + CLAIM_TIMEOUT - dt.timedelta(seconds=1)) is None
    new = outbox.claim(email.id, at=T0 + CLAIM_TIMEOUT)
    assert new is not None
    assert not outbox.mark_sent(email.id, old)  # the dead worker's claim is void
    assert outbox.mark_sent(email.id, new)
    assert reload(email).attempts == 2


@pytest.mark.committing
def test_two_workers_claiming_at_once_one_wins(handed_over: list[int]) -> None:
    email = queue_email("t:race", "a@example.org", "Betreff", "Text")
    dbmod.commit()
    barrier = threading.Barrier(2)
    tokens: list[str | None] = []

    def claim() -> None:
        try:
            barrier.wait(5)
            tokens.append(outbox.claim(email.id))
            dbmod.commit()
        finally:
            dbmod.db.remove()

    threads = [threading.Thread(target=claim) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(tokens) == 2
    assert sum(t is not None for t in tokens) == 1
    assert reload(email).attempts == 1


# --- the sweep ----------------------------------------------------------------------------


def test_the_sweep_hands_over_pending_rows_only_once_they_are_overdue(
    handed_over: list[int],
) -> None:
    email = queue_email("t:sweep", "a@example.org", "Betreff", "Text", at=T0)
    dbmod.commit()
    handed_over.clear()  # as if that hand-over was lost
    assert outbox.sweep(at=T0 + SWEEP_AFTER - dt.timedelta(seconds=1)) == []
    assert outbox.sweep(at=T0 + SWEEP_AFTER) == [email.id]
    dbmod.commit()
    assert handed_over == [email.id]
    # handed over again: the next sweeps wait another SWEEP_AFTER
    assert outbox.sweep(at=T0 + SWEEP_AFTER + dt.timedelta(seconds=30)) == []
    assert outbox.sweep(at=T0 + 2 * SWEEP_AFTER) == [email.id]


def test_the_sweep_takes_over_claims_of_dead_workers_only_after_the_timeout(
    handed_over: list[int],
) -> None:
    email = queue_email("t:sweep-stale", "a@example.org", "Betreff", "Text", at=T0)
    assert outbox.claim(email.id, at=T0)
    dbmod.commit()
    assert outbox.sweep(at=T0 + CLAIM_TIMEOUT - dt.timedelta(seconds=1)) == []
    assert outbox.sweep(at=T0 + CLAIM_TIMEOUT) == [email.id]
    row = reload(email)
    assert (row.status, row.claim_token) == (EmailStatus.PENDING, None)


def test_the_sweep_leaves_sent_and_failed_rows_alone_and_gives_up_after_max_attempts(
    handed_over: list[int],
) -> None:
    sent = queue_email("t:s-sent", "a@example.org", "B", "T", at=T0)
    failed = queue_email("t:s-failed", "a@example.org", "B", "T", at=T0)
    tired = queue_email("t:s-tired", "a@example.org", "B", "T", at=T0)
    outbox.mark_sent(sent.id, outbox.claim(sent.id, at=T0) or "")
    outbox.mark_failed(failed.id, outbox.claim(failed.id, at=T0) or "", "550 nein")
    db.execute(
        OutgoingEmail.__table__.update().where(OutgoingEmail.id == tired.id).values(attempts=3)
    )
    assert outbox.sweep(at=T0 + dt.timedelta(hours=1), max_attempts=3) == []
    assert reload(tired).status is EmailStatus.FAILED
    assert reload(sent).status is EmailStatus.SENT
    assert reload(failed).last_error == "550 nein"


# --- retries and errors -------------------------------------------------------------------


def test_retry_delay_grows_exponentially_up_to_the_cap() -> None:
    delays = [outbox.retry_delay(n, 10, 600, jitter=1.0) for n in range(1, 9)]
    assert delays == [10, 20, 40, 80, 160, 320, 600, 600]
    assert outbox.retry_delay(3, 10, 600, jitter=0.5) == 20
    for _ in range(50):
        assert 20 <= outbox.retry_delay(3, 10, 600) <= 40


@pytest.mark.parametrize(
    ("error", "permanent"),
    [
        (ConnectionRefusedError(111, "Connection refused"), False),
        (TimeoutError("timed out"), False),
        (smtplib.SMTPServerDisconnected("Connection unexpectedly closed"), False),
        (smtplib.SMTPConnectError(421, b"too busy"), False),
        (smtplib.SMTPSenderRefused(451, b"try later", "a@example.org"), False),
        (smtplib.SMTPDataError(554, b"rejected as spam"), True),
        (smtplib.SMTPRecipientsRefused({"a@example.org": (550, b"no such user")}), True),
        (
            smtplib.SMTPRecipientsRefused(
                {"a@example.org": (550, b"no"), "b@example.org": (450, b"later")}
            ),
            False,
        ),
    ],
)
def test_errors_are_sorted_into_transient_and_permanent(error: Exception, permanent: bool) -> None:
    assert mail.classify(error).permanent is permanent


def test_every_attempt_sends_the_same_message(settings: Settings, handed_over: list[int]) -> None:
    email = queue_email("t:msg", "a@example.org", "Grüße aus Musterhausen", "Hallo", "<p>Hallo</p>")
    first = mail.build_message(settings, email)
    second = mail.build_message(settings, reload(email))
    assert first["Message-ID"] == second["Message-ID"] == email.message_id
    assert first["Date"] == second["Date"]
    assert first["Auto-Submitted"] == "auto-generated"
    assert first.get_body(("plain",)).get_content().strip() == "Hallo"  # type: ignore[union-attr]
    assert "<p>Hallo</p>" in first.get_body(("html",)).get_content()  # type: ignore[union-attr]


def test_a_body_sealed_with_another_secret_key_fails_for_good(
    settings: Settings, handed_over: list[int]
) -> None:
    email = queue_email("t:key", "a@example.org", "Betreff", "Text")
    rotated = dataclasses.replace(settings, secret_key="a-different-key")
    with pytest.raises(mail.PermanentError):
        mail.build_message(rotated, email)


# --- the local outbox folder (eager tasks, as in every other test) -------------------------


@pytest.mark.usefixtures("outbox")  # the Mailbox fixture: an empty outbox folder
def test_without_smtp_server_mail_lands_once_in_the_outbox_folder(settings: Settings) -> None:
    email = queue_email("t:folder", "a@example.org", "Ordner", "Hallo Ordner")
    dbmod.commit()  # eager: delivered right after the commit, in a session of its own
    files = sorted(settings.mail_outbox.glob("*.eml"))
    assert len(files) == 1
    assert email.message_id.strip("<>").split("@")[0] in files[0].name
    row = reload(email)
    assert row.status is EmailStatus.SENT
    # a repeated attempt (e.g. after a crash before 'sent') replaces the same file
    from visionswerk.worker.tasks import deliver_email

    db.execute(
        OutgoingEmail.__table__.update()
        .where(OutgoingEmail.id == email.id)
        .values(status="pending", text=outbox.seal(settings.secret_key, "Hallo nochmal"))
    )
    dbmod.commit()
    assert deliver_email.apply(args=[email.id]).get() == "sent"
    files = sorted(settings.mail_outbox.glob("*.eml"))
    assert len(files) == 1
    assert "Hallo nochmal" in files[0].read_text()
    assert deliver_email.apply(args=[email.id]).get() == "skipped"


# --- a request that rolls back enqueues nothing --------------------------------------------


@pytest.mark.committing
def test_a_request_that_fails_enqueues_nothing(
    app: Flask,
    settings: Settings,
    engine,
    handed_over: list[int],  # type: ignore[no-untyped-def]
) -> None:
    from visionswerk.platform import create_app
    from visionswerk.platform.pipeline import public

    web = create_app(
        settings,
        ENGINE=engine,
        TESTING=True,
        WTF_CSRF_ENABLED=False,
        RATELIMIT_STORAGE_OPTIONS=app.config["RATELIMIT_STORAGE_OPTIONS"],
    )

    @web.post("/_test/crash")
    @public
    def crash():  # type: ignore[no-untyped-def]
        queue_email("t:web-crash", "a@example.org", "B", "T")
        raise RuntimeError("boom")

    @web.post("/_test/refused")
    @public
    def refused():  # type: ignore[no-untyped-def]
        queue_email("t:web-refused", "a@example.org", "B", "T")
        return "nein", 422

    @web.post("/_test/fine")
    @public
    def fine():  # type: ignore[no-untyped-def]
        queue_email("t:web-fine", "a@example.org", "B", "T")
        return "ja", 200

    client = web.test_client()
    assert client.post("/_test/crash").status_code == 500
    assert client.post("/_test/refused").status_code == 422
    assert handed_over == []
    with Session(engine) as s:
        assert s.scalars(select(OutgoingEmail.idempotency_key)).all() == []
    assert client.post("/_test/fine").status_code == 200
    with Session(engine) as s:
        keys = s.scalars(select(OutgoingEmail.idempotency_key)).all()
    assert keys == ["t:web-fine"]
    assert len(handed_over) == 1
