"""The routes of ``/api/v1``: thin views over the workshop services.

Every view loads the objects named in its URL first (another tenant's id, or an object
the user may not see, answers 404 before the body is even read), then reads the JSON
body, then calls one service. The services ask the policy; the request pipeline commits
once. ``openapi.py`` describes every route (a test keeps the two in step).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Response, g, request, url_for
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from pydantic import BaseModel

from visionswerk.errors import Conflict, NotAllowed
from visionswerk.i18n import N_
from visionswerk.platform.api import body as b
from visionswerk.platform.api import bp
from visionswerk.platform.api import models as m
from visionswerk.platform.api import serialize as s
from visionswerk.platform.api.fields import ID
from visionswerk.platform.api.problems import json_response
from visionswerk.platform.api.spec import api
from visionswerk.platform.pipeline import current_tenant
from visionswerk.tenants.accounts import InvalidField
from visionswerk.tenants.models import User
from visionswerk.tenants.policy import can
from visionswerk.workshops import services as ws
from visionswerk.workshops.drafts import contributors
from visionswerk.workshops.lifecycle import DEADLINE_PHASES
from visionswerk.workshops.models import Aspect, Phase, Workshop
from visionswerk.workshops.signing import NOT_SIGNING

TENANT = "/<tenant_slug>"
WORKSHOP = TENANT + f"/workshops/<{ID}:workshop_id>"


def me() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


def ok(data: Any, status: int = 200, location: str | None = None) -> Response:
    if isinstance(data, BaseModel):
        data = data.model_dump(mode="json", by_alias=True)
    response = json_response(data, status)
    if location:
        response.headers["Location"] = location
    return response


#: how each id of a URL is loaded (NotFound: another tenant's, or not visible)
LOADERS: dict[str, Callable[[User, int], Any]] = {
    "workshop_id": ws.get_workshop,
    "pair_id": ws.get_pair,
    "proposal_id": ws.get_proposal,
    "aspect_id": ws.get_aspect,
    "group_id": ws.get_group,
}


@bp.before_request
def _load_url_objects() -> None:
    """The objects named in the URL are loaded before the body is validated: another
    tenant's id answers 404 whatever the body (runs after authentication and CSRF)."""
    loaded = g.setdefault("url_objects", {})
    for name, value in (request.view_args or {}).items():
        if name in LOADERS:
            loaded[name] = LOADERS[name](me(), value)


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
def my_tasks():  # type: ignore[no-untyped-def]
    return ok({"tasks": [s.task(t) for t in ws.my_tasks(me())]})


# --- workshops ----------------------------------------------------------------------


def _deadlines(data: dict[str, Any]) -> dict[str, Any] | None:
    raw = data.get("deadlines")
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise InvalidField("deadlines", N_("„%(name)s“ muss ein Objekt sein."), name="deadlines")
    allowed = {p.value for p in DEADLINE_PHASES}
    result: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in allowed:
            raise InvalidField("deadlines", N_("Für diesen Schritt gibt es keine Frist."))
        result[key] = b.timestamp(value, f"deadline_{key}")
    return result


def _offsets(data: dict[str, Any]) -> list[int] | None:
    if data.get("reminder_offsets") is None:
        return None
    return b.integers(data, "reminder_offsets")


@bp.get(TENANT + "/workshops")
def list_workshops():  # type: ignore[no-untyped-def]
    user = me()
    return ok({"workshops": [s.workshop(user, w) for w in ws.workshops_of(user, current_tenant())]})


@bp.post(TENANT + "/workshops")
def create_workshop():  # type: ignore[no-untyped-def]
    data = b.json_body()
    user = me()
    w = ws.create_workshop(
        user,
        current_tenant(),
        b.text(data, "title") or "",
        b.text(data, "guiding_question") or "",
        _deadlines(data),
        b.integers(data, "participant_ids"),
        reminder_offsets=_offsets(data),
    )
    return ok(s.workshop_detail(user, w), 201, url_for("api.get_workshop", workshop_id=w.id))


@bp.get(WORKSHOP)
def get_workshop(workshop_id: int):  # type: ignore[no-untyped-def]
    return ok(s.workshop_detail(me(), workshop(workshop_id)))


