"""What each reader gets back: the answers of ``/api/v1`` built from what the services
hand out, as the models of ``models.py``.

The decisions *what* a reader may see are the services' and the policy's (the services
only return what the actor may read; ``drafts.contributors`` decides whether a step-1
author is named). The few that depend on the reader's role are here, in one place, and
marked: the facilitator's extras of a workshop and of the pairing, the vision text of a
version being signed, the account id beside a name shown with consent. Everything else
is shape, and the shape is the model's.
"""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask_babel import gettext as _

from visionswerk.db import db
from visionswerk.i18n import N_
from visionswerk.platform.api import models as m
from visionswerk.platform.api.models import html
from visionswerk.tenants.models import User
from visionswerk.tenants.policy import can
from visionswerk.visions.overview import PHASE_LABELS  # one set of phase names
from visionswerk.workshops import services as ws
from visionswerk.workshops.drafts import Contributor
from visionswerk.workshops.lifecycle import DEADLINE_PHASES
from visionswerk.workshops.models import (
    Aspect,
    AspectGroup,
    Comment,
    DraftFeedback,
    Pair,
    PairProposal,
    Phase,
    ProposalFeedback,
    Signatory,
    Signature,
    VisionDraft,
    VisionVersion,
    Workshop,
)
from visionswerk.workshops.signing import version_by_id

TASK_LABELS = {
    ws.TaskKind.WRITE_DRAFT: N_("Entwurf schreiben und einreichen"),
    ws.TaskKind.GIVE_FEEDBACK: N_("Rückmeldung zu den Entwürfen Ihrer Partner geben"),
    ws.TaskKind.WRITE_PROPOSAL: N_("Gemeinsamen Vorschlag schreiben"),
    ws.TaskKind.MARK_READY: N_("Gemeinsamen Vorschlag als fertig markieren"),
    ws.TaskKind.MARK_STRENGTHS: N_("Stärken der Vorschläge markieren"),
    ws.TaskKind.CONFIRM_PAIRS: N_("Paare prüfen und bestätigen"),
    ws.TaskKind.START_FROM_PARENT: N_("Gleich mit Schritt 3 beginnen (Aussagen der Vision)"),
    ws.TaskKind.SKIP_PAIRS: N_("Einzelarbeit beenden und gleich alle zusammen weiterarbeiten"),
    ws.TaskKind.OPEN_FOURS: N_("Die Runde zu viert beginnen"),
    ws.TaskKind.OPEN_PLENARY: N_("Schritt 3 öffnen: Alle zusammen"),
    ws.TaskKind.COMPOSE_VISION: N_("Vision formulieren und Aspekte entscheiden"),
    ws.TaskKind.COLLECT_SIGNATURES: N_("Unterschriften sammeln und Vision beschließen"),
    ws.TaskKind.SIGN: N_("Vision unterschreiben"),
}


def phase(p: Phase) -> dict[str, str]:
    return {"phase": p.value, "phase_label": _(PHASE_LABELS[p])}


def person(user: User | None) -> m.Person | None:
    return None if user is None else m.Person(user_id=user.id, display_name=user.display_name)


def _name_of(user_id: int | None) -> str | None:
    user = db.get(User, user_id) if user_id is not None else None
    return user.display_name if user else None


def _calendar(t: ws.Task) -> str | None:
    """The API's address of the task's deadline as ``.ics`` (None without a deadline)."""
    if t.deadline is None or t.deadline_step is None:
        return None
    return url_for(
        "api.deadline_calendar",
        tenant_slug=t.tenant_slug,
        workshop_id=t.workshop_id,
        step=t.deadline_step.value,
    )


def task(t: ws.Task) -> m.Task:
    return m.Task(
        kind=t.kind,
        label=_(TASK_LABELS[t.kind]) if t.kind in TASK_LABELS else t.kind.value,
        workshop=m.TaskWorkshop(id=t.workshop_id, title=t.workshop_title),
        tenant=m.TaskTenant(id=t.tenant_id, slug=t.tenant_slug, name=t.tenant_name),
        **phase(t.phase),
        deadline=t.deadline,
        deadline_step=t.deadline_step.value if t.deadline_step else None,
        calendar=_calendar(t),
        pair_id=t.pair_id,
        signatory_id=t.signatory_id,
        count=t.count,
    )


