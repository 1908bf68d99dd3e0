"""Step 3 as a workbench (issue 12): the vision text beside the compact aspect ledger on
one page, with the proposals to insert, suggested passages and groups, filters and
coverage. Every action is a plain form POST that redirects back (no JavaScript needed);
``workshops.js`` adds the selection → passage link, live filters and shortcuts."""

from __future__ import annotations

import dataclasses
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup, escape
from sqlalchemy import func, select

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
from visionswerk.tenants.policy import can
from visionswerk.visions import services as vs
from visionswerk.workshops import services as ws
from visionswerk.workshops.models import AspectStatus, Pair, PairMember, PairProposal, Workshop
from visionswerk.workshops.workbench import paragraphs

#: suggested groups shown at once (the page stays small; the next follow a decision)
GROUPS_SHOWN = 3
#: open aspects whose suggested passages one page view looks for when the text is new to
#: this process (the rows shown first); the rest on request (vision/vorschlaege), so the
#: first view after a save stays quick with 200 open aspects
PAGE_BUDGET = 30
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


def _short(text: str | None, limit: int) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _people(ledger: Any) -> dict[int, str]:
    """Step-1 authors as everybody sees them: the name only with their consent."""
    return {
        uid: (c.name or _("Beitrag %(letter)s", letter=c.letter))
        for uid, c in ledger.contributors.items()
    }


def _chains(per_pair: list[Any]) -> tuple[dict[int | None, str], dict[int, str]]:
    """The groups' names ("Paar 1", "Vierergruppe 2"), and where a round of four was held
    the way through the rounds (participant → pair → four): a pair reads "Paar 1 →
    Vierergruppe 1", a four "Vierergruppe 1 (Paar 1 + Paar 2)"; per participant the
    chain to append to their name."""
    names: dict[int | None, str] = {
        r.pair_id: helpers.group_name(r.number, len(r.member_names)) for r in per_pair
    }
    into = {r.pair_id: r.merged_into_id for r in per_pair if r.merged_into_id}
    if not into:
        return names, {}
    chains = dict(names)
    for pair_id, four_id in into.items():
        chains[pair_id] = f"{names[pair_id]} → {names[four_id]}"
    for r in per_pair:
        if r.round == 2:
            merged = [names[p] for p, f in into.items() if f == r.pair_id]
            chains[r.pair_id] = f"{names[r.pair_id]} ({' + '.join(merged)})"
    people = {uid: chains[r.pair_id] for r in per_pair if r.round == 1 for uid in r.member_ids}
    return chains, people


def _provenance(ledger: Any, aspects: list[Any], people: dict[int, str]) -> list[str]:
    """Per aspect: where it comes from (a person or "Beitrag X", a pair, the parent
    vision; through every round where a round of four was held) and its group — each
    distinct text translated once."""
    cache: dict[int, Any] = {}
    groups = {g.id: g.label for g in ledger.groups}
    pairs, via = _chains(ledger.coverage.per_pair)
    found = []
    for a in aspects:
        if a.parent_version_id is not None:
            parent = vs.load_any(a.parent_version_id)
            prov = (
                _("aus der Vision, auf der der Workshop aufbaut (Fassung %(n)d)", n=parent.number)
                if parent
                else _("aus der Vision, auf der der Workshop aufbaut")
            )
        elif a.participant_id is not None or a.pair_id is None:
            prov = people.get(a.participant_id) or _("aus einem Entwurf")
            if a.participant_id in via:
                prov += " → " + via[a.participant_id]
            origin = vs.parent_origin(a, cache)
            if origin is not None:
                prov += " · " + _("übernommen aus der Vision, Fassung %(n)d", n=origin.number)
        else:
            if a.pair_id not in pairs:
                pairs[a.pair_id] = _("Paar %(n)s", n=a.pair_number or "?")
            prov = pairs[a.pair_id]
        found.append(f"{prov} · {groups.get(a.group_id, '')}" if a.group_id else prov)
    return found


def _hint(aspect_id: int, best: Any, label: str, t_with: str) -> str:
    """The one-click button "take up with this passage" (``label`` escaped already)."""
    return (
        f' <button name="suggest" value="{aspect_id}:{best.start}:{best.end}">{t_with} '
        f'„{escape(_short(best.text, 40))}“<span class="vh"> – {label}</span></button>'
    )


def _rows(
    ledger: Any,
    aspects: list[Any],
    people: dict[int, str],
    hints: Any,
    composes: bool,
    stale: set[int],
    checked: Any,
) -> Markup:
    """The ledger's rows as one piece of HTML: one compact line per aspect — checkbox,
    label, provenance (small), status, and for an open aspect the best suggested passage
    (one click; buttons in the form "ledger" submit by default; .vh = visually hidden).
    Built here, not in the template: 300 rows through Jinja cost most of the page's CPU
    (issue 12, "Speed"). Every text from a person is escaped."""
    t_taken, t_aside, t_open, t_with, t_stale = (
        escape(_(t))
        for t in (
            "Aufgenommen", "Zurückgestellt", "Offen", "Aufnehmen mit",
            "Achtung: Diese Stelle steht nicht mehr im Text.",
        )
    )  # fmt: skip
    out = []
    for a, prov in zip(aspects, _provenance(ledger, aspects, people), strict=True):
        status, label = a.status.value, escape(a.label)
        data = "".join(
            f' data-{k}="{int(v)}"'
            for k, v in (("p", a.pair_id), ("u", a.participant_id), ("g", a.group_id))
            if v
        )
        if composes:
            tick = " checked" if a.id in checked else ""
            box = f'<input type="checkbox" name="a" value="{a.id}" id="c{a.id}"{tick}><label for="c{a.id}">{label}</label>'  # noqa: E501
        else:
            box = f"<label>{label}</label>"
        if status == "taken_up":
            warn = f' <strong class="warning-text">{t_stale}</strong>' if a.id in stale else ""
            note = f' <span class="ok">{t_taken}: „{escape(_short(a.passage, 60))}“{warn}</span>'
        elif status == "set_aside":
            note = f" <span>{t_aside}: {escape(_short(a.reason, 60))}</span>"
        else:
            note = f" <span>{t_open}</span>"
        found = hints.passages.get(a.id) if composes and status == "open" else None
        if found:
            note += _hint(a.id, found[0], label, t_with)
        out.append(
            f'\n<li class="row {status}"{data}>{box} <small>{escape(prov)}</small>{note}</li>'
        )
    return Markup("".join(out))  # every piece escaped above


