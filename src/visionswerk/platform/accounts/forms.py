from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length

from visionswerk.platform.tenancy.forms import PASSWORD_HINT, TOO_LONG
from visionswerk.tenants.accounts import MAX_DISPLAY_NAME, MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH

EMAIL_REQUIRED = _l("Bitte geben Sie Ihre E-Mail-Adresse ein.")


class LoginForm(FlaskForm):
    email = EmailField(
        _l("E-Mail-Adresse"),
        validators=[DataRequired(message=EMAIL_REQUIRED), Length(max=254, message=TOO_LONG)],
    )
    password = PasswordField(
        _l("Passwort"),
        validators=[DataRequired(message=_l("Bitte geben Sie Ihr Passwort ein."))],
    )


class ResetRequestForm(FlaskForm):
    email = EmailField(
        _l("E-Mail-Adresse"),
        validators=[DataRequired(message=EMAIL_REQUIRED), Length(max=254, message=TOO_LONG)],
    )


class NewPasswordForm(FlaskForm):
    password = PasswordField(
        _l("Neues Passwort"),
        validators=[
            DataRequired(message=_l("Bitte wählen Sie ein neues Passwort.")),
            Length(
                min=MIN_PASSWORD_LENGTH,
                max=MAX_PASSWORD_LENGTH,
                message=_l("Das Passwort muss %(min)d bis %(max)d Zeichen lang sein."),
            ),
        ],
        description=PASSWORD_HINT,
    )
    password_repeat = PasswordField(
        _l("Neues Passwort wiederholen"),
        validators=[
            DataRequired(message=_l("Bitte wiederholen Sie das neue Passwort.")),
            EqualTo("password", message=_l("Die beiden Passwörter stimmen nicht überein.")),
        ],
    )


class ChangePasswordForm(NewPasswordForm):
    """The new password twice (as when resetting it), and the current one first."""

    current_password = PasswordField(
        _l("Bisheriges Passwort"),
        validators=[DataRequired(message=_l("Bitte geben Sie Ihr bisheriges Passwort ein."))],
    )


class ProfileForm(FlaskForm):
    display_name = StringField(
        _l("Anzeigename"),
        validators=[
            DataRequired(message=_l("Bitte geben Sie einen Anzeigenamen ein.")),
            Length(max=MAX_DISPLAY_NAME, message=TOO_LONG),
        ],
        description=_l(
            "So sehen andere Teilnehmende Sie. Ein Pseudonym ist erlaubt; Ihren echten "
            "Namen brauchen wir nur, wenn Sie eine Vision unterschreiben."
        ),
    )
    locale = SelectField(
        _l("Sprache"),
        choices=[SelectChoice("de", "Deutsch"), SelectChoice("en", "English")],
        validators=[DataRequired(message=_l("Bitte wählen Sie eine Sprache aus."))],
        invalid_choice_message=_l("Diese Sprache wird nicht angeboten."),
    )


class ExportForm(FlaskForm):
    """ "Meine Daten herunterladen": only the CSRF token."""


class DeleteAccountForm(FlaskForm):
    password = PasswordField(
        _l("Ihr aktuelles Passwort"),
        validators=[DataRequired(message=_l("Bitte geben Sie Ihr aktuelles Passwort ein."))],
        description=_l("Zur Sicherheit: Nur wer das Passwort kennt, kann das Konto löschen."),
    )


CODE_REQUIRED = _l("Bitte geben Sie den Code ein.")


class EnableMfaForm(FlaskForm):
    """Switch two-factor login on: a current code from the app proves it is set up."""

    code = StringField(
        _l("Sechsstelliger Code aus der App"),
        validators=[DataRequired(message=CODE_REQUIRED), Length(max=20, message=TOO_LONG)],
        description=_l("Die App zeigt ihn unter „Visionswerk“ an; er wechselt alle 30 Sekunden."),
        render_kw={"inputmode": "numeric", "spellcheck": "false"},  # a phone shows digits
    )
    password = PasswordField(
        _l("Ihr aktuelles Passwort"),
        validators=[DataRequired(message=_l("Bitte geben Sie Ihr aktuelles Passwort ein."))],
    )


class MfaConfirmForm(FlaskForm):
    """Switching off and new recovery codes: both factors, as when logging in."""

    password = PasswordField(
        _l("Ihr aktuelles Passwort"),
        validators=[DataRequired(message=_l("Bitte geben Sie Ihr aktuelles Passwort ein."))],
    )
    code = StringField(
        _l("Code aus der App oder Wiederherstellungscode"),
        validators=[DataRequired(message=CODE_REQUIRED), Length(max=40, message=TOO_LONG)],
        render_kw={"autocapitalize": "characters", "spellcheck": "false"},
    )


class LoginCodeForm(FlaskForm):
    code = StringField(
        _l("Code"),
        validators=[DataRequired(message=CODE_REQUIRED), Length(max=40, message=TOO_LONG)],
        description=_l(
            "Der sechsstellige Code aus Ihrer App – oder einer Ihrer Wiederherstellungscodes, "
            "wenn Sie das Handy nicht zur Hand haben."
        ),
        render_kw={"autocapitalize": "characters", "spellcheck": "false"},
    )
