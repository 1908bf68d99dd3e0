"""Errors of the JSON API as ``application/problem+json`` (RFC 9457).

Every error body has ``type`` — a stable URI per kind of error (``PROBLEM_TYPES``, listed
in the README and in the OpenAPI description) —, ``title``, ``status`` and ``detail``: the
plain-language message in the user's language (German unless the account says English).
Invalid input (422) adds ``errors: [{"field", "detail"}]`` naming the request's own
fields (``deadlines.individual``, ``user_ids[2]``); conflicts (409) add the service's
payload as extension members (``stored``/``submitted``, ``current_sha256``, …), declared
per operation in the description (``models.py``).
"""

from __future__ import annotations

import datetime as dt
import enum
import json
from typing import Any

from flask import Response, current_app, g
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import MethodNotAllowed

from visionswerk.errors import Conflict, DomainError
from visionswerk.i18n import N_
from visionswerk.platform.i18n import message_of

MIMETYPE = "application/problem+json"
RESERVED = frozenset({"type", "title", "status", "detail", "instance", "errors"})
TYPE_BASE = "https://visionswerk.de/probleme/"

#: kind → (status, what it means); ``type`` is TYPE_BASE + kind
PROBLEM_TYPES: dict[str, tuple[int, str]] = {
    "ungueltige-anfrage": (400, "The body is not JSON, or nested too deeply."),
    "csrf": (400, "Session request without a valid X-CSRFToken header."),
    "anmeldung-erforderlich": (401, "Not logged in, or the token is unknown or revoked."),
    "kein-zugriff": (403, "The object is visible, but this action is not allowed."),
    "nicht-gefunden": (404, "Not there — also another tenant's ids and ids out of range."),
    "methode-nicht-erlaubt": (405, "The address exists, the method does not."),
    "veraltet": (409, "Saved from a stale version: `stored` and `submitted` hold both texts."),
    "anderer-text": (409, "The hash signed is not the current version's (`current_sha256`)."),
    "konflikt": (409, "The workshop's state does not allow this now (e.g. a refused move)."),
    "zu-gross": (413, "The request is larger than 2 MB."),
    "medientyp": (415, "The body is not application/json."),
    "ungueltige-eingabe": (422, "Invalid input; `errors` names the request's fields."),
    "zu-viele-anfragen": (429, "Too many requests in a short time."),
    "serverfehler": (500, "Something went wrong on our side; nothing was saved."),
}
_KIND_OF_STATUS = {
    400: "ungueltige-anfrage",
    401: "anmeldung-erforderlich",
    403: "kein-zugriff",
    404: "nicht-gefunden",
    405: "methode-nicht-erlaubt",
    409: "konflikt",
    413: "zu-gross",
    415: "medientyp",
    422: "ungueltige-eingabe",
    429: "zu-viele-anfragen",
}

TITLES = {
    400: N_("Die Anfrage konnte nicht verarbeitet werden"),
    401: N_("Anmeldung erforderlich"),
    403: N_("Kein Zugriff"),
    404: N_("Nicht gefunden"),
    405: N_("Diese Methode ist hier nicht möglich"),
    409: N_("Konflikt mit dem aktuellen Stand"),
    413: N_("Die Eingabe ist zu groß"),
    415: N_("Dieses Format wird hier nicht angenommen"),
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
    415: N_(
        "Bitte senden Sie den Inhalt als JSON (Content-Type: application/json). "
        "Es wurde nichts gespeichert."
    ),
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
    """The request body is not JSON, or nested too deeply (400)."""

    status = 400


class WrongMediaType(DomainError):
    """The request body is not ``application/json`` (415)."""

    status = 415


class RequestInvalid(DomainError):
    """The body does not match the route's model (422); ``errors`` are already in the
    user's language and name the request's fields."""

    status = 422

    def __init__(self, errors: list[dict[str, str]]) -> None:
        super().__init__(" ".join(e["detail"] for e in errors[:3]))
        self.errors = errors


class FieldConflict(Conflict):
    """A service's refusal of a well-formed field that only the current state decides
    (``spec.api(state_fields=…)``): 409 ``konflikt`` with ``errors`` naming the field."""

    def __init__(self, error: Any) -> None:
        super().__init__(error.message, **error.params)
        self.field = error.field


def problem_type(kind: str) -> str:
    return TYPE_BASE + kind


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


def problem(status: int, detail: str, kind: str | None = None, **extra: Any) -> Response:
    kind = kind or _KIND_OF_STATUS.get(status, "serverfehler")
    body: dict[str, Any] = {
        "type": problem_type(kind),
        "title": _(TITLES.get(status, TITLES[500])),
        "status": status,
        "detail": detail,
    }
    body.update({k: v for k, v in extra.items() if k not in RESERVED or k == "errors"})
    response = json_response(body, status, MIMETYPE)
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="Visionswerk"'
    return response


def _conflict_kind(payload: dict[str, Any]) -> str:
    if "stored" in payload:
        return "veraltet"
    if "current_sha256" in payload:
        return "anderer-text"
    return "konflikt"


def request_field(name: str) -> str:
    """The request's name of a field a service named (``deadline_individual`` →
    ``deadlines.individual``): the route declares the renames (``api(fields=…)``)."""
    return (g.get("api_fields") or {}).get(name, name)


def problem_response(status: int, error: Exception | None = None) -> Response:
    """The problem document for an error raised while handling an API request."""
    extra: dict[str, Any] = {}
    kind: str | None = None
    if isinstance(error, RequestInvalid):
        detail = error.message
        extra["errors"] = error.errors
    elif isinstance(error, DomainError):
        detail = message_of(error)
        field = getattr(error, "field", None)
        if field:
            extra["errors"] = [{"field": request_field(field), "detail": detail}]
        if isinstance(error, Conflict):
            kind = _conflict_kind(error.payload)
            extra.update({k: v for k, v in error.payload.items() if k not in RESERVED})
    elif isinstance(error, CSRFError):
        detail, kind = _(CSRF_DETAIL), "csrf"
    else:
        detail = _(DETAILS.get(status, DETAILS[500]))
    response = problem(status, detail, kind, **extra)
    if isinstance(error, MethodNotAllowed) and error.valid_methods:
        response.headers["Allow"] = ", ".join(sorted(error.valid_methods))
    return response
