"""The mail outbox: record an email in the caller's transaction, hand it to the worker
after the commit, claim it before sending, and sweep up whatever got lost.

Life of a row::

    queue_email ──► pending ──claim──► sending ──SMTP 250──► sent
                      ▲                  │
                      └── transient ─────┤ (retry with backoff, due_at moves on)
                                         └── permanent 5xx / too many attempts ──► failed

Delivery guarantees, honestly stated:

* Nothing is lost: the row is written in the same transaction as the change that needs
  it. Enqueueing happens after the commit; if that hand-over is lost (crash between commit
  and enqueue, broker down, a killed worker's message), :func:`sweep` hands the row over
  again once it is ``SWEEP_AFTER`` overdue, or ``CLAIM_TIMEOUT`` after a claim that never
  finished.
* Never two workers at once: :func:`claim` is one conditional UPDATE (``WHERE status =
  'pending' OR claim is stale``); only the worker whose UPDATE changed the row sends, and
  it commits the claim before it talks to the SMTP server. A redelivered task, a second
  sweep or a second beat process finds the row claimed or sent and does nothing.
* At least once, not exactly once, at the SMTP level: between the moment the SMTP server
  takes the message (its ``250`` after DATA) and our commit of ``sent`` there is a window
  — the server's reply, one UPDATE and one COMMIT, typically a few milliseconds. A worker
  killed in exactly that window leaves the row ``sending``; the sweep re-sends it after
  ``CLAIM_TIMEOUT``, and the recipient's server gets it twice. The copy carries the same
  ``Message-ID`` and ``Date`` (fixed per row), so mail servers and clients that drop
  duplicates by Message-ID show it once. No protocol can close this window: SMTP has no way
  to ask a server whether it already has a message. The worker tests measure it.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import hashlib
import json
import logging
import random
import uuid
from email.utils import parseaddr
from functools import cache, partial

from cryptography.fernet import Fernet
from sqlalchemy import and_, delete, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from visionswerk.db import after_commit, db, utcnow
from visionswerk.settings import Settings
from visionswerk.worker.models import EmailStatus, OutgoingEmail

log = logging.getLogger(__name__)

#: A pending row whose due time passed this long ago has lost its task: sweep it.
SWEEP_AFTER = dt.timedelta(seconds=60)
#: A claim this old belongs to a dead worker. Must exceed the delivery task's hard time
#: limit (see ``tasks.DELIVERY_TIME_LIMIT``), so a live worker is never overtaken.
CLAIM_TIMEOUT = dt.timedelta(minutes=10)
#: At most this many rows per sweep (the next sweep takes the rest).
SWEEP_BATCH = 500
#: Sent and failed rows (address, subject, status; the body is wiped once sent) are kept
#: this long for the operator's questions ("did the invitation go out?"), then deleted
#: (docs/retention.md). Far longer than any idempotency window (reminders, 2-day
#: notification scan, daily digest), so no deleted key can cause a second mail.
KEEP_FINISHED = dt.timedelta(days=90)

MAX_SUBJECT = 300
#: Attachments are small files we make ourselves (a calendar entry: a few hundred bytes);
#: the limit keeps a mistake from filling the outbox table.
MAX_ATTACHMENTS_SIZE = 256 * 1024


@dataclasses.dataclass(frozen=True)
class Attachment:
    """A file attached to a mail: name, bytes and media type (``text/calendar``), with
    extra Content-Type parameters (``{"method": "PUBLISH"}``)."""

    filename: str
    content: bytes
    media_type: str
    params: tuple[tuple[str, str], ...] = ()

    def as_json(self) -> dict[str, object]:
        return {
            "filename": self.filename,
            "media_type": self.media_type,
            "params": dict(self.params),
            "content": base64.b64encode(self.content).decode("ascii"),
        }

    @classmethod
    def from_json(cls, data: dict[str, object]) -> Attachment:
        params = data.get("params") or {}
        assert isinstance(params, dict)
        return cls(
            filename=str(data["filename"]),
            content=base64.b64decode(str(data["content"])),
            media_type=str(data["media_type"]),
            params=tuple(sorted((str(k), str(v)) for k, v in params.items())),
        )


def seal_attachments(
    secret_key: str, attachments: list[Attachment] | tuple[Attachment, ...]
) -> str | None:
    """The attachments as they are stored: sealed like the body (they may say more about a
    workshop than the subject), or None without any."""
    if not attachments:
        return None
    if sum(len(a.content) for a in attachments) > MAX_ATTACHMENTS_SIZE:
        raise ValueError(f"attachments larger than {MAX_ATTACHMENTS_SIZE} bytes")
    return seal(secret_key, json.dumps([a.as_json() for a in attachments]))


def unseal_attachments(secret_key: str, sealed: str | None) -> list[Attachment]:
    """Raises ``cryptography.fernet.InvalidToken`` when SECRET_KEY changed meanwhile."""
    if not sealed:
        return []
    return [Attachment.from_json(item) for item in json.loads(unseal(secret_key, sealed))]


def now() -> dt.datetime:
    """The outbox's clock. Every function takes ``now`` so tests control time."""
    return utcnow()


