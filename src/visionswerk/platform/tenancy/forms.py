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


class TenantForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    slug = StringField(
        _l("Kurzbezeichnung für die Adresse (optional)"),
        validators=[Optional(), Length(max=63)],
        description=_l("Kleinbuchstaben, Ziffern und Bindestriche, z. B. „musterhausen“."),
    )


class RegionForm(TenantForm):
    coordinator_email = EmailField(
        _l("E-Mail-Adresse der ersten Koordination"),
        validators=[DataRequired(), Length(max=254)],
    )


class InviteForm(FlaskForm):
    email = EmailField(_l("E-Mail-Adresse"), validators=[DataRequired(), Length(max=254)])
    role = SelectField(_l("Rolle"), validators=[DataRequired()])


class AcceptForm(FlaskForm):
    """Accepting an invitation while logged in: only the CSRF token."""


class RegisterForm(FlaskForm):
    display_name = StringField(
        _l("Anzeigename"),
        validators=[DataRequired(), Length(max=MAX_DISPLAY_NAME)],
        description=_l("So sehen andere Teilnehmende Sie. Ein Pseudonym ist erlaubt."),
    )
    password = PasswordField(
        _l("Passwort"),
        validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=MAX_PASSWORD_LENGTH)],
        description=_l("Mindestens 10 Zeichen."),
    )
    password_repeat = PasswordField(
        _l("Passwort wiederholen"),
        validators=[
            DataRequired(),
            EqualTo("password", message=_l("Die beiden Passwörter stimmen nicht überein.")),
        ],
    )
