"""Language choice: the account's language, else the visitor's choice, else the browser's;
German when nothing says otherwise."""

from __future__ import annotations

from flask import g, request, session
from flask_babel import gettext
from flask_login import current_user

from visionswerk.errors import DomainError
from visionswerk.timefmt import DEFAULT_TIME_ZONE

LANGUAGES = {"de": "Deutsch", "en": "English"}


def select_locale() -> str:
    if current_user and current_user.is_authenticated:
        return current_user.locale
    chosen = session.get("lang")
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(list(LANGUAGES), default="de") or "de"


def select_timezone() -> str:
    """Flask-Babel's zone (its ``dateformat`` filter): the tenant's, as in ``timefmt``."""
    tenant = g.get("tenant")
    return tenant.time_zone if tenant is not None else DEFAULT_TIME_ZONE


def message_of(error: DomainError) -> str:
    """The error's message in the user's language."""
    return gettext(error.message, **error.params)
