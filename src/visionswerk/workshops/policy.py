"""Permission rules of the 1-2-all workshop, registered with the one policy.

The privacy promise lives here: until step 1 closes (pairs confirmed) nobody but its
author may read a draft — not other participants, not the facilitator, not a
coordinator, not a platform admin. Coordinators never read private step-1 or pair
content (unless they take part in a workshop of their own region themselves).

Rules may be asked outside a tenant scope (e.g. for "my tasks"): their queries filter by
the workshop explicitly and say so with ``execution_options(all_tenants=True)``.

The facts the rules read from the database (who takes part, who is in which pair) are
remembered for the rest of the unit of work (:func:`_remembered`): a page asks ``can()``
a dozen times about the same workshop. The memory is forgotten on every flush, commit,
rollback and data-changing statement, and not used while the session holds unflushed
changes, so an answer never differs from asking the database again.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from sqlalchemy import event, select
from sqlalchemy.orm import ORMExecuteState, Session

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
FACTS = "policy_facts"  # the key of the memory in session.info
T = TypeVar("T")


# --- the memory of facts --------------------------------------------------------------


def _remembered(key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()``, asked once per unit of work. While the session holds changes not yet
    flushed, the database is asked (its autoflush sees them) and the flush forgets."""
    session = db()
    facts: dict[Hashable, Any] = session.info.setdefault(FACTS, {})
    if key in facts and not (session.new or session.dirty or session.deleted):
        return facts[key]  # type: ignore[no-any-return]
    value = compute()
    session.info.setdefault(FACTS, {})[key] = value  # (the autoflush may have forgotten)
    return value


def _know(key: Hashable, value: Any) -> None:
    """Remember a fact read along with something else (not while changes wait unflushed:
    it may be about to change)."""
    session = db()
    if not (session.new or session.dirty or session.deleted):
        session.info.setdefault(FACTS, {})[key] = value


def forget_facts(session: Session, *_args: Any) -> None:
    session.info.pop(FACTS, None)


for _name in ("after_flush", "after_commit", "after_soft_rollback"):
    event.listen(Session, _name, forget_facts)


@event.listens_for(Session, "do_orm_execute")
def _forget_on_change(state: ORMExecuteState) -> None:
    if not state.is_select:  # UPDATE, DELETE, INSERT or text() bypass the flush
        forget_facts(state.session)


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


def _participant_key(user: User, workshop: Workshop) -> Hashable:
    return ("participant", user.id, workshop.id)


def is_participant(user: User, workshop: Workshop) -> bool:
    return _remembered(
        _participant_key(user, workshop),
        lambda: (
            db.scalar(
                select(Participation.id)
                .where(Participation.workshop_id == workshop.id, Participation.user_id == user.id)
                .execution_options(all_tenants=True)
            )
            is not None
        ),
    )


def remember_participant(user: User, workshop: Workshop, participant: bool) -> None:
    """What ``is_participant`` would ask, read with the workshop (``get_workshop``)."""
    _know(_participant_key(user, workshop), bool(participant))


def groups_of_user(user_id: int, workshop_id: int) -> dict[int, int]:
    """The groups ``user_id`` belongs to in the workshop: {round: pair id} (round 1: the
    pair of step 2, round 2: the four)."""
    return _remembered(
        ("groups", user_id, workshop_id),
        lambda: dict(
            db.execute(
                select(PairMember.round, PairMember.pair_id)
                .where(PairMember.workshop_id == workshop_id, PairMember.user_id == user_id)
                .execution_options(all_tenants=True)
            ).all()
        ),
    )


def pair_of_user(user_id: int, workshop_id: int, round: int = 1) -> int | None:
    """The id of the group ``user_id`` belongs to in the workshop's ``round``, or None."""
    return groups_of_user(user_id, workshop_id).get(round)


def is_pair_member(user: User, pair: Pair) -> bool:
    return pair_of_user(user.id, pair.workshop_id, pair.round) == pair.id


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


@rule("projector.show")
def _show_projector(user: User, workshop: Workshop) -> bool:
    """The projector view ("Beamer-Ansicht") on the facilitator's second screen: those
    who run the workshop. It shows the room only what every participant may see now
    (workshops/projector.py asks the rules of participants, never the facilitator's)."""
    return manages(user, workshop)


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
    mine = groups_of_user(user.id, workshop.id)
    if pair_id in mine.values():
        return True
    if 2 in mine and pair_id in merged_into(mine[2]):  # a four reads its pairs' work
        return True
    if not everyone_reads_proposals(workshop):
        return False
    return manages(user, workshop) or is_participant(user, workshop)


def everyone_reads_proposals(workshop: Workshop) -> bool:
    """Whether every participant may read every pair's proposal (with its strengths and
    comments): from step 3 on. The projector shows them only then (projector.show)."""
    return workshop.step1_closed and workshop.phase in LATE_PHASES


def merged_into(four_id: int) -> frozenset[int]:
    """The ids of the pairs that merged into the four ``four_id``."""
    return _remembered(
        ("merged", four_id),
        lambda: frozenset(
            db.scalars(
                select(Pair.id)
                .where(Pair.merged_into_id == four_id)
                .execution_options(all_tenants=True)
            )
        ),
    )


@rule("feedback.read")
def _read_feedback(user: User, pair: Pair) -> bool:
    workshop = _workshop_of(pair)
    return workshop.step1_closed and is_pair_member(user, pair)


# the phase in which a round's groups work: pairs in step 2, fours in the round of four
WORK_PHASE = {1: Phase.PAIRS, 2: Phase.FOURS}


@rule("pair.work")
def _work_in_pair(user: User, pair: Pair) -> bool:
    """Feedback, the joint proposal, readiness: members of the group while their round
    runs (pairs in step 2, fours in the round of four)."""
    workshop = _workshop_of(pair)
    if workshop.phase != WORK_PHASE.get(pair.round) or not workshop.step1_closed:
        return False
    return is_pair_member(user, pair)


@rule("proposal.record_paper")
def _record_for_group(user: User, pair: Pair) -> bool:
    """In the room: the workshop's facilitator records a group's proposal written on paper,
    or "fertig" for a member without a device, while the group's round runs."""
    workshop = _workshop_of(pair)
    if workshop.phase != WORK_PHASE.get(pair.round) or not workshop.step1_closed:
        return False
    return manages(user, workshop)


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


@rule("signature.record_paper")
def _record_paper(user: User, workshop: Workshop) -> bool:
    """A signature given with a pen on the printed sheet is recorded by the workshop's
    facilitator, while the version is being signed."""
    return workshop.phase == Phase.SIGNING and manages(user, workshop)


@rule("signature.scan")
def _read_scan(user: User, workshop: Workshop) -> bool:
    """The scan of a paper signature shows a handwritten signature: the workshop's
    facilitators only (not the region, not the other signers)."""
    return manages(user, workshop)


@rule("draft.record_paper")
def _record_paper_draft(user: User, workshop: Workshop) -> bool:
    """A draft written on paper is recorded by the workshop's facilitator while step 1 is
    open (until the pairs are confirmed)."""
    return (
        workshop.phase in (Phase.INDIVIDUAL, Phase.PAIRS)
        and not workshop.step1_closed
        and manages(user, workshop)
    )