@cache
def _domain_of(sender: str) -> str:
    return parseaddr(sender)[1].rpartition("@")[2] or "visionswerk.localhost"


def message_id_for(sender: str) -> str:
    return f"<{uuid.uuid4().hex}@{_domain_of(sender)}>"


def _settings() -> Settings:
    from visionswerk.worker.celery_app import celery, settings_of

    return settings_of(celery)


@cache
def _fernet(secret_key: str) -> Fernet:
    digest = hashlib.sha256(b"visionswerk outbox v1\0" + secret_key.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def seal(secret_key: str, plain: str) -> str:
    """Encrypt a mail body for storage (key derived from SECRET_KEY, not in the database)."""
    return _fernet(secret_key).encrypt(plain.encode()).decode("ascii")


def unseal(secret_key: str, sealed: str) -> str:
    """Raises ``cryptography.fernet.InvalidToken`` when SECRET_KEY changed meanwhile."""
    return _fernet(secret_key).decrypt(sealed.encode("ascii")).decode()


def email_values(
    key: str,
    to: str,
    subject: str,
    text: str,
    html: str | None = None,
    tenant_id: int | None = None,
    *,
    at: dt.datetime | None = None,
    headers: dict[str, str] | None = None,
    attachments: list[Attachment] | tuple[Attachment, ...] = (),
) -> dict[str, object]:
    """The row :func:`queue_email` inserts: body, headers and attachments sealed,
    subject shortened."""
    settings = _settings()
    when = at or now()
    if len(subject) > MAX_SUBJECT:
        subject = subject[: MAX_SUBJECT - 1] + "…"
    return {
        "idempotency_key": key,
        "tenant_id": tenant_id,
        "to": to.strip(),
        "subject": subject,
        "text": seal(settings.secret_key, text),
        "html": seal(settings.secret_key, html) if html is not None else None,
        "headers": seal(settings.secret_key, json.dumps(headers)) if headers else None,
        "attachments": seal_attachments(settings.secret_key, attachments),
        "message_id": message_id_for(settings.mail_sender),
        "status": EmailStatus.PENDING,
        "attempts": 0,
        "created_at": when,
        "due_at": when,
    }


def queue_many(rows: list[dict[str, object]]) -> list[str]:
    """Insert many rows of :func:`email_values` in one statement, each if its key is
    absent (``ON CONFLICT DO NOTHING``: a concurrent sweep's rows win, ours are dropped),
    and hand the new ones over after the commit. Returns the keys of the new rows."""
    if not rows:
        return []
    session = db()
    module = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    # the table, not the entity: a Core executemany, without the ORM's per-row bookkeeping
    table = OutgoingEmail.__table__
    stmt = (
        module.insert(table)
        .on_conflict_do_nothing(index_elements=["idempotency_key"])
        .returning(table.c.id, table.c.idempotency_key)
    )
    created = session.execute(stmt, rows).all()
    if created:
        after_commit(partial(enqueue_many, [row[0] for row in created]))
    return [row[1] for row in created]


#: Mails per hand-over message from the sweeps: one broker message costs about as much
#: worker CPU as queueing ten mails (measured ~0.7 ms with Celery on Redis).
HANDOVER_BATCH = 50


def enqueue_many(ids: list[int]) -> None:
    """Hand many rows to the worker, ``HANDOVER_BATCH`` per message (``deliver_emails``)."""
    for start in range(0, len(ids), HANDOVER_BATCH):
        enqueue_batch(ids[start : start + HANDOVER_BATCH])


def enqueue_batch(ids: list[int]) -> None:
    """Best effort like :func:`enqueue`: whatever is not handed over, :func:`sweep` finds."""
    from kombu.exceptions import OperationalError

    from visionswerk.worker.tasks import deliver_emails

    try:
        deliver_emails.apply_async(
            args=[ids],
            retry=True,
            retry_policy={"max_retries": 2, "interval_start": 0.1, "interval_step": 0.5},
        )
    except (OperationalError, ConnectionError, TimeoutError) as exc:
        log.warning(
            "%d emails not enqueued (%s); the outbox sweep will hand them over", len(ids), exc
        )


def queue_email(
    key: str,
    to: str,
    subject: str,
    text: str,
    html: str | None = None,
    tenant_id: int | None = None,
    *,
    at: dt.datetime | None = None,
    headers: dict[str, str] | None = None,
    attachments: list[Attachment] | tuple[Attachment, ...] = (),
) -> OutgoingEmail:
    """Record an email in the caller's transaction and deliver it after the commit.

    Insert-if-absent on ``key``: a second call with the same key (in this transaction or
    any later one) changes nothing, enqueues nothing and returns the existing row. A
    transaction that rolls back leaves no row and enqueues nothing.

    ``text``, ``html`` and ``attachments`` are stored encrypted (they hold single-use
    links whose tokens the database otherwise keeps only as hashes) and wiped once the
    mail is sent;
    ``to`` and ``subject`` are stored as they are, so subjects must hold no secrets.
    """
    values = email_values(
        key, to, subject, text, html, tenant_id, at=at, headers=headers, attachments=attachments
    )
    new_id = _insert_if_absent(values)
    if new_id is None:
        existing = db.scalar(select(OutgoingEmail).where(OutgoingEmail.idempotency_key == key))
        assert existing is not None
        return existing
    after_commit(partial(enqueue, new_id))
    email = db.get(OutgoingEmail, new_id)
    assert email is not None
    return email


def _insert_if_absent(values: dict[str, object]) -> int | None:
    """INSERT … ON CONFLICT (idempotency_key) DO NOTHING RETURNING id; None if present."""
    session = db()
    dialect = session.get_bind().dialect.name
    if dialect in ("postgresql", "sqlite"):
        module = postgresql if dialect == "postgresql" else sqlite
        stmt = (
            module.insert(OutgoingEmail)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["idempotency_key"])
            .returning(OutgoingEmail.id)
        )
        return session.execute(stmt).scalar_one_or_none()
    try:  # other databases: a savepoint keeps the caller's transaction usable
        with session.begin_nested():
            return session.execute(
                insert(OutgoingEmail).values(**values).returning(OutgoingEmail.id)
            ).scalar_one()
    except IntegrityError:
        return None


