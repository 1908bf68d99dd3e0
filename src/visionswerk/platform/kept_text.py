"""Nothing typed is lost when the session ended while a form was open.

A form sent after the login session ended (it expired, or was ended on another device)
used to land on the login page with the text gone. Now the request pipeline
(``pipeline._unauthorized``) keeps its text fields on the server
(:class:`~visionswerk.platform.models.KeptForm`), puts a random key into a cookie of this
browser and sends the person to the login with the page the form was on as ``next``.
After logging in *as the same account*, that page shows "Ihr Text wurde aufbewahrt —
bitte noch einmal speichern." and ``static/kept-text.js`` puts the text back into the
form's fields (without JavaScript the text is shown to copy). Shown once; the row is
deleted after ``KEPT_HOURS``.

Whose text it is comes from the signed session cookie (``OWNER_KEY``, set at every
login), which outlives the login session it belonged to. Without it (the cookies are
gone too) nothing is kept here — on a shared computer the next person to log in must
never get someone else's draft; the CSRF error page then shows the text to copy, and the
long workshop forms keep it in the browser (``static/workshops.js``).

Never kept: passwords, tokens, the CSRF token, empty fields, and anything sent from
another site (the ``Origin``/``Referer`` must be this site, so nobody can plant text into
someone else's form). The key is stored only as its SHA-256.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, g, redirect, request, session, url_for
from flask_login import current_user, user_logged_in
from sqlalchemy import delete, select

from visionswerk import db as dbmod
from visionswerk.db import db, utcnow
from visionswerk.platform.models import KeptForm
from visionswerk.tenants.tokens import hash_token, new_token

KEPT_HOURS = 24
OWNER_KEY = "kept_text_owner"  # in the signed session: the account that logged in last
MAX_CHARS = 200_000  # all fields together; more is no form of ours
NOT_KEPT = {"csrf_token", "next", "lang", "sha256"}


def cookie_name() -> str:
    """``__Host-`` in production: only this host, only over HTTPS, path ``/``."""
    production = current_app.config["VISIONSWERK"].is_production
    return "__Host-visionswerk_kept" if production else "visionswerk_kept"


def _is_secret(name: str) -> bool:
    name = name.lower()
    return any(word in name for word in ("password", "passwort", "token", "secret", "code"))


def _text_fields() -> dict[str, list[str]]:
    fields = {}
    for name, values in request.form.lists():
        if name in NOT_KEPT or _is_secret(name):
            continue
        kept = [v for v in values if v.strip()]
        if kept:
            fields[name] = kept
    return fields


def _own_origin() -> str:
    return request.host_url.rstrip("/")


def _sent_from_this_site() -> bool:
    origin = request.headers.get("Origin")
    if origin:
        return origin.rstrip("/") == _own_origin()
    referer = urlsplit(request.headers.get("Referer", ""))
    return f"{referer.scheme}://{referer.netloc}" == _own_origin()


def _page() -> str:
    """The page the form was on (the Referer, same site), else the address it was sent to."""
    referer = urlsplit(request.headers.get("Referer", ""))
    if f"{referer.scheme}://{referer.netloc}" == _own_origin() and referer.path.startswith("/"):
        return referer.path + (f"?{referer.query}" if referer.query else "")
    return request.path


def keep_and_send_to_login() -> Response | None:
    """For a POST that needs a login and has none: keep its text, answer the redirect to
    the login (with the cookie). None when there is nothing to keep or the form came from
    elsewhere; then the caller answers as before."""
    owner_id = session.get(OWNER_KEY)
    if request.method != "POST" or not isinstance(owner_id, int) or not _sent_from_this_site():
        return None
    if request.headers.get("Sec-Fetch-Mode", "navigate") != "navigate":
        return None  # a script's request (reports.js), not a form a person sent
    fields = _text_fields()
    if not fields or sum(len(v) for vs in fields.values() for v in vs) > MAX_CHARS:
        return None
    key, digest = new_token()
    page = _page()
    row = {
        "key_hash": digest,
        "owner_id": owner_id,
        "page": page,
        "action": request.path,
        "fields": json.dumps(fields),
    }

    def keep() -> None:
        db.execute(delete(KeptForm).where(KeptForm.created_at < utcnow() - _lifetime()))
        db.add(KeptForm(**row))

    # a request refused before its view commits nothing: the text is written on its own
    dbmod.write_after(keep)
    response = redirect(url_for("accounts.login", next=page))
    response.set_cookie(
        cookie_name(),
        key,
        max_age=int(_lifetime().total_seconds()),
        httponly=True,
        samesite="Lax",
        secure=current_app.config["VISIONSWERK"].is_production,
    )
    return response


def _lifetime() -> dt.timedelta:
    return dt.timedelta(hours=KEPT_HOURS)


def for_this_page() -> dict[str, Any] | None:
    """On the page the text was kept for, after logging in: ``{"action", "fields"}`` (and
    the cookie is removed with this response: shown once), else None."""
    key = request.cookies.get(cookie_name())
    if not key or request.method != "GET" or not current_user.is_authenticated:
        return None
    row = db.scalar(
        select(KeptForm).where(
            KeptForm.key_hash == hash_token(key),
            KeptForm.owner_id == current_user.id,  # another account never sees it
            KeptForm.created_at > utcnow() - _lifetime(),
        )
    )
    if row is None or urlsplit(row.page).path != request.path:
        return None
    g.kept_text_shown = True
    return {"action": row.action, "fields": json.loads(row.fields)}


def forget_shown(response: Response) -> Response:
    """After the page showed the kept text: this browser forgets the key."""
    if g.get("kept_text_shown"):
        response.delete_cookie(
            cookie_name(),
            httponly=True,
            samesite="Lax",
            secure=current_app.config["VISIONSWERK"].is_production,
        )
    return response


def _remember_owner(_app: Flask, user: Any) -> None:
    """At every login (Flask-Login's signal, after the login view cleared the session)."""
    session[OWNER_KEY] = user.id


def init_app(app: Flask) -> None:
    app.context_processor(lambda: {"kept_form": for_this_page})
    app.after_request(forget_shown)
    user_logged_in.connect(_remember_owner, app)
