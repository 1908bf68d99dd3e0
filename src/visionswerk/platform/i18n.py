"""Language choice: the account's language, else the visitor's choice, else the browser's;
German when nothing says otherwise."""

from __future__ import annotations

from flask import request, session
from flask_babel import gettext
from flask_login import current_user

from visionswerk.errors import DomainError

LANGUAGES = {"de": "Deutsch", "en": "English"}


def select_locale() -> str:
    if current_user and current_user.is_authenticated:
        return current_user.locale
    chosen = session.get("lang")
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(list(LANGUAGES), default="de") or "de"


def message_of(error: DomainError) -> str:
    """The error's message in the user's language."""
    return gettext(error.message, **error.params)
