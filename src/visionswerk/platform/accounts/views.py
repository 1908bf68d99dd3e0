"""Login, logout, password reset, the account page, the language switch."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from visionswerk.db import db, utcnow
from visionswerk.errors import InvalidInput
from visionswerk.platform.accounts.forms import (
    ChangePasswordForm,
    DeleteAccountForm,
    ExportForm,
    LoginForm,
    NewPasswordForm,
    ProfileForm,
    ResetRequestForm,
)
from visionswerk.platform.errors import form_error
from visionswerk.platform.extensions import limiter, login_manager
from visionswerk.platform.i18n import LANGUAGES
from visionswerk.platform.mailing import send_after_commit
from visionswerk.platform.pipeline import public
from visionswerk.tenants import accounts, personal_data
from visionswerk.tenants.accounts import normalize_email
from visionswerk.worker.models import NotificationPreference

bp = Blueprint("accounts", __name__)

login_manager.login_view = "accounts.login"
login_manager.login_message = None


@login_manager.user_loader
def _load_user(token: str):  # type: ignore[no-untyped-def]
    return accounts.user_for_login_token(token)


def _settings():  # type: ignore[no-untyped-def]
    return current_app.config["VISIONSWERK"]


def _per_address() -> str:
    return _settings().login_limit_per_address  # type: ignore[no-any-return]


def _per_account() -> str:
    return _settings().login_limit_per_account  # type: ignore[no-any-return]


def _account_key() -> str:
    return "login-account:" + normalize_email(request.form.get("email", ""))


def _failed(response: Response) -> bool:
    """Only failed attempts count against the login limits: a whole workshop group
    logging in from one town-hall address must not lock itself out."""
    return response.status_code == 422


def _safe_next(target: str | None) -> str:
    """``target`` if it is a path on this site, else the start page (no open redirect).
    Browsers read a backslash like a slash and drop tabs and line breaks, so a path
    starting with slash-backslash or slash-tab-slash would leave the site."""
    if (
        target
        and target.startswith("/")
        and not target.startswith("//")
        and "\\" not in target
        and all(ch.isprintable() and not ch.isspace() for ch in target)
    ):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return url_for("tenancy.home")


@bp.route("/anmelden", methods=["GET", "POST"])
@public
@limiter.limit(_per_address, methods=["POST"], deduct_when=_failed)
@limiter.limit(_per_account, key_func=_account_key, methods=["POST"], deduct_when=_failed)
def login():  # type: ignore[no-untyped-def]
    if current_user.is_authenticated:
        return redirect(url_for("tenancy.home"))
    form = LoginForm()
    if form.validate_on_submit():
        user = accounts.authenticate(form.email.data or "", form.password.data or "")
        if user is not None:
            old_token = session.get("_user_id")
            accounts.end_login_session(old_token)
            session.clear()  # a new session at login: nothing from before survives
            accounts.start_login_session(user)
            login_user(user)
            return redirect(_safe_next(request.args.get("next")))
        # about the pair, not one field: a form-level message (the summary announces it)
        form.form_errors.append(_("E-Mail-Adresse oder Passwort ist falsch."))
        return render_template("accounts/login.html", form=form), 422
    return render_template("accounts/login.html", form=form), 422 if form.errors else 200


@bp.post("/abmelden")
def logout():  # type: ignore[no-untyped-def]
    accounts.end_login_session(current_user.get_id())
    logout_user()
    session.clear()
    flash(_("Sie sind abgemeldet."), "success")
    # e.g. back to an invitation meant for another account (tenancy.accept)
    if request.form.get("next"):
        return redirect(_safe_next(request.form.get("next")))
    return redirect(url_for("accounts.login"))


@bp.route("/passwort/vergessen", methods=["GET", "POST"])
@public
@limiter.limit(_per_address, methods=["POST"])
def reset_request():  # type: ignore[no-untyped-def]
    form = ResetRequestForm()
    if form.validate_on_submit():
        found = accounts.request_password_reset(
            form.email.data or "", _settings().password_reset_minutes
        )
        if found is not None:
            user, token = found
            reset = accounts.valid_password_reset(token)
            assert reset is not None  # made just now
            send_after_commit(
                user.email,
                "password_reset",
                key=f"password-reset:{reset.id}",
                locale=user.locale,
                user=user,
                link=_settings().base_url + url_for("accounts.reset_password", token=token),
                minutes=_settings().password_reset_minutes,
            )
        flash(
            _(
                "Wenn es zu dieser Adresse ein Konto gibt, haben wir Ihnen einen Link zum "
                "Zurücksetzen geschickt."
            ),
            "success",
        )
        return redirect(url_for("accounts.login"))
    return render_template("accounts/reset_request.html", form=form), 422 if form.errors else 200


@bp.route("/passwort/neu/<token>", methods=["GET", "POST"])
@public
def reset_password(token: str):  # type: ignore[no-untyped-def]
    if accounts.valid_password_reset(token) is None:
        return render_template("accounts/reset_invalid.html"), 404
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            accounts.reset_password(token, form.password.data or "")
        except InvalidInput as e:
            form_error(form, e, "password")
            return render_template("accounts/reset_password.html", form=form), 422
        flash(_("Ihr Passwort ist geändert. Bitte melden Sie sich an."), "success")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/reset_password.html", form=form), 422 if form.errors else 200


def _mail_settings() -> dict[str, bool]:
    """What /benachrichtigungen has set (the defaults when nothing was saved yet)."""
    pref = db.get(NotificationPreference, current_user.id)
    return {
        "reminders": pref.reminders if pref else True,
        "digest": pref.digest if pref else False,
    }


def _account_page(
    form: ProfileForm | None = None,
    delete_form: DeleteAccountForm | None = None,
    password_form: ChangePasswordForm | None = None,
):  # type: ignore[no-untyped-def]
    return render_template(
        "accounts/account.html",
        form=form or ProfileForm(formdata=None, obj=current_user),
        password_form=password_form or ChangePasswordForm(formdata=None),
        mail_settings=_mail_settings(),
        export_form=ExportForm(formdata=None),
        delete_form=delete_form or DeleteAccountForm(formdata=None),
    )


@bp.route("/konto", methods=["GET", "POST"])
def account():  # type: ignore[no-untyped-def]
    form = ProfileForm(obj=current_user)
    if form.validate_on_submit():
        try:
            accounts.update_profile(
                current_user, form.display_name.data or "", form.locale.data or ""
            )
        except InvalidInput as e:
            form_error(form, e, "display_name")
            return _account_page(form), 422
        flash(_("Ihre Angaben sind gespeichert."), "success")
        return redirect(url_for("accounts.account"))
    return _account_page(form), 422 if form.errors else 200


@bp.post("/konto/passwort")
def change_password():  # type: ignore[no-untyped-def]
    """ "Passwort ändern": needs the current password; logs out every other device."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            accounts.change_password(
                current_user, form.current_password.data or "", form.password.data or ""
            )
        except InvalidInput as e:
            form_error(form, e, "password")
        else:
            flash(
                _("Ihr Passwort ist geändert. Auf anderen Geräten sind Sie jetzt abgemeldet."),
                "success",
            )
            return redirect(url_for("accounts.account"))
    return _account_page(password_form=form), 422