@bp.patch(WORKSHOP)
def update_workshop(workshop_id: int):  # type: ignore[no-untyped-def]
    w = workshop(workshop_id)
    data = b.json_body()
    ws.update_workshop(
        me(),
        w,
        title=b.text(data, "title"),
        guiding_question=b.text(data, "guiding_question"),
        deadlines=_deadlines(data),
        reminder_offsets=_offsets(data),
    )
    return ok(s.workshop_detail(me(), w))


@bp.post(WORKSHOP + "/participants")
def add_participants(workshop_id: int):  # type: ignore[no-untyped-def]
    w = workshop(workshop_id)
    data = b.json_body()
    ws.add_participants(me(), w, b.integers(data, "user_ids", required=True))
    return ok(s.workshop_detail(me(), w))


@bp.post(WORKSHOP + "/phase")
def move(workshop_id: int):  # type: ignore[no-untyped-def]
    w = workshop(workshop_id)
    data = b.json_body()
    target = b.text(data, "to", required=True)
    options: dict[str, Any] = {}
    if target == Phase.PAIRS.value:  # only individual → pairs takes options
        options["include_without_draft"] = b.boolean(data, "include_without_draft")
        options["seed"] = b.integer(data, "seed")
    ws.move(me(), w, target or "", **options)
    return ok(s.workshop_detail(me(), w))


# --- pairing ------------------------------------------------------------------------


@bp.get(WORKSHOP + "/pairing")
def get_pairing(workshop_id: int):  # type: ignore[no-untyped-def]
    return ok(s.pairing(me(), workshop(workshop_id)))


@bp.post(WORKSHOP + "/pairing/propose")
def propose_pairs(workshop_id: int):  # type: ignore[no-untyped-def]
    w = workshop(workshop_id)
    data = b.json_body()
    ws.propose_pairs(
        me(),
        w,
        include_without_draft=b.boolean(data, "include_without_draft"),
        seed=b.integer(data, "seed"),
    )
    return ok(s.pairing(me(), w))


@bp.post(WORKSHOP + "/pairing/swap")
def swap_members(workshop_id: int):  # type: ignore[no-untyped-def]
    w = workshop(workshop_id)
    data = b.json_body()
    ws.swap_members(
        me(),
        w,
        b.integer(data, "user_a_id", required=True),  # type: ignore[arg-type]
        b.integer(data, "user_b_id", required=True),  # type: ignore[arg-type]
    )
    return ok(s.pairing(me(), w))


@bp.post(WORKSHOP + "/pairing/move")
def move_member(workshop_id: int):  # type: ignore[no-untyped-def]
    w = workshop(workshop_id)
    data = b.json_body()
    ws.move_member(
        me(),
        w,
        b.integer(data, "user_id", required=True),  # type: ignore[arg-type]
        b.integer(data, "pair_id"),
    )
    return ok(s.pairing(me(), w))


@bp.post(WORKSHOP + "/pairing/confirm")
def confirm_pairs(workshop_id: int):  # type: ignore[no-untyped-def]
    w = workshop(workshop_id)
    ws.confirm_pairs(me(), w)
    return ok(s.pairing(me(), w))


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
def submit_draft(workshop_id: int):  # type: ignore[no-untyped-def]
    w = workshop(workshop_id)
    ws.submit_draft(me(), w)
    return ok(my_draft(w))


@bp.put(WORKSHOP + "/draft/name-consent")
def set_name_consent(workshop_id: int):  # type: ignore[no-untyped-def]
    w = workshop(workshop_id)
    agreed = b.boolean(b.json_body(), "agreed")
    if agreed is None:
        raise InvalidField("agreed", N_("Bitte geben Sie „agreed“ an (true oder false)."))
    ws.set_name_consent(me(), w, agreed)
    return ok(my_draft(w))


@bp.post(WORKSHOP + "/draft/withdraw")
def withdraw_draft(workshop_id: int):  # type: ignore[no-untyped-def]
    w = workshop(workshop_id)
    ws.withdraw_submission(me(), w)
    return ok(my_draft(w))


# --- step 2: my pair, feedback, the joint proposal ----------------------------------


@bp.get(WORKSHOP + "/pair")
def get_my_pair(workshop_id: int):  # type: ignore[no-untyped-def]
    w = workshop(workshop_id)
    pair = ws.pair_of(me(), w)
    return ok({"workshop_id": w.id, "pair": s.my_pair(me(), pair) if pair else None})


