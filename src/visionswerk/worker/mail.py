"""Sending one email: SMTP in production, an outbox folder for the local run.

Errors are sorted into :class:`TransientError` (connection refused, timeouts, dropped
connections, 4xx answers: try again later) and :class:`PermanentError` (the server
answered 5xx: trying again will not help).
"""

from __future__ import annotations

import json
import os
import re
import smtplib
from collections.abc import Callable
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import TYPE_CHECKING

from visionswerk.settings import Settings

if TYPE_CHECKING:
    from visionswerk.worker.models import OutgoingEmail

#: Names the outbox folder uses (and the only names the development outbox page opens).
OUTBOX_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,200}\.eml$")


class DeliveryError(Exception):
    permanent = False


class TransientError(DeliveryError):
    """Try again later."""


class PermanentError(DeliveryError):
    """The server refused for good (5xx)."""

    permanent = True


HEADER_POLICY = policy.default.clone(max_line_length=998)


def build_message(settings: Settings, email: OutgoingEmail) -> EmailMessage:
    """The message for one outbox row (its body decrypted). Message-ID and Date come from
    the row, so every attempt sends the very same message.

    Raises :class:`PermanentError` when the body cannot be decrypted (SECRET_KEY changed).
    """
    from cryptography.fernet import InvalidToken

    from visionswerk.worker.outbox import unseal, unseal_attachments

    try:
        text = unseal(settings.secret_key, email.text)
        html = unseal(settings.secret_key, email.html) if email.html else None
        headers = json.loads(unseal(settings.secret_key, email.headers)) if email.headers else {}
        attachments = unseal_attachments(settings.secret_key, email.attachments)
    except InvalidToken:
        raise PermanentError(
            "body cannot be decrypted: SECRET_KEY changed since queueing"
        ) from None
    # RFC 5322 allows 998 characters a line; at the default 78, a List-Unsubscribe URL has
    # no place to fold and Python would encode it as an RFC 2047 word no client can follow
    msg = EmailMessage(policy=HEADER_POLICY)
    msg["From"] = settings.mail_sender
    msg["To"] = email.to
    msg["Subject"] = email.subject
    msg["Date"] = format_datetime(email.created_at)
    msg["Message-ID"] = email.message_id
    msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies, please
    for name, value in headers.items():  # e.g. List-Unsubscribe (RFC 2369 / RFC 8058)
        msg[name] = value
    msg.set_content(text)
    if html:
        msg.add_alternative(html, subtype="html")
    for a in attachments:  # the message becomes multipart/mixed: text + html, then the files
        maintype, _, subtype = a.media_type.partition("/")
        msg.add_attachment(
            a.content,
            maintype=maintype,
            subtype=subtype,
            filename=a.filename,
            params=dict(a.params),
        )
    return msg


def classify(exc: BaseException) -> DeliveryError:
    """Permanent only when the server answered 5xx; everything else may pass."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        permanent = bool(codes) and all(500 <= code < 600 for code in codes)
    elif isinstance(exc, smtplib.SMTPResponseException):
        permanent = 500 <= exc.smtp_code < 600
    else:
        permanent = False
    kind = PermanentError if permanent else TransientError
    return kind(f"{type(exc).__name__}: {exc}")


def send(
    settings: Settings, msg: EmailMessage, on_accepted: Callable[[], None] | None = None
) -> None:
    """Deliver ``msg``; call ``on_accepted`` as soon as it is accepted.

    With SMTP, ``on_accepted`` runs right after the server's 250 for the message and
    before QUIT, which keeps the window between "server has it" and "we recorded it"
    as short as it can be. Errors of ``on_accepted`` itself propagate unchanged.
    """
    accepted = on_accepted or (lambda: None)
    if not settings.mail_server:
        try:
            write_to_outbox(settings.mail_outbox, msg)
        except OSError as exc:
            raise TransientError(f"outbox folder: {exc}") from exc
        accepted()
        return
    try:
        smtp = smtplib.SMTP(settings.mail_server, settings.mail_port, timeout=settings.mail_timeout)
    except (smtplib.SMTPException, OSError) as exc:
        raise classify(exc) from exc
    try:
        try:
            if settings.mail_use_tls:
                smtp.starttls()
            if settings.mail_username and settings.mail_password:
                smtp.login(settings.mail_username, settings.mail_password)
            smtp.send_message(msg)
        except (smtplib.SMTPException, OSError) as exc:
            raise classify(exc) from exc
        accepted()
    finally:
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()


def outbox_name(msg: EmailMessage) -> str:
    """A stable file name per message (Date + Message-ID): a re-sent copy replaces the
    first instead of appearing twice."""
    date = msg["Date"]
    stamp = date.datetime.strftime("%Y%m%dT%H%M%S") if date is not None else "undated"
    local = re.sub(r"[^A-Za-z0-9]", "", str(msg["Message-ID"]).partition("@")[0])[:64]
    return f"{stamp}-{local}.eml"


def write_to_outbox(folder: Path, msg: EmailMessage) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / outbox_name(msg)
    partial = target.with_suffix(".part")
    partial.write_bytes(bytes(msg))
    os.replace(partial, target)  # atomic: the outbox page never sees half a message
    return target
