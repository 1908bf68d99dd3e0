"""Two-factor login ("Zwei-Faktor-Anmeldung", service ``tenants.mfa``): the page under
Mein Konto to switch it on (QR code drawn here with ``segno``, the secret also as text),
off and to renew the recovery codes; the second step of logging in (``/anmelden/code``);
and the rule that roles in ``MFA_REQUIRED_ROLES`` reach nothing else until it is on.

The secret being set up lives encrypted in the (signed) session cookie until a code
confirms it: a GET stores nothing in the database. The login's pending user lives there
too, for ``PENDING_SECONDS``; nobody is logged in before the code is right."""

from __future__ import annotations

import time
from typing import Any

import segno
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_user
from markupsafe import Markup

from visionswerk.db import db
from visionswerk.errors import InvalidInput
from visionswerk.platform.accounts.forms import EnableMfaForm, LoginCodeForm, MfaConfirmForm
from visionswerk.platform.accounts.views import _failed, _per_account, _per_address, _safe_next
from visionswerk.platform.errors import form_error
from visionswerk.platform.extensions import limiter
from visionswerk.platform.pipeline import is_api_request, is_public, public
from visionswerk.tenants import accounts, mfa
from visionswerk.tenants.models import User

bp = Blueprint("mfa", __name__)

PENDING_SECONDS = 300
SETUP_KEY, LOGIN_KEY = "mfa_setup", "mfa_login"
# What a person who must use two-factor login may reach before it is on.
OPEN_WHILE_REQUIRED = {"mfa.setup", "mfa.enable", "accounts.logout", "accounts.set_language"}


def _key() -> str:
    return current_app.config["VISIONSWERK"].secret_key  # type: ignore[no-any-return]


def _required() -> bool:
    roles = current_app.config["VISIONSWERK"].mfa_required_roles
    return bool(roles) and mfa.is_required(current_user, roles)


@bp.before_app_request
def _enforce() -> Any:
    """A required role without two-factor login goes to its setup first. API tokens are
    left alone: a token can only be made on a page, so after the setup."""
    if not current_user.is_authenticated or g.get("token_authenticated"):
        return None
    endpoint = request.endpoint
    if endpoint in OPEN_WHILE_REQUIRED or is_public(current_app, endpoint):
        return None
    if not _required() or mfa.is_enabled(current_user):
        return None
    if is_api_request():
        abort(403)
    return redirect(url_for("mfa.setup"))


# --- Mein Konto → Zwei-Faktor-Anmeldung -------------------------------------------------


def _pending_secret(renew: bool = False) -> str:
    """The secret being set up in this session (a new one if none or unreadable)."""
    secret = None if renew else mfa.unseal(_key(), session.get(SETUP_KEY, ""))
    if secret is None:
        secret = mfa.new_secret()
        session[SETUP_KEY] = mfa.seal(_key(), secret)
    return secret


def _qr_svg(uri: str) -> Markup:
    # drawn here, never by a web service: the secret must not leave the server
    svg = segno.make(uri, error="m").svg_inline(scale=5, border=4, dark="#000", light="#fff")
    return Markup(svg)  # segno draws paths only; no text of ours is in it


def _page(enable_form: EnableMfaForm | None = None, **forms: Any):  # type: ignore[no-untyped-def]
    row = mfa.status(current_user)
    context: dict[str, Any] = {"row": row, "required": _required()}
    if row is None:
        secret = _pending_secret()
        context |= {
            "qr": _qr_svg(mfa.provisioning_uri(current_user, secret)),
            "secret": mfa.grouped(secret),
            "form": enable_form or EnableMfaForm(formdata=None),
        }
    else:
        context |= {
            "unused": mfa.unused_recovery_codes(current_user),
            "renew_form": forms.get("renew_form") or MfaConfirmForm(formdata=None, prefix="renew"),
            "disable_form": forms.get("disable_form")
            or MfaConfirmForm(formdata=None, prefix="off"),
        }
    return render_template("accounts/mfa.html", **context)


def _codes_page(codes: list[str], *, switched_on: bool):  # type: ignore[no-untyped-def]
    # shown on the page answering the POST, never put in the cookie by a redirect
    return render_template("accounts/mfa_codes.html", codes=codes, switched_on=switched_on)


@bp.get("/konto/zwei-faktor")
def setup():  # type: ignore[no-untyped-def]
    return _page()


