"""Step 3 as a workbench (issue 12): the vision text beside the compact aspect ledger on
one page, with the proposals to insert, suggested passages and groups, filters and
coverage. Every action is a plain form POST that redirects back (no JavaScript needed);
``workshops.js`` adds the selection → passage link, live filters and shortcuts."""

from __future__ import annotations

import dataclasses
from typing import Any

from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from visionswerk.db import db
from visionswerk.errors import DomainError
from visionswerk.i18n import N_
from visionswerk.platform.i18n import message_of
from visionswerk.platform.pipeline import current_tenant
from visionswerk.platform.workshops import helpers
from visionswerk.platform.workshops.blueprint import bp
from visionswerk.platform.workshops.forms import VisionForm
from visionswerk.platform.workshops.step_views import int_or_none
from visionswerk.platform.workshops.views import page_error
from visionswerk.tenants.policy import can, require
from visionswerk.visions import services as vs
from visionswerk.workshops import services as ws
from visionswerk.workshops.models import AspectStatus, Pair, PairProposal, Workshop
from visionswerk.workshops.workbench import paragraphs

#: suggested groups shown at once (the page stays small; the next follow a decision)
GROUPS_SHOWN = 3
STATUSES = {s.value for s in AspectStatus}


@dataclasses.dataclass(frozen=True)
class Filters:
    status: str = ""
    pair: int | None = None
    person: int | None = None
    group: int | None = None
    q: str = ""

    @classmethod
    def of(cls, args: Any) -> Filters:
        status = args.get("status", "")
        return cls(
            status=status if status in STATUSES else "",
            pair=int_or_none(args.get("pair")),
            person=int_or_none(args.get("person")),
            group=int_or_none(args.get("group")),
            q=(args.get("q") or "").strip()[:100],
        )

    def keeps(self, a: Any) -> bool:
        return (
            (not self.status or a.status.value == self.status)
            and (self.pair is None or a.pair_id == self.pair)
            and (self.person is None or a.participant_id == self.person)
            and (self.group is None or a.group_id == self.group)
            and (not self.q or self.q.casefold() in a.label.casefold())
        )

    @property
    def active(self) -> bool:
        return bool(self.status or self.pair or self.person or self.group or self.q)


@dataclasses.dataclass(frozen=True)
class Row:
    """One ledger row as plain values, prepared here so the template does little per row
    (300 rows: Jinja's attribute lookups on ORM rows cost more than the markup)."""

    id: int
    label: str
    status: str
    prov: str
    note: str  # the passage or the reason, shortened
    stale: bool
    data: str  # the filter attributes (pair, person, group) for workbench.js
    sugg: str  # "id:start:end" of the best suggested passage, "" if none
    sugg_text: str


def _short(text: str | None, limit: int) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _rows(
    ledger: Any, aspects: list[Any], hints: Any, composes: bool, stale: set[int]
) -> list[Row]:
    cache: dict[int, Any] = {}
    groups = {g.id: g.label for g in ledger.groups}
    people = {
        uid: (c.name or _("Beitrag %(letter)s", letter=c.letter))
        for uid, c in ledger.contributors.items()
    }
    pair_names: dict[int | None, str] = {}
    rows = []
    for a in aspects:
        if a.participant_id is not None or a.pair_id is None:
            prov = people.get(a.participant_id) or _("aus einem Entwurf")
            origin = vs.parent_origin(a, cache)
            if origin is not None:
                prov += " · " + _("übernommen aus der Vision, Fassung %(n)d", n=origin.number)
        else:
            if a.pair_id not in pair_names:
                pair_names[a.pair_id] = _("Paar %(n)s", n=a.pair.number if a.pair else "?")
            prov = pair_names[a.pair_id]
        if a.group_id:
            prov += " · " + groups.get(a.group_id, "")
        status = a.status.value
        found = hints.passages.get(a.id) if composes and status == "open" else None
        data = "".join(
            f' data-{k}="{v}"'
            for k, v in (("p", a.pair_id), ("u", a.participant_id), ("g", a.group_id))
            if v
        )
        rows.append(
            Row(
                id=a.id,
                label=a.label,
                status=status,
                prov=prov,
                note=_short(a.passage if status == "taken_up" else a.reason, 60),
                stale=a.id in stale,
                data=data,  # integers only: safe to mark up
                sugg=f"{a.id}:{found[0].start}:{found[0].end}" if found else "",
                sugg_text=_short(found[0].text, 40) if found else "",
            )
        )
    return rows