# --- workshops ----------------------------------------------------------------------


def _workshop_fields(actor: User, w: Workshop) -> dict[str, Any]:
    return {
        "id": w.id,
        "title": w.title,
        "guiding_question": w.guiding_question,
        "guiding_question_html": html(w.guiding_question),
        **phase(w.phase),
        "deadlines": m.Deadlines(**{p.value: w.deadline(p) for p in DEADLINE_PHASES}),
        "reminder_offsets": list(w.reminder_offsets or []),
        "group_size": w.group_size,
        "group_rule": _(ws.remainder_rule(w.group_size)),
        "skip_pairs": w.skip_pairs,
        "pairs_skipped": w.pairs_skipped,
        "start_from_parent": w.start_from_parent,
        "individual_skipped": w.individual_skipped,
        "with_fours": w.with_fours,
        "fours_opened_at": w.fours_opened_at,
        "step1_closed": w.step1_closed,
        "pairs_confirmed_at": w.pairs_confirmed_at,
        "created_at": w.created_at,
        "updated_at": w.updated_at,
        "me": m.MyRights(
            manages=can(actor, "workshop.manage", w),
            sees_status=can(actor, "workshop.status", w),
            writes_draft=can(actor, "draft.write", w),
        ),
        "allowed_moves": [p.value for p in ws.allowed_moves(actor, w)],
    }


def workshop(actor: User, w: Workshop) -> m.Workshop:
    return m.Workshop(**_workshop_fields(actor, w))


def workshop_detail(actor: User, w: Workshop) -> m.WorkshopDetail:
    extras: dict[str, Any] = {}
    if can(actor, "workshop.status", w):  # privacy: who has submitted, never what
        extras["submissions"] = ws.submission_status(actor, w)
        extras["pair_progress"] = ws.pair_progress(actor, w)
    if can(actor, "workshop.manage", w):
        extras["invited_emails"] = list(w.invited_emails or [])
    return m.WorkshopDetail(
        **_workshop_fields(actor, w),
        participants=[person(u) for u in ws.participants(actor, w)],
        **extras,
    )


def pairing(actor: User, w: Workshop) -> m.Pairing:
    extras: dict[str, Any] = {}
    if can(actor, "workshop.status", w):  # the facilitator's view of the pairing
        unpaired = ws.unpaired(actor, w) if w.phase == Phase.PAIRS else []
        extras = {
            "seed": w.pairing_seed,
            "include_without_draft": w.pairs_include_without_draft,
            "unpaired": [
                m.Unpaired(user_id=u.id, display_name=u.display_name, submitted=submitted)
                for u, submitted in unpaired
            ],
        }
    pairs = [
        m.PairOfPeople(id=p.id, number=p.number, members=[person(x.user) for x in p.members])
        for p in ws.pairs(actor, w)
    ]
    return m.Pairing(workshop_id=w.id, confirmed=w.step1_closed, pairs=pairs, **extras)


# --- step 1 and 2 -------------------------------------------------------------------


def draft(d: Any, *, writable: bool) -> m.Draft:
    return m.Draft.of(d, writable=writable)


def pair(p: Pair) -> m.Pair:
    members = [
        m.PersonReady(user_id=x.user_id, display_name=x.user.display_name, ready=x.ready)
        for x in p.members
    ]
    return m.Pair(
        id=p.id, number=p.number, round=p.round, merged_into_id=p.merged_into_id, members=members
    )


def feedback(f: DraftFeedback) -> m.Feedback:
    return m.Feedback.model_validate({**_attrs(f, m.Feedback), "author": person(f.author)})


def proposal_feedback(f: ProposalFeedback) -> m.ProposalFeedback:
    return m.ProposalFeedback.model_validate(
        {**_attrs(f, m.ProposalFeedback), "author": person(f.author)}
    )


def sources(actor: User, four: Pair) -> list[m.FourSource]:
    """The round of four: its pairs' proposals with the feedback given within the four
    (the services: members of the four only, ``feedback.read``)."""
    given = ws.proposal_feedback_for(actor, four)
    return [
        m.FourSource(
            pair=pair(p),
            own=actor.id in p.member_ids,
            proposal=proposal(prop),
            feedback=[proposal_feedback(f) for f in given if f.proposal_id == prop.id],
        )
        for p, prop in ws.source_proposals(actor, four)
    ]


