"""Worker tasks and their beat schedule. Each task takes ids and plain values (JSON),
never ORM objects, and runs inside :class:`~visionswerk.worker.celery_app.DatabaseTask`."""

from __future__ import annotations

import datetime as dt
import logging

from celery import Task

from visionswerk import db as dbmod
from visionswerk.db import db
from visionswerk.worker import mail, outbox
from visionswerk.worker.celery_app import DatabaseTask, celery, settings_of
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
}

assert dt.timedelta(seconds=DELIVERY_TIME_LIMIT) < outbox.CLAIM_TIMEOUT


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
    settings = settings_of(self.app)
    token = outbox.claim(email_id)
    if token is None:
        return "skipped"  # sent, failed, gone, or another worker has it
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
        return "failed"
    except mail.TransientError as exc:
        if email.attempts >= settings.mail_max_attempts:
            log.warning("email %s failed after %d attempts: %s", email_id, email.attempts, exc)
            outbox.mark_failed(email_id, token, f"{exc} (after {email.attempts} attempts)")
            return "failed"
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
        raise self.retry(countdown=delay) from None
    return "sent"


@celery.task(name="visionswerk.sweep_outbox", base=DatabaseTask, ignore_result=True)
def sweep_outbox() -> int:
    """Hand over outbox rows whose task was lost (runs every minute from beat)."""
    return len(outbox.sweep(max_attempts=settings_of(celery).mail_max_attempts))
