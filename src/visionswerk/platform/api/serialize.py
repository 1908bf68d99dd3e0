"""JSON representations of the workshop domain for the API.

Only what the services hand out is serialised: privacy is decided by the services and
the policy, never here. Markdown fields come as typed (``text``) and rendered and
sanitised (``text_html``); datetimes are ISO 8601 in UTC.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_babel import gettext as _

from visionswerk.i18n import N_
from visionswerk.tenants.models import Tenant, User
from visionswerk.tenants.policy import can
from visionswerk.workshops import services as ws
from visionswerk.workshops.drafts import Contributor
from visionswerk.workshops.lifecycle import DEADLINE_PHASES
from visionswerk.workshops.models import (
    Aspect,
    AspectGroup,
    Comment,
    Draft,
    DraftFeedback,
    Pair,
    PairProposal,
    Phase,
    Signatory,
    Signature,
    Strength,
    VisionDraft,
    VisionVersion,
    Workshop,
)
from visionswerk.workshops.text import render_markdown

PHASE_LABELS = {
    Phase.PREPARATION: N_("Vorbereitung"),
    Phase.INDIVIDUAL: N_("Einzelarbeit"),
    Phase.PAIRS: N_("Arbeit zu zweit"),
    Phase.PLENARY: N_("Alle zusammen"),
    Phase.SIGNING: N_("Bestätigung"),
    Phase.ADOPTED: N_("Beschlossen"),
}


def iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def html(value: str | None) -> str:
    return render_markdown(value or "")


def person(user: User | None) -> dict[str, Any] | None:
    if user is None:
        return None
    return {"user_id": user.id, "display_name": user.display_name}


def tenant(t: Tenant) -> dict[str, Any]:
    return {"slug": t.slug, "name": t.name, "kind": t.kind.value}


def phase(p: Phase) -> dict[str, str]:
    return {"phase": p.value, "phase_label": _(PHASE_LABELS[p])}


# --- workshops ---------------------------------------------------------------------


def workshop(actor: User, w: Workshop) -> dict[str, Any]:
    return {
        "id": w.id,
        "title": w.title,
        "guiding_question": w.guiding_question,
        "guiding_question_html": html(w.guiding_question),
        **phase(w.phase),
        "deadlines": {p.value: iso(w.deadline(p)) for p in DEADLINE_PHASES},
        "reminder_offsets": list(w.reminder_offsets or []),
        "step1_closed": w.step1_closed,
        "pairs_confirmed_at": iso(w.pairs_confirmed_at),
        "created_at": iso(w.created_at),
        "updated_at": iso(w.updated_at),
        "me": {
            "manages": can(actor, "workshop.manage", w),
            "sees_status": can(actor, "workshop.status", w),
            "writes_draft": can(actor, "draft.write", w),
        },
        "allowed_moves": [p.value for p in ws.allowed_moves(actor, w)],
    }


def workshop_detail(actor: User, w: Workshop) -> dict[str, Any]:
    data = workshop(actor, w)
    data["participants"] = [person(u) for u in ws.participants(actor, w)]
    if can(actor, "workshop.status", w):
        # who has submitted and how far the pairs are — never what anybody wrote
        data["submissions"] = [
            {
                "user_id": s.user_id,
                "display_name": s.display_name,
                "submitted": s.submitted,
                "submitted_at": iso(s.submitted_at),
            }
            for s in ws.submission_status(actor, w)
        ]
        data["pair_progress"] = [pair_progress(p) for p in ws.pair_progress(actor, w)]
    if can(actor, "workshop.manage", w):
        data["invited_emails"] = list(w.invited_emails or [])
    return data


def pair_progress(p: ws.PairProgress) -> dict[str, Any]:
    return {
        "pair_id": p.pair_id,
        "number": p.number,
        "members": [
            {"user_id": m.user_id, "display_name": m.display_name, "ready": m.ready}
            for m in p.members
        ],
        "proposal_version": p.proposal_version,
        "has_text": p.has_text,
        "feedback_given": p.feedback_given,
        "feedback_expected": p.feedback_expected,
        "updated_at": iso(p.updated_at),
        "ready_count": p.ready_count,
        "all_ready": p.all_ready,
    }


# --- step 1 -----------------------------------------------------------------------


def draft(d: Draft | None, *, writable: bool) -> dict[str, Any]:
    """The actor's own draft (an empty one when nothing is saved yet)."""
    if d is None:
        return {
            "id": None,
            "keywords": [],
            "text": "",
            "text_html": "",
            "version": 0,
            "submitted": False,
            "submitted_at": None,
            "updated_at": None,
            "writable": writable,
            "name_in_documentation": False,
        }
    return {
        "id": d.id,
        "keywords": list(d.keywords),
        "text": d.text,
        "text_html": html(d.text),
        "version": d.version,
        "submitted": d.submitted,
        "submitted_at": iso(d.submitted_at),
        "updated_at": iso(d.updated_at),
        "writable": writable,
        "name_in_documentation": d.name_in_documentation,
    }