def _texts() -> dict[str, str]:
    """Texts with placeholders for the template's loops: translated once per page, filled
    per row (``|format``) — a translation per row costs more than the row."""
    return {"pair": _("Paar %(n)d"), "of": _("%(taken)d von %(total)d"), "open_n": _("%(n)d offen")}


def _proposals(workshop: Workshop) -> list[tuple[PairProposal, int, list[str], str]]:
    """The saved proposals: number, paragraphs and the name of their group ("Paar 1",
    "Vierergruppe 2")."""
    size = (
        select(func.count(PairMember.id))
        .where(PairMember.pair_id == Pair.id)
        .correlate(Pair)
        .scalar_subquery()
    )
    rows = db.execute(
        select(PairProposal, Pair.number, size)
        .join(Pair, Pair.id == PairProposal.pair_id)
        .where(PairProposal.workshop_id == workshop.id, Pair.round == workshop.current_round)
        .order_by(Pair.number)
    ).all()
    return [
        (p, n, paragraphs(p.text), helpers.group_name(n, k)) for p, n, k in rows if p.text.strip()
    ]


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
    ledger = ws.ledger(user, workshop, records=True)
    composes = can(user, "vision.compose", workshop)
    if form is None:
        form = VisionForm(formdata=None)
        form.title.data = vision.title
        form.text.data = vision.text
        form.base_version.data = str(vision.version)
    filters = Filters.of(request.args)
    shown = [a for a in ledger.aspects if filters.keeps(a)]
    hints = ws.suggestions(
        user,
        workshop,
        ledger.aspects,
        budget=PAGE_BUDGET,
        first=[a.id for a in shown],
        text=vision.text,
    )
    labels = {a.id: a.label for a in ledger.aspects}
    stale = ws.stale_ids(ledger.aspects, vision.text) if composes else set()
    counts = ledger.coverage.overall
    people = _people(ledger)
    return (
        render_template(
            "workshops/vision.html",
            tenant=current_tenant(),
            w=workshop,
            vision=vision,
            ledger=ledger,
            rows=_rows(
                ledger, shown, people, hints, composes, stale, (bar or {}).get("checked", ())
            ),
            people=people,
            t=_texts(),
            shown=len(shown),
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
            insertions=ws.insertions(user, workshop, vision),
            # the name of each group by its number, for "Eingefügt: Vorschlag von …"
            group_names={
                r.number: helpers.group_name(r.number, len(r.member_names))
                for r in ledger.coverage.per_pair
            },
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
    dismiss = request.form.get("action") == "dismiss"
    try:
        if dismiss:  # the members as offered (hidden "key"), not the boxes left ticked
            members = [int_or_none(i) for i in request.form.get("key", "")[:20000].split("-")]
            ws.dismiss_group(current_user, workshop, [i for i in members if i])
        else:
            ws.accept_group(current_user, workshop, ids, request.form.get("label"))
    except DomainError as e:
        page_error(e)
        return render_workbench(workshop, e.status, error=message_of(e))
    if dismiss:
        flash(_("Der Vorschlag ist verworfen und wird nicht wieder angeboten."), "success")
    else:
        flash(
            _(
                "Die Gruppe ist gebildet. Eine Entscheidung für die Gruppe gilt für alle "
                "ihre Aspekte."
            ),
            "success",
        )
    return _back(workshop)


@bp.get("/<tenant_slug>/workshops/<int:workshop_id>/vision/vorschlaege")
def more_hints(workshop_id: int):  # type: ignore[no-untyped-def]
    """The suggested passages of every open aspect (those over the page's budget). For
    workbench.js (``Accept: application/json``): per row its button, escaped HTML; without
    JavaScript: back to the page, which now shows them (kept per process)."""
    workshop = ws.get_workshop(current_user, workshop_id)
    aspects = ws.ledger(current_user, workshop, records=True).aspects
    hints = ws.suggestions(current_user, workshop, aspects)
    if request.accept_mimetypes.best != "application/json":
        return _back(workshop)
    if not can(current_user, "vision.compose", workshop):
        return {"rows": {}}  # the buttons are the facilitator's
    label = {a.id: escape(a.label) for a in aspects}
    t_with = escape(_("Aufnehmen mit"))
    return {
        "rows": {
            str(i): _hint(i, found[0], label[i], t_with) for i, found in hints.passages.items()
        }
    }