@bp.post("/konto/daten")
def export_data():  # type: ignore[no-untyped-def]
    """ "Meine Daten herunterladen": everything about the account, as a JSON file."""
    form = ExportForm()
    if not form.validate_on_submit():
        return _account_page(), 400
    data = personal_data.export(current_user)
    filename = f"visionswerk-meine-daten-{utcnow():%Y-%m-%d}.json"
    return Response(
        json.dumps(data, ensure_ascii=False, indent=2),
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.post("/konto/loeschen")
def delete_account():  # type: ignore[no-untyped-def]
    """ "Konto löschen": needs the current password; ends every session of the account."""
    form = DeleteAccountForm()
    if form.validate_on_submit():
        try:
            accounts.delete_account(current_user, form.password.data or "")
        except InvalidInput as e:
            form_error(form, e, "password")
        else:
            logout_user()
            session.clear()
            flash(_("Ihr Konto und Ihre Daten sind gelöscht."), "success")
            return redirect(url_for("accounts.login"))
    return _account_page(delete_form=form), 422


@bp.post("/sprache")
@public
def set_language():  # type: ignore[no-untyped-def]
    lang = request.form.get("lang", "de")
    if lang in LANGUAGES:
        session["lang"] = lang
        if current_user.is_authenticated:
            current_user.locale = lang
    return redirect(_safe_next(request.form.get("next")))