def partner_draft(d: Draft) -> dict[str, Any]:
    return {
        "id": d.id,
        "author": person(d.author),
        "keywords": list(d.keywords),
        "text": d.text,
        "text_html": html(d.text),
        "submitted_at": iso(d.submitted_at),
    }


# --- pairs ------------------------------------------------------------------------


def pair(p: Pair, *, with_ready: bool = True) -> dict[str, Any]:
    members = []
    for m in p.members:
        entry = {"user_id": m.user_id, "display_name": m.user.display_name}
        if with_ready:
            entry["ready"] = m.ready
        members.append(entry)
    return {"id": p.id, "number": p.number, "members": members}


def pairing(actor: User, w: Workshop) -> dict[str, Any]:
    status = can(actor, "workshop.status", w)
    data: dict[str, Any] = {
        "workshop_id": w.id,
        "confirmed": w.step1_closed,
        "pairs": [pair(p, with_ready=False) for p in ws.pairs(actor, w)],
    }
    if status:
        data["seed"] = w.pairing_seed
        data["include_without_draft"] = w.pairs_include_without_draft
        data["unpaired"] = (
            [
                {"user_id": u.id, "display_name": u.display_name, "submitted": submitted}
                for u, submitted in ws.unpaired(actor, w)
            ]
            if w.phase == Phase.PAIRS
            else []
        )
    return data


def feedback(f: DraftFeedback) -> dict[str, Any]:
    return {
        "id": f.id,
        "draft_id": f.draft_id,
        "author": person(f.author),
        "especially_good": f.especially_good,
        "to_sharpen": f.to_sharpen,
        "updated_at": iso(f.updated_at),
    }


def proposal(p: PairProposal) -> dict[str, Any]:
    return {
        "id": p.id,
        "pair_id": p.pair_id,
        "pair_number": p.pair.number,
        "text": p.text,
        "text_html": html(p.text),
        "keywords": list(p.keywords),
        "version": p.version,
        "updated_at": iso(p.updated_at) if p.version else None,
        "updated_by": _name_of(p.updated_by_id),
    }


def _name_of(user_id: int | None) -> str | None:
    if user_id is None:
        return None
    from visionswerk.db import db

    user = db.get(User, user_id)
    return user.display_name if user else None


def my_pair(actor: User, p: Pair) -> dict[str, Any]:
    data = pair(p)
    data["proposal"] = proposal(ws.proposal_of(actor, p))
    data["partner_drafts"] = [partner_draft(d) for d in ws.partner_drafts(actor, p)]
    data["feedback"] = [feedback(f) for f in ws.feedback_for(actor, p)]
    data["can_work"] = can(actor, "pair.work", p)
    return data


# --- step 3 -----------------------------------------------------------------------


def strength(s: Strength) -> dict[str, Any]:
    return {**(person(s.user) or {}), "note": s.note}


