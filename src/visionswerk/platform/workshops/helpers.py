"""Small helpers of the workshop pages: German labels, date formatting, conflicts,
the audit log of a workshop, the link mail for named signatories."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from flask import current_app, g
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import and_, or_, select

from visionswerk import timefmt
from visionswerk.db import db
from visionswerk.platform.mailing import send_after_commit
from visionswerk.tenants.models import AuditEntry, User
from visionswerk.workshops.models import (
    Aspect,
    AspectGroup,
    Draft,
    Pair,
    PairProposal,
    Phase,
    Signatory,
    Signature,
    VisionDraft,
    VisionVersion,
    Workshop,
)
from visionswerk.workshops.text import render_markdown

PHASE_LABELS = {
    Phase.PREPARATION: _l("Vorbereitung"),
    Phase.INDIVIDUAL: _l("Schritt 1: Einzelarbeit"),
    Phase.PAIRS: _l("Schritt 2: Arbeit zu zweit"),
    Phase.FOURS: _l("Schritt 2b: Runde zu viert"),
    Phase.PLENARY: _l("Schritt 3: Alle zusammen"),
    Phase.SIGNING: _l("Bestätigung"),
    Phase.ADOPTED: _l("Beschlossen"),
}

STEPS = [
    (Phase.PREPARATION, _l("Vorbereitung")),
    (Phase.INDIVIDUAL, _l("1 Einzelarbeit")),
    (Phase.PAIRS, _l("2 Arbeit zu zweit")),
    (Phase.FOURS, _l("2b Runde zu viert")),
    (Phase.PLENARY, _l("3 Alle zusammen")),
    (Phase.SIGNING, _l("Bestätigung")),
    (Phase.ADOPTED, _l("Beschlossen")),
]

# step 2 by the workshop's group size (chosen in preparation)
STEP2_LABELS = {
    2: (_l("2 Arbeit zu zweit"), _l("Schritt 2: Arbeit zu zweit")),
    3: (_l("2 Arbeit zu dritt"), _l("Schritt 2: Arbeit zu dritt")),
    4: (_l("2 Arbeit zu viert"), _l("Schritt 2: Arbeit zu viert")),
}
GROUP_NAMES = {
    3: _l("Dreiergruppe %(n)d"),
    4: _l("Vierergruppe %(n)d"),
    5: _l("Fünfergruppe %(n)d"),
    6: _l("Sechsergruppe %(n)d"),  # the round of four: an odd pair joins the last four
    7: _l("Siebenergruppe %(n)d"),
}


def steps_of(workshop: Workshop) -> list[tuple[Phase, Any]]:
    """The steps as this workshop runs them (the list at the top of its overview)."""
    step2 = _l("2 ausgelassen") if workshop.pairs_skipped else STEP2_LABELS[workshop.group_size][0]
    step1 = _l("1 ausgelassen") if workshop.individual_skipped else None
    return [
        (p, step2 if p == Phase.PAIRS else (step1 or label) if p == Phase.INDIVIDUAL else label)
        for p, label in STEPS
        if p != Phase.FOURS or (workshop.with_fours and not workshop.pairs_skipped)
    ]


# (from, to) → label of the facilitator's button
MOVE_LABELS = {
    (Phase.PREPARATION, Phase.INDIVIDUAL): _l("Schritt 1 starten: Einzelarbeit"),
    (Phase.INDIVIDUAL, Phase.PAIRS): _l("Einzelarbeit beenden und Paare vorschlagen"),
    (Phase.PAIRS, Phase.INDIVIDUAL): _l("Zurück zur Einzelarbeit (Paarvorschlag verwerfen)"),
    (Phase.PAIRS, Phase.PLENARY): _l("Schritt 3 öffnen: Alle zusammen"),
    (Phase.PAIRS, Phase.FOURS): _l("Die Runde zu viert beginnen: je zwei Paare zusammen"),
    (Phase.FOURS, Phase.PLENARY): _l("Schritt 3 öffnen: Alle zusammen"),
    (Phase.PREPARATION, Phase.PLENARY): _l(
        "Gleich mit Schritt 3 beginnen: mit den Aussagen der Vision, auf der der Workshop aufbaut"
    ),
    (Phase.INDIVIDUAL, Phase.PLENARY): _l(
        "Schritt 2 auslassen: Einzelarbeit beenden und gleich alle zusammen weiter"
    ),
    (Phase.PLENARY, Phase.SIGNING): _l("Text einfrieren und zur Bestätigung geben"),
    (Phase.SIGNING, Phase.PLENARY): _l("Zurück zur Überarbeitung (neue Fassung)"),
    (Phase.SIGNING, Phase.ADOPTED): _l("Unterschriften abschließen: Vision beschließen"),
}

AUDIT_LABELS = {
    "workshop.create": _l("Workshop angelegt"),
    "workshop.update": _l("Einstellungen geändert"),
    "workshop.add_participants": _l("Teilnehmende hinzugefügt"),
    "workshop.remove_participant": _l("Teilnehmende Person entfernt"),
    "workshop.join": _l("Nach Einladung beigetreten"),
    "workshop.move": _l("Schritt gewechselt"),
    "workshop.pairs_proposed": _l("Paare vorgeschlagen"),
    "workshop.pairs_swap": _l("Paare getauscht"),
    "workshop.pairs_move": _l("Person einem anderen Paar zugeordnet"),
    "workshop.pairs_confirm": _l("Paare bestätigt"),
    "workshop.set_parent": _l("Übergeordnete Vision gewählt"),
    "draft.submit": _l("Entwurf eingereicht"),
    "draft.withdraw": _l("Einreichung zurückgenommen"),
    "draft.name_consent": _l("Nennung des Namens in der Dokumentation geändert"),
    "proposal.ready": _l("Vorschlag als fertig markiert"),
    "proposal.not_ready": _l("Fertig-Markierung zurückgenommen"),
    "proposal.record_paper": _l("Vorschlag vom Papier erfasst"),
    "proposal.ready_for": _l("„Fertig“ für ein Mitglied ohne Gerät erfasst"),
    "vision.save": _l("Visionstext gespeichert"),
    "vision.insert_proposal": _l("Vorschlag in den Visionstext eingefügt"),
    "vision.freeze": _l("Text eingefroren"),
    "vision.sign": _l("Unterschrieben"),
    "signature.record_paper": _l("Unterschrift auf Papier erfasst"),
    "vision.rebase": _l("Neue Fassung der übergeordneten Vision übernommen"),
    "vision.import": _l("Beschlossene Vision übernommen"),
    "aspect.take_up": _l("Aspekt aufgenommen"),
    "aspect.set_aside": _l("Aspekt zurückgestellt"),
    "aspect.reopen": _l("Aspekt wieder geöffnet"),
    "aspect.group": _l("Aspekte gruppiert"),
    "aspect.decide_group": _l("Gruppe entschieden"),
    "aspect.take_up_many": _l("Mehrere Aspekte aufgenommen"),
    "aspect.set_aside_many": _l("Mehrere Aspekte zurückgestellt"),
    "aspect.reopen_many": _l("Mehrere Aspekte wieder geöffnet"),
    "aspect.ungroup_many": _l("Aspekte aus der Gruppe gelöst"),
    "aspect.accept_suggestion": _l("Vorgeschlagene Gruppe gebildet"),
    "aspect.dismiss_suggestion": _l("Vorgeschlagene Gruppe verworfen"),
    "signatory.add": _l("Unterzeichnende Person eingetragen"),
    "signatory.remove": _l("Unterzeichnende Person entfernt"),
    "signatory.renew_link": _l("Neuer Link zum Unterschreiben"),
    "member.invite": _l("Person eingeladen"),
    "member.reinvite": _l("Einladung erneut gesendet"),
    "member.withdraw_invitation": _l("Einladung zurückgezogen"),
    "member.join": _l("Einladung angenommen"),
    "member.remove": _l("Person aus der Kommune entfernt"),
    "municipality.create": _l("Kommune angelegt"),
    "region.create": _l("Region angelegt"),
    "account.delete": _l("Konto gelöscht"),
    "signatory.decline": _l("Möchte nicht unterschreiben (per Link)"),
}
#: What an action without a label reads as: never its raw key.
OTHER_ACTION = _l("Sonstige Änderung")


def fingerprint(sha256: str | None, length: int = 12) -> str:
    """A checksum as people read it: the first ``length`` hex digits in groups of four
    ("3f2a 9c01 be77"). The full hash stays where it is verified (version page, PDF)."""
    head = (sha256 or "")[:length]
    return " ".join(head[i : i + 4] for i in range(0, len(head), 4))


# every page of a workshop with a link to it, and the rule that decides who may follow it
PAGES = (
    "overview", "draft", "pairing", "plenary", "vision", "signing", "adopted", "manage",
    "projector",
)  # fmt: skip


def page_links(user: Any, workshop: Workshop) -> frozenset[str]:
    """The workshop's pages ``user`` may open (names from :data:`PAGES`), each derived
    from the one policy — the templates show a link only if its name is in here, so no
    workshop page links to "Kein Zugriff"."""
    from visionswerk.tenants.policy import can
    from visionswerk.workshops import services as ws

    phase = workshop.phase
    may: set[str] = set()
    if can(user, "workshop.view", workshop):
        may.add("overview")
    if can(user, "draft.open", workshop):
        may.add("draft")
    if phase not in (Phase.PREPARATION, Phase.INDIVIDUAL) and can(user, "pairing.read", workshop):
        may.add("pairing")
    if can(user, "plenary.read", workshop):
        may.add("plenary")
    if can(user, "ledger.read", workshop):
        may.add("vision")
    if can(user, "workshop.manage", workshop):
        may.add("manage")
    if can(user, "projector.show", workshop):
        may.add("projector")
    version = ws.current_version(workshop) if phase in (Phase.SIGNING, Phase.ADOPTED) else None
    if version is not None:
        if can(user, "vision.read", version) or can(user, "workshop.status", workshop):
            may.add("signing")
        if phase == Phase.ADOPTED and (
            workshop.tenant.visions_public or can(user, "vision.read", version)
        ):
            may.add("adopted")
    return frozenset(may)


def group_name(number: int, size: int) -> str:
    """A step-2 group by its size: "Paar 2", "Dreiergruppe 2", "Vierergruppe 2" (and
    "Fünfergruppe 2" where the remainder rule made a group of four one larger)."""
    if size in GROUP_NAMES:
        return str(GROUP_NAMES[size] % {"n": number})
    return str(_l("Paar %(n)d", n=number))


def phase_label(phase: Phase | str, workshop: Workshop | None = None) -> str:
    """The step's name; step 2 as ``workshop`` runs it (zu zweit, zu dritt, zu viert)."""
    if Phase(phase) == Phase.PAIRS and workshop is not None:
        return str(STEP2_LABELS[workshop.group_size][1])
    return str(PHASE_LABELS[Phase(phase)])


