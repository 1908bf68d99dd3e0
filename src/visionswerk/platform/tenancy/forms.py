from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from visionswerk.tenants.accounts import MAX_DISPLAY_NAME, MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH

ROLE_LABELS = {
    "coordinator": _l("Koordination (ILE)"),
    "facilitator": _l("Moderation"),
    "participant": _l("Teilnahme"),
}

TOO_LONG = _l("Bitte kürzen Sie auf höchstens %(max)d Zeichen.")
PASSWORD_HINT = _l(
    "Mindestens %(n)d Zeichen. Gut zu merken und schwer zu erraten: mehrere Wörter, die "
    "nur Sie verbinden. Häufige und gestohlene Passwörter werden abgelehnt.",
    n=MIN_PASSWORD_LENGTH,
)


class TenantForm(FlaskForm):
    name = StringField(
        _l("Name"),
        validators=[
            DataRequired(message=_l("Bitte geben Sie einen Namen ein.")),
            Length(max=200, message=TOO_LONG),
        ],
    )
    slug = StringField(
        _l("Kurzbezeichnung für die Adresse (optional)"),
        validators=[Optional(), Length(max=63, message=TOO_LONG)],
        description=_l("Kleinbuchstaben, Ziffern und Bindestriche, z. B. „musterhausen“."),
    )


class RegionForm(TenantForm):
    coordinator_email = EmailField(
        _l("E-Mail-Adresse der ersten Koordination"),
        validators=[
            DataRequired(message=_l("Bitte geben Sie die E-Mail-Adresse der Koordination ein.")),
            Length(max=254, message=TOO_LONG),
        ],
    )


class InviteForm(FlaskForm):
    email = EmailField(
        _l("E-Mail-Adresse"),
        validators=[
            DataRequired(message=_l("Bitte geben Sie eine E-Mail-Adresse ein.")),
            Length(max=254, message=TOO_LONG),
        ],
    )
    role = SelectField(
        _l("Rolle"),
        validators=[DataRequired(message=_l("Bitte wählen Sie eine Rolle aus."))],
        invalid_choice_message=_l("Bitte wählen Sie eine Rolle aus der Liste aus."),
    )


class AcceptForm(FlaskForm):
    """Accepting an invitation while logged in: only the CSRF token."""


class RegisterForm(FlaskForm):
    display_name = StringField(
        _l("Anzeigename"),
        validators=[
            DataRequired(message=_l("Bitte geben Sie einen Anzeigenamen ein.")),
            Length(max=MAX_DISPLAY_NAME, message=TOO_LONG),
        ],
        description=_l("So sehen andere Teilnehmende Sie. Ein Pseudonym ist erlaubt."),
    )
    password = PasswordField(
        _l("Passwort"),
        validators=[
            DataRequired(message=_l("Bitte wählen Sie ein Passwort.")),
            Length(
                min=MIN_PASSWORD_LENGTH,
                max=MAX_PASSWORD_LENGTH,
                message=_l("Das Passwort muss %(min)d bis %(max)d Zeichen lang sein."),
            ),
        ],
        description=PASSWORD_HINT,
    )
    password_repeat = PasswordField(
        _l("Passwort wiederholen"),
        validators=[
            DataRequired(message=_l("Bitte wiederholen Sie das Passwort.")),
            EqualTo("password", message=_l("Die beiden Passwörter stimmen nicht überein.")),
        ],
    )