@bp.put(TENANT + f"/pairs/<{ID}:pair_id>/feedback")
def save_feedback(pair_id: int):  # type: ignore[no-untyped-def]
    pair = ws.get_pair(me(), pair_id)
    data = b.json_body()
    draft = ws.get_draft(me(), pair.workshop, b.integer(data, "draft_id", required=True))  # type: ignore[arg-type]
    feedback = ws.save_feedback(
        me(),
        pair,
        draft,
        especially_good=b.text(data, "especially_good"),
        to_sharpen=b.text(data, "to_sharpen"),
    )
    return ok(s.feedback(feedback))


@bp.get(TENANT + f"/pairs/<{ID}:pair_id>/proposal")
def get_proposal(pair_id: int):  # type: ignore[no-untyped-def]
    pair = ws.get_pair(me(), pair_id)
    return ok(s.proposal(ws.proposal_of(me(), pair)))


@bp.put(TENANT + f"/pairs/<{ID}:pair_id>/proposal")
def save_proposal(pair_id: int):  # type: ignore[no-untyped-def]
    pair = ws.get_pair(me(), pair_id)
    data = b.json_body()
    proposal = ws.save_proposal(
        me(),
        pair,
        b.text(data, "text"),
        b.strings(data),
        b.integer(data, "base_version", required=True),  # type: ignore[arg-type]
    )
    return ok(s.proposal(proposal))


def _ready(pair_id: int, ready: bool) -> Response:
    pair = ws.get_pair(me(), pair_id)
    ws.mark_ready(me(), pair, ready)
    return ok(s.pair(pair))


@bp.post(TENANT + f"/pairs/<{ID}:pair_id>/ready")
def mark_ready(pair_id: int):  # type: ignore[no-untyped-def]
    return _ready(pair_id, True)


@bp.delete(TENANT + f"/pairs/<{ID}:pair_id>/ready")
def unmark_ready(pair_id: int):  # type: ignore[no-untyped-def]
    return _ready(pair_id, False)


# --- step 3: plenary, strengths, comments -------------------------------------------


@bp.get(WORKSHOP + "/plenary")
def get_plenary(workshop_id: int):  # type: ignore[no-untyped-def]
    return ok(s.plenary(ws.plenary_overview(me(), workshop(workshop_id))))


@bp.post(TENANT + f"/proposals/<{ID}:proposal_id>/strengths")
def mark_strength(proposal_id: int):  # type: ignore[no-untyped-def]
    proposal = ws.get_proposal(me(), proposal_id)
    data = b.json_body()
    ws.mark_strength(me(), proposal, b.text(data, "note") or "")
    return ok(s.strengths_of(me(), proposal))


@bp.delete(TENANT + f"/proposals/<{ID}:proposal_id>/strengths")
def unmark_strength(proposal_id: int):  # type: ignore[no-untyped-def]
    proposal = ws.get_proposal(me(), proposal_id)
    ws.unmark_strength(me(), proposal)
    return ok(s.strengths_of(me(), proposal))


@bp.get(TENANT + f"/proposals/<{ID}:proposal_id>/comments")
def list_comments(proposal_id: int):  # type: ignore[no-untyped-def]
    proposal = ws.get_proposal(me(), proposal_id)
    comments = sorted(proposal.comments, key=lambda c: (c.created_at, c.id))
    return ok({"proposal_id": proposal.id, "comments": [s.comment(c) for c in comments]})


@bp.post(TENANT + f"/proposals/<{ID}:proposal_id>/comments")
def add_comment(proposal_id: int):  # type: ignore[no-untyped-def]
    proposal = ws.get_proposal(me(), proposal_id)
    data = b.json_body()
    comment = ws.add_comment(me(), proposal, b.text(data, "text"))
    return ok(s.comment(comment), 201)


# --- step 3: the aspect ledger and the vision ---------------------------------------


@bp.get(WORKSHOP + "/ledger")
def get_ledger(workshop_id: int):  # type: ignore[no-untyped-def]
    return ok(s.ledger(ws.ledger(me(), workshop(workshop_id))))


def _decision(data: dict[str, Any]) -> tuple[str, str | None]:
    status = b.text(data, "status", required=True)
    if status == "taken_up":
        return status, b.text(data, "passage")
    if status == "set_aside":
        return status, b.text(data, "reason")
    raise InvalidField(
        "status",
        N_("„status“ ist entweder „taken_up“ (mit passage) oder „set_aside“ (mit reason)."),
    )


def _aspect(aspect: Aspect):  # type: ignore[no-untyped-def]
    people = contributors(me(), ws.get_workshop(me(), aspect.workshop_id))
    return ok(s.aspect(aspect, people))