def enqueue(email_id: int) -> None:
    """Hand one row to the worker. Best effort: if the broker is unreachable the row
    stays pending and :func:`sweep` hands it over later, so a committed request never
    fails because of the broker."""
    from kombu.exceptions import OperationalError

    from visionswerk.worker.tasks import deliver_email

    try:
        deliver_email.apply_async(
            args=[email_id],
            retry=True,
            retry_policy={"max_retries": 2, "interval_start": 0.1, "interval_step": 0.5},
        )
    except (OperationalError, ConnectionError, TimeoutError) as exc:
        log.warning("email %s not enqueued (%s); the outbox sweep will hand it over", email_id, exc)


def _claimable(at: dt.datetime) -> object:
    return or_(
        OutgoingEmail.status == EmailStatus.PENDING,
        and_(
            OutgoingEmail.status == EmailStatus.SENDING,
            OutgoingEmail.claimed_at <= at - CLAIM_TIMEOUT,
        ),
    )


def claim(email_id: int, *, at: dt.datetime | None = None) -> str | None:
    """Atomically take the row for one delivery attempt; the caller commits at once.

    Returns the claim token, or None when the row is sent, failed, missing or claimed
    by another worker (a concurrent UPDATE waits for the other's commit and then finds
    the condition false)."""
    at = at or now()
    token = uuid.uuid4().hex
    result = db.execute(
        update(OutgoingEmail)
        .where(OutgoingEmail.id == email_id, _claimable(at))
        .values(
            status=EmailStatus.SENDING,
            claimed_at=at,
            claim_token=token,
            attempts=OutgoingEmail.attempts + 1,
        )
        .execution_options(synchronize_session=False)
    )
    return token if result.rowcount == 1 else None  # type: ignore[attr-defined]