def markdown(text: str | None) -> Markup:
    """User text (Markdown) as sanitised HTML, safe to insert."""
    return Markup(render_markdown(text))  # sanitised by nh3 in render_markdown


def tenant_time_zone() -> str | None:
    """The time zone of this request's tenant (None outside a tenant: the default)."""
    tenant = g.get("tenant")
    return tenant.time_zone if tenant is not None else None


def local_datetime(value: dt.datetime | None) -> str:
    """A moment as people read it, in the tenant's time zone: "12. Juni 2026, 18:00 Uhr"."""
    return timefmt.format_datetime(value, tenant_time_zone(), get_locale() or "de")


def is_past(value: dt.datetime | None) -> bool:
    from visionswerk.db import utcnow

    return value is not None and value < utcnow()


# --- conflicts -------------------------------------------------------------------------


@dataclasses.dataclass
class ConflictView:
    """Both texts of a refused save: what is stored now (somebody else's save) and what
    this person sent. The form is filled with theirs, based on the stored version."""

    message: str
    stored_text: str
    stored_keywords: list[str]
    stored_title: str | None
    stored_version: int
    updated_by: str | None
    mine_text: str
    mine_keywords: list[str]
    mine_title: str | None


def conflict_view(message: str, payload: dict[str, Any]) -> ConflictView:
    stored = payload.get("stored", {})
    mine = payload.get("submitted", {})
    return ConflictView(
        message=message,
        stored_text=stored.get("text", ""),
        stored_keywords=list(stored.get("keywords", [])),
        stored_title=stored.get("title"),
        stored_version=int(stored.get("version", 0)),
        updated_by=stored.get("updated_by"),
        mine_text=mine.get("text", ""),
        mine_keywords=list(mine.get("keywords", [])),
        mine_title=mine.get("title"),
    )


