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
from visionswerk.platform.accounts.sessions import limits as session_limits
from visionswerk.platform.errors import form_error
from visionswerk.platform.extensions import client_address, limiter, login_manager
from visionswerk.platform.i18n import LANGUAGES
from visionswerk.platform.pipeline import public
from visionswerk.tenants import accounts, auth_events, login_sessions, mfa, personal_data
from visionswerk.tenants.accounts import normalize_email
from visionswerk.worker.models import NotificationPreference

bp = Blueprint("accounts", __name__)

login_manager.login_view = "accounts.login"
login_manager.login_message = None


@login_manager.user_loader
def _load_user(token: str):  # type: ignore[no-untyped-def]
    check = login_sessions.check_login_token(token, session_limits())
    if check.expired:
        _session_expired()
    return check.user


def _session_expired() -> None:
    """The login page says why (the pipeline sends the user there next)."""
    session.pop("_user_id", None)
    flash(
        _(
            "Sie waren zu lange nicht aktiv oder zu lange angemeldet. "
            "Zu Ihrer Sicherheit sind Sie abgemeldet. Bitte melden Sie sich neu an."
        ),
        "info",
    )


def _settings():  # type: ignore[no-untyped-def]
    return current_app.config["VISIONSWERK"]


def _per_address() -> str:
    return _settings().login_limit_per_address  # type: ignore[no-any-return]


def _per_account() -> str:
    return _settings().login_limit_per_account  # type: ignore[no-any-return]


def _per_account_all() -> str:
    return _settings().login_limit_per_account_all  # type: ignore[no-any-return]


def _login_email() -> str:
    return normalize_email(request.form.get("email", ""))


def _account_key() -> str:
    """Failed logins count per account *and* client address: an attacker's failures from
    elsewhere never lock out the owner, who logs in from their own address (issue 13,
    finding 10; README: "Login limits")."""
    return f"login-account:{client_address()}:{_login_email()}"


def _account_all_key() -> str:
    return "login-account-all:" + _login_email()


def _known_address() -> bool:
    """The account logged in from this address lately: guessing from many addresses at
    once (the limit across addresses) does not lock its owner out here."""
    return auth_events.logged_in_from(_login_email(), client_address())


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


def _second_step(user):  # type: ignore[no-untyped-def]
    from visionswerk.platform.accounts.mfa import second_step  # imports this module

    return second_step(user)


@bp.route("/anmelden", methods=["GET", "POST"])
@public
@limiter.limit(_per_address, methods=["POST"], deduct_when=_failed)
@limiter.limit(_per_account, key_func=_account_key, methods=["POST"], deduct_when=_failed)
@limiter.limit(
    _per_account_all,
    key_func=_account_all_key,
    methods=["POST"],
    deduct_when=_failed,
    exempt_when=_known_address,
)
def login():  # type: ignore[no-untyped-def]
    if current_user.is_authenticated:
        return redirect(url_for("tenancy.home"))
    form = LoginForm()
    if form.validate_on_submit():
        user = accounts.authenticate(form.email.data or "", form.password.data or "")
        if user is not None and (code_step := _second_step(user)) is not None:
            return code_step  # two-factor login: not logged in before the code is right
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
    auth_events.record(current_user, "logout")
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
        _queue_reset(form.email.data or "")
        flash(
            _(
                "Wenn es zu dieser Adresse ein Konto gibt, haben wir Ihnen einen Link zum "
                "Zurücksetzen geschickt."
            ),
            "success",
        )
        return redirect(url_for("accounts.login"))
    return render_template("accounts/reset_request.html", form=form), 422 if form.errors else 200


def _queue_reset(email: str) -> None:
    """Hand the address to the worker, which looks the account up and sends the mail:
    this request does the same work whether an account exists or not (finding 9)."""
    from kombu.exceptions import OperationalError

    from visionswerk.worker.password_reset import send_reset
    from visionswerk.worker.tasks import send_password_reset

    args = (normalize_email(email), client_address(), request.headers.get("User-Agent", ""))
    try:
        send_password_reset.apply_async(
            args=args,
            retry=True,
            retry_policy={"max_retries": 2, "interval_start": 0.1, "interval_step": 0.5},
        )
    except (OperationalError, ConnectionError, TimeoutError) as exc:
        # Redis down: do the worker's part here (the mail waits in the outbox table), so
        # a reset still works; only during the outage do both paths differ in work
        current_app.logger.warning("password reset not enqueued (%s); done in the request", exc)
        send_reset(current_app.config["VISIONSWERK"], *args)


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
        flash(
            _(
                "Ihr Passwort ist geändert. Zu Ihrer Sicherheit sind Sie auf allen Geräten "
                "abgemeldet, und alle API-Schlüssel des Kontos sind widerrufen. "
                "Bitte melden Sie sich mit dem neuen Passwort an."
            ),
            "success",
        )
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
        mfa_on=mfa.is_enabled(current_user),
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
                _(
                    "Ihr Passwort ist geändert. Auf allen anderen Geräten sind Sie jetzt "
                    "abgemeldet, und alle API-Schlüssel des Kontos sind widerrufen."
                ),
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