@bp.put(TENANT + f"/aspects/<{ID}:aspect_id>/decision")
def decide_aspect(aspect_id: int):  # type: ignore[no-untyped-def]
    aspect = ws.get_aspect(me(), aspect_id)
    status, value = _decision(b.json_body())
    if status == "taken_up":
        ws.take_up(me(), aspect, value)
    else:
        ws.set_aside(me(), aspect, value)
    return _aspect(aspect)


@bp.delete(TENANT + f"/aspects/<{ID}:aspect_id>/decision")
def reopen_aspect(aspect_id: int):  # type: ignore[no-untyped-def]
    aspect = ws.get_aspect(me(), aspect_id)
    ws.reopen_aspect(me(), aspect)
    return _aspect(aspect)


@bp.post(WORKSHOP + "/aspect-groups")
def group_aspects(workshop_id: int):  # type: ignore[no-untyped-def]
    w = workshop(workshop_id)
    data = b.json_body()
    group = ws.group_aspects(
        me(), w, b.integers(data, "aspect_ids", required=True), b.text(data, "label")
    )
    return ok(s.group(group), 201)


@bp.put(TENANT + f"/aspect-groups/<{ID}:group_id>/decision")
def decide_group(group_id: int):  # type: ignore[no-untyped-def]
    group = ws.get_group(me(), group_id)
    status, value = _decision(b.json_body())
    if status == "taken_up":
        aspects = ws.decide_group(me(), group, passage=value or "")
    else:
        aspects = ws.decide_group(me(), group, reason=value or "")
    people = contributors(me(), ws.get_workshop(me(), group.workshop_id))
    return ok({**s.group(group), "aspects": [s.aspect(a, people) for a in aspects]})


@bp.delete(TENANT + f"/aspect-groups/<{ID}:group_id>")
def dissolve_group(group_id: int):  # type: ignore[no-untyped-def]
    group = ws.get_group(me(), group_id)
    ws.dissolve_group(me(), group)
    return Response(status=204)


@bp.get(WORKSHOP + "/vision")
def get_workshop_vision(workshop_id: int):  # type: ignore[no-untyped-def]
    return ok(s.vision(ws.vision_draft(me(), workshop(workshop_id))))


@bp.put(WORKSHOP + "/vision")
def save_workshop_vision(workshop_id: int):  # type: ignore[no-untyped-def]
    w = workshop(workshop_id)
    data = b.json_body()
    vision = ws.save_vision(
        me(),
        w,
        b.text(data, "title"),
        b.text(data, "text"),
        b.integer(data, "base_version", required=True),  # type: ignore[arg-type]
    )
    return ok(s.vision(vision))


# --- signing ------------------------------------------------------------------------


@bp.get(WORKSHOP + "/signing")
def get_signing(workshop_id: int):  # type: ignore[no-untyped-def]
    w = workshop(workshop_id)
    return ok(s.signing(me(), w, ws.signing_status(me(), w)))


@bp.post(WORKSHOP + "/signatories")
def add_signatory(workshop_id: int):  # type: ignore[no-untyped-def]
    w = workshop(workshop_id)
    data = b.json_body()
    signatory, token = ws.add_signatory(
        me(),
        w,
        user_id=b.integer(data, "user_id"),
        name=b.text(data, "name"),
        function=b.text(data, "function") or "",
    )
    # a named person signs through a single-use link built from this token; it is
    # shown only now
    return ok({"signatory": s.signatory(signatory, me()), "link_token": token}, 201)


@bp.post(WORKSHOP + "/signatures")
def sign(workshop_id: int):  # type: ignore[no-untyped-def]
    w = workshop(workshop_id)
    data = b.json_body()
    digest = b.text(data, "hash") or b.text(data, "sha256")
    if not digest:
        raise InvalidField(
            "hash", N_("Bitte geben Sie den SHA-256 des Textes an, den Sie unterschreiben.")
        )
    signatory = ws.my_signatory(me(), w)
    if signatory is None:
        if w.phase != Phase.SIGNING:
            raise Conflict(NOT_SIGNING)
        raise NotAllowed(N_("Sie stehen nicht auf der Liste der Unterzeichnenden."))
    signature = ws.sign(me(), signatory, digest)
    return ok(
        {"signatory_id": signatory.id, "signature": s.signature(signature)},
        201,
    )