def comment(c: Comment) -> dict[str, Any]:
    return {
        "id": c.id,
        "proposal_id": c.proposal_id,
        "author": person(c.author),
        "text": c.text,
        "text_html": html(c.text),
        "created_at": iso(c.created_at),
    }


def plenary(plen: ws.Plenary) -> dict[str, Any]:
    return {
        "workshop_id": plen.workshop.id,
        "proposals": [
            {
                **proposal(v.proposal),
                "members": [person(u) for u in v.members],
                "strengths": [strength(s) for s in v.strengths],
                "strength_count": len(v.strengths),
                "marked_by_me": v.marked_by_me,
                "comments": [comment(c) for c in v.comments],
            }
            for v in plen.proposals
        ],
        "draft_keywords": [
            {
                "draft_id": k.draft_id,
                # the account only where the name is shown (consent, or the reader's own)
                "author": {
                    "user_id": k.author_id if k.author.name else None,
                    "display_name": k.author_name,
                },
                "keywords": list(k.keywords),
            }
            for k in plen.draft_keywords
        ],
    }


def strengths_of(actor: User, p: PairProposal) -> dict[str, Any]:
    items = list(p.strengths)
    return {
        "proposal_id": p.id,
        "strengths": [strength(s) for s in items],
        "strength_count": len(items),
        "marked_by_me": any(s.user_id == actor.id for s in items),
    }


def share(s: ws.Share) -> dict[str, Any]:
    return {
        "taken_up": s.taken_up,
        "set_aside": s.set_aside,
        "open": s.open,
        "total": s.total,
        "percent": s.percent,
    }


def coverage(c: ws.Coverage) -> dict[str, Any]:
    return {
        "overall": share(c.overall),
        "per_pair": [
            {
                "pair_id": p.pair_id,
                "number": p.number,
                "member_names": list(p.member_names),
                **share(p.share),
            }
            for p in c.per_pair
        ],
        "per_participant": [
            {"user_id": p.user_id, "display_name": p.display_name, **share(p.share)}
            for p in c.per_participant
        ],
    }


def aspect(a: Aspect, people: dict[int, Contributor]) -> dict[str, Any]:
    """``people``: how step-1 authors appear to the reader (``drafts.contributors``): a
    draft's author by name and account only with their consent, else "Beitrag A"."""
    if a.pair_id is not None:
        provenance: dict[str, Any] = {
            "pair_id": a.pair_id,
            "pair_number": a.pair.number if a.pair else None,
        }
    else:
        who = people.get(a.participant_id) if a.participant_id is not None else None
        provenance = {
            "participant_id": a.participant_id if who and who.name else None,
            "participant_name": who.label if who else None,
        }
    return {
        "id": a.id,
        "label": a.label,
        "source": a.source.value,
        "provenance": provenance,
        "group_id": a.group_id,
        "status": a.status.value,
        "passage": a.passage,
        "reason": a.reason,
        "decided_at": iso(a.decided_at),
    }


def group(g: AspectGroup) -> dict[str, Any]:
    return {"id": g.id, "label": g.label, "aspect_ids": [a.id for a in g.aspects]}


def ledger(led: ws.Ledger) -> dict[str, Any]:
    return {
        "aspects": [aspect(a, led.contributors) for a in led.aspects],
        "groups": [group(g) for g in led.groups],
        "coverage": coverage(led.coverage),
        "open_count": led.open_count,
    }


def vision(v: VisionDraft) -> dict[str, Any]:
    return {
        "workshop_id": v.workshop_id,
        "title": v.title,
        "text": v.text,
        "text_html": html(v.text),
        "version": v.version,
        "updated_at": iso(v.updated_at) if v.version else None,
        "updated_by": _name_of(v.updated_by_id),
    }


# --- signing ----------------------------------------------------------------------


