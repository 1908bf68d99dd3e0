"""Workshops for the report tests: a step-3 workshop with strengths and comments (one
participant agreed to be named), driven on to adoption through the real services."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from tests.workshops.factories import WorkshopSetup
from visionswerk import db as dbmod
from visionswerk.db import db
from visionswerk.tenants.models import User
from visionswerk.workshops import services as ws
from visionswerk.workshops.models import Aspect, Pair, PairProposal, Workshop

NAMED_NOTE = "Schöne Idee mit dem Dorfladen"
UNNAMED_NOTE = "Gut für die Älteren im Ort"
NAMED_COMMENT = "Bitte auch an die Vereine denken"
UNNAMED_COMMENT = "Wer betreut das Portal am Wochenende?"
FACILITATOR_COMMENT = "Das nehmen wir in die Vision auf"


def plenary_with_feedback(make: Any, **kwargs: Any) -> WorkshopSetup:
    """Step 3 with two strengths (one noted by a named person, one by someone who did not
    agree to be named) and three comments (named, unnamed, the facilitator's) on pair 1."""
    setup: WorkshopSetup = make.workshop(phase="plenary", participants=4, **kwargs)
    named, unnamed = setup.participants[0], setup.participants[1]
    with setup.scope():
        w = db.get(Workshop, setup.id)
        ws.set_name_consent(named, w, True)
        proposal = db.scalars(
            select(PairProposal)
            .join(Pair, Pair.id == PairProposal.pair_id)
            .where(Pair.workshop_id == setup.id, Pair.number == 1)
        ).one()
        ws.mark_strength(named, proposal, NAMED_NOTE)
        ws.mark_strength(unnamed, proposal, UNNAMED_NOTE)
        ws.add_comment(named, proposal, NAMED_COMMENT)
        ws.add_comment(unnamed, proposal, UNNAMED_COMMENT)
        ws.add_comment(setup.facilitator, proposal, FACILITATOR_COMMENT)
        dbmod.commit()
    return setup


def adopt(setup: WorkshopSetup, reason: str | None = None) -> None:
    """Compose the vision, decide every aspect (taken up, or set aside with ``reason``
    numbered per aspect), let the first participant sign and close signing."""
    with setup.scope():
        w = db.get(Workshop, setup.id)
        facilitator = db.get(User, setup.facilitator.id)
        aspects = db.scalars(
            select(Aspect).where(Aspect.workshop_id == setup.id).order_by(Aspect.id)
        ).all()
        lines = sorted({a.label for a in aspects})
        text = "Im Jahr 2035 ist unsere Gemeinde digital und nah.\n\n" + "\n".join(
            f"- {label}" for label in lines
        )
        ws.save_vision(facilitator, w, "Vision Musterhausen 2036", text, 0)
        for n, a in enumerate(aspects, 1):
            if reason is None:
                ws.take_up(facilitator, a, a.label)
            else:
                ws.set_aside(facilitator, a, reason.format(n=n))
        ws.open_signing(facilitator, w)
        signer = db.get(User, setup.participants[0].id)
        signatory, _ = ws.add_signatory(
            facilitator, w, user_id=signer.id, function="Bürgermeisterin"
        )
        ws.sign(signer, signatory, ws.current_version(w).sha256)
        ws.close_signing(facilitator, w)
        dbmod.commit()