def merged_keywords(mine: list[str], stored: list[str]) -> list[str]:
    """Mine first, then the stored ones that are not among mine (ignoring case)."""
    seen = {k.casefold() for k in mine}
    return [*mine, *(k for k in stored if k.casefold() not in seen)]


# --- the audit log of one workshop ------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class LogLine:
    at: dt.datetime
    actor: str
    action: str
    detail: str


def audit_label(action: str) -> str:
    """The German (or English) name of an audit action; never the raw key."""
    return str(AUDIT_LABELS.get(action, OTHER_ACTION))


def _actor(name: str | None, signer: str | None, function: str | None) -> str:
    """Who did it: the account's name; for a signature by link, the name and function
    the person recorded when signing; else the account no longer exists."""
    if name:
        return name
    if signer:
        return f"{signer}, {function}" if function else signer
    return str(_l("gelöschtes Konto"))


def _detail(entry: AuditEntry) -> str:
    d = entry.detail or {}
    if entry.action == "workshop.move" and "from" in d and "to" in d:
        return f"{phase_label(d['from'])} → {phase_label(d['to'])}"
    if entry.action == "workshop.pairs_proposed" and "seed" in d:
        return str(_l("Einteilung Nr. %(seed)s", seed=d["seed"]))
    if entry.action == "vision.freeze" and "number" in d:
        return str(_l("Fassung %(n)s", n=d["number"]))
    return ""


