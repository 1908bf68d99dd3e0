"""Worker tasks and their beat schedule. Each task takes ids and plain values (JSON),
never ORM objects, and runs inside :class:`~visionswerk.worker.celery_app.DatabaseTask` —
but the step-3 suggestions, which take texts and need no database."""

from __future__ import annotations

import datetime as dt
import logging

from celery import Task

from visionswerk import db as dbmod
from visionswerk.db import db
from visionswerk.settings import Settings
from visionswerk.worker import mail, outbox, suggestions
from visionswerk.worker.celery_app import VISIBILITY_TIMEOUT, DatabaseTask, celery, settings_of
from visionswerk.worker.models import OutgoingEmail

log = logging.getLogger(__name__)

#: Hard time limit of one delivery attempt (seconds). Below ``outbox.CLAIM_TIMEOUT`` (so
#: a claim older than that belongs to a dead worker) and below the broker's visibility
#: timeout (``celery_app.VISIBILITY_TIMEOUT``).
DELIVERY_TIME_LIMIT = 300

#: The beat schedule, next to the tasks it runs. One beat process in production; a second
#: one does no harm (see ``outbox.sweep``). ``expires`` drops sweeps that waited in the
#: queue longer than the interval (no worker running): the next one does the same work.
BEAT_SCHEDULE = {
    "sweep-outbox": {
        "task": "visionswerk.sweep_outbox",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    "send-reminders": {
        "task": "visionswerk.send_reminders",
        "schedule": 600.0,
        "options": {"expires": 590},
    },
    "send-notifications": {
        "task": "visionswerk.send_notifications",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    "sweep-reports": {
        "task": "visionswerk.sweep_reports",
        "schedule": 60.0,  # a report asked for while the broker was down waits ~1-2 min
        "options": {"expires": 55},
    },
    "heartbeat": {
        "task": "visionswerk.heartbeat",
        "schedule": 30.0,  # /healthz calls the scheduler stale after HEARTBEAT_STALE
        "options": {"expires": 25},
    },
    "sweep-login-sessions": {
        "task": "visionswerk.sweep_login_sessions",
        "schedule": 3600.0,
        "options": {"expires": 3500},
    },
    "send-digests": {
        "task": "visionswerk.send_digests",
        "schedule": 3600.0,
        "options": {"expires": 3500},
    },
}

#: Hard time limit of one report (seconds); below the broker's visibility timeout.
REPORT_TIME_LIMIT = 600

assert dt.timedelta(seconds=DELIVERY_TIME_LIMIT) < outbox.CLAIM_TIMEOUT
assert REPORT_TIME_LIMIT < VISIBILITY_TIMEOUT
# (reports.STALE_AFTER, 15 min, exceeds REPORT_TIME_LIMIT, 10 min)


@celery.task(
    name="visionswerk.deliver_email",
    base=DatabaseTask,
    bind=True,
    ignore_result=True,
    max_retries=None,  # the row's attempts decide (MAIL_MAX_ATTEMPTS)
    time_limit=DELIVERY_TIME_LIMIT,
    soft_time_limit=DELIVERY_TIME_LIMIT - 30,
)
def deliver_email(self: Task, email_id: int) -> str:
    """Deliver one outbox row, at most one worker at a time; returns what happened."""
    outcome, delay = _deliver(settings_of(self.app), email_id)
    if delay is not None:
        raise self.retry(countdown=delay) from None
    return outcome


@celery.task(
    name="visionswerk.deliver_emails",
    base=DatabaseTask,
    ignore_result=True,
    time_limit=DELIVERY_TIME_LIMIT,
    soft_time_limit=DELIVERY_TIME_LIMIT - 30,
)
def deliver_emails(email_ids: list[int]) -> int:
    """Deliver rows the sweeps queued, one after the other, each exactly as
    ``deliver_email`` does (its own claim and commits); a transient failure goes on as a
    ``deliver_email`` retry of its own. Rows a killed batch never reached are pending:
    the outbox sweep hands them over. Returns how many were sent."""
    settings = settings_of(celery)
    sent = 0
    for email_id in email_ids:
        outcome, delay = _deliver(settings, email_id)
        dbmod.commit()
        if delay is not None:
            deliver_email.apply_async(args=[email_id], countdown=delay)
        sent += outcome == "sent"
    return sent


def _deliver(settings: Settings, email_id: int) -> tuple[str, float | None]:
    """One delivery attempt: (what happened, retry delay when the failure was transient)."""
    token = outbox.claim(email_id)
    if token is None:
        return "skipped", None  # sent, failed, gone, or another worker has it
    dbmod.commit()  # the claim must be visible before we talk to the SMTP server
    email = db.get(OutgoingEmail, email_id, populate_existing=True)
    assert email is not None

    def accepted() -> None:
        outbox.mark_sent(email_id, token)
        dbmod.commit()

    try:
        mail.send(settings, mail.build_message(settings, email), on_accepted=accepted)
    except mail.PermanentError as exc:
        log.warning("email %s failed for good: %s", email_id, exc)
        outbox.mark_failed(email_id, token, str(exc))
        return "failed", None
    except mail.TransientError as exc:
        if email.attempts >= settings.mail_max_attempts:
            log.warning("email %s failed after %d attempts: %s", email_id, email.attempts, exc)
            outbox.mark_failed(email_id, token, f"{exc} (after {email.attempts} attempts)")
            return "failed", None
        delay = outbox.retry_delay(
            email.attempts, settings.mail_retry_backoff, settings.mail_retry_backoff_max
        )
        log.info(
            "email %s: attempt %d failed (%s), retry in %.1fs", email_id, email.attempts, exc, delay
        )
        outbox.release_for_retry(
            email_id, token, outbox.now() + dt.timedelta(seconds=delay), str(exc)
        )
        dbmod.commit()
        return "retry", delay
    return "sent", None


@celery.task(name="visionswerk.sweep_outbox", base=DatabaseTask, ignore_result=True)
def sweep_outbox() -> int:
    """Hand over outbox rows whose task was lost (runs every minute from beat), and delete
    finished rows past their retention (``outbox.KEEP_FINISHED``)."""
    outbox.purge_finished()
    return len(outbox.sweep(max_attempts=settings_of(celery).mail_max_attempts))


@celery.task(name="visionswerk.send_password_reset", base=DatabaseTask, ignore_result=True)
def send_password_reset(email: str, client_address: str = "", user_agent: str = "") -> bool:
    """The reset mail for ``email`` if it has an account (see ``worker.password_reset``)."""
    from visionswerk.worker.password_reset import send_reset

    return send_reset(settings_of(celery), email, client_address, user_agent)


@celery.task(name="visionswerk.sweep_login_sessions", base=DatabaseTask, ignore_result=True)
def sweep_login_sessions(now_iso: str | None = None) -> int:
    """Delete login sessions that expired under every role's limits (hourly from beat)."""
    from visionswerk.tenants import login_sessions

    limits = login_sessions.limits_of(settings_of(celery))
    return login_sessions.sweep_expired(limits, _now(now_iso))


def _now(now_iso: str | None) -> dt.datetime:
    """The clock of a beat task: ``now_iso`` (tests, ISO 8601 with offset) or UTC now."""
    if now_iso:
        parsed = dt.datetime.fromisoformat(now_iso)
        assert parsed.tzinfo is not None, "now_iso needs a UTC offset"
        return parsed.astimezone(dt.UTC)
    return outbox.now()


@celery.task(name="visionswerk.send_reminders", base=DatabaseTask, ignore_result=True)
def send_reminders(now_iso: str | None = None) -> int:
    """Queue the due deadline reminders (see ``reminders.py``); returns how many keys
    were asked for (already-queued ones included: the outbox ignores those)."""
    from visionswerk.worker import reminders

    return len(reminders.sweep(settings_of(celery), _now(now_iso)))


@celery.task(name="visionswerk.send_notifications", base=DatabaseTask, ignore_result=True)
def send_notifications(now_iso: str | None = None) -> int:
    """Queue notifications for recent audit entries (see ``notifications.py``)."""
    from visionswerk.worker import notifications

    return len(notifications.scan(settings_of(celery), _now(now_iso)))


@celery.task(name="visionswerk.send_digests", base=DatabaseTask, ignore_result=True)
def send_digests(now_iso: str | None = None) -> int:
    """Queue today's digest mails (see ``digest.py``)."""
    from visionswerk.worker import digest

    return len(digest.send(settings_of(celery), _now(now_iso)))


@celery.task(
    name="visionswerk.generate_report",
    base=DatabaseTask,
    ignore_result=True,
    time_limit=REPORT_TIME_LIMIT,
    soft_time_limit=REPORT_TIME_LIMIT - 30,
)
def generate_report(tenant_id: int, report_id: int) -> str:
    """Build one report (see ``reports.py``); a redelivered task finds it done."""
    from visionswerk.worker import reports

    return reports.generate(settings_of(celery), tenant_id, report_id)


@celery.task(
    name=suggestions.TASKS[0],
    base=Task,  # no database
    acks_late=False,  # lost with its worker: the waiting request computes it itself
    time_limit=60,
)
def suggest_groups(labels: list[str]) -> list[list[int]]:
    """The step-3 grouping suggestion for these labels (``worker/suggestions.py``)."""
    from visionswerk.workshops import grouping

    return grouping.suggest_groups([str(label) for label in labels])


@celery.task(name=suggestions.TASKS[1], base=Task, acks_late=False, time_limit=60)
def suggest_passages(labels: list[str], text: str, limit: int) -> list[list[tuple[int, int]]]:
    """The step-3 passage suggestions of these labels in ``text``, as character spans."""
    from visionswerk.workshops import grouping

    return grouping.suggest_passages_many([str(x) for x in labels], str(text), limit=int(limit))


@celery.task(name="visionswerk.heartbeat", base=DatabaseTask, ignore_result=True)
def heartbeat(now_iso: str | None = None) -> str:
    """Beat is alive (it sent this) and a worker runs (it ran it): ``/healthz`` reads it.
    A beat that died inside a worker that keeps running (``worker --beat``) stops it."""
    from visionswerk.worker.models import Heartbeat

    at = _now(now_iso)
    row = db.get(Heartbeat, "beat")
    if row is None:
        db.add(Heartbeat(name="beat", at=at))
    else:
        row.at = at
    return at.isoformat()


@celery.task(name="visionswerk.sweep_reports", base=DatabaseTask, ignore_result=True)
def sweep_reports(now_iso: str | None = None) -> int:
    """Hand over reports whose task was lost (see ``reports.sweep_stale``)."""
    from visionswerk.worker import reports

    return len(reports.sweep_stale(_now(now_iso)))
