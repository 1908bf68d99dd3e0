"""Permission rules of the 1-2-all workshop, registered with the one policy.

The privacy promise lives here: until step 1 closes (pairs confirmed) nobody but its
author may read a draft — not other participants, not the facilitator, not a
coordinator, not a platform admin. Coordinators never read private step-1 or pair
content (unless they take part in a workshop of their own region themselves).

Rules may be asked outside a tenant scope (e.g. for "my tasks"): their queries filter by
the workshop explicitly and say so with ``execution_options(all_tenants=True)``.
"""

from __future__ import annotations

from sqlalchemy import select

from visionswerk.db import db
from visionswerk.tenants.models import Role, Tenant, TenantKind, User
from visionswerk.tenants.policy import roles_in, rule
from visionswerk.workshops.models import (
    Draft,
    Pair,
    PairMember,
    PairProposal,
    Participation,
    Phase,
    Signatory,
    VisionVersion,
    Workshop,
)

LATE_PHASES = frozenset({Phase.PLENARY, Phase.SIGNING, Phase.ADOPTED})


# --- facts ------------------------------------------------------------------------


def may_run_workshops_in(user: User, tenant: Tenant) -> bool:
    """Facilitators of the tenant; coordinators only in their own region tenant."""
    roles = roles_in(user, tenant)
    if Role.FACILITATOR in roles:
        return True
    if tenant.kind == TenantKind.REGION:
        return any(
            m.tenant_id == tenant.id and m.role == Role.COORDINATOR for m in user.memberships
        )
    return False


def manages(user: User, workshop: Workshop) -> bool:
    return may_run_workshops_in(user, workshop.tenant)


def is_participant(user: User, workshop: Workshop) -> bool:
    return (
        db.scalar(
            select(Participation.id)
            .where(Participation.workshop_id == workshop.id, Participation.user_id == user.id)
            .execution_options(all_tenants=True)
        )
        is not None
    )


def pair_of_user(user_id: int, workshop_id: int) -> int | None:
    """The id of the pair ``user_id`` belongs to in the workshop, or None."""
    return db.scalar(
        select(PairMember.pair_id)
        .where(PairMember.workshop_id == workshop_id, PairMember.user_id == user_id)
        .execution_options(all_tenants=True)
    )


def is_pair_member(user: User, pair: Pair) -> bool:
    return pair_of_user(user.id, pair.workshop_id) == pair.id


def _workshop_of(obj: Draft | Pair | PairProposal) -> Workshop:
    # the object was loaded legitimately; its workshop usually sits in the identity map
    workshop = db.get(Workshop, obj.workshop_id, execution_options={"all_tenants": True})
    assert workshop is not None
    return workshop


def reads_all_keywords(user: User, workshop: Workshop) -> bool:
    """May ``user`` read the keywords of every submitted draft of ``workshop``? From
    step 3 on: its participants and facilitators."""
    if workshop.phase not in LATE_PHASES or not workshop.step1_closed:
        return False
    return manages(user, workshop) or is_participant(user, workshop)


# --- workshops --------------------------------------------------------------------


@rule("workshop.create")
def _create(user: User, tenant: Tenant) -> bool:
    return may_run_workshops_in(user, tenant)


@rule("workshop.manage")
def _manage(user: User, workshop: Workshop) -> bool:
    return manages(user, workshop)


@rule("workshop.invite")
def _invite(user: User, workshop: Workshop) -> bool:
    return manages(user, workshop) and workshop.phase in (Phase.PREPARATION, Phase.INDIVIDUAL)


@rule("workshop.status")
def _status(user: User, workshop: Workshop) -> bool:
    """Who has submitted, pair progress, coverage numbers, signatures collected: never
    content. Facilitators, the region's coordinators and platform admins."""
    return (
        user.is_platform_admin
        or manages(user, workshop)
        or Role.COORDINATOR in roles_in(user, workshop.tenant)
    )


@rule("workshop.view")
def _view(user: User, workshop: Workshop) -> bool:
    return _status(user, workshop) or is_participant(user, workshop)


# --- step 1 -----------------------------------------------------------------------


@rule("draft.write")
def _write_draft(user: User, workshop: Workshop) -> bool:
    """Own draft: from the start of step 1 until the pairs are confirmed."""
    open_ = workshop.phase == Phase.INDIVIDUAL or (
        workshop.phase == Phase.PAIRS and not workshop.step1_closed
    )
    return open_ and is_participant(user, workshop)


@rule("draft.open")
def _open_draft_page(user: User, workshop: Workshop) -> bool:
    """The page of one's own draft (read-only once step 1 is closed): participants."""
    return is_participant(user, workshop)