def audit_log(workshop: Workshop, limit: int = 100) -> list[LogLine]:
    """Who did what, when, in this workshop (newest first). Only the kind of action,
    never content."""
    wid = workshop.id

    def ids(model: Any, column: Any) -> Any:
        return select(model.id).where(column == wid)

    kinds = [
        ("Workshop", select(Workshop.id).where(Workshop.id == wid)),
        ("Draft", ids(Draft, Draft.workshop_id)),
        ("PairProposal", ids(PairProposal, PairProposal.workshop_id)),
        ("Pair", ids(Pair, Pair.workshop_id)),
        ("Aspect", ids(Aspect, Aspect.workshop_id)),
        ("AspectGroup", ids(AspectGroup, AspectGroup.workshop_id)),
        ("VisionDraft", ids(VisionDraft, VisionDraft.workshop_id)),
        ("VisionVersion", ids(VisionVersion, VisionVersion.workshop_id)),
        (
            "Signatory",
            select(Signatory.id)
            .join(VisionVersion, VisionVersion.id == Signatory.version_id)
            .where(VisionVersion.workshop_id == wid),
        ),
        (
            "Signature",
            select(Signature.id)
            .join(VisionVersion, VisionVersion.id == Signature.version_id)
            .where(VisionVersion.workshop_id == wid),
        ),
    ]
    rows = db.execute(
        select(AuditEntry, User.display_name, Signature.name, Signature.function)
        .outerjoin(User, User.id == AuditEntry.actor_id)
        .outerjoin(
            Signature,
            and_(AuditEntry.object_type == "Signature", Signature.id == AuditEntry.object_id),
        )
        .where(
            AuditEntry.tenant_id == workshop.tenant_id,
            or_(
                *(
                    and_(AuditEntry.object_type == kind, AuditEntry.object_id.in_(sub))
                    for kind, sub in kinds
                )
            ),
        )
        .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
        .limit(limit)
    ).all()
    return [
        LogLine(
            at=entry.created_at,
            actor=_actor(name, signer, function),
            action=audit_label(entry.action),
            detail=_detail(entry),
        )
        for entry, name, signer, function in rows
    ]


# --- the link mail for named signatories --------------------------------------------------


def mail_signing_link(
    email: str, signatory: Signatory, link: str, workshop: Workshop, inviter: User
) -> None:
    """Queue the link mail in this request's transaction (sent after the commit)."""
    send_after_commit(
        email,
        "sign_link",
        key=f"sign-link:{signatory.id}:{signatory.token_hash}",
        tenant_id=workshop.tenant_id,
        signatory=signatory,
        link=link,
        workshop=workshop,
        tenant=workshop.tenant,
        inviter=inviter,
    )


def base_url() -> str:
    return str(current_app.config["VISIONSWERK"].base_url)