def _dismissed(workshop_id: int) -> frozenset[str]:
    return frozenset(session.get("wb_dismissed", {}).get(str(workshop_id), []))


def _proposals(workshop: Workshop) -> list[tuple[PairProposal, int, list[str]]]:
    rows = db.execute(
        select(PairProposal, Pair.number)
        .join(Pair, Pair.id == PairProposal.pair_id)
        .where(PairProposal.workshop_id == workshop.id)
        .order_by(Pair.number)
    ).all()
    return [(p, n, paragraphs(p.text)) for p, n in rows if p.text.strip()]


def render_workbench(
    workshop: Workshop,
    status: int = 200,
    form: VisionForm | None = None,
    conflict: helpers.ConflictView | None = None,
    error: str | None = None,
    bar: dict[str, Any] | None = None,
    **_ignored: Any,
):  # type: ignore[no-untyped-def]
    user = current_user
    vision = ws.vision_draft(user, workshop)
    ledger = ws.ledger(user, workshop)
    composes = can(user, "vision.compose", workshop)
    if form is None:
        form = VisionForm(formdata=None)
        form.title.data = vision.title
        form.text.data = vision.text
        form.base_version.data = str(vision.version)
    filters = Filters.of(request.args)
    hints = ws.suggestions(user, workshop, ledger.aspects, dismissed=_dismissed(workshop.id))
    labels = {a.id: a.label for a in ledger.aspects}
    stale = ws.stale_ids(ledger.aspects, vision.text) if composes else set()
    counts = ledger.coverage.overall
    return (
        render_template(
            "workshops/vision.html",
            tenant=current_tenant(),
            w=workshop,
            vision=vision,
            ledger=ledger,
            rows=_rows(
                ledger, [a for a in ledger.aspects if filters.keeps(a)], hints, composes, stale
            ),
            group_labels={g.id: g.label for g in ledger.groups},
            group_hints=_group_hints(ledger, hints) if composes else {},
            group_sizes=_group_sizes(ledger),
            stale=stale,
            composes=composes,
            form=form,
            conflict=conflict,
            error=error,
            bar=bar or {},
            filters=filters,
            hints=hints,
            suggested_groups=hints.groups[:GROUPS_SHOWN] if composes else [],
            more_groups=max(0, len(hints.groups) - GROUPS_SHOWN) if composes else 0,
            labels=labels,
            proposals=_proposals(workshop) if composes else [],
            insertions=ws.insertions(user, workshop),
            counts=counts,
            Status=AspectStatus,
        ),
        status,
    )


def _back(workshop: Workshop, anchor: str = "#aspekte"):  # type: ignore[no-untyped-def]
    args = {
        k: v for k, v in request.args.items() if k in ("status", "pair", "person", "group", "q")
    }
    return redirect(url_for("workshops.vision", workshop_id=workshop.id, **args) + anchor)


def _ids(name: str) -> list[int]:
    return [i for i in (int_or_none(v) for v in request.form.getlist(name)) if i]


@bp.post("/<tenant_slug>/workshops/<int:workshop_id>/vision/einfuegen")
def insert_proposal(workshop_id: int):  # type: ignore[no-untyped-def]
    workshop = ws.get_workshop(current_user, workshop_id)
    pick = (request.form.get("pick") or request.form.get("proposal_id") or "").split(":")
    proposal = int_or_none(pick[0]) or 0
    paragraph = int_or_none(pick[1]) if len(pick) > 1 else None
    base = int_or_none(request.form.get("base_version"))
    try:
        ws.insert_proposal(
            current_user, workshop, proposal, base_version=base or 0, paragraph=paragraph
        )
    except DomainError as e:
        page_error(e)
        return render_workbench(workshop, e.status, error=message_of(e))
    flash(_("Der Text des Vorschlags ist eingefügt und gespeichert."), "success")
    return _back(workshop, "#editor")


def _span(workshop: Workshop, span: tuple[int, int]) -> str:
    """The saved text's ``[start:end]`` ("" when outside: the service then refuses it)."""
    text = ws.vision_draft(current_user, workshop).text
    start, end = span
    return text[start:end] if 0 <= start < end <= len(text) else ""


def _group_sizes(ledger: Any) -> dict[int, tuple[int, int]]:
    """Per group: (members, still open)."""
    sizes: dict[int, tuple[int, int]] = {}
    for a in ledger.aspects:
        if a.group_id:
            n, o = sizes.get(a.group_id, (0, 0))
            sizes[a.group_id] = (n + 1, o + (a.status == AspectStatus.OPEN))
    return sizes