@rule("pairing.read")
def _read_pairing(user: User, workshop: Workshop) -> bool:
    """Who is in which pair (never content): the status readers at any time, the
    participants once the pairs are confirmed."""
    return _status(user, workshop) or (workshop.step1_closed and is_participant(user, workshop))


@rule("draft.name_consent")
def _name_consent(user: User, workshop: Workshop) -> bool:
    """Whether one's own name may stand in the process documentation: each participant
    decides it for themselves, at any time."""
    return is_participant(user, workshop)


@rule("draft.read")
def _read_draft(user: User, draft: Draft) -> bool:
    """Text and keywords: the author always; after step 1 closes, the members of the
    author's pair (submitted drafts only). Nobody else, whatever their role."""
    if draft.author_id == user.id:
        return True
    if not draft.submitted:
        return False
    workshop = _workshop_of(draft)
    if not workshop.step1_closed:
        return False
    mine = pair_of_user(user.id, workshop.id)
    return mine is not None and mine == pair_of_user(draft.author_id, workshop.id)


@rule("draft.read_keywords")
def _read_draft_keywords(user: User, draft: Draft) -> bool:
    """Keywords (not the text) of submitted drafts: every participant and the
    facilitator from step 3 on."""
    if _read_draft(user, draft):
        return True
    return draft.submitted and reads_all_keywords(user, _workshop_of(draft))


# --- step 2 -----------------------------------------------------------------------


@rule("pair.read", "proposal.read")
def _read_pair(user: User, target: Pair | PairProposal) -> bool:
    """A pair's members, feedback and proposal: its members once pairs are confirmed;
    in step 3 and later all participants and the facilitator (feedback stays with the
    pair, see feedback.read)."""
    workshop = _workshop_of(target)
    if not workshop.step1_closed:
        return False
    pair_id = target.id if isinstance(target, Pair) else target.pair_id
    if pair_of_user(user.id, workshop.id) == pair_id:
        return True
    if workshop.phase not in LATE_PHASES:
        return False
    return manages(user, workshop) or is_participant(user, workshop)


@rule("feedback.read")
def _read_feedback(user: User, pair: Pair) -> bool:
    workshop = _workshop_of(pair)
    return workshop.step1_closed and pair_of_user(user.id, workshop.id) == pair.id


@rule("pair.work")
def _work_in_pair(user: User, pair: Pair) -> bool:
    """Feedback, the joint proposal, readiness: members of the pair during step 2."""
    workshop = _workshop_of(pair)
    if workshop.phase != Phase.PAIRS or not workshop.step1_closed:
        return False
    return pair_of_user(user.id, workshop.id) == pair.id


# --- step 3 -----------------------------------------------------------------------


@rule("strength.mark", "proposal.comment")
def _endorse(user: User, proposal: PairProposal) -> bool:
    workshop = _workshop_of(proposal)
    if workshop.phase != Phase.PLENARY:
        return False
    return is_participant(user, workshop) or manages(user, workshop)


@rule("ledger.read", "plenary.read")
def _read_ledger(user: User, workshop: Workshop) -> bool:
    if workshop.phase not in LATE_PHASES:
        return False
    return manages(user, workshop) or is_participant(user, workshop)


@rule("vision.compose", "ledger.decide")
def _compose(user: User, workshop: Workshop) -> bool:
    return workshop.phase == Phase.PLENARY and manages(user, workshop)


# --- signing ----------------------------------------------------------------------


@rule("signatory.manage")
def _manage_signatories(user: User, workshop: Workshop) -> bool:
    return workshop.phase == Phase.SIGNING and manages(user, workshop)


@rule("sign")
def _sign(user: User, signatory: Signatory) -> bool:
    return signatory.user_id is not None and signatory.user_id == user.id


@rule("vision.read")
def _read_vision(user: User, version: VisionVersion) -> bool:
    """Adopted and imported versions: everybody of the tenant (and the region's
    coordinators, platform admins). A version being signed: the workshop's facilitators,
    participants and signatories. (Public pages: services.public_vision.)"""
    if version.adopted_at is not None or version.workshop_id is None:
        return user.is_platform_admin or bool(roles_in(user, version.tenant))
    workshop = db.scalar(
        select(Workshop)
        .where(Workshop.id == version.workshop_id)
        .execution_options(all_tenants=True)
    )
    if workshop is None:
        return False
    if manages(user, workshop) or is_participant(user, workshop):
        return True
    return (
        db.scalar(
            select(Signatory.id)
            .where(Signatory.version_id == version.id, Signatory.user_id == user.id)
            .execution_options(all_tenants=True)
        )
        is not None
    )
