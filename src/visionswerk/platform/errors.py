"""Error pages in plain German (or English), never a stack trace. API requests
(``/api/...``) get the same errors as ``application/problem+json`` instead
(``visionswerk.platform.api.problems``)."""

from __future__ import annotations

from typing import Any

from flask import Flask, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from visionswerk.errors import DomainError, NotAllowed, NotFound
from visionswerk.i18n import N_
from visionswerk.platform.i18n import message_of
from visionswerk.platform.pipeline import is_api_request

TITLES = {
    400: N_("Die Anfrage konnte nicht verarbeitet werden"),
    403: N_("Kein Zugriff"),
    404: N_("Seite nicht gefunden"),
    405: N_("Diese Aktion ist hier nicht möglich"),
    413: N_("Die Eingabe ist zu groß"),
    422: N_("Die Eingabe ist nicht gültig"),
    429: N_("Zu viele Versuche"),
    500: N_("Ein Fehler ist aufgetreten"),
}


NOT_SHOWN_BACK = {"csrf_token", "next", "lang"}


def _is_secret(name: str) -> bool:
    name = name.lower()
    return "password" in name or "passwort" in name or "token" in name


def _submitted_text() -> dict[str, str]:
    """What the user typed, so an error page can give it back (never passwords)."""
    if request.method != "POST":
        return {}
    return {
        k: v
        for k, v in request.form.items()
        if k not in NOT_SHOWN_BACK and not _is_secret(k) and v.strip()
    }


def form_error(form: Any, error: DomainError, default: str, **aliases: str) -> None:
    """Show a service's error beside the form field it concerns (``error.field`` when the
    service named one, renamed through ``aliases``), else beside ``default``."""
    name = getattr(error, "field", None) or default
    name = aliases.get(name, name)
    field = form[name] if name in form else form[default]
    field.errors = [*field.errors, message_of(error)]


def render_error(status: int, message: str | None = None, error: Exception | None = None):  # type: ignore[no-untyped-def]
    if is_api_request():
        from visionswerk.platform.api.problems import problem_response

        return problem_response(status, error)
    return (
        render_template(
            "errors/error.html",
            status=status,
            title=_(TITLES.get(status, TITLES[500])),
            message=message,
            submitted=_submitted_text(),
        ),
        status,
    )


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(e: CSRFError):  # type: ignore[no-untyped-def]
        return render_error(
            400,
            _(
                "Ihre Sitzung ist abgelaufen oder das Formular war zu lange geöffnet. "
                "Es wurde nichts gespeichert. Ihre Eingaben stehen unten – bitte laden Sie "
                "die Seite neu und senden Sie sie erneut."
            ),
            e,
        )

    @app.errorhandler(429)
    def _too_many(e: HTTPException):  # type: ignore[no-untyped-def]
        return render_error(
            429,
            _(
                "Zu viele Versuche in kurzer Zeit. Bitte warten Sie einige Minuten und "
                "versuchen Sie es dann erneut."
            ),
            e,
        )

    @app.errorhandler(NotFound)
    def _domain_not_found(e: NotFound):  # type: ignore[no-untyped-def]
        return render_error(404, message_of(e), e)

    @app.errorhandler(NotAllowed)
    def _domain_not_allowed(e: NotAllowed):  # type: ignore[no-untyped-def]
        return render_error(403, message_of(e), e)

    @app.errorhandler(DomainError)
    def _domain(e: DomainError):  # type: ignore[no-untyped-def]
        return render_error(e.status, message_of(e), e)

    @app.errorhandler(HTTPException)
    def _http(e: HTTPException):  # type: ignore[no-untyped-def]
        if e.code is None:
            return e
        return render_error(e.code, None, e)

    @app.errorhandler(Exception)
    def _unexpected(e: Exception):  # type: ignore[no-untyped-def]
        app.logger.exception("unexpected error")
        return render_error(
            500, _("Bitte versuchen Sie es später erneut. Ihre Eingaben stehen unten."), e
        )