def _group_hints(ledger: Any, hints: Any) -> dict[int, Any]:
    """Per group: the best suggested passage of its first open member that has one."""
    found: dict[int, Any] = {}
    for a in ledger.aspects:
        if a.group_id and a.group_id not in found and hints.passages.get(a.id):
            found[a.group_id] = hints.passages[a.id][0]
    return found


def _suggested(workshop: Workshop, value: str) -> str:
    """One click on a suggested passage: "<aspect id>:<start>:<end>" takes up the aspect,
    "g<group id>:<start>:<end>" every aspect of the group."""
    target, start, end = [*value.split(":"), "", ""][:3]
    span = (int_or_none(start) or 0, int_or_none(end) or 0)
    if target.startswith("g"):
        gid = int_or_none(target[1:]) or 0
        ws.take_up_many(current_user, workshop, [], _span(workshop, span), group_ids=[gid])
        return N_("Die Aspekte der Gruppe sind mit dieser Stelle aufgenommen.")
    ws.take_up_at(current_user, ws.get_aspect(current_user, int_or_none(target) or 0), *span)
    return N_("Der Aspekt ist mit dieser Stelle aufgenommen.")


def _decide(workshop: Workshop, form: Any) -> str:
    """Carry out the ledger form's action; returns the success message."""
    ids, gids = _ids("a") + _ids("aspect_ids"), _ids("group_ids")
    action = form.get("action", "")
    if form.get("suggest"):
        return _suggested(workshop, form["suggest"])
    if form.get("dissolve"):
        group = ws.get_group(current_user, int_or_none(form["dissolve"]) or 0)
        ws.dissolve_group(current_user, group)
        return N_("Die Gruppe ist aufgelöst.")
    if action in ("reopen", "ungroup"):
        ws.reopen_many(current_user, workshop, ids, group_ids=gids, ungroup=action == "ungroup")
        if action == "ungroup":
            return N_("Die angekreuzten Aspekte sind aus ihrer Gruppe genommen.")
        return N_("Die angekreuzten Aspekte sind wieder offen.")
    if action == "take_up":
        ws.take_up_many(current_user, workshop, ids, form.get("passage"), group_ids=gids)
        return N_("Die angekreuzten Aspekte sind aufgenommen.")
    if action == "set_aside":
        ws.set_aside_many(current_user, workshop, ids, form.get("reason"), group_ids=gids)
        return N_("Die angekreuzten Aspekte sind zurückgestellt.")
    if action == "group":
        ws.group_aspects(current_user, workshop, ids, form.get("label"))
        return N_("Die Aspekte sind gruppiert.")
    raise DomainError(N_("Bitte wählen Sie: aufnehmen, zurückstellen oder gruppieren."))


@bp.post("/<tenant_slug>/workshops/<int:workshop_id>/aspekte")
def decide_many(workshop_id: int):  # type: ignore[no-untyped-def]
    workshop = ws.get_workshop(current_user, workshop_id)
    try:
        done = _decide(workshop, request.form)
    except DomainError as e:
        page_error(e)
        bar = {k: request.form.get(k, "") for k in ("passage", "reason", "label", "action")}
        bar["checked"] = set(_ids("a") + _ids("aspect_ids")) | {-g for g in _ids("group_ids")}
        return render_workbench(workshop, e.status, error=message_of(e), bar=bar)
    flash(_(done), "success")
    return _back(workshop)


@bp.post("/<tenant_slug>/workshops/<int:workshop_id>/gruppenvorschlag")
def group_suggestion(workshop_id: int):  # type: ignore[no-untyped-def]
    workshop = ws.get_workshop(current_user, workshop_id)
    ids = _ids("aspect_ids")
    if request.form.get("action") == "dismiss":
        require(current_user, "ledger.decide", workshop)  # as accepting would
        kept = session.setdefault("wb_dismissed", {}).setdefault(str(workshop.id), [])
        kept[:] = [*kept, request.form.get("key", "")[:2000]][-200:]
        session.modified = True
        flash(_("Der Vorschlag ist verworfen."), "success")
        return _back(workshop)
    try:
        ws.accept_group(current_user, workshop, ids, request.form.get("label"))
    except DomainError as e:
        page_error(e)
        return render_workbench(workshop, e.status, error=message_of(e))
    flash(
        _("Die Gruppe ist gebildet. Eine Entscheidung für die Gruppe gilt für alle ihre Aspekte."),
        "success",
    )
    return _back(workshop)
