"""Emails from the web app: rendered in the recipient's language and recorded in the
mail outbox in the request's transaction; the worker sends them after the commit (a
request that rolls back sends nothing)."""

from __future__ import annotations

from typing import Any

from flask import render_template
from flask_babel import force_locale

from visionswerk.worker.models import OutgoingEmail
from visionswerk.worker.outbox import queue_email


def send_after_commit(
    to: str,
    template: str,
    *,
    key: str,
    locale: str = "de",
    tenant_id: int | None = None,
    **context: Any,
) -> OutgoingEmail:
    """Queue the mail ``mail/<template>.{subject.txt,txt,html}`` to ``to``: every mail has
    a text and an HTML part.

    ``key`` names what caused the mail (``"invitation:<id>"``, ``"password-reset:<id>"``):
    the same key twice sends one mail.
    """
    with force_locale(locale):
        subject = render_template(f"mail/{template}.subject.txt", **context).strip()
        text = render_template(f"mail/{template}.txt", **context)
        html = render_template(f"mail/{template}.html", **context)
    return queue_email(key, to, subject, text, html, tenant_id=tenant_id)