def _finish(email_id: int, token: str, **values: object) -> bool:
    result = db.execute(
        update(OutgoingEmail)
        .where(
            OutgoingEmail.id == email_id,
            OutgoingEmail.claim_token == token,
            OutgoingEmail.status == EmailStatus.SENDING,
        )
        .values(claim_token=None, **values)
        .execution_options(synchronize_session=False)
    )
    done = result.rowcount == 1  # type: ignore[attr-defined]
    if not done:
        log.warning(
            "email %s: claim %s was taken over; outcome %s not recorded", email_id, token, values
        )
    return done


def mark_sent(email_id: int, token: str, *, at: dt.datetime | None = None) -> bool:
    """Record the delivery and wipe the body and attachments (it may hold single-use links)."""
    return _finish(
        email_id,
        token,
        status=EmailStatus.SENT,
        sent_at=at or now(),
        last_error=None,
        text="",
        html=None,
        headers=None,
        attachments=None,
    )


def mark_failed(email_id: int, token: str, error: str) -> bool:
    return _finish(email_id, token, status=EmailStatus.FAILED, last_error=error[:500])


def release_for_retry(email_id: int, token: str, due: dt.datetime, error: str) -> bool:
    return _finish(
        email_id,
        token,
        status=EmailStatus.PENDING,
        due_at=due,
        claimed_at=None,
        last_error=error[:500],
    )


def retry_delay(attempts: int, base: float, cap: float, *, jitter: float | None = None) -> float:
    """Exponential backoff after ``attempts`` failed attempts: base·2^(attempts-1), capped,
    scaled by a jitter factor in [0.5, 1] so many waiting mails do not retry in step."""
    factor = random.uniform(0.5, 1.0) if jitter is None else jitter
    return min(cap, base * 2 ** max(0, attempts - 1)) * factor


def purge_finished(*, at: dt.datetime | None = None) -> int:
    """Delete sent and failed rows older than ``KEEP_FINISHED``; returns how many."""
    at = at or now()
    result = db.execute(
        delete(OutgoingEmail)
        .where(
            OutgoingEmail.status.in_([EmailStatus.SENT, EmailStatus.FAILED]),
            OutgoingEmail.created_at <= at - KEEP_FINISHED,
        )
        .execution_options(synchronize_session=False)
    )
    return result.rowcount  # type: ignore[attr-defined,no-any-return]


def sweep(*, at: dt.datetime | None = None, max_attempts: int = 10) -> list[int]:
    """Hand over every row whose task got lost; returns their ids.

    Pending rows overdue by ``SWEEP_AFTER`` and rows whose claim is older than
    ``CLAIM_TIMEOUT`` go back to pending with ``due_at = at`` (so the next sweep leaves
    them alone for another ``SWEEP_AFTER``) and are enqueued after the commit. Two sweeps
    at once — a duplicate beat — pick each row once: the UPDATE re-checks its condition
    on the locked row. Rows that already had ``max_attempts`` attempts fail instead.
    """
    at = at or now()
    lost = or_(
        and_(OutgoingEmail.status == EmailStatus.PENDING, OutgoingEmail.due_at <= at - SWEEP_AFTER),
        and_(
            OutgoingEmail.status == EmailStatus.SENDING,
            OutgoingEmail.claimed_at <= at - CLAIM_TIMEOUT,
        ),
    )
    db.execute(
        update(OutgoingEmail)
        .where(lost, OutgoingEmail.attempts >= max_attempts)
        .values(
            status=EmailStatus.FAILED,
            claim_token=None,
            last_error=f"gave up after {max_attempts} attempts",
        )
        .execution_options(synchronize_session=False)
    )
    batch = select(OutgoingEmail.id).where(lost).order_by(OutgoingEmail.due_at).limit(SWEEP_BATCH)
    ids = list(
        db.execute(
            update(OutgoingEmail)
            .where(OutgoingEmail.id.in_(batch.scalar_subquery()), lost)
            .values(status=EmailStatus.PENDING, due_at=at, claimed_at=None, claim_token=None)
            .returning(OutgoingEmail.id)
            .execution_options(synchronize_session=False)
        ).scalars()
    )
    for email_id in ids:
        after_commit(partial(enqueue, email_id))
    if ids:
        log.info("outbox sweep hands over %d email(s): %s", len(ids), ids)
    return ids