def proposal(p: PairProposal) -> m.Proposal:
    return m.Proposal(**_proposal_fields(p))


def _proposal_fields(p: PairProposal) -> dict[str, Any]:
    return {
        **_attrs(p, m.Proposal, "pair_number", "text_html", "updated_at", "updated_by"),
        "pair_number": p.pair.number,
        "text_html": html(p.text),
        "keywords": list(p.keywords),
        "updated_at": p.updated_at if p.version else None,
        "updated_by": _name_of(p.updated_by_id),
    }


def my_pair(actor: User, p: Pair) -> m.MyPair:
    partner_drafts = [
        m.PartnerDraft(
            id=d.id,
            author=person(d.author),
            keywords=list(d.keywords),
            text=d.text,
            text_html=html(d.text),
            submitted_at=d.submitted_at,
        )
        for d in ws.partner_drafts(actor, p)
    ]
    return m.MyPair(
        **pair(p).model_dump(),
        proposal=proposal(ws.proposal_of(actor, p)),
        partner_drafts=partner_drafts,
        feedback=[feedback(f) for f in ws.feedback_for(actor, p)],
        sources=sources(actor, p) if p.round == 2 else None,
        can_work=can(actor, "pair.work", p),
    )


def _attrs(obj: Any, model: type[m.Answer], *skip: str) -> dict[str, Any]:
    """The attributes of ``obj`` that ``model`` has fields for (minus ``skip``)."""
    return {name: getattr(obj, name) for name in model.model_fields if name not in skip}


# --- step 3 ---------------------------------------------------------------------------


def strength(s: Any) -> m.Strength:
    return m.Strength(user_id=s.user.id, display_name=s.user.display_name, note=s.note)


def comment(c: Comment) -> m.Comment:
    return m.Comment(
        id=c.id,
        proposal_id=c.proposal_id,
        author=person(c.author),
        text=c.text,
        text_html=html(c.text),
        created_at=c.created_at,
    )


def plenary(plen: ws.Plenary) -> m.Plenary:
    proposals = [
        m.PlenaryProposal(
            **_proposal_fields(v.proposal),
            members=[person(u) for u in v.members],
            strengths=[strength(s) for s in v.strengths],
            strength_count=len(v.strengths),
            marked_by_me=v.marked_by_me,
            comments=[comment(c) for c in v.comments],
        )
        for v in plen.proposals
    ]
    keywords = [
        m.DraftKeywords(
            draft_id=k.draft_id,
            # privacy: the account only where the name is shown (consent, or one's own)
            author=m.KeywordAuthor(
                user_id=k.author_id if k.author.name else None, display_name=k.author_name
            ),
            keywords=list(k.keywords),
        )
        for k in plen.draft_keywords
    ]
    return m.Plenary(workshop_id=plen.workshop.id, proposals=proposals, draft_keywords=keywords)


def strengths_of(actor: User, p: PairProposal) -> m.Strengths:
    items = list(p.strengths)
    return m.Strengths(
        proposal_id=p.id,
        strengths=[strength(s) for s in items],
        strength_count=len(items),
        marked_by_me=any(s.user_id == actor.id for s in items),
    )


def _share(s: Any) -> dict[str, Any]:
    return {
        "taken_up": s.taken_up,
        "set_aside": s.set_aside,
        "open": s.open,
        "total": s.total,
        "percent": s.percent,
    }


def coverage(c: ws.Coverage) -> m.Coverage:
    return m.Coverage(
        overall=m.Share(**_share(c.overall)),
        per_pair=[
            m.PairShare(
                pair_id=p.pair_id,
                number=p.number,
                member_names=list(p.member_names),
                **_share(p.share),
            )
            for p in c.per_pair
        ],
        per_participant=[
            m.ParticipantShare(user_id=p.user_id, display_name=p.display_name, **_share(p.share))
            for p in c.per_participant
        ],
    )


