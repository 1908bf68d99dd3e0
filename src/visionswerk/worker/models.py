"""The mail outbox: one row per email that must go out, recorded in the transaction
that made it necessary (a transactional outbox).

``idempotency_key`` is unique: whatever asks for the same email twice (a retried request,
a second beat process, a redelivered task) finds the row that is already there. Keys are
named after what caused the mail, e.g. ``invitation:<id>``, ``password-reset:<id>``,
``reminder:<workshop>:<user>:<step>:<slot>``.

Not tenant-owned (password-reset mails have no tenant, and the worker's sweep reads all
rows); ``tenant_id`` is kept for reference only.
"""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Enum, ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from visionswerk.db import Base, str_enum, utcnow
from visionswerk.tenants.models import TenantOwned


class EmailStatus(enum.StrEnum):
    PENDING = "pending"  # waiting for a delivery attempt
    SENDING = "sending"  # claimed by one worker (claim_token) since claimed_at
    SENT = "sent"  # the SMTP server (or the outbox folder) accepted it
    FAILED = "failed"  # permanent error, or too many attempts


class OutgoingEmail(Base):
    __tablename__ = "outgoing_emails"
    __table_args__ = (Index("ix_outgoing_emails_status_due_at", "status", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    tenant_id: Mapped[int | None] = mapped_column(
        ForeignKey("tenants.id", ondelete="SET NULL"), index=True
    )
    to: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    # The body, encrypted with a key derived from SECRET_KEY (it may hold single-use
    # links); emptied once sent. See ``outbox.seal``.
    text: Mapped[str] = mapped_column(Text)
    html: Mapped[str | None] = mapped_column(Text)
    # Extra headers (List-Unsubscribe …) as sealed JSON, or None.
    headers: Mapped[str | None] = mapped_column(Text)
    # Files attached (a step's deadline as .ics) as sealed JSON like the body, or None;
    # emptied once sent. See ``outbox.Attachment``.
    attachments: Mapped[str | None] = mapped_column(Text)
    # Stable across every attempt: a re-sent copy carries the same Message-ID and Date,
    # so receiving systems can recognise it as the same message.
    message_id: Mapped[str] = mapped_column(String(250), unique=True)
    status: Mapped[EmailStatus] = mapped_column(
        Enum(
            EmailStatus,
            name="email_status",
            native_enum=False,
            length=20,
            validate_strings=True,
            values_callable=lambda e: [m.value for m in e],
        ),
        default=EmailStatus.PENDING,
    )
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # When the next attempt is due; the sweep hands over pending rows whose due time
    # passed a while ago (their task was lost) and moves it forward when it does.
    due_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    claimed_at: Mapped[dt.datetime | None]
    claim_token: Mapped[str | None] = mapped_column(String(32))
    sent_at: Mapped[dt.datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(500))

    def __repr__(self) -> str:
        return f"<OutgoingEmail {self.id} {self.idempotency_key!r} {self.status.value}>"


class NotificationPreference(Base):
    """A user's choices about mail from the worker (one row per user, created on first
    use). ``token_hash`` is the SHA-256 of the user's unsubscribe token; the token itself
    is derived (HMAC with SECRET_KEY and ``token_salt``, see ``worker.preferences``) and
    never stored."""

    __tablename__ = "notification_preferences"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    reminders: Mapped[bool] = mapped_column(default=True)
    digest: Mapped[bool] = mapped_column(default=False)
    token_salt: Mapped[str] = mapped_column(String(32))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ReportKind(enum.StrEnum):
    VISION = "vision"  # the vision document of an adopted workshop
    PROCESS = "process"  # the process documentation of a workshop
    REGION = "region"  # the region status report (coordinators)


class ReportStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class Report(TenantOwned, Base):
    """One generated report (PDF + HTML stored in the row). ``request_key`` is unique:
    a double-clicked request form or a redelivered task finds the same row."""

    __tablename__ = "reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ReportKind] = mapped_column(str_enum(ReportKind, "report_kind"))
    workshop_id: Mapped[int | None] = mapped_column(
        ForeignKey("workshops.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[ReportStatus] = mapped_column(
        str_enum(ReportStatus, "report_status"), default=ReportStatus.QUEUED
    )
    progress: Mapped[int] = mapped_column(default=0)
    request_key: Mapped[str] = mapped_column(String(100), unique=True)
    pdf: Mapped[bytes | None] = mapped_column(LargeBinary)
    html: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(String(500))
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[dt.datetime | None]
    #: How often a worker started building it (``reports.claim``); a build that kills its
    #: worker is tried ``reports.MAX_ATTEMPTS`` times, then the report is failed.
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    #: When the current attempt started (a running report older than STALE_AFTER is lost).
    started_at: Mapped[dt.datetime | None]

    def __repr__(self) -> str:
        return f"<Report {self.id} {self.kind.value} {self.status.value}>"


class Heartbeat(Base):
    """The last time a periodic process showed it is alive (``beat``: the beat task
    ``visionswerk.heartbeat``, every minute). ``/healthz`` reports a stale one, so a beat
    that died inside a worker that still runs is seen."""

    __tablename__ = "heartbeats"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    at: Mapped[dt.datetime]


class ScanCursor(Base):
    """How far a periodic scan has read an append-only table (``notifications.scan``: the
    last ``audit_entries.id`` it looked at), so each run reads only what is new, however
    long the history. Updated in the transaction that queues the scan's mails."""

    __tablename__ = "scan_cursors"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    position: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
