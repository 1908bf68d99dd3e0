"""Workshop factories: ``make.workshop(tenant, phase="pairs", participants=7)``.

The workshop is driven through the real services up to the asked phase, so it is in a
state the product can reach. Returns a :class:`WorkshopSetup` with the workshop, its
tenant, the facilitator and the participants. Leaves the tenant scope as it was and
commits (a savepoint inside a test)."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from sqlalchemy import select

from visionswerk.db import db
from visionswerk.tenants.models import Role, Tenant, User
from visionswerk.tenants.scoping import tenant_scope
from visionswerk.workshops import services as ws
from visionswerk.workshops.models import Aspect, Pair, Phase, Signatory, Workshop

if TYPE_CHECKING:
    from tests.factories import Factory

PHASES = list(Phase)


@dataclasses.dataclass
class WorkshopSetup:
    workshop: Workshop
    tenant: Tenant
    facilitator: User
    participants: list[User]
    signatory: Signatory | None = None

    @property
    def id(self) -> int:
        return self.workshop.id

    def scope(self):  # type: ignore[no-untyped-def]
        return tenant_scope(self.tenant.id)


def draft_keywords(user: User) -> list[str]:
    return [f"Idee von {user.display_name}", "Glasfaser für alle"]


def proposal_keywords(pair: Pair) -> list[str]:
    return [f"Vorschlag {pair.number}", "Bürgerportal"]


def save_proposals(w: Workshop, round_: int) -> None:
    """Every group of ``round_`` saves a proposal (written by its first member)."""
    groups = db.scalars(select(Pair).where(Pair.workshop_id == w.id, Pair.round == round_))
    for pair in groups:
        member = db.get(User, pair.members[0].user_id)
        assert member is not None
        name = "Vierergruppe" if round_ == 2 else "Vorschlag"
        ws.save_proposal(
            member,
            pair,
            f"Gemeinsamer {name} {pair.number}: Wir leben gut vernetzt.",
            [f"{name} {pair.number}", "Bürgerportal"] if round_ == 2 else proposal_keywords(pair),
            pair.proposal.version if pair.proposal else 0,
        )


def make_workshop(
    make: Factory,
    tenant: Tenant | None = None,
    *,
    phase: Phase | str = Phase.PREPARATION,
    participants: int = 4,
    submitted: int | None = None,
    confirmed: bool = True,
    facilitator: User | None = None,
    title: str = "Unsere Gemeinde 2035",
    seed: int = 7,
    group_size: int = 2,
    with_fours: bool | None = None,
) -> WorkshopSetup:
    """A workshop in ``phase``: ``participants`` new members of the tenant take part,
    ``submitted`` of them (default all) submit a draft; for phase pairs the pairs are
    confirmed unless ``confirmed=False``; from plenary on every pair saved a proposal;
    from signing on every aspect is taken up and the first participant is a listed
    signatory; adopted: they signed. ``group_size``: step 2 in pairs, trios or fours;
    ``with_fours`` (default: only for phase fours): a round of four after the pairs, in
    which every four saved a proposal from plenary on."""
    target = Phase(phase)
    fours = target == Phase.FOURS if with_fours is None else with_fours
    tenant = tenant or make.municipality(make.region())
    facilitator = facilitator or make.user(tenant, Role.FACILITATOR)
    people = [make.user(tenant, Role.PARTICIPANT) for _ in range(participants)]
    submitted = participants if submitted is None else submitted
    setup: WorkshopSetup
    with tenant_scope(tenant.id):
        w = ws.create_workshop(
            facilitator,
            tenant,
            title,
            "Wie sieht unsere Kommune im Jahr 2035 aus?",
            participant_ids=[p.id for p in people],
            group_size=group_size,
            with_fours=fours,
        )
        setup = WorkshopSetup(w, tenant, facilitator, people)
        if PHASES.index(target) >= PHASES.index(Phase.INDIVIDUAL):
            ws.open_individual(facilitator, w)
        if PHASES.index(target) >= PHASES.index(Phase.PAIRS):
            for person in people[:submitted]:
                ws.save_draft(
                    person,
                    w,
                    keywords=draft_keywords(person),
                    text=f"Entwurf von {person.display_name}: Wir sind digital und nah.",
                    submit=True,
                )
            ws.open_pairs(facilitator, w, seed=seed)
            if confirmed or target != Phase.PAIRS:
                ws.confirm_pairs(facilitator, w)
        if PHASES.index(target) >= PHASES.index(Phase.FOURS):
            save_proposals(w, 1)
        if fours and PHASES.index(target) >= PHASES.index(Phase.FOURS):
            ws.open_fours(facilitator, w)
        if PHASES.index(target) >= PHASES.index(Phase.PLENARY):
            if fours:
                save_proposals(w, 2)
            ws.open_plenary(facilitator, w)
        if PHASES.index(target) >= PHASES.index(Phase.SIGNING):
            aspects = db.scalars(select(Aspect).where(Aspect.workshop_id == w.id)).all()
            lines = sorted({a.label for a in aspects})
            text = "Im Jahr 2035 ist unsere Gemeinde digital und nah.\n\n" + "\n".join(
                f"- {label}" for label in lines
            )
            ws.save_vision(facilitator, w, "Vision Gemeinde 2035", text, 0)
            for a in aspects:
                ws.take_up(facilitator, a, a.label)
            ws.open_signing(facilitator, w)
            setup.signatory, _ = ws.add_signatory(
                facilitator, w, user_id=people[0].id, function="Gemeinderat"
            )
        if target == Phase.ADOPTED:
            assert setup.signatory is not None
            version = ws.current_version(w)
            assert version is not None
            ws.sign(people[0], setup.signatory, version.sha256)
            ws.close_signing(facilitator, w)
        db.commit()
    return setup
