from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

TOO_LONG = _l("Bitte kürzen Sie auf höchstens %(max)d Zeichen.")


class ImportForm(FlaskForm):
    title = StringField(
        _l("Titel"),
        validators=[
            DataRequired(message=_l("Bitte geben Sie einen Titel an.")),
            Length(max=200, message=TOO_LONG),
        ],
        description=_l("z. B. „Leitbild der ILE Musterland 2021“"),
    )
    text = TextAreaField(
        _l("Text der Vision"),
        validators=[DataRequired(message=_l("Bitte geben Sie den Text der Vision ein."))],
        description=_l(
            "Absätze und Aufzählungspunkte werden zu einzelnen Aussagen, die andere "
            "übernehmen können. Markdown ist möglich."
        ),
    )
    adopted_on = DateField(
        _l("Beschlossen am"),
        validators=[DataRequired(message=_l("Bitte geben Sie ein gültiges Datum an."))],
    )
    source_note = StringField(
        _l("Quelle (optional)"),
        validators=[Optional(), Length(max=500, message=TOO_LONG)],
        description=_l("z. B. „Beschluss des Gemeinderats vom 12. März 2021“"),
    )
