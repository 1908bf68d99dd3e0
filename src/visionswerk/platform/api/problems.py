"""Errors of the JSON API as ``application/problem+json`` (RFC 9457).

Every error body has ``type`` (``about:blank``), ``title``, ``status`` and ``detail`` — the
plain-language message in the user's language (German unless the account says English).
Field errors (422) add ``errors: [{"field", "detail"}]``; conflicts (409) add the
service's payload as extension members (e.g. ``stored`` and ``submitted``: both texts).
"""

from __future__ import annotations

import datetime as dt
import enum
import json
from typing import Any

from flask import Response, current_app
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import MethodNotAllowed

from visionswerk.errors import Conflict, DomainError
from visionswerk.i18n import N_
from visionswerk.platform.i18n import message_of

MIMETYPE = "application/problem+json"
RESERVED = frozenset({"type", "title", "status", "detail", "instance", "errors"})

TITLES = {
    400: N_("Die Anfrage konnte nicht verarbeitet werden"),
    401: N_("Anmeldung erforderlich"),
    403: N_("Kein Zugriff"),
    404: N_("Nicht gefunden"),
    405: N_("Diese Methode ist hier nicht möglich"),
    409: N_("Konflikt mit dem aktuellen Stand"),
    413: N_("Die Eingabe ist zu groß"),
    422: N_("Die Eingabe ist nicht gültig"),
    429: N_("Zu viele Anfragen"),
    500: N_("Ein Fehler ist aufgetreten"),
    503: N_("Vorübergehend nicht verfügbar"),
}

DETAILS = {
    400: N_("Die Anfrage konnte nicht verarbeitet werden. Es wurde nichts gespeichert."),
    401: N_(
        "Bitte melden Sie sich an oder senden Sie einen gültigen persönlichen API-Schlüssel "
        "(Authorization: Bearer …)."
    ),
    403: N_("Dafür fehlt Ihnen die Berechtigung."),
    404: N_("Das gibt es hier nicht."),
    405: N_("Diese Methode ist für diese Adresse nicht möglich."),
    413: N_("Die Anfrage ist zu groß. Es wurde nichts gespeichert."),
    429: N_("Zu viele Anfragen in kurzer Zeit. Bitte warten Sie einige Minuten."),
    500: N_("Bitte versuchen Sie es später erneut. Es wurde nichts gespeichert."),
    503: N_(
        "Visionswerk ist vorübergehend nicht verfügbar. Es wurde nichts gespeichert. Bitte "
        "versuchen Sie es in einigen Minuten erneut."
    ),
}

CSRF_DETAIL = N_(
    "Das CSRF-Token fehlt oder ist ungültig; es wurde nichts gespeichert. Senden Sie bei "
    "Anmeldung über die Sitzung das Token im Kopf X-CSRFToken mit (siehe GET /api/v1/me) "
    "oder verwenden Sie einen persönlichen API-Schlüssel."
)


class BadBody(DomainError):
    """The request body is not a JSON object (400)."""

    status = 400


def _default(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    return str(value)


def json_response(data: Any, status: int = 200, mimetype: str = "application/json") -> Response:
    return current_app.response_class(
        json.dumps(data, ensure_ascii=False, default=_default),
        status=status,
        mimetype=mimetype,
    )


def problem(status: int, detail: str, **extra: Any) -> Response:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": _(TITLES.get(status, TITLES[500])),
        "status": status,
        "detail": detail,
    }
    body.update({k: v for k, v in extra.items() if k not in RESERVED or k == "errors"})
    response = json_response(body, status, MIMETYPE)
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="Visionswerk"'
    return response


def problem_response(status: int, error: Exception | None = None) -> Response:
    """The problem document for an error raised while handling an API request."""
    extra: dict[str, Any] = {}
    if isinstance(error, DomainError):
        detail = message_of(error)
        field = getattr(error, "field", None)
        if field:
            extra["errors"] = [{"field": field, "detail": detail}]
        if isinstance(error, Conflict):
            extra.update({k: v for k, v in error.payload.items() if k not in RESERVED})
    elif isinstance(error, CSRFError):
        detail = _(CSRF_DETAIL)
    else:
        detail = _(DETAILS.get(status, DETAILS[500]))
    response = problem(status, detail, **extra)
    if isinstance(error, MethodNotAllowed) and error.valid_methods:
        response.headers["Allow"] = ", ".join(sorted(error.valid_methods))
    return response
