"""Worker tasks. Each takes ids and plain values (JSON), never ORM objects."""

from __future__ import annotations

from celery import shared_task

from visionswerk.worker import mail
from visionswerk.worker.celery_app import celery, settings_of


@shared_task(
    name="visionswerk.deliver_email",
    autoretry_for=(OSError,),
    retry_backoff=5,
    retry_backoff_max=600,
    max_retries=8,
)
def deliver_email(to: str, subject: str, text: str, html: str | None = None) -> None:
    settings = settings_of(celery)
    mail.send(settings, mail.build_message(settings, to, subject, text, html))