@bp.post("/konto/zwei-faktor/einschalten")
def enable():  # type: ignore[no-untyped-def]
    form = EnableMfaForm()
    secret = mfa.unseal(_key(), session.get(SETUP_KEY, ""))
    if form.validate_on_submit() and secret is not None:
        try:
            codes = mfa.enable(current_user, secret, form.code.data or "", form.password.data or "",
                               _key())  # fmt: skip
        except InvalidInput as e:
            form_error(form, e, "code")
        else:
            session.pop(SETUP_KEY, None)
            return _codes_page(codes, switched_on=True)
    elif secret is None:  # the session ended meanwhile: the app holds another secret
        form.code.errors = [*form.code.errors, _("Bitte richten Sie die App neu ein.")]
    return _page(enable_form=form), 422


@bp.post("/konto/zwei-faktor/neue-codes")
def renew_codes():  # type: ignore[no-untyped-def]
    form = MfaConfirmForm(prefix="renew")
    if form.validate_on_submit():
        try:
            codes = mfa.renew_recovery_codes(current_user, form.password.data or "",
                                             form.code.data or "", _key())  # fmt: skip
            return _codes_page(codes, switched_on=False)
        except InvalidInput as e:
            form_error(form, e, "password")
    return _page(renew_form=form), 422


@bp.post("/konto/zwei-faktor/ausschalten")
def disable():  # type: ignore[no-untyped-def]
    form = MfaConfirmForm(prefix="off")
    if form.validate_on_submit():
        try:
            mfa.disable(current_user, form.password.data or "", form.code.data or "", _key())
        except InvalidInput as e:
            form_error(form, e, "password")
        else:
            flash(
                _(
                    "Die Zwei-Faktor-Anmeldung ist ausgeschaltet. Auf anderen Geräten sind Sie "
                    "jetzt abgemeldet."
                ),
                "success",
            )
            return redirect(url_for("mfa.setup"))
    return _page(disable_form=form), 422


# --- the second step of logging in ------------------------------------------------------


def second_step(user: User):  # type: ignore[no-untyped-def]
    """Called by ``accounts.login`` once the password is right: with two-factor login on,
    the user is not logged in yet but asked for a code; else None."""
    if not mfa.is_enabled(user):
        return None
    session[LOGIN_KEY] = {"uid": user.id, "at": int(time.time())}
    return redirect(url_for("mfa.login_code", next=request.args.get("next")))


def _pending_user() -> User | None:
    pending = session.get(LOGIN_KEY) or {}
    if not isinstance(pending, dict) or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        return None
    user = db.get(User, pending.get("uid", 0))
    return user if user is not None and user.active else None


def _pending_key() -> str:
    pending = session.get(LOGIN_KEY) or {}
    return f"login-code:{pending.get('uid', '') if isinstance(pending, dict) else ''}"


def _finish_login(user: User) -> None:
    """As ``accounts.login`` starts a session (keep the two alike)."""
    accounts.end_login_session(session.get("_user_id"))
    session.clear()  # a new session at login: nothing from before survives
    accounts.start_login_session(user)
    login_user(user)


@bp.route("/anmelden/code", methods=["GET", "POST"])
@public
@limiter.limit(_per_address, methods=["POST"], deduct_when=_failed)
@limiter.limit(_per_account, key_func=_pending_key, methods=["POST"], deduct_when=_failed)
def login_code():  # type: ignore[no-untyped-def]
    if current_user.is_authenticated:
        return redirect(url_for("tenancy.home"))
    user = _pending_user()
    if user is None:
        session.pop(LOGIN_KEY, None)
        flash(_("Bitte melden Sie sich noch einmal mit Ihrem Passwort an."), "warning")
        return redirect(url_for("accounts.login", next=request.args.get("next")))
    form = LoginCodeForm()
    if form.validate_on_submit():
        kind = mfa.verify_login(user, form.code.data or "", _key())
        if kind is not None:
            _finish_login(user)
            if kind == "recovery":
                _recovery_notice(user)
            return redirect(_safe_next(request.args.get("next")))
        form.code.errors = [_("Dieser Code stimmt nicht oder wurde schon benutzt.")]
    return render_template("accounts/login_code.html", form=form), 422 if form.errors else 200


def _recovery_notice(user: User) -> None:
    flash(
        _(
            "Sie haben sich mit einem Wiederherstellungscode angemeldet; er gilt jetzt nicht "
            "mehr. Verbleibende Codes: %(n)d. Unter „Mein Konto → Zwei-Faktor-Anmeldung“ "
            "erhalten Sie neue.",
            n=mfa.unused_recovery_codes(user),
        ),
        "warning",
    )
