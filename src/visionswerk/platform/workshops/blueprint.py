"""The ``workshops`` blueprint: the 1-2-all workshop as server-rendered pages."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from visionswerk.platform.i18n import message_of
from visionswerk.platform.workshops import helpers
from visionswerk.workshops import services as ws
from visionswerk.workshops.models import Phase
from visionswerk.workshops.tasks import Task, TaskKind

bp = Blueprint("workshops", __name__)


def task_label(task: Task) -> str:
    n = task.count or 0
    size = task.group_size or 2
    fours = task.phase == Phase.FOURS
    labels = {
        TaskKind.WRITE_DRAFT: lambda: _("Ihren Entwurf schreiben und einreichen"),
        TaskKind.GIVE_FEEDBACK: lambda: (
            _("Rückmeldung zum Vorschlag des anderen Paares geben")
            if fours
            else _("Rückmeldung zum Entwurf Ihres Gegenübers geben")
            if size == 2
            else ngettext(
                "Rückmeldung zu %(num)d Entwurf Ihrer Dreiergruppe geben",
                "Rückmeldung zu %(num)d Entwürfen Ihrer Dreiergruppe geben",
                n,
            )
            if size == 3
            else ngettext(
                "Rückmeldung zu %(num)d Entwurf Ihrer Gruppe geben",
                "Rückmeldung zu %(num)d Entwürfen Ihrer Gruppe geben",
                n,
            )
        ),
        TaskKind.WRITE_PROPOSAL: lambda: (
            _("In der Vierergruppe die beiden Vorschläge zu einem zusammenführen")
            if fours
            else {
                2: _("Zu zweit den gemeinsamen Vorschlag schreiben"),
                3: _("Zu dritt den gemeinsamen Vorschlag schreiben"),
                4: _("Zu viert den gemeinsamen Vorschlag schreiben"),
            }.get(size, _("In der Gruppe den gemeinsamen Vorschlag schreiben"))
        ),
        TaskKind.MARK_READY: lambda: _("Den gemeinsamen Vorschlag als fertig markieren"),
        TaskKind.MARK_STRENGTHS: lambda: _("Die Stärken der Vorschläge markieren"),
        TaskKind.START_INDIVIDUAL: lambda: ngettext(
            "Teilnehmende einladen und die Einzelarbeit starten – %(num)d Person nimmt teil",
            "Teilnehmende einladen und die Einzelarbeit starten – %(num)d Personen nehmen teil",
            n,
        ),
        TaskKind.CLOSE_INDIVIDUAL: lambda: ngettext(
            "Die Einzelarbeit beenden und Paare vorschlagen – %(num)d Entwurf eingereicht",
            "Die Einzelarbeit beenden und Paare vorschlagen – %(num)d Entwürfe eingereicht",
            n,
        ),
        TaskKind.CONFIRM_PAIRS: lambda: _("Die vorgeschlagenen Paare prüfen und bestätigen"),
        TaskKind.START_FROM_PARENT: lambda: _(
            "Gleich mit Schritt 3 beginnen: mit den Aussagen der Vision, auf der der Workshop "
            "aufbaut"
        ),
        TaskKind.SKIP_PAIRS: lambda: ngettext(
            "Die Einzelarbeit beenden und gleich alle zusammen weiterarbeiten – %(num)d Entwurf "
            "eingereicht",
            "Die Einzelarbeit beenden und gleich alle zusammen weiterarbeiten – %(num)d Entwürfe "
            "eingereicht",
            n,
        ),
        TaskKind.OPEN_FOURS: lambda: ngettext(
            "Die Runde zu viert beginnen, wenn die Paare fertig sind – %(num)d Vorschlag "
            "gespeichert",
            "Die Runde zu viert beginnen, wenn die Paare fertig sind – %(num)d Vorschläge "
            "gespeichert",
            n,
        ),
        TaskKind.OPEN_PLENARY: lambda: ngettext(
            "Schritt 3 öffnen, wenn die Gruppen fertig sind – %(num)d Vorschlag gespeichert",
            "Schritt 3 öffnen, wenn die Gruppen fertig sind – %(num)d Vorschläge gespeichert",
            n,
        ),
        TaskKind.COMPOSE_VISION: lambda: ngettext(
            "Die Vision zusammenstellen – %(num)d Aspekt ist noch offen",
            "Die Vision zusammenstellen – %(num)d Aspekte sind noch offen",
            n,
        ),
        TaskKind.COLLECT_SIGNATURES: lambda: ngettext(
            "Unterschriften sammeln und abschließen – %(num)d Unterschrift bisher",
            "Unterschriften sammeln und abschließen – %(num)d Unterschriften bisher",
            n,
        ),
        TaskKind.SIGN: lambda: _("Die Vision lesen und unterschreiben"),
    }
    return labels[task.kind]()


@bp.app_template_filter("blocked_reason")
def task_blocked(task: Task) -> str:
    """Why the facilitator's move is not possible yet, in the reader's language ("" if
    it is)."""
    return message_of(task.blocked_by) if task.blocked_by is not None else ""


def task_url(task: Task) -> str:
    values: dict[str, Any] = {"tenant_slug": task.tenant_slug}
    if task.kind in (TaskKind.GIVE_FEEDBACK, TaskKind.WRITE_PROPOSAL, TaskKind.MARK_READY):
        return url_for("workshops.pair", pair_id=task.pair_id, **values)
    values["workshop_id"] = task.workshop_id
    if task.kind in (
        TaskKind.START_INDIVIDUAL,
        TaskKind.CLOSE_INDIVIDUAL,
        TaskKind.SKIP_PAIRS,
        TaskKind.START_FROM_PARENT,
        TaskKind.OPEN_FOURS,
        TaskKind.OPEN_PLENARY,
    ):
        return url_for("workshops.overview", _anchor="schritte", **values)
    endpoint = {
        TaskKind.WRITE_DRAFT: "workshops.draft",
        TaskKind.MARK_STRENGTHS: "workshops.plenary",
        TaskKind.CONFIRM_PAIRS: "workshops.pairing",
        TaskKind.COMPOSE_VISION: "workshops.vision",
        TaskKind.COLLECT_SIGNATURES: "workshops.signing",
        TaskKind.SIGN: "workshops.signing",
    }[task.kind]
    return url_for(endpoint, **values)


@bp.app_template_filter("local_datetime")
def _local_datetime(value: Any) -> str:
    return helpers.local_datetime(value)


@bp.app_template_test("past")
def _past(value: Any) -> bool:
    return helpers.is_past(value)


@bp.app_template_filter("fingerprint")
def _fingerprint(value: str | None) -> str:
    return helpers.fingerprint(value)


@bp.app_template_filter("markdown")
def _markdown(value: str | None) -> Any:
    return helpers.markdown(value)


@bp.app_context_processor
def _workshop_helpers() -> dict[str, Any]:
    def tenant_workshops(tenant: Any) -> list[Any]:
        """The workshops of ``tenant`` the current user may see (tenant page)."""
        if not current_user.is_authenticated:
            return []
        return ws.workshops_of(current_user, tenant)

    def workshop_links(workshop: Any) -> frozenset[str]:
        """The workshop pages the current user may open (once per request)."""
        if not current_user.is_authenticated:
            return frozenset()
        cache = g.setdefault("workshop_links", {})
        if workshop.id not in cache:
            cache[workshop.id] = helpers.page_links(current_user, workshop)
        return cache[workshop.id]  # type: ignore[no-any-return]

    return {
        "workshop_links": workshop_links,
        "tenant_workshops": tenant_workshops,
        "phase_label": helpers.phase_label,
        "group_name": helpers.group_name,
        "remainder_rule": ws.remainder_rule,
        "fours_rule": ws.FOURS_RULE,
        "task_label": task_label,
        "task_url": task_url,
    }
