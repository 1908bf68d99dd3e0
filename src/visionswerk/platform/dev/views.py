"""The development outbox: the emails the local run wrote to the outbox folder instead of
sending them (no ``MAIL_SERVER``), listed and readable in the browser.

Only registered in development (see ``create_app``); every view answers 404 in any other
environment as well, should it ever be registered there. Public on purpose: in the demo
you read the invitation for an account you are not logged in as.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

from flask import Blueprint, Response, abort, current_app, render_template

from visionswerk.platform.pipeline import public
from visionswerk.worker.mail import OUTBOX_NAME

bp = Blueprint("dev", __name__, url_prefix="/_dev")

LINK_RE = re.compile(r"https?://[^\s<>\"']+")
MAX_LISTED = 200


@dataclass(frozen=True)
class Mail:
    name: str
    subject: str
    to: str
    date: dt.datetime | None
    message: EmailMessage


def _settings():  # type: ignore[no-untyped-def]
    return current_app.config["VISIONSWERK"]


@bp.before_request
def _development_only() -> None:
    if _settings().env != "development":
        abort(404)


def _read(path: Path) -> Mail:
    msg = message_from_bytes(path.read_bytes(), policy=policy.default)
    assert isinstance(msg, EmailMessage)
    date_header = msg["Date"]
    try:
        date = date_header.datetime if date_header is not None else None
    except (AttributeError, ValueError):
        date = None
    return Mail(path.name, str(msg["Subject"] or ""), str(msg["To"] or ""), date, msg)


def _files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return [p for p in folder.iterdir() if p.is_file() and OUTBOX_NAME.match(p.name)]


def _sort_key(mail: Mail) -> dt.datetime:
    return mail.date or dt.datetime.min.replace(tzinfo=dt.UTC)


def segments(text: str) -> list[tuple[str, bool]]:
    """Split text into (piece, is_link) so the template can make links clickable."""
    out: list[tuple[str, bool]] = []
    last = 0
    for match in LINK_RE.finditer(text):
        if match.start() > last:
            out.append((text[last : match.start()], False))
        out.append((match.group(0), True))
        last = match.end()
    if last < len(text):
        out.append((text[last:], False))
    return out


@bp.get("/postausgang")
@public
def outbox():  # type: ignore[no-untyped-def]
    settings = _settings()
    mails = sorted((_read(p) for p in _files(settings.mail_outbox)), key=_sort_key, reverse=True)
    return render_template(
        "dev/outbox.html",
        mails=mails[:MAX_LISTED],
        total=len(mails),
        folder=settings.mail_outbox,
        mail_server=settings.mail_server,
    )


def _mail(name: str) -> Mail:
    folder: Path = _settings().mail_outbox
    if not OUTBOX_NAME.match(name):
        abort(404)
    path = folder / name
    if path not in _files(folder):
        abort(404)
    return _read(path)


def attachments(mail: Mail) -> list[EmailMessage]:
    return list(mail.message.iter_attachments())  # type: ignore[arg-type]


@bp.get("/postausgang/<name>")
@public
def show(name: str):  # type: ignore[no-untyped-def]
    mail = _mail(name)
    plain = mail.message.get_body(("plain",))
    html = mail.message.get_body(("html",))
    return render_template(
        "dev/mail.html",
        mail=mail,
        text=segments(plain.get_content()) if plain is not None else [],
        html_source=html.get_content() if html is not None else None,
        attachments=attachments(mail),
    )


@bp.get("/postausgang/<name>/anhang/<int:number>")
@public
def attachment(name: str, number: int):  # type: ignore[no-untyped-def]
    """A mail's attachment as it was sent (a step's deadline as .ics), to open or import."""
    parts = attachments(_mail(name))
    if not 1 <= number <= len(parts):
        abort(404)
    part = parts[number - 1]
    response = Response(part.get_payload(decode=True), mimetype=part.get_content_type())
    response.headers.set("Content-Disposition", "attachment", filename=part.get_filename() or "")
    return response
