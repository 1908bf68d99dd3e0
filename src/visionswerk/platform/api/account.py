"""Personal API tokens ("Für Entwickler: API-Schlüssel", ``/konto/api-schluessel``, linked
small at the foot of the account page: developer features stay where developers look, not
on every participant's account page): create (the token is shown exactly once, on the page
answering the POST) and revoke. An HTML blueprint of its own, so its forms keep the usual
CSRF protection and error pages."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from visionswerk.errors import InvalidInput
from visionswerk.platform.errors import form_error
from visionswerk.platform.tenancy.forms import TOO_LONG
from visionswerk.tenants import api_tokens

bp = Blueprint("api_tokens", __name__)


class ApiTokenForm(FlaskForm):
    name = StringField(
        _l("Name des Schlüssels"),
        validators=[
            DataRequired(message=_l("Bitte geben Sie dem Schlüssel einen Namen.")),
            Length(max=api_tokens.NAME_MAX, message=TOO_LONG),
        ],
        description=_l("Woran Sie ihn später erkennen, z. B. „Auswertung im Rathaus“."),
    )


class RevokeForm(FlaskForm):
    """Only the CSRF token."""


@bp.app_context_processor
def _token_section() -> dict[str, Any]:
    """What the account page's API-key section needs (templates/api/_tokens.html)."""

    def api_token_section() -> dict[str, Any]:
        return {
            "tokens": api_tokens.tokens_of(current_user),
            "form": g.get("api_token_form") or ApiTokenForm(formdata=None),
            "new_token": g.get("api_token_new"),
        }

    return {"api_token_section": api_token_section}


def _tokens_page():  # type: ignore[no-untyped-def]
    return render_template("api/tokens.html")


@bp.get("/konto/api-schluessel")
def tokens():  # type: ignore[no-untyped-def]
    return _tokens_page()


@bp.post("/konto/api-schluessel")
def create_token():  # type: ignore[no-untyped-def]
    form = ApiTokenForm()
    if form.validate_on_submit():
        try:
            token, raw = api_tokens.create_token(current_user, form.name.data)
        except InvalidInput as e:
            form_error(form, e, "name")
        else:
            # shown once, on this page; no redirect, so it never sits in a cookie
            g.api_token_new = {"name": token.name, "token": raw}
            g.api_token_form = ApiTokenForm(formdata=None)
            return _tokens_page(), 200
    g.api_token_form = form
    return _tokens_page(), 422


@bp.post("/konto/api-schluessel/<int:token_id>/widerrufen")
def revoke_token(token_id: int):  # type: ignore[no-untyped-def]
    form = RevokeForm()
    if not form.validate_on_submit():
        return _tokens_page(), 400
    token = api_tokens.revoke_token(current_user, token_id)
    flash(_("Der Schlüssel „%(name)s“ ist widerrufen.", name=token.name), "success")
    return redirect(url_for("api_tokens.tokens"))
