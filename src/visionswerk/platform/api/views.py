"""The routes of ``/api/v1``: thin views over the workshop services.

Every view loads the objects named in its URL first (another tenant's id, or an object
the user may not see, answers 404 before the body is even read), then reads the JSON
body, then calls one service. The services ask the policy; the request pipeline commits
once. Each route declares its shapes with ``@api`` (``spec.py``, ``models.py``); the
answers are built in ``answers.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Response, abort, current_app, g, request, url_for
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from visionswerk.errors import Conflict, NotAllowed, NotFound
from visionswerk.i18n import N_
from visionswerk.platform.api import answers as a
from visionswerk.platform.api import bp
from visionswerk.platform.api import models as m
from visionswerk.platform.api.fields import ID, INT32_MAX
from visionswerk.platform.api.spec import api, created
from visionswerk.platform.pipeline import current_tenant
from visionswerk.tenants.models import User
from visionswerk.tenants.policy import can
from visionswerk.workshops import services as ws
from visionswerk.workshops.drafts import contributors
from visionswerk.workshops.lifecycle import DEADLINE_PHASES
from visionswerk.workshops.models import Aspect, Phase, Workshop
from visionswerk.workshops.proposals import PROPOSAL_NOT_FOUND
from visionswerk.workshops.signing import NOT_SIGNING

TENANT = "/<tenant_slug>"
WORKSHOP = TENANT + f"/workshops/<{ID}:workshop_id>"


def me() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


#: how each id of a URL is loaded (NotFound: another tenant's, or not visible)
LOADERS: dict[str, Callable[[User, int], Any]] = {
    "workshop_id": ws.get_workshop,
    "pair_id": ws.get_pair,
    "proposal_id": ws.get_proposal,
    "aspect_id": ws.get_aspect,
    "group_id": ws.get_group,
}


def _source_of(actor: User, four: Any, proposal_id: int) -> Any:
    """A proposal named under a four (``/pairs/<four>/proposals/<id>``): one of the pairs
    merged into it; any other (another four's) is not there — 404, not 403."""
    for _pair, proposal in ws.source_proposals(actor, four):
        if proposal.id == proposal_id:
            return proposal
    raise NotFound(PROPOSAL_NOT_FOUND)


#: an id nested under another id of the URL is loaded through it: (outer, inner) → loader
NESTED_LOADERS: dict[tuple[str, str], Callable[[User, Any, int], Any]] = {
    ("pair_id", "proposal_id"): _source_of,
}


@bp.before_request
def _load_url_objects() -> None:
    """The objects named in the URL are loaded before the body is validated: another
    tenant's id answers 404 whatever the body (runs after authentication and CSRF)."""
    loaded = g.setdefault("url_objects", {})
    args = request.view_args or {}
    nested = {inner: outer for outer, inner in NESTED_LOADERS if outer in args and inner in args}
    for name, value in args.items():
        if name.endswith("_id") and not 1 <= value <= INT32_MAX:
            abort(404)  # no such row can exist; the number never reaches SQL
    for name, value in args.items():
        if name in LOADERS and name not in nested:
            loaded[name] = LOADERS[name](me(), value)
    for inner, outer in nested.items():
        loaded[inner] = NESTED_LOADERS[outer, inner](me(), loaded[outer], args[inner])


def url_object(name: str, value: int) -> Any:
    loaded = g.get("url_objects") or {}
    found = loaded.get(name)
    if found is not None and found.id == value:
        return found
    return LOADERS[name](me(), value)


def workshop(workshop_id: int) -> Workshop:
    return url_object("workshop_id", workshop_id)  # type: ignore[no-any-return]


# --- the user -----------------------------------------------------------------------


@bp.get("/me")
@api(ok=m.Me, tag="Me")
def get_me():  # type: ignore[no-untyped-def]
    """Who am I: account, memberships, and the CSRF token for session clients"""
    user = me()
    token_auth = bool(g.get("token_authenticated"))
    return m.Me(
        id=user.id,
        email=user.email,
        display_name=user.display_name,
        locale=user.locale,
        is_platform_admin=user.is_platform_admin,
        memberships=[
            m.Membership(tenant=m.Tenant.of(ms.tenant), role=ms.role.value)
            for ms in sorted(user.memberships, key=lambda ms: ms.tenant.name)
        ],
        authenticated_by="token" if token_auth else "session",
        # session clients send this back as X-CSRFToken on every change
        csrf_token=None if token_auth else generate_csrf(),
    )


@bp.get("/me/tasks")
@api(ok=m.TaskList, tag="Me")
def my_tasks():  # type: ignore[no-untyped-def]
    """My tasks across all tenants: what is mine to do now, by when"""
    return {"tasks": [a.task(t) for t in ws.my_tasks(me())]}


# --- workshops ----------------------------------------------------------------------

#: the services name a deadline ``deadline_<phase>``; the request says ``deadlines.<phase>``
DEADLINE_FIELDS = {f"deadline_{p.value}": f"deadlines.{p.value}" for p in DEADLINE_PHASES}


def _deadlines(deadlines: m.DeadlinesIn | None) -> dict[str, Any] | None:
    if deadlines is None:
        return None
    return {name: getattr(deadlines, name) for name in deadlines.model_fields_set}


@bp.get(TENANT + "/workshops")
@api(ok=m.WorkshopList, tag="Workshops")
def list_workshops():  # type: ignore[no-untyped-def]
    """Workshops I may see"""
    user = me()
    return {"workshops": [a.workshop(user, w) for w in ws.workshops_of(user, current_tenant())]}


@bp.post(TENANT + "/workshops")
@api(
    ok=m.WorkshopDetail,
    status=201,
    tag="Workshops",
    fields=DEADLINE_FIELDS,
    state_fields=("participant_ids",),
)
def create_workshop(json: m.WorkshopCreate):  # type: ignore[no-untyped-def]
    """Create a workshop (facilitators)"""
    user = me()
    w = ws.create_workshop(
        user,
        current_tenant(),
        json.title,
        json.guiding_question,
        _deadlines(json.deadlines),
        json.participant_ids,
        reminder_offsets=json.reminder_offsets,
        group_size=json.group_size,
        skip_pairs=json.skip_pairs,
        start_from_parent=json.start_from_parent,
        with_fours=json.with_fours,
    )
    return created(a.workshop_detail(user, w), url_for("api.get_workshop", workshop_id=w.id))


@bp.get(WORKSHOP)
@api(ok=m.WorkshopDetail, tag="Workshops")
def get_workshop(workshop_id: int):  # type: ignore[no-untyped-def]
    """A workshop"""
    return a.workshop_detail(me(), workshop(workshop_id))


@bp.patch(WORKSHOP)
@api(ok=m.WorkshopDetail, tag="Workshops", errors=(409,), fields=DEADLINE_FIELDS)
def update_workshop(workshop_id: int, json: m.WorkshopPatch):  # type: ignore[no-untyped-def]
    """Change title, guiding question, group size, variants, deadlines, reminders (what is sent)"""
    w = workshop(workshop_id)
    ws.update_workshop(
        me(),
        w,
        title=json.title,
        guiding_question=json.guiding_question,
        deadlines=_deadlines(json.deadlines),
        reminder_offsets=json.reminder_offsets,
        group_size=json.group_size,
        skip_pairs=json.skip_pairs,
        start_from_parent=json.start_from_parent,
        with_fours=json.with_fours,
    )
    return a.workshop_detail(me(), w)


@bp.post(WORKSHOP + "/participants")
@api(
    ok=m.WorkshopDetail,
    tag="Workshops",
    fields={"participant_ids": "user_ids"},
    state_fields=("participant_ids",),
)
def add_participants(workshop_id: int, json: m.ParticipantsAdd):  # type: ignore[no-untyped-def]
    """Add members of the tenant as participants"""
    w = workshop(workshop_id)
    ws.add_participants(me(), w, json.user_ids)
    return a.workshop_detail(me(), w)


@bp.post(WORKSHOP + "/phase")
@api(ok=m.WorkshopDetail, tag="Workshops", errors=(409,))
def move(workshop_id: int, json: m.PhaseMove):  # type: ignore[no-untyped-def]
    """Move the workshop to another step

    preparation → individual → pairs → plenary → signing → adopted (and back: pairs →
    individual before confirmation, signing → plenary; individual → plenary leaves out
    step 2 where the workshop chose it and fewer than four drafts are submitted;
    preparation → plenary starts from the parent vision's statements where chosen). A
    refused move is a 409 whose `detail` says why (`from`/`to`), and changes nothing."""
    w = workshop(workshop_id)
    options: dict[str, Any] = {}
    if json.to == Phase.PAIRS.value:  # only individual → pairs takes options
        options["include_without_draft"] = json.include_without_draft
        options["seed"] = json.seed
    ws.move(me(), w, json.to, **options)
    return a.workshop_detail(me(), w)


# --- pairing ------------------------------------------------------------------------


@bp.get(WORKSHOP + "/pairing")
@api(ok=m.Pairing, tag="Pairs")
def get_pairing(workshop_id: int):  # type: ignore[no-untyped-def]
    """The pairs (facilitators: also proposed ones, seed, unpaired people)"""
    return a.pairing(me(), workshop(workshop_id))


@bp.post(WORKSHOP + "/pairing/propose")
@api(ok=m.Pairing, tag="Pairs", errors=(409,))
def propose_pairs(workshop_id: int, json: m.PairingPropose):  # type: ignore[no-untyped-def]
    """Propose the pairs anew (before confirmation)"""
    w = workshop(workshop_id)
    ws.propose_pairs(me(), w, include_without_draft=json.include_without_draft, seed=json.seed)
    return a.pairing(me(), w)


@bp.post(WORKSHOP + "/pairing/swap")
@api(ok=m.Pairing, tag="Pairs", errors=(409,))
def swap_members(workshop_id: int, json: m.PairingSwap):  # type: ignore[no-untyped-def]
    """Swap two people between pairs"""
    w = workshop(workshop_id)
    ws.swap_members(me(), w, json.user_a_id, json.user_b_id)
    return a.pairing(me(), w)


@bp.post(WORKSHOP + "/pairing/move")
@api(ok=m.Pairing, tag="Pairs", errors=(409,))
def move_member(workshop_id: int, json: m.PairingMove):  # type: ignore[no-untyped-def]
    """Put someone into a pair, or out of every pair"""
    w = workshop(workshop_id)
    ws.move_member(me(), w, json.user_id, json.pair_id)
    return a.pairing(me(), w)


@bp.post(WORKSHOP + "/pairing/confirm")
@api(ok=m.Pairing, tag="Pairs", errors=(409,))
def confirm_pairs(workshop_id: int):  # type: ignore[no-untyped-def]
    """Confirm the pairs: step 1 closes"""
    w = workshop(workshop_id)
    ws.confirm_pairs(me(), w)
    return a.pairing(me(), w)


# --- step 1: my draft ---------------------------------------------------------------


def my_draft(w: Workshop) -> m.Draft:
    """The acting user's own draft in ``w`` as the API shows it."""
    user = me()
    return m.Draft.of(ws.draft_for(user, w), writable=can(user, "draft.write", w))


@bp.get(WORKSHOP + "/draft")
@api(ok=m.Draft, tag="Step 1")
def get_draft(workshop_id: int):  # type: ignore[no-untyped-def]
    """My step-1 draft (only ever my own)"""
    return my_draft(workshop(workshop_id))


@bp.put(WORKSHOP + "/draft")
@api(ok=m.Draft, tag="Step 1", conflict=m.DraftConflict)
def save_draft(workshop_id: int, json: m.DraftSave):  # type: ignore[no-untyped-def]
    """Replace my draft (keywords and text), optionally submitting it"""
    w = workshop(workshop_id)
    ws.save_draft(
        me(),
        w,
        keywords=json.keywords,
        text=json.text,
        base_version=json.base_version,
        submit=json.submit,
    )
    return my_draft(w)


@bp.patch(WORKSHOP + "/draft")
@api(ok=m.Draft, tag="Step 1", conflict=m.DraftConflict)
def change_draft(workshop_id: int, json: m.DraftPatch):  # type: ignore[no-untyped-def]
    """Change my draft's keywords or text (what is not sent stays), optionally submitting it"""
    w = workshop(workshop_id)
    stored = ws.draft_for(me(), w)
    ws.save_draft(
        me(),
        w,
        keywords=json.keywords if json.keywords is not None else _kept(stored, "keywords", []),
        text=json.text if json.text is not None else _kept(stored, "text", ""),
        base_version=json.base_version,
        submit=json.submit,
    )
    return my_draft(w)


def _kept(stored: Any, name: str, empty: Any) -> Any:
    return getattr(stored, name) if stored is not None else empty


@bp.post(WORKSHOP + "/draft/submit")
@api(ok=m.Draft, tag="Step 1", errors=(409, 422))
def submit_draft(workshop_id: int):  # type: ignore[no-untyped-def]
    """Submit my saved draft"""
    w = workshop(workshop_id)
    ws.submit_draft(me(), w)
    return my_draft(w)


@bp.put(WORKSHOP + "/draft/name-consent")
@api(ok=m.Draft, tag="Step 1", errors=(409,))
def set_name_consent(workshop_id: int, json: m.NameConsent):  # type: ignore[no-untyped-def]
    """Agree (or no longer agree) to be named beside my keywords in the process
    documentation; possible at any time"""
    w = workshop(workshop_id)
    ws.set_name_consent(me(), w, json.agreed)
    return my_draft(w)


@bp.post(WORKSHOP + "/draft/withdraw")
@api(ok=m.Draft, tag="Step 1", errors=(409,))
def withdraw_draft(workshop_id: int):  # type: ignore[no-untyped-def]
    """Take my submission back (while step 1 runs)"""
    w = workshop(workshop_id)
    ws.withdraw_submission(me(), w)
    return my_draft(w)


# --- step 2: my pair, feedback, the joint proposal ----------------------------------

PAIR = TENANT + f"/pairs/<{ID}:pair_id>"
PROPOSAL = TENANT + f"/proposals/<{ID}:proposal_id>"


def pair_of(pair_id: int):  # type: ignore[no-untyped-def]
    return url_object("pair_id", pair_id)


@bp.get(WORKSHOP + "/pair")
@api(ok=m.MyPairAnswer, tag="Step 2")
def get_my_pair(workshop_id: int):  # type: ignore[no-untyped-def]
    """My pair: members, partners' drafts (after confirmation), feedback, proposal"""
    w = workshop(workshop_id)
    pair = ws.pair_of(me(), w)
    return {"workshop_id": w.id, "pair": a.my_pair(me(), pair) if pair else None}


@bp.put(PAIR + "/feedback")
@api(ok=m.Feedback, tag="Step 2", errors=(409,))
def save_feedback(pair_id: int, json: m.FeedbackSave):  # type: ignore[no-untyped-def]
    """My feedback on a partner's draft: especially good / to sharpen"""
    pair = pair_of(pair_id)
    draft = ws.get_draft(me(), pair.workshop, json.draft_id)
    feedback = ws.save_feedback(
        me(), pair, draft, especially_good=json.especially_good, to_sharpen=json.to_sharpen
    )
    return a.feedback(feedback)


@bp.put(PAIR + f"/proposals/<{ID}:proposal_id>/feedback")
@api(ok=m.ProposalFeedback, tag="Step 2", errors=(409,))
def save_proposal_feedback(pair_id: int, proposal_id: int, json: m.ProposalFeedbackSave):  # type: ignore[no-untyped-def]
    """The round of four: my feedback on the other pair's proposal

    `pair_id` is my four, `proposal_id` one of its pairs' proposals (`sources` of
    `GET …/pair`); a proposal of another four is a 404, my own pair's a 422, and so is
    feedback with both texts blank."""
    four = pair_of(pair_id)
    proposal = url_object("proposal_id", proposal_id)
    given = ws.save_proposal_feedback(
        me(), four, proposal, especially_good=json.especially_good, to_sharpen=json.to_sharpen
    )
    return a.proposal_feedback(given)


@bp.get(PAIR + "/proposal")
@api(ok=m.Proposal, tag="Step 2")
def get_proposal(pair_id: int):  # type: ignore[no-untyped-def]
    """The pair's joint proposal"""
    return a.proposal(ws.proposal_of(me(), pair_of(pair_id)))


@bp.put(PAIR + "/proposal")
@api(ok=m.Proposal, tag="Step 2", conflict=m.ProposalConflict)
def save_proposal(pair_id: int, json: m.ProposalSave):  # type: ignore[no-untyped-def]
    """Replace the joint proposal, from the version the editor started from

    Two saves from the same `base_version`: the first wins (200, version + 1), the second
    is a 409 carrying both texts (`stored`, `submitted`); nothing is lost. Every save
    resets the members' readiness."""
    pair = pair_of(pair_id)
    proposal = ws.save_proposal(me(), pair, json.text, json.keywords, json.base_version)
    return a.proposal(proposal)


@bp.patch(PAIR + "/proposal")
@api(ok=m.Proposal, tag="Step 2", conflict=m.ProposalConflict)
def change_proposal(pair_id: int, json: m.ProposalPatch):  # type: ignore[no-untyped-def]
    """Change the joint proposal's text or keywords (what is not sent stays)"""
    pair = pair_of(pair_id)
    stored = ws.proposal_of(me(), pair)
    text = json.text if json.text is not None else stored.text
    keywords = json.keywords if json.keywords is not None else list(stored.keywords)
    return a.proposal(ws.save_proposal(me(), pair, text, keywords, json.base_version))


def _ready(pair_id: int, ready: bool) -> dict[str, Any]:
    pair = pair_of(pair_id)
    ws.mark_ready(me(), pair, ready)
    return a.pair(pair)


@bp.post(PAIR + "/ready")
@api(ok=m.Pair, tag="Step 2", errors=(409, 422))
def mark_ready(pair_id: int):  # type: ignore[no-untyped-def]
    """Mark the proposal ready (me)"""
    return _ready(pair_id, True)


@bp.delete(PAIR + "/ready")
@api(ok=m.Pair, tag="Step 2", errors=(409,))
def unmark_ready(pair_id: int):  # type: ignore[no-untyped-def]
    """Not ready after all (me)"""
    return _ready(pair_id, False)


# --- step 3: plenary, strengths, comments -------------------------------------------


@bp.get(WORKSHOP + "/plenary")
@api(ok=m.Plenary, tag="Step 3")
def get_plenary(workshop_id: int):  # type: ignore[no-untyped-def]
    """Step 3: every pair's proposal, strengths, comments, and all drafts' keywords"""
    return a.plenary(ws.plenary_overview(me(), workshop(workshop_id)))


@bp.post(PROPOSAL + "/strengths")
@api(ok=m.Strengths, tag="Step 3", errors=(409,))
def mark_strength(proposal_id: int, json: m.StrengthMark):  # type: ignore[no-untyped-def]
    """Mark a strength of the proposal (with an optional note)"""
    proposal = url_object("proposal_id", proposal_id)
    ws.mark_strength(me(), proposal, json.note)
    return a.strengths_of(me(), proposal)


@bp.delete(PROPOSAL + "/strengths")
@api(ok=m.Strengths, tag="Step 3", errors=(409,))
def unmark_strength(proposal_id: int):  # type: ignore[no-untyped-def]
    """Take my strength mark back"""
    proposal = url_object("proposal_id", proposal_id)
    ws.unmark_strength(me(), proposal)
    return a.strengths_of(me(), proposal)


@bp.get(PROPOSAL + "/comments")
@api(ok=m.CommentList, tag="Step 3")
def list_comments(proposal_id: int):  # type: ignore[no-untyped-def]
    """Comments on the proposal"""
    proposal = url_object("proposal_id", proposal_id)
    comments = sorted(proposal.comments, key=lambda c: (c.created_at, c.id))
    return {"proposal_id": proposal.id, "comments": [a.comment(c) for c in comments]}


@bp.post(PROPOSAL + "/comments")
@api(ok=m.Comment, status=201, tag="Step 3", errors=(409,))
def add_comment(proposal_id: int, json: m.CommentCreate):  # type: ignore[no-untyped-def]
    """Comment on the proposal"""
    proposal = url_object("proposal_id", proposal_id)
    return created(a.comment(ws.add_comment(me(), proposal, json.text)))


# --- step 3: the aspect ledger and the vision ---------------------------------------


@bp.get(WORKSHOP + "/ledger")
@api(ok=m.Ledger, tag="Step 3")
def get_ledger(workshop_id: int):  # type: ignore[no-untyped-def]
    """The aspect ledger: aspects with provenance and decisions, groups, coverage"""
    return a.ledger(ws.ledger(me(), workshop(workshop_id)))


def _aspect(aspect: Aspect) -> dict[str, Any]:
    people = contributors(me(), ws.get_workshop(me(), aspect.workshop_id))
    return a.aspect(aspect, people)


@bp.put(TENANT + f"/aspects/<{ID}:aspect_id>/decision")
@api(ok=m.Aspect, tag="Step 3", state_fields=("passage",))
def decide_aspect(aspect_id: int, json: m.Decision):  # type: ignore[no-untyped-def]
    """Take the aspect up (with the passage) or set it aside (with a reason)"""
    aspect = url_object("aspect_id", aspect_id)
    if json.status == "taken_up":
        ws.take_up(me(), aspect, json.passage)
    else:
        ws.set_aside(me(), aspect, json.reason)
    return _aspect(aspect)


@bp.delete(TENANT + f"/aspects/<{ID}:aspect_id>/decision")
@api(ok=m.Aspect, tag="Step 3", errors=(409,))
def reopen_aspect(aspect_id: int):  # type: ignore[no-untyped-def]
    """Open the aspect again"""
    aspect = url_object("aspect_id", aspect_id)
    ws.reopen_aspect(me(), aspect)
    return _aspect(aspect)


@bp.post(WORKSHOP + "/aspect-groups")
@api(ok=m.AspectGroup, status=201, tag="Step 3", errors=(409,))
def group_aspects(workshop_id: int, json: m.AspectGroupCreate):  # type: ignore[no-untyped-def]
    """Group similar aspects"""
    w = workshop(workshop_id)
    return created(a.group(ws.group_aspects(me(), w, json.aspect_ids, json.label)))


@bp.put(TENANT + f"/aspect-groups/<{ID}:group_id>/decision")
@api(ok=m.AspectGroupDecided, tag="Step 3", state_fields=("passage",))
def decide_group(group_id: int, json: m.Decision):  # type: ignore[no-untyped-def]
    """Decide every aspect of the group at once"""
    group = url_object("group_id", group_id)
    if json.status == "taken_up":
        aspects = ws.decide_group(me(), group, passage=json.passage or "")
    else:
        aspects = ws.decide_group(me(), group, reason=json.reason or "")
    people = contributors(me(), ws.get_workshop(me(), group.workshop_id))
    return m.AspectGroupDecided(
        **a.group(group).model_dump(), aspects=[a.aspect(x, people) for x in aspects]
    )


@bp.delete(TENANT + f"/aspect-groups/<{ID}:group_id>")
@api(ok=None, status=204, tag="Step 3", errors=(409,))
def dissolve_group(group_id: int):  # type: ignore[no-untyped-def]
    """Dissolve the group (its aspects keep their decisions)"""
    ws.dissolve_group(me(), url_object("group_id", group_id))
    return Response(status=204)


@bp.get(WORKSHOP + "/vision")
@api(ok=m.Vision, tag="Step 3")
def get_workshop_vision(workshop_id: int):  # type: ignore[no-untyped-def]
    """The vision text being composed"""
    return a.vision(ws.vision_draft(me(), workshop(workshop_id)))


@bp.put(WORKSHOP + "/vision")
@api(ok=m.Vision, tag="Step 3", conflict=m.VisionConflict)
def save_workshop_vision(workshop_id: int, json: m.VisionSave):  # type: ignore[no-untyped-def]
    """Replace the vision's title and text, from the version the editor started from"""
    w = workshop(workshop_id)
    return a.vision(ws.save_vision(me(), w, json.title, json.text, json.base_version))


@bp.patch(WORKSHOP + "/vision")
# a title left out keeps the stored one, which is blank before the first save
@api(ok=m.Vision, tag="Step 3", conflict=m.VisionConflict, state_fields=("title",))
def change_workshop_vision(workshop_id: int, json: m.VisionPatch):  # type: ignore[no-untyped-def]
    """Change the vision's title or text (what is not sent stays)"""
    w = workshop(workshop_id)
    stored = ws.vision_draft(me(), w)
    title = json.title if json.title is not None else stored.title
    text = json.text if json.text is not None else stored.text
    return a.vision(ws.save_vision(me(), w, title, text, json.base_version))


# --- signing ------------------------------------------------------------------------


@bp.get(WORKSHOP + "/signing")
@api(ok=m.Signing, tag="Signing")
def get_signing(workshop_id: int):  # type: ignore[no-untyped-def]
    """The version being signed (text, SHA-256, canonical form) and its signatories"""
    w = workshop(workshop_id)
    return a.signing(me(), w, ws.signing_status(me(), w))


@bp.post(WORKSHOP + "/signatories")
@api(ok=m.SignatoryCreated, status=201, tag="Signing", errors=(409,))
def add_signatory(workshop_id: int, json: m.SignatoryCreate):  # type: ignore[no-untyped-def]
    """List a signatory: an account of the tenant or a named person"""
    w = workshop(workshop_id)
    signatory, token = ws.add_signatory(
        me(),
        w,
        user_id=json.user_id,
        name=json.name,
        function=json.function,
        link_days=current_app.config["VISIONSWERK"].signing_link_days,
    )
    # a named person signs through a single-use link built from this token; it is
    # shown only now
    return created({"signatory": a.signatory(signatory, me()), "link_token": token})


@bp.post(WORKSHOP + "/signatures")
@api(ok=m.SignatureCreated, status=201, tag="Signing", conflict=m.SigningConflict)
def sign(workshop_id: int, json: m.SignatureCreate):  # type: ignore[no-untyped-def]
    """Sign the current version as a listed account signatory

    `hash` must be the SHA-256 of the version the signer read; any other hash (a new
    version) is a 409 `anderer-text` with `current_sha256`."""
    w = workshop(workshop_id)
    signatory = ws.my_signatory(me(), w)
    if signatory is None:
        if w.phase != Phase.SIGNING:
            raise Conflict(NOT_SIGNING)
        raise NotAllowed(N_("Sie stehen nicht auf der Liste der Unterzeichnenden."))
    signature = ws.sign(me(), signatory, json.hash)
    return created({"signatory_id": signatory.id, "signature": a.signature(signature)})
