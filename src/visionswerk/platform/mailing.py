"""Emails from the web app: rendered in the recipient's language, sent by the worker
after the commit (a request that rolls back sends nothing)."""

from __future__ import annotations

from typing import Any

from flask import render_template
from flask_babel import force_locale

from visionswerk.db import after_commit


def send_after_commit(to: str, template: str, *, locale: str = "de", **context: Any) -> None:
    from visionswerk.worker.tasks import deliver_email

    with force_locale(locale):
        subject = render_template(f"mail/{template}.subject.txt", **context).strip()
        text = render_template(f"mail/{template}.txt", **context)
    after_commit(lambda: deliver_email.delay(to, subject, text))