def signature(s: Signature | None) -> dict[str, Any] | None:
    if s is None:
        return None
    return {
        "name": s.name,
        "function": s.function,
        "sha256": s.sha256,
        "signed_at": iso(s.signed_at),
    }


def signatory(s: Signatory, actor: User) -> dict[str, Any]:
    return {
        "id": s.id,
        "kind": "account" if s.user_id is not None else "named",
        "user_id": s.user_id,
        "name": s.name,
        "function": s.function,
        "is_me": s.user_id is not None and s.user_id == actor.id,
        "signature": signature(s.signature),
    }


def embedded_parent(v: VisionVersion) -> dict[str, Any] | None:
    """The parent version ``v`` embeds (its hash is part of ``v``'s canonical form)."""
    from visionswerk.visions import services as vs

    embedded = vs.embedded_view(v)
    if embedded is None:
        return None
    return {
        "tenant": {"slug": embedded.tenant.slug, "name": embedded.tenant.name},
        "id": embedded.version.id,
        "number": embedded.version.number,
        "sha256": embedded.version.sha256,
        "statements": embedded.chosen,
        "outdated": embedded.outdated,
    }


def version(v: VisionVersion, *, with_text: bool) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": v.id,
        "number": v.number,
        "title": v.title,
        "sha256": v.sha256,
        "created_at": iso(v.created_at),
        "adopted_at": iso(v.adopted_at),
    }
    if with_text:
        data["text"] = v.text
        data["text_html"] = html(v.text)
        data["canonical"] = v.canonical
        data["embedded_parent"] = embedded_parent(v)
        data["verified"] = ws.verify(v)
    return data


def signing(actor: User, w: Workshop, status: ws.SigningStatus | None) -> dict[str, Any]:
    if status is None:
        return {
            "workshop_id": w.id,
            **phase(w.phase),
            "version": None,
            "signatories": [],
            "signed_count": 0,
            "total": 0,
            "my_signatory_id": None,
        }
    mine = ws.my_signatory(actor, w)
    return {
        "workshop_id": w.id,
        **phase(w.phase),
        "version": version(status.version, with_text=can(actor, "vision.read", status.version)),
        "signatories": [signatory(s, actor) for s in status.signatories],
        "signed_count": status.signed_count,
        "total": status.total,
        "my_signatory_id": mine.id if mine else None,
    }


# --- my tasks ---------------------------------------------------------------------


TASK_LABELS = {
    ws.TaskKind.WRITE_DRAFT: N_("Entwurf schreiben und einreichen"),
    ws.TaskKind.GIVE_FEEDBACK: N_("Rückmeldung zu den Entwürfen Ihrer Partner geben"),
    ws.TaskKind.WRITE_PROPOSAL: N_("Gemeinsamen Vorschlag schreiben"),
    ws.TaskKind.MARK_READY: N_("Gemeinsamen Vorschlag als fertig markieren"),
    ws.TaskKind.MARK_STRENGTHS: N_("Stärken der Vorschläge markieren"),
    ws.TaskKind.CONFIRM_PAIRS: N_("Paare prüfen und bestätigen"),
    ws.TaskKind.COMPOSE_VISION: N_("Vision formulieren und Aspekte entscheiden"),
    ws.TaskKind.COLLECT_SIGNATURES: N_("Unterschriften sammeln und Vision beschließen"),
    ws.TaskKind.SIGN: N_("Vision unterschreiben"),
}


def task(t: ws.Task) -> dict[str, Any]:
    return {
        "kind": t.kind.value,
        "label": _(TASK_LABELS[t.kind]) if t.kind in TASK_LABELS else t.kind.value,
        "workshop": {"id": t.workshop_id, "title": t.workshop_title},
        "tenant": {"id": t.tenant_id, "slug": t.tenant_slug, "name": t.tenant_name},
        **phase(t.phase),
        "deadline": iso(t.deadline),
        "pair_id": t.pair_id,
        "signatory_id": t.signatory_id,
        "count": t.count,
    }
