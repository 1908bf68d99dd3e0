"""Forms of the workshop pages. Limits and cleaning live in the services
(``visionswerk.workshops.text``); the forms carry the typed text and show the services'
messages beside the field (``platform.errors.form_error``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import g
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    EmailField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from visionswerk import timefmt

GUIDING_QUESTION_EXAMPLE = _l(
    "Wie sieht unsere Kommune im Jahr 2035 aus – und was hat die Digitalisierung dazu beigetragen?"
)
DEADLINE_HINT = _l("Optional. Deutsche Zeit. Fristen erinnern, sie beenden keinen Schritt.")
KEYWORDS_HINT = _l("Ein Stichpunkt pro Zeile, z. B. „Glasfaser für alle“.")
MARKDOWN_HINT = _l(
    "Absätze trennen Sie mit einer Leerzeile. **fett**, *kursiv* und Listen mit „- “ "
    "am Zeilenanfang sind möglich."
)
DEADLINE_FIELDS = ("individual", "pairs", "fours", "plenary", "signing")


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _tenant_zone() -> str | None:
    tenant = g.get("tenant")
    return tenant.time_zone if tenant is not None else None


def local_to_utc(value: dt.datetime | None) -> dt.datetime | None:
    """A datetime-local value (the tenant's wall-clock time, naive) as an aware UTC datetime."""
    return timefmt.local_to_utc(value, _tenant_zone())


def utc_to_local(value: dt.datetime | None) -> dt.datetime | None:
    """A stored deadline as the tenant's wall-clock time for the datetime-local input."""
    return timefmt.utc_to_local(value, _tenant_zone())


def _deadline(label: Any) -> DateTimeLocalField:
    return DateTimeLocalField(
        label,
        validators=[Optional()],
        format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"],
        description=DEADLINE_HINT,
        render_kw={"step": 60},
    )


class DeadlinesMixin:
    deadline_individual = _deadline(_l("Frist für Schritt 1: Einzelarbeit"))
    deadline_pairs = _deadline(_l("Frist für Schritt 2: Arbeit zu zweit"))
    deadline_fours = _deadline(_l("Frist für die Runde zu viert (falls gewählt)"))
    deadline_plenary = _deadline(_l("Frist für Schritt 3: Alle zusammen"))
    deadline_signing = _deadline(_l("Frist für die Bestätigung"))

    def deadlines(self) -> dict[str, dt.datetime | None]:
        return {
            name: local_to_utc(getattr(self, f"deadline_{name}").data) for name in DEADLINE_FIELDS
        }

    def fill_deadlines(self, workshop: Any) -> None:
        for name in DEADLINE_FIELDS:
            getattr(self, f"deadline_{name}").data = utc_to_local(workshop.deadline(name))


def _group_size_field() -> RadioField:
    return RadioField(
        _l("In Schritt 2 arbeiten die Teilnehmenden"),
        choices=[
            SelectChoice("2", _l("zu zweit (Paare, wie in der Methode 1-2-alle)")),  # type: ignore[arg-type]
            SelectChoice("3", _l("zu dritt")),  # type: ignore[arg-type]
            SelectChoice("4", _l("zu viert")),  # type: ignore[arg-type]
        ],
        default="2",
        coerce=int,
        validate_choice=False,
    )


class VariantMixin:
    """How the steps run in this workshop (chosen in preparation, shown to everyone)."""

    start_from_parent = BooleanField(
        _l("Schritt 3 mit den Aussagen der Vision beginnen, auf der der Workshop aufbaut"),
        description=_l(
            "Zum Beispiel mit der Vision der ILE. Jede Aussage wird in Schritt 3 ein Aspekt, "
            "der aufgenommen oder begründet zurückgestellt wird. Die Moderation kann dann "
            "auch gleich mit Schritt 3 beginnen."
        ),
    )

    group_size = _group_size_field()
    skip_pairs = BooleanField(
        _l("Kleine Gruppe: Schritt 2 darf ausgelassen werden"),
        description=_l(
            "Sind weniger als vier Entwürfe eingereicht, kann die Moderation nach der "
            "Einzelarbeit gleich mit allen zusammen weitermachen."
        ),
    )
    with_fours = BooleanField(
        _l("Nach den Paaren eine Runde zu viert (1-2-4-alle)"),
        description=_l(
            "Je zwei Paare führen ihre Vorschläge zu einem zusammen, bevor alle gemeinsam die "
            "Vision formulieren. Nur mit Paaren in Schritt 2."
        ),
    )


class WorkshopForm(DeadlinesMixin, VariantMixin, FlaskForm):
    title = StringField(
        _l("Titel"),
        validators=[InputRequired(message=_l("Bitte geben Sie einen Titel ein."))],
        description=_l("Zum Beispiel „Vision Musterhausen 2035“."),
    )
    guiding_question = TextAreaField(
        _l("Leitfrage"),
        description=_l("Diese Frage sehen alle Teilnehmenden in jedem Schritt."),
        render_kw={"placeholder": GUIDING_QUESTION_EXAMPLE, "rows": 3},
    )
    participant_ids = MultiCheckboxField(
        _l("Teilnehmende aus den Mitgliedern"), coerce=int, validate_choice=False
    )
    invite_emails = TextAreaField(
        _l("Weitere Personen per E-Mail einladen"),
        description=_l(
            "Eine E-Mail-Adresse pro Zeile. Wer noch kein Mitglied ist, bekommt eine "
            "Einladung und nimmt nach dem Annehmen teil."
        ),
        render_kw={"rows": 3, "autocomplete": "off"},
    )


class SettingsForm(DeadlinesMixin, VariantMixin, FlaskForm):
    title = StringField(
        _l("Titel"), validators=[InputRequired(message=_l("Bitte geben Sie einen Titel ein."))]
    )
    guiding_question = TextAreaField(
        _l("Leitfrage"),
        render_kw={"placeholder": GUIDING_QUESTION_EXAMPLE, "rows": 3},
    )


class ParticipantsForm(FlaskForm):
    participant_ids = MultiCheckboxField(
        _l("Mitglieder hinzufügen"), coerce=int, validate_choice=False
    )
    invite_emails = TextAreaField(
        _l("Per E-Mail einladen"),
        description=_l("Eine E-Mail-Adresse pro Zeile."),
        render_kw={"rows": 3, "autocomplete": "off"},
    )


class MoveForm(FlaskForm):
    to = HiddenField()
    include_without_draft = BooleanField(
        _l("Auch Teilnehmende ohne eingereichten Entwurf einteilen")
    )
    seed = IntegerField(
        _l("Nummer einer früheren Einteilung (nur zum Wiederholen)"),
        validators=[
            Optional(),
            NumberRange(min=0, max=2**31 - 1, message=_l("Bitte eine ganze Zahl ab 0.")),
        ],
        description=_l(
            "Leer lassen: Die Paare werden zufällig eingeteilt. Mit der Nummer aus dem "
            "Protokoll entsteht genau dieselbe Einteilung noch einmal."
        ),
    )
    confirm_adopt = BooleanField(
        _l(
            "Ja, die Vision beschließen. Danach kann niemand mehr unterschreiben, und der "
            "Text bleibt so, wie er unterschrieben ist."
        )
    )


class DraftForm(FlaskForm):
    keywords = TextAreaField(_l("Stichpunkte"), description=KEYWORDS_HINT, render_kw={"rows": 6})
    text = TextAreaField(
        _l("Ausformulierter Entwurf"), description=MARKDOWN_HINT, render_kw={"rows": 12}
    )
    base_version = HiddenField()


class FeedbackForm(FlaskForm):
    draft_id = HiddenField()
    especially_good = TextAreaField(_l("Besonders gut"), render_kw={"rows": 4})
    to_sharpen = TextAreaField(_l("Noch schärfen"), render_kw={"rows": 4})


class ProposalForm(FlaskForm):
    text = TextAreaField(
        _l("Gemeinsamer Vorschlag"), description=MARKDOWN_HINT, render_kw={"rows": 12}
    )
    keywords = TextAreaField(
        _l("Stichpunkte des Vorschlags"), description=KEYWORDS_HINT, render_kw={"rows": 6}
    )
    base_version = HiddenField()


class PaperProposalForm(FlaskForm):
    """A group's proposal from its sheet, recorded by the facilitator (prefixed: the pair
    page's own proposal form has fields of the same names)."""

    text = TextAreaField(_l("Vorschlag vom Blatt"), render_kw={"rows": 8})
    keywords = TextAreaField(
        _l("Stichpunkte vom Blatt (optional, einer pro Zeile)"), render_kw={"rows": 4}
    )


class StrengthForm(FlaskForm):
    note = StringField(_l("Was ist die Stärke? (optional)"))


class CommentForm(FlaskForm):
    text = TextAreaField(_l("Ihr Kommentar"), render_kw={"rows": 3})


class VisionForm(FlaskForm):
    title = StringField(_l("Titel der Vision"))
    text = TextAreaField(_l("Visionstext"), description=MARKDOWN_HINT, render_kw={"rows": 20})
    base_version = HiddenField()


class GroupForm(FlaskForm):
    label = StringField(_l("Bezeichnung der Gruppe"))


class SignatoryForm(FlaskForm):
    kind = RadioField(
        _l("Wer soll unterschreiben?"),
        choices=[
            SelectChoice("account", _l("Ein Mitglied mit Konto")),  # type: ignore[arg-type]
            SelectChoice(
                "person",
                _l("Eine Person ohne Konto (mit Link zum Unterschreiben)"),  # type: ignore[arg-type]
            ),
        ],
        default="account",
        validate_choice=False,
    )
    user_id = SelectField(_l("Mitglied"), coerce=str, validate_choice=False)
    name = StringField(_l("Name"), description=_l("Für Personen ohne Konto."))
    function = StringField(
        _l("Funktion"),
        description=_l("Zum Beispiel Bürgermeisterin, Gemeinderat, ILE-Manager."),
    )
    email = EmailField(
        _l("E-Mail-Adresse für den Link (optional)"),
        description=_l(
            "Dann schicken wir den Link zum Unterschreiben per E-Mail. Sonst zeigen wir ihn "
            "Ihnen einmal zum Weitergeben."
        ),
        render_kw={"autocomplete": "off"},
    )


class SignForm(FlaskForm):
    sha256 = HiddenField()
    confirm = BooleanField(
        _l("Ich habe den Text gelesen und bestätige ihn mit meiner Unterschrift."),
        validators=[InputRequired(message=_l("Bitte bestätigen Sie, dass Sie unterschreiben."))],
    )