def aspect(a: Aspect, people: dict[int, Contributor]) -> m.Aspect:
    """``people``: how step-1 authors appear to the reader (``drafts.contributors``): a
    draft's author by name and account only with their consent, else "Beitrag A"."""
    provenance: m.FromPair | m.FromParticipant | m.FromParent
    if a.parent_version_id is not None:
        parent = version_by_id(a.parent_version_id)
        provenance = m.FromParent(
            parent_version_id=a.parent_version_id, parent_number=parent.number if parent else None
        )
    elif a.pair_id is not None:
        provenance = m.FromPair(pair_id=a.pair_id, pair_number=a.pair.number if a.pair else None)
    else:
        who = people.get(a.participant_id) if a.participant_id is not None else None
        provenance = m.FromParticipant(
            participant_id=a.participant_id if who and who.name else None,  # privacy
            participant_name=who.label if who else None,
        )
    return m.Aspect(
        id=a.id,
        label=a.label,
        source=a.source.value,
        provenance=provenance,
        group_id=a.group_id,
        status=a.status.value,
        passage=a.passage,
        reason=a.reason,
        decided_at=a.decided_at,
    )


def group(g: AspectGroup) -> m.AspectGroup:
    return m.AspectGroup(id=g.id, label=g.label, aspect_ids=[a.id for a in g.aspects])


def ledger(led: ws.Ledger) -> m.Ledger:
    return m.Ledger(
        aspects=[aspect(a, led.contributors) for a in led.aspects],
        groups=[group(g) for g in led.groups],
        coverage=coverage(led.coverage),
        open_count=led.open_count,
    )


def vision(v: VisionDraft) -> m.Vision:
    return m.Vision(
        workshop_id=v.workshop_id,
        title=v.title,
        text=v.text,
        text_html=html(v.text),
        version=v.version,
        updated_at=v.updated_at if v.version else None,
        updated_by=_name_of(v.updated_by_id),
    )


# --- signing ----------------------------------------------------------------------


def signature(s: Signature | None) -> m.Signature | None:
    if s is None:
        return None
    return m.Signature(
        name=s.name,
        function=s.function,
        sha256=s.sha256,
        signed_at=s.signed_at,
        kind="paper" if s.on_paper else "online",
        signed_on=s.signed_on,
        recorded_by=s.recorded_by_name,
        has_scan=s.scan_type is not None,
    )


def signatory(s: Signatory, actor: User) -> m.Signatory:
    return m.Signatory(
        id=s.id,
        kind="account" if s.user_id is not None else "named",
        user_id=s.user_id,
        name=s.name,
        function=s.function,
        is_me=s.user_id is not None and s.user_id == actor.id,
        signature=signature(s.signature),
    )


def embedded_parent(v: VisionVersion) -> m.EmbeddedParent | None:
    """The parent version ``v`` embeds (its hash is part of ``v``'s canonical form)."""
    from visionswerk.visions import services as vs

    embedded = vs.embedded_view(v)
    if embedded is None:
        return None
    return m.EmbeddedParent(
        tenant=m.TenantRef(slug=embedded.tenant.slug, name=embedded.tenant.name),
        id=embedded.version.id,
        number=embedded.version.number,
        sha256=embedded.version.sha256,
        statements=embedded.chosen,
        outdated=embedded.outdated,
    )


def signing_version(v: VisionVersion, *, with_text: bool) -> m.SigningVersion:
    data: dict[str, Any] = {}
    if with_text:
        data = {
            "text": v.text,
            "text_html": html(v.text),
            "canonical": v.canonical,
            "embedded_parent": embedded_parent(v),
            "verified": ws.verify(v),
        }
    return m.SigningVersion(
        id=v.id,
        number=v.number,
        title=v.title,
        sha256=v.sha256,
        created_at=v.created_at,
        adopted_at=v.adopted_at,
        **data,
    )


def signing(actor: User, w: Workshop, status: ws.SigningStatus | None) -> m.Signing:
    if status is None:
        return m.Signing(
            workshop_id=w.id,
            **phase(w.phase),
            version=None,
            signatories=[],
            signed_count=0,
            total=0,
            my_signatory_id=None,
        )
    mine = ws.my_signatory(actor, w)
    # privacy: the text only for readers of the vision (a named signer's link shows it)
    with_text = can(actor, "vision.read", status.version)
    return m.Signing(
        workshop_id=w.id,
        **phase(w.phase),
        version=signing_version(status.version, with_text=with_text),
        signatories=[signatory(s, actor) for s in status.signatories],
        signed_count=status.signed_count,
        total=status.total,
        my_signatory_id=mine.id if mine else None,
    )
