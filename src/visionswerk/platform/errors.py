"""Error pages in plain German (or English), never a stack trace. API requests
(``/api/...``) get the same errors as ``application/problem+json`` instead
(``visionswerk.platform.api.problems``)."""

from __future__ import annotations

from typing import Any

from flask import Flask, g, render_template, request, session
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy import exc as sa_exc
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from visionswerk import db as dbmod
from visionswerk.db import CONFLICT_MESSAGES, violated_constraint
from visionswerk.errors import Conflict, DomainError, NotAllowed, NotFound
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
    503: N_("Vorübergehend nicht verfügbar"),
}

#: Seconds a client is asked to wait when a service is down (``Retry-After``).
RETRY_AFTER = 60


NOT_SHOWN_BACK = {"csrf_token", "next", "lang"}


def _is_secret(name: str) -> bool:
    name = name.lower()
    return "password" in name or "passwort" in name or "token" in name


def _submitted_text() -> dict[str, str]:
    """What the user typed, so an error page can give it back (never passwords)."""
    if request.method != "POST":
        return {}
    try:
        form = request.form
    except RequestEntityTooLarge:  # the 413 page itself: too large to give back
        return {}
    return {
        k: v.replace("\x00", "")
        for k, v in form.items()
        if k not in NOT_SHOWN_BACK and not _is_secret(k) and v.strip()
    }


CONCURRENT_CHANGE = N_(
    "Das wurde gerade gleichzeitig an anderer Stelle geändert. Es wurde nichts "
    "gespeichert. Bitte laden Sie die Seite neu und versuchen Sie es dann noch einmal."
)
TOO_LARGE = N_(
    "Das Formular war größer als 2 MB und wurde nicht angenommen; es wurde nichts "
    "gespeichert. Gehen Sie bitte mit der Zurück-Taste Ihres Browsers zurück (Ihre "
    "Eingaben stehen meist noch dort) und kürzen Sie den Text."
)


def integrity_conflict(exc: IntegrityError) -> Conflict | None:
    """The one mapping of a database constraint to the domain's Conflict (409): a unique
    or foreign key a concurrent request got to first. None for anything else (a bug)."""
    violation = violated_constraint(exc)
    if violation is None:
        return None
    _kind, name = violation
    return Conflict(CONFLICT_MESSAGES.get(name or "", CONCURRENT_CHANGE))


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


def is_outage(error: BaseException) -> bool:
    """The database, Redis or the broker does not answer (refused, dropped, pool empty):
    not a bug but a service that is down — the person should come back later."""
    if isinstance(error, sa_exc.OperationalError | sa_exc.TimeoutError):
        return True
    if isinstance(error, sa_exc.DBAPIError) and error.connection_invalidated:
        return True
    import redis.exceptions
    from kombu.exceptions import OperationalError as BrokerDown

    return isinstance(
        error, BrokerDown | redis.exceptions.ConnectionError | redis.exceptions.TimeoutError
    )


def outage_response(error: BaseException):  # type: ignore[no-untyped-def]
    """503 with our page, rendered without touching the database: the person counts as
    anonymous for this response (no account lookup) and no tenant is shown; the language
    comes from the session or the browser. What a person typed is shown back."""
    from visionswerk.platform.extensions import login_manager
    from visionswerk.tenants.scoping import set_current_tenant

    logged_in = "_user_id" in session  # the cookie says so; the account is not loaded
    g._login_user = login_manager.anonymous_user()
    g.pop("tenant", None)
    set_current_tenant(None)
    message = _(
        "Visionswerk ist vorübergehend nicht verfügbar. Bitte versuchen Sie es in "
        "einigen Minuten erneut."
    )
    if logged_in:
        message += " " + _("Sie bleiben angemeldet.")
    response = render_error(503, message, error)
    body, status = response if isinstance(response, tuple) else (response, 503)
    return body, status, {"Retry-After": str(RETRY_AFTER)}


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

    @app.errorhandler(413)
    def _too_large(e: HTTPException):  # type: ignore[no-untyped-def]
        return render_error(413, _(TOO_LARGE), e)

    @app.errorhandler(IntegrityError)
    def _integrity(e: IntegrityError):  # type: ignore[no-untyped-def]
        dbmod.rollback()  # the failed flush or commit left the session unusable
        conflict = integrity_conflict(e)
        if conflict is None:
            return _unexpected(e)
        app.logger.info("constraint refused a concurrent change: %s", e.orig)
        return render_error(409, message_of(conflict), conflict)

    @app.errorhandler(Exception)
    def _unexpected(e: Exception):  # type: ignore[no-untyped-def]
        if is_outage(e):
            # one line, no traceback: the cause (not the SQL's values, see db.py) for the
            # operator, who also sees it in /healthz
            app.logger.error("service unavailable: %s: %s", type(e).__name__, str(e)[:300])
            return outage_response(e)
        app.logger.exception("unexpected error")
        # a failed statement may have left the session unusable, and the error page reads
        # (who is logged in, their language); what waits for the request's end stays
        dbmod.db.rollback()
        return render_error(
            500, _("Bitte versuchen Sie es später erneut. Ihre Eingaben stehen unten."), e
        )
